// The bodies of layerfs' fuzz targets, shared by the libFuzzer entry points
// (tests/fuzz/*_fuzzer.cc, built only with LAYERFS_FUZZ=ON under clang)
// and by tests/fuzz/regressions_test.cc, which replays every saved crasher
// in tests/fuzz/regressions/ through this same code in the ordinary suite,
// so a regression is caught without clang (and with the sanitizer passes,
// under ASan, UBSan and TSan).
//
// Each function takes arbitrary bytes and returns "" when every invariant
// held, or what broke. Memory errors and crashes are the sanitizers' to
// report. Safe to call from one thread at a time (each call makes its own
// files and cache).
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace layerfs::fuzz {

// Splits the input at kLayerSeparator into up to kMaxLayers layer files
// (memfds), opens each as a Layer (central directory + index), stacks the
// ones that open in a UnionView, walks the whole tree and reads every file
// and symlink through FileReader with a small cache, checking what the
// headers promise: safe names, sorted unique children, lookups that find
// what listings show, reads that never exceed the file size and that
// return the same bytes twice.
std::string CheckArchive(std::span<const uint8_t> data);

// Byte 0 holds the flags (bit 0: UTF-8 flag, bit 1: made on DOS); the rest
// is a raw entry name for NormalizeEntryName, whose safety rules
// (fs/zip/entry_path.h) are checked on the result.
std::string CheckEntryName(std::span<const uint8_t> data);

// Byte 0 chooses the reader (even: a function configuration, odd: a layer
// version document); the rest is the JSON text. Whatever the text, the
// readers must return a value or an error, and an error message must stay
// one line naming the source.
std::string CheckJson(std::span<const uint8_t> data);

inline constexpr char kLayerSeparator[] = "\nLAYERFS-NEXT-LAYER\n";
inline constexpr size_t kMaxLayers = 3;

}  // namespace layerfs::fuzz
