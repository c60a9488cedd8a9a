// ReadRange: one pread of a file's byte range, as a test of a mount sees
// it: the bytes, or the errno the open or the read failed with (EIO from a
// remote layer whose server failed, say). Plain functions, for test threads.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace layerfs::testing_files {

struct ReadResult {
  std::string bytes;
  int error = 0;
};

inline ReadResult ReadRange(const std::string& path, off_t offset, size_t len) {
  ReadResult r;
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    r.error = errno;
    return r;
  }
  r.bytes.resize(len);
  ssize_t n = ::pread(fd, r.bytes.data(), len, offset);
  if (n < 0) r.error = errno;
  r.bytes.resize(n < 0 ? 0 : size_t(n));
  ::close(fd);
  return r;
}

}  // namespace layerfs::testing_files
