// libFuzzer entry point over the archive path: central directory, layer
// index, union view and every read strategy (tests/fuzz/fuzz_targets.h).
// Built with LAYERFS_FUZZ=ON under clang; run by scripts/fuzz.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string broken = layerfs::fuzz::CheckArchive({data, size});
  if (!broken.empty()) {
    std::fprintf(stderr, "archive_fuzzer: invariant broken: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
