// StackRequest: a layer stack as a user names it, before anything is
// resolved: layer arguments (zip paths, http(s):// and s3:// URLs, layer
// version ARNs) or a function configuration, and the layer store ARNs
// resolve through. It is what a daemon keeps to re-read on SIGHUP and what
// `layerfs remount` sends it (mount/control_channel.h), so that every path
// that takes a layer resolves it the one way `layerfs mount` does
// (ResolveStackRequest): the store first, then Lambda's GetLayerVersion
// with the mount's AWS settings; an ARN stays known to the daemon, which
// renews its expired presigned URL and checks CodeSha256 and CodeSize.
//
// Plain values and pure functions (ResolveStackRequest reads the store,
// the environment and may ask Lambda): safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fs/base/status.h"
#include "fs/lambda/stack_resolver.h"
#include "fs/source/aws_credentials.h"

namespace layerfs {

struct StackRequest {
  std::vector<std::string> layers;  // as named, in Layers order (last wins)
  std::string function_config;      // instead of layers
  std::string store_dir;            // "": the default store (ResolveStoreDir)

  // Nothing named: "re-read what is mounted".
  bool empty() const { return layers.empty() && function_config.empty(); }
  bool operator==(const StackRequest&) const = default;
};

// The request with relative paths (zips, the configuration, the store)
// made absolute against this process's working directory, for a daemon
// whose own may differ; ARNs and URLs are kept as they are. A name that
// holds a newline cannot cross the control channel and is refused,
// naming it.
Result<StackRequest> MakeAbsolute(StackRequest request);

// The wire form of a request: one "KEY VALUE" line per field ("layer",
// repeated, in order; "function"; "store"), ended by an empty line. An
// empty request is the empty line alone.
std::string EncodeStackRequest(const StackRequest& request);
// The inverse; an unknown key is an error naming it.
Result<StackRequest> DecodeStackRequest(std::string_view text);

// Resolves the request as `layerfs mount` does: the function
// configuration through the store, or each argument (an ARN through the
// store, then, with `aws`, Lambda's GetLayerVersion); errors are those of
// fs/lambda/stack_resolver.h.
Result<ResolvedStack> ResolveStackRequest(const StackRequest& request, const AwsSettings& aws);

}  // namespace layerfs
