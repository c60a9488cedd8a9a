// Deterministic test content that deflate can shrink only a little: runs
// of random bytes between runs of random letters, so inflating it is real
// work and a wrong byte anywhere shows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

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

// Path-like text with noise: `word` plus a letter, and now and then a
// random byte. Compresses well, but not to nothing.
inline std::string PathNoise(size_t size, uint32_t seed, std::string_view word) {
  std::mt19937 rng(seed);
  std::string out;
  out.reserve(size);
  while (out.size() < size) {
    uint32_t r = rng();
    if (r % 3 == 0) {
      out += char(r >> 8);
    } else {
      out += word;
      out += char('a' + r % 26);
    }
  }
  out.resize(size);
  return out;
}

}  // namespace layerfs::testing_bytes
