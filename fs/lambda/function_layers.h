// From a Lambda function configuration to the layer zips to mount: reads
// the JSON (fs/lambda/function_config.h), resolves each layer version ARN of its
// Layers array through the layer store (fs/lambda/layer_store.h), and returns the
// stored zips in Layers order, the last winning as on Lambda.
//
// Used by `layerfs mount --function F` / `-o function=F` (so fstab lines
// and mount units can name a function instead of zips), by the daemon when
// it re-reads a configuration, and by `layerfs remount --function`. No
// state: safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "fs/base/status.h"

namespace layerfs {

// `store_dir` empty means the default store: $LAYERFS_STORE, else
// /var/lib/layerfs for root, else ~/.local/share/layerfs. Errors name the
// configuration file and the position of the layer they concern. Lambda's
// own limits (5 layers, a deleted version) come back as warnings for the
// caller to log, not refusals: the mount shows what the configuration says.
struct FunctionLayers {
  std::vector<std::string> zips;      // in Layers order: the last wins
  std::vector<std::string> warnings;  // one line each, naming the file
};
Result<FunctionLayers> ResolveFunctionLayers(const std::string& config_path,
                                             const std::string& store_dir);

}  // namespace layerfs
