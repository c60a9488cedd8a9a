// libFuzzer entry point over the JSON readers of function configurations
// and layer version documents (tests/fuzz/fuzz_targets.h). Built with
// LAYERFS_FUZZ=ON under clang; run by scripts/fuzz.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string broken = layerfs::fuzz::CheckJson({data, size});
  if (!broken.empty()) {
    std::fprintf(stderr, "json_fuzzer: invariant broken: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
