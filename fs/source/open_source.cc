#include "fs/source/open_source.h"

#include "fs/source/local_file.h"
#include "fs/source/s3_location.h"
#include "fs/source/s3_source.h"

namespace layerfs {

bool IsRemoteSource(const std::string& arg) { return IsHttpUrl(arg) || IsS3Url(arg); }

Result<std::unique_ptr<ByteSource>> OpenSource(const std::string& arg,
                                               const RemoteOptions& remote) {
  if (IsS3Url(arg)) return OpenS3Source(arg, remote);
  if (IsHttpUrl(arg)) {
    Result<std::unique_ptr<HttpSource>> http = HttpSource::Open(arg, remote);
    if (!http.ok()) return http.status();
    return std::unique_ptr<ByteSource>(std::move(*http));
  }
  Result<std::unique_ptr<LocalFile>> file = LocalFile::Open(arg);
  if (!file.ok()) return file.status();
  return std::unique_ptr<ByteSource>(std::move(*file));
}

}  // namespace layerfs
