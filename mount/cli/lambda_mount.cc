#include "mount/cli/lambda_mount.h"

#include <spdlog/spdlog.h>

#include <memory>

#include "fs/lambda/stack_report.h"
#include "fs/lambda/stack_rules.h"
#include "fs/lambda/stack_resolver.h"
#include "fs/union/open_layers.h"
#include "mount/remote_options.h"
#include "mount/stack_request.h"

namespace layerfs {

Result<LayerStack> OpenMountStack(MountOptions& options, const LambdaMountFlags* flags) {
  RemoteContext remote(options);
  return OpenMountStack(options, flags, remote);
}

Result<LayerStack> OpenMountStack(MountOptions& options, const LambdaMountFlags* flags,
                                  RemoteContext& remote) {
  Result<ResolvedStack> stack = ResolveMountStack(options);
  if (!stack.ok()) return stack.status();
  return OpenResolvedStack(std::move(*stack), options, flags, remote);
}

Result<ResolvedStack> ResolveMountStack(const MountOptions& options) {
  return ResolveStackRequest(StackRequest{.layers = options.layers,
                                          .function_config = options.function_config,
                                          .store_dir = options.store_dir},
                             options.aws);
}

Result<LayerStack> OpenResolvedStack(ResolvedStack stack, const MountOptions& options,
                                     const LambdaMountFlags* flags, RemoteContext& remote) {
  Result<LayerStack> opened = OpenLayers(stack.zips, remote.ForStack(stack, options.store_dir));
  if (!opened.ok()) return opened.status();
  LayerStack layers = std::move(*opened);
  for (size_t i = 0; i < layers.size(); ++i) {
    stack.layers[i].unzipped_bytes = UnzippedBytes(layers[i]->archive());
  }
  FunctionTarget target = TargetOf(stack);
  if (flags != nullptr && !flags->code.empty()) {
    Result<uint64_t> code = MeasureFunctionCode(flags->code);
    if (!code.ok()) return Status::InvalidArgument("--code: " + code.status().message());
    target.code_unzipped_bytes = *code;
  }
  if (flags == nullptr) {
    for (const std::string& w : ResolutionWarnings(stack)) spdlog::warn("{}", w);
    return layers;
  }
  std::vector<Finding> findings = CheckStackRules(
      stack.layers, target, RuleOptions{.enforce_layer_limit = !flags->no_limits});
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
