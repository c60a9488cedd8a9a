// From a Lambda function configuration to the layer zips to mount: reads
// the JSON (fs/function_config.h), resolves each layer version ARN of its
// Layers array through the layer store (fs/layer_store.h), and returns the
// stored zips in Layers order, the last winning as on Lambda.
//
// Used by `layerfs mount --function F` / `-o function=F` (so fstab lines
// and mount units can name a function instead of zips), and by anything
// that re-reads a configuration later. No state: safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "fs/status.h"

namespace layerfs {

// `store_dir` empty means the default store: $LAYERFS_STORE, else
// /var/lib/layerfs for root, else ~/.local/share/layerfs. Errors name the
// configuration file and the position of the layer they concern. Lambda's
// own limits (5 layers, a deleted version) are logged as warnings, not
// refused: the mount shows what the configuration says.
Result<std::vector<std::string>> ResolveFunctionLayers(const std::string& config_path,
                                                       const std::string& store_dir);

}  // namespace layerfs
