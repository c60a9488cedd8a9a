#include "mount/cli/remount_command.h"

#include <ostream>

#include "fs/lambda/stack_resolver.h"
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
  std::vector<std::string> layers(positional.begin() + 1, positional.end());
  if (!function_config.empty()) {
    Result<ResolvedStack> resolved = ResolveFunctionToMount(function_config, store_dir);
    if (!resolved.ok()) {
      err << "layerfs: " << resolved.status().message() << "\n";
      return kExitFailed;
    }
    for (const std::string& w : ResolutionWarnings(*resolved)) {
      err << "layerfs: warning: " << w << "\n";
    }
    layers = std::move(resolved->zips);
  }
  if (Status s = RequestRemount(mountpoint, layers); !s.ok()) {
    err << "layerfs: remount " << mountpoint << ": " << s.message() << "\n";
    return kExitFailed;
  }
  out << "remounted " << mountpoint << "\n";
  return kExitOk;
}

}  // namespace layerfs
