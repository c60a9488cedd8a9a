// From what a user names on the command line to a stack of layer zips:
// zip paths and layer version ARNs (`layerfs mount a.zip arn:...:layer:x:3
// /opt`, `layerfs inspect ...`), or a function configuration (`--function
// F.json`). ARNs resolve through the layer store (fs/lambda/layer_store.h), which
// is opened only when an ARN is named, so mounting plain zips needs no
// store. Each layer comes back with the metadata Lambda's rules need
// (fs/lambda/stack_rules.h): its ARN, CompatibleRuntimes/Architectures, whether
// the version is deleted.
//
// Every user of a function configuration resolves it here: `mount
// --function`, the daemon re-reading it on SIGHUP, `remount --function`,
// `inspect` and the checks.
//
// No state: safe from any thread (it reads $LAYERFS_STORE and $HOME).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fs/lambda/function_config.h"
#include "fs/lambda/stack_rules.h"
#include "fs/source/aws_credentials.h"
#include "fs/base/status.h"

namespace layerfs {

struct ResolvedStack {
  std::optional<FunctionConfig> function;  // set when resolved from a configuration
  // In Layers order (the last wins). unzipped_bytes is left 0: the zips
  // have not been opened.
  std::vector<StackLayer> layers;
  // What to open, one per layer: the stored zip of an ARN, else the path
  // exactly as given.
  std::vector<std::string> zips;
  std::string source;  // the configuration file, when resolved from one
};

// `given` if not empty, else $LAYERFS_STORE, else /var/lib/layerfs for
// root, else $HOME/.local/share/layerfs (DefaultStoreDir).
Result<std::string> ResolveStoreDir(const std::string& given);

// Whether a layer argument is meant as an ARN: it starts with "arn:". A zip
// whose name starts so can be named as ./arn:...
bool IsArnArgument(std::string_view arg);

// Where an ARN that the store does not hold is looked up: with `aws` set
// (a mount), Lambda's GetLayerVersion is asked (fs/lambda/lambda_api.h),
// with those settings and the process's AWS environment, and the layer is
// read from the Content.Location it gives, never stored; null (inspect,
// the checks): such an ARN is an error.
struct LambdaLookup {
  const AwsSettings* aws = nullptr;
};

// Each argument is a zip path or a layer version ARN. A malformed ARN, or
// one neither the store nor Lambda (see LambdaLookup) has, fails naming
// the argument's position, the ARN, where it was looked for and how to fix
// it.
Result<ResolvedStack> ResolveLayerArguments(const std::vector<std::string>& args,
                                            const std::string& store_dir,
                                            LambdaLookup lambda = {});

// The layers of a function configuration (any shape fs/lambda/function_config.h
// reads). Errors name the file and the position in Layers.
Result<ResolvedStack> ResolveFunctionStack(const std::string& config_path,
                                           const std::string& store_dir,
                                           LambdaLookup lambda = {});

// ResolveFunctionStack for a mount: a function without layers is an error
// naming the file.
Result<ResolvedStack> ResolveFunctionToMount(const std::string& config_path,
                                             const std::string& store_dir,
                                             LambdaLookup lambda = {});

// What Lambda's own limits say of a stack that is mounted all the same:
// more than kMaxFunctionLayers layers, deleted versions (which keep
// working for functions that pin them). One line each, naming the
// configuration, for the caller to log.
std::vector<std::string> ResolutionWarnings(const ResolvedStack& stack);

// The function as the rules see it: its runtime and architecture, or
// empty fields without a configuration.
FunctionTarget TargetOf(const ResolvedStack& stack);

}  // namespace layerfs
