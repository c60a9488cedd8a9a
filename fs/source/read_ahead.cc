#include "fs/source/read_ahead.h"

#include <algorithm>

namespace layerfs {

uint64_t ReadAhead::End(uint64_t offset, uint64_t length, uint64_t extent_end) {
  const uint64_t end = offset + length;
  const bool sequential = offset == next_sequential_;
  next_sequential_ = end;
  if (sequential) {
    window_ = std::min(max_window_, std::max(window_ * 2, first_window_));
  } else {
    // A first read of an extent takes a window of it at once; any other
    // read that does not continue the previous one takes none.
    window_ = extent_end > end ? std::min(max_window_, first_window_) : 0;
  }
  uint64_t ahead = end + window_;
  if (extent_end != 0) ahead = std::min(ahead, std::max(extent_end, end));
  return ahead;
}

}  // namespace layerfs
