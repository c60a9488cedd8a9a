// OpenSource: the one place that turns a layer argument into a ByteSource,
// by its form: an http:// or https:// URL opens an HttpSource (lazy ranged
// reads), an s3://BUCKET/KEY URL a SigV4-signed one (s3_source.h),
// anything else a LocalFile. Every path that opens a layer's bytes
// (Archive::Open and so Layer::Open, UnionView::Open, the mount stack and
// remount) goes through it, so a new kind of source is added here once.
// Remote layers go through the on-disk cache (fs/source/disk_cache.h)
// when RemoteOptions::cache is set; "URL#sha256=DIGEST" gives a remote
// layer's expected SHA-256 on the command line, RemoteOptions::expected_size
// its size (a remote object of another size fails to open, named).
//
// Stateless; callable from any thread.
#pragma once

#include <memory>
#include <string>

#include "fs/source/byte_source.h"
#include "fs/source/http_source.h"

namespace layerfs {

// True when `arg` names a remote object rather than a local path.
bool IsRemoteSource(const std::string& arg);

Result<std::unique_ptr<ByteSource>> OpenSource(const std::string& arg,
                                               const RemoteOptions& remote = {});

}  // namespace layerfs
