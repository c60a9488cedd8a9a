#include "fs/source/local_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace layerfs {

Result<size_t> PreadFully(int fd, uint64_t offset, std::span<char> out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd, out.data() + done, out.size() - done, off_t(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoError(std::string("read failed: ") + std::strerror(errno));
    if (n == 0) break;
    done += size_t(n);
  }
  return done;
}

LocalFile::LocalFile(std::string path, UniqueFd fd, const struct stat& st)
    : path_(std::move(path)),
      fd_(std::move(fd)),
      size_(uint64_t(st.st_size)),
      mtime_(int64_t(st.st_mtime)),
      identity_{{uint64_t(st.st_dev), uint64_t(st.st_ino), uint64_t(st.st_size),
                 uint64_t(int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec)}} {}

Result<std::unique_ptr<LocalFile>> LocalFile::Open(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    int err = errno;
    std::string why = std::strerror(err);
    if (err == ENOENT) return Status::NotFound(path + ": " + why);
    return Status::IoError(path + ": cannot open: " + why);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    return Status::IoError(path + ": cannot stat: " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(path + ": not a regular file");
  }
  return std::unique_ptr<LocalFile>(new LocalFile(path, std::move(fd), st));
}

Result<size_t> LocalFile::ReadAt(uint64_t offset, std::span<char> out) const {
  Result<size_t> got = PreadFully(fd_.get(), offset, out);
  if (!got.ok()) return Status::IoError(path_ + ": " + got.status().message());
  return got;
}

}  // namespace layerfs
