#include "mount/cli/lambda_mount.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>

#include "fs/lambda/layer_refresh.h"
#include "fs/lambda/stack_report.h"
#include "fs/lambda/stack_rules.h"
#include "fs/lambda/stack_resolver.h"
#include "fs/union/open_layers.h"
#include "mount/remote_options.h"

namespace layerfs {

Result<LayerStack> OpenMountStack(MountOptions& options, const LambdaMountFlags* flags) {
  const bool from_function = !options.function_config.empty();
  Result<ResolvedStack> stack =
      from_function
          ? ResolveFunctionToMount(options.function_config, options.store_dir, {&options.aws})
          : ResolveLayerArguments(options.layers, options.store_dir, {&options.aws});
  if (!stack.ok()) return stack.status();
  if (stack->zips.empty()) return Status::InvalidArgument("no layers to mount");
  options.layers = stack->zips;

  const RemoteOptions remote = MakeRemoteOptions(options, stack->zips);
  // Where a remote store version records a renewed URL; absolute, as the
  // daemon runs from "/".
  Result<std::string> store_dir = ResolveStoreDir(options.store_dir);
  if (store_dir.ok()) {
    std::error_code ec;
    std::filesystem::path absolute = std::filesystem::absolute(*store_dir, ec);
    if (!ec) *store_dir = absolute.string();
  }
  std::vector<RemoteOptions> per_layer;
  for (const StackLayer& layer : stack->layers) {
    per_layer.push_back(
        RemoteOptionsForLayer(layer, remote, store_dir.ok() ? *store_dir : ""));
  }
  Result<LayerStack> opened = OpenLayers(stack->zips, per_layer);
  if (!opened.ok()) return opened.status();
  LayerStack layers = std::move(*opened);
  for (size_t i = 0; i < layers.size(); ++i) {
    stack->layers[i].unzipped_bytes = UnzippedBytes(layers[i]->archive());
  }
  FunctionTarget target = TargetOf(*stack);
  if (flags != nullptr && !flags->code.empty()) {
    Result<uint64_t> code = MeasureFunctionCode(flags->code);
    if (!code.ok()) return Status::InvalidArgument("--code: " + code.status().message());
    target.code_unzipped_bytes = *code;
  }
  if (flags == nullptr) {
    for (const std::string& w : ResolutionWarnings(*stack)) spdlog::warn("{}", w);
    return layers;
  }
  std::vector<Finding> findings = CheckStackRules(
      stack->layers, target, RuleOptions{.enforce_layer_limit = !flags->no_limits});
  for (const Finding& f : findings) {
    if (f.severity == Severity::kError) {
      spdlog::error("{}", f.message);
    } else {
      // Notes too: a deleted version is worth seeing at the default level.
      spdlog::warn("{}", f.message);
    }
  }
  if (HasErrors(findings)) return Status::InvalidArgument("Lambda would refuse this stack");
  return layers;
}

}  // namespace layerfs
