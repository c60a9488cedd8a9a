#include "mount/lambda_mount.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>

#include "fs/archive.h"
#include "fs/stack_report.h"
#include "fs/stack_rules.h"
#include "mount/logging.h"
#include "mount/stack_resolver.h"

namespace layerfs {

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "layerfs: %s\n", message.c_str());
  return 1;
}

}  // namespace

Result<LambdaMountFlags> TakeLambdaMountFlags(std::vector<std::string>& args) {
  LambdaMountFlags flags;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      rest.insert(rest.end(), args.begin() + long(i), args.end());
      break;
    }
    if (a == "--no-limits") {
      flags.no_limits = true;
    } else if (a == "--code") {
      if (i + 1 >= args.size() || args[i + 1].empty()) {
        return Status::InvalidArgument("--code needs the function's zip or directory");
      }
      flags.code = args[++i];
    } else if (a.starts_with("--code=")) {
      flags.code = a.substr(7);
      if (flags.code.empty()) {
        return Status::InvalidArgument("--code needs the function's zip or directory");
      }
    } else {
      rest.push_back(a);
    }
  }
  args = std::move(rest);
  return flags;
}

int PrepareLambdaMount(MountOptions& options, const LambdaMountFlags& flags) {
  // Findings go out like the mount's own log lines. A bad level is left
  // for the mount command to report as the usage error it is.
  if (!SetupLogging(options.log_level, LogTarget::kStderr).ok()) return 0;
  const bool from_function = !options.function_config.empty();
  Result<ResolvedStack> stack =
      from_function ? ResolveFunctionStack(options.function_config, options.store_dir)
                    : ResolveLayerArguments(options.layers, options.store_dir);
  if (!stack.ok()) return Fail(stack.status().message() + "; nothing mounted");
  if (!from_function) options.layers = stack->zips;

  for (size_t i = 0; i < stack->zips.size(); ++i) {
    // A zip that does not open is the mount's to report, in its own words.
    Result<std::unique_ptr<Archive>> archive = Archive::Open(stack->zips[i]);
    if (archive.ok()) stack->layers[i].unzipped_bytes = UnzippedBytes(**archive);
  }
  FunctionTarget target = TargetOf(*stack);
  if (!flags.code.empty()) {
    Result<uint64_t> code = MeasureFunctionCode(flags.code);
    if (!code.ok()) return Fail("--code: " + code.status().message());
    target.code_unzipped_bytes = *code;
  }

  std::vector<Finding> findings =
      CheckStackRules(stack->layers, target, RuleOptions{.enforce_layer_limit = !flags.no_limits});
  for (const Finding& f : findings) {
    // ResolveFunctionLayers, which gives a --function mount its zips next,
    // logs these two itself.
    if (from_function && (f.check == "deleted-version" ||
                          (f.check == "layer-limit" && f.severity != Severity::kError))) {
      continue;
    }
    if (f.severity == Severity::kError) {
      spdlog::error("{}", f.message);
    } else {
      // Notes too: a deleted version is worth seeing at the default level.
      spdlog::warn("{}", f.message);
    }
  }
  if (HasErrors(findings)) return Fail("Lambda would refuse this stack; nothing mounted");
  return 0;
}

}  // namespace layerfs
