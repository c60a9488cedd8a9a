#include "mount/cli/remount_command.h"

#include <ostream>

#include "fs/lambda/function_config.h"
#include "mount/cli/arg_parser.h"
#include "mount/cli/exit_codes.h"
#include "mount/control_channel.h"

namespace layerfs {

int RunRemount(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string function_config, store_dir;
  Result<ParsedArgs> parsed = ParseArgs(
      args, {{.name = "--function", .value = "a JSON file", .apply = Text(function_config),
              .allow_empty = true},
             {.name = "--store", .value = "a directory", .apply = Text(store_dir),
              .allow_empty = true}});
  if (!parsed.ok()) {
    err << "layerfs: remount: " << parsed.status().message() << "\nTry 'layerfs --help'.\n";
    return kExitUsage;
  }
  const std::vector<std::string>& positional = parsed->positional;
  if (positional.empty() || (!function_config.empty() && positional.size() > 1)) {
    err << "layerfs: remount takes MOUNTPOINT and either layers or --function\n"
           "Try 'layerfs --help'.\n";
    return kExitUsage;
  }
  std::string mountpoint = positional.front();
  if (!function_config.empty()) {
    // Read here too, so that a configuration that is not one fails at
    // once, the same whether or not MOUNTPOINT is served.
    if (Result<FunctionConfig> config = LoadFunctionConfig(function_config); !config.ok()) {
      err << "layerfs: " << config.status().message() << "\n";
      return kExitFailed;
    }
  }
  // The daemon resolves what is named, as `layerfs mount` did: the ARNs
  // through the store, then Lambda with the mount's AWS settings, and
  // keeps them to renew their URLs.
  const StackRequest request{.layers = {positional.begin() + 1, positional.end()},
                             .function_config = function_config,
                             .store_dir = store_dir};
  if (Status s = RequestRemount(mountpoint, request); !s.ok()) {
    err << "layerfs: remount " << mountpoint << ": " << s.message() << "\n";
    return kExitFailed;
  }
  out << "remounted " << mountpoint << "\n";
  return kExitOk;
}

}  // namespace layerfs
