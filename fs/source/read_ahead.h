// ReadAhead: how far past a read the remote sources (HttpSource,
// DiskCachedSource) load, so that a reader costs few requests and fetches
// little it will not read.
//
// A read that names its extent (ByteSource::ReadInExtent: a zip entry's
// local header and data) loads up to first_window of that extent with it,
// so a small file costs one request; a reader going on where the previous
// read ended doubles the window up to max_window; and nothing is loaded
// past the extent, so a file's read never drags in its neighbours in the
// zip. A read without an extent loads ahead only while it is sequential.
//
// Thread-safety: none; the owning source guards it with its own mutex.
#pragma once

#include <cstdint>

namespace layerfs {

class ReadAhead {
 public:
  // `max_window` 0 turns read-ahead off: End() is then the read's own end.
  ReadAhead(uint64_t first_window, uint64_t max_window)
      : first_window_(first_window), max_window_(max_window) {}

  // The end (exclusive) of what to load for a read of [offset,
  // offset + length); `extent_end` is where the read's extent ends, 0 when
  // it names none. Never less than offset + length.
  uint64_t End(uint64_t offset, uint64_t length, uint64_t extent_end);

 private:
  const uint64_t first_window_;
  const uint64_t max_window_;
  uint64_t next_sequential_ = UINT64_MAX;  // where a sequential read would start
  uint64_t window_ = 0;
};

}  // namespace layerfs
