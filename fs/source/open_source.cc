#include "fs/source/open_source.h"

#include "fs/source/disk_cache.h"
#include "fs/source/local_file.h"
#include "fs/source/s3_location.h"
#include "fs/source/s3_source.h"

namespace layerfs {

bool IsRemoteSource(const std::string& arg) { return IsHttpUrl(arg) || IsS3Url(arg); }

namespace {

// The remote object itself, uncached.
Result<std::unique_ptr<ByteSource>> OpenRemoteObject(const std::string& url,
                                                     const RemoteOptions& remote) {
  if (IsS3Url(url)) return OpenS3Source(url, remote);
  Result<std::unique_ptr<HttpSource>> http = HttpSource::Open(url, remote);
  if (!http.ok()) return http.status();
  return std::unique_ptr<ByteSource>(std::move(*http));
}

}  // namespace

Result<std::unique_ptr<ByteSource>> OpenSource(const std::string& arg,
                                               const RemoteOptions& remote) {
  if (IsRemoteSource(arg)) {
    // Under the disk cache, read-ahead and the blocks in memory live in the
    // cache (so what is read ahead is shared too, and no block is held
    // twice); the opener outlives this call.
    RemoteOptions inner = remote;
    if (remote.cache) inner.max_read_ahead = 0, inner.memory = nullptr, inner.cache_bytes = 0;
    Result<std::unique_ptr<ByteSource>> source =
        OpenCachedRemote(arg, remote, [inner](const std::string& url) {
          return OpenRemoteObject(url, inner);
        });
    const std::string label = remote.label.empty() ? "" : remote.label + ": ";
    if (!source.ok()) return source.status().WithContext(label);
    if (remote.expected_size != 0 && (*source)->size() != remote.expected_size) {
      return Status::Corrupt(label + (*source)->name() + ": the object has " +
                             std::to_string((*source)->size()) + " bytes, but its CodeSize is " +
                             std::to_string(remote.expected_size));
    }
    return source;
  }
  Result<std::unique_ptr<LocalFile>> file = LocalFile::Open(arg);
  if (!file.ok()) return file.status();
  return std::unique_ptr<ByteSource>(std::move(*file));
}

}  // namespace layerfs
