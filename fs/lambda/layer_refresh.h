// RemoteOptionsForLayer: how one layer of a resolved stack is opened when
// it is a layer store version kept as a URL (`publish
// --from-get-layer-version F.json` without a zip).
//
// Such a URL is usually Lambda's presigned Content.Location, which expires
// about ten minutes after GetLayerVersion gave it. The options returned
// here renew it: on a 403 the source calls GetLayerVersion for the
// version's ARN (fs/lambda/lambda_api.h), checks that the CodeSha256 it
// gives is the stored one (a version never changes: anything else is an
// error naming the ARN, and no byte is read from the new URL), logs one
// line naming the layer and the 403's reason, records the new Location in
// the store (best effort: a read-only store only costs the next mount a
// refresh) and retries with it. They also carry the stored CodeSize, so
// a remote object of another size fails the mount, and the ARN, which
// errors opening the layer name before its URL.
//
// Stateless; the hook it installs is callable from any thread.
#pragma once

#include <string>

#include "fs/lambda/stack_rules.h"
#include "fs/source/http_source.h"

namespace layerfs {

// `base` unchanged for a layer that is not a remote store version.
// `store_dir`: the store the layer came from ("" when unknown: nothing is
// recorded).
RemoteOptions RemoteOptionsForLayer(const StackLayer& layer, const RemoteOptions& base,
                                    const std::string& store_dir);

}  // namespace layerfs
