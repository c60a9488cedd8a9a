// MountOptions: everything `layerfs mount` was asked to do, after parsing
// and before anything is opened. Plain data.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fs/source/aws_credentials.h"
#include "fs/source/http_source.h"

namespace layerfs {

constexpr uint64_t kDefaultCacheSize = 64ull << 20;
constexpr uint64_t kDefaultCacheDirSize = 2ull << 30;
constexpr char kNoCacheDir[] = "none";

struct MountOptions {
  std::vector<std::string> layers;  // in Layers-array order: last wins
  std::string mountpoint;
  // What the mount table shows as the source (fsname): the SOURCE of the
  // mount.fuse3 form as given, so `mount -a` recognises an fstab line as
  // mounted; otherwise the layers joined by ':' or the function config.
  std::string source;
  bool foreground = false;
  bool fuse_debug = false;
  std::string log_level = "warn";
  uint64_t cache_size = kDefaultCacheSize;
  // The on-disk spill of large compressed entries (fs/read/spill_store.h):
  // its directory (empty: $TMPDIR or /var/tmp) and size (unset: a quarter
  // of the free space there, at most 4 GiB; 0: no spill).
  std::string spill_dir;
  std::optional<uint64_t> spill_size;
  // Spill the large shared libraries of local layers once serving, before
  // a loader asks (fs/read/library_prefetch.h).
  bool prefetch_libraries = true;
  // After a file's first read, hand the next small files of its directory
  // to the kernel's page cache (mount/page_push.h).
  bool push_siblings = true;
  std::optional<uid_t> uid;  // owner shown for every entry (default root)
  std::optional<gid_t> gid;
  int ready_fd = -1;          // write a line here once serving
  std::string access_log;     // file for first-access lines, if any
  std::string log_file;       // log here instead of syslog when daemonised
  // A Lambda function configuration (JSON) whose Layers array, resolved
  // through the layer store, gives the layers; `layers` is then empty until
  // the CLI fills it in.
  std::string function_config;
  std::string store_dir;      // the layer store; empty: the default one
  // The longest one read of a remote (URL) layer may take, retries
  // included, before it fails with EIO.
  uint32_t remote_timeout_s = 30;
  // Where s3:// layers take credentials, region and endpoint from, before
  // the environment and ~/.aws (fs/source/aws_credentials.h).
  AwsSettings aws;
  // The shared on-disk cache of remote layers (fs/source/cache_dir.h):
  // empty for the default directory, kNoCacheDir for none; its bound.
  std::string cache_dir;
  uint64_t cache_dir_size = kDefaultCacheDirSize;
  // Options passed on to the kernel mount (allow_other, ...).
  std::vector<std::string> fuse_options;
};

}  // namespace layerfs
