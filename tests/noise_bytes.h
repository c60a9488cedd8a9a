// Deterministic test content that deflate can shrink only a little: runs
// of random bytes between runs of random letters, so inflating it is real
// work and a wrong byte anywhere shows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace layerfs::testing_bytes {

inline std::string Noise(size_t size, uint32_t seed) {
  std::string s(size, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < size; ++i) {
    x = x * 1103515245u + 12345u;
    s[i] = (i / 1024) % 3 ? char(x >> 24) : char('a' + (x >> 24) % 26);
  }
  return s;
}

}  // namespace layerfs::testing_bytes
