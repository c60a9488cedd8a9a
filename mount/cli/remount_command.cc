#include "mount/cli/remount_command.h"

#include <ostream>

#include "fs/lambda/stack_resolver.h"
#include "mount/control_channel.h"

namespace layerfs {

int RunRemount(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string function_config, store_dir;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "--function" || a == "--store") && i + 1 < args.size()) {
      (a == "--function" ? function_config : store_dir) = args[++i];
    } else if (!a.empty() && a[0] == '-') {
      err << "layerfs: remount: unknown option " << a << "\nTry 'layerfs --help'.\n";
      return 2;
    } else {
      positional.push_back(a);
    }
  }
  if (positional.empty() || (!function_config.empty() && positional.size() > 1)) {
    err << "layerfs: remount takes MOUNTPOINT and either layers or --function\n"
           "Try 'layerfs --help'.\n";
    return 2;
  }
  std::string mountpoint = positional.front();
  std::vector<std::string> layers(positional.begin() + 1, positional.end());
  if (!function_config.empty()) {
    Result<ResolvedStack> resolved = ResolveFunctionToMount(function_config, store_dir);
    if (!resolved.ok()) {
      err << "layerfs: " << resolved.status().message() << "\n";
      return 1;
    }
    for (const std::string& w : ResolutionWarnings(*resolved)) {
      err << "layerfs: warning: " << w << "\n";
    }
    layers = std::move(resolved->zips);
  }
  if (Status s = RequestRemount(mountpoint, layers); !s.ok()) {
    err << "layerfs: remount " << mountpoint << ": " << s.message() << "\n";
    return 1;
  }
  out << "remounted " << mountpoint << "\n";
  return 0;
}

}  // namespace layerfs
