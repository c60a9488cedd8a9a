// CopyFromBlocks: how the remote sources (HttpSource, DiskCachedSource)
// answer a read from the fixed-size blocks they keep: block i holds the
// object's bytes from i * block_size, and the read's range lies within
// blocks first..last, all present.
//
// A plain function; callable from any thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace layerfs {

// Copies [offset, offset + out.size()) into `out`; have[i - first] is
// block i.
inline void CopyFromBlocks(uint64_t offset, std::span<char> out, uint64_t first, uint64_t last,
                           uint64_t block_size,
                           const std::vector<std::shared_ptr<const std::string>>& have) {
  for (uint64_t i = first; i <= last; ++i) {
    const std::string& b = *have[i - first];
    uint64_t block_begin = i * block_size;
    uint64_t from = std::max(offset, block_begin);
    uint64_t to = std::min<uint64_t>(offset + out.size(), block_begin + b.size());
    std::memcpy(out.data() + (from - offset), b.data() + (from - block_begin), to - from);
  }
}

}  // namespace layerfs
