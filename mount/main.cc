// layerfs: mounts an ordered stack of Lambda layer zips as one read-only
// tree. Everything happens in mount/cli.cc; main only hands it argv.
#include <string>
#include <vector>

#include "mount/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return layerfs::RunCli(args);
}
