// libFuzzer entry point over entry-name normalisation and its safety rules
// (tests/fuzz/fuzz_targets.h). Built with LAYERFS_FUZZ=ON under clang; run
// by scripts/fuzz.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string broken = layerfs::fuzz::CheckEntryName({data, size});
  if (!broken.empty()) {
    std::fprintf(stderr, "entry_path_fuzzer: invariant broken: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
