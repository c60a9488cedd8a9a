// The zip compression methods layerfs knows, named once (APPNOTE 4.4.5):
// everything that chooses how to read an entry compares against these.
// Plain constants; the method field of a record is a raw uint16_t since a
// zip may carry any number.
#pragma once

#include <cstdint>
#include <string>

namespace layerfs {

constexpr uint16_t kMethodStored = 0;
constexpr uint16_t kMethodDeflate = 8;
constexpr uint16_t kMethodBzip2 = 12;  // read through libzip
constexpr uint16_t kMethodLzma = 14;
constexpr uint16_t kMethodZstd = 93;
constexpr uint16_t kMethodXz = 95;

// "deflate", "zstd", ..., or "method N" for one we have no name for.
inline std::string MethodName(uint16_t method) {
  switch (method) {
    case kMethodStored: return "stored";
    case kMethodDeflate: return "deflate";
    case kMethodBzip2: return "bzip2";
    case kMethodLzma: return "lzma";
    case kMethodZstd: return "zstd";
    case kMethodXz: return "xz";
    default: return "method " + std::to_string(method);
  }
}

}  // namespace layerfs
