// layerfs: mounts an ordered stack of Lambda layer zips as one read-only
// tree. The command line (mount/cli/) parses and opens; the daemon
// (mount/daemon.h) serves. This is the one file that knows both rooms.
#include <iostream>
#include <string>
#include <vector>

#include "mount/cli/cli.h"
#include "mount/daemon.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const layerfs::DaemonEntry daemon{.mount = layerfs::RunMount, .unmount = layerfs::RunUnmount};
  return layerfs::RunCli(args, daemon, std::cout, std::cerr);
}
