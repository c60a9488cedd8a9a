// HttpSource: a ByteSource over one object behind an http:// or https://
// URL (a plain server, a presigned S3 URL), read lazily with ranged GETs.
//
// It never sends HEAD (a presigned GET URL answers HEAD with 403): Open()
// fetches the object's tail with one suffix-range GET, which gives the
// end record and usually the whole central directory, and learns the total
// size and ETag from that response. Every later response must be a 206
// whose Content-Range is exactly the range asked for and whose total size
// and ETag match the first; anything else (a 200 with the whole body, a
// changed object, a short body) is an IoError naming the URL, never wrong
// bytes.
//
// Reads are served from aligned blocks (RemoteOptions::block_size) kept in
// the daemon's shared in-memory budget (RemoteOptions::memory,
// fs/source/block_budget.h); the missing blocks of one read are fetched as
// one request per contiguous run, with the read-ahead of
// fs/source/read_ahead.h: the rest of a zip entry's first window with its
// first read, doubling up to max_read_ahead for a sequential reader, never
// past the entry. Transient faults (connection errors, timeouts, 5xx,
// 429) are retried with jittered exponential backoff, all within
// RemoteOptions::timeout per read, so a read never hangs longer than that.
//
// A 403 calls RemoteOptions::refresh once (credentials re-read, or a
// presigned URL re-resolved) and retries with the URL and authorisation it
// returns; concurrent 403s of the same URL share one refresh.
//
// Thread-safety: immutable after Open() except for the read-ahead state
// and the counters, guarded by mu_, the blocks and their claims, locked
// inside claims_ (fs/source/block_claims.h), the current URL and
// authorisation, guarded by auth_mu_ (refresh_mu_ serialises refreshes),
// and the pool of
// idle curl handles, guarded by pool_mu_. A transfer runs on a handle that
// the calling thread has taken out of the pool and owns alone until it puts
// it back, so any number of threads may call ReadAt at once; a thread
// missing a block another thread is fetching waits for that request.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fs/source/aws_credentials.h"
#include "fs/source/block_budget.h"
#include "fs/source/byte_source.h"
#include "fs/source/read_ahead.h"

namespace layerfs {

// What authorises a request: extra headers and SigV4 signing. It holds
// secrets: never log it.
struct RemoteAuth {
  // Extra request headers ("Name: value"), e.g. x-amz-security-token.
  std::vector<std::string> headers;
  // "aws:amz:REGION:s3" to sign with SigV4 (CURLOPT_AWS_SIGV4), with
  // user "ACCESS:SECRET"; empty for none.
  std::string aws_sigv4;
  std::string aws_user;
};

// Where to send requests after a refresh: `url` empty keeps the current
// one. Holds secrets: never log it.
struct RemoteTarget {
  std::string url;
  RemoteAuth auth;
};

class BlockClaims;  // fs/source/block_claims.h
class CacheDir;     // fs/source/cache_dir.h

struct RemoteOptions {
  // The longest one ReadAt (or Open) may take, retries included.
  std::chrono::milliseconds timeout{30000};
  // A transfer that moves less than 1 byte/s for this long is cut.
  std::chrono::milliseconds stall_time{10000};
  // Attempts per request, the first included.
  int attempts = 4;
  // The first backoff; doubled per retry, with jitter.
  std::chrono::milliseconds backoff{100};
  // Small blocks waste little at the edges of the small files most layers
  // hold (each file's first read fetches just its blocks); large reads
  // still go in one request per run of blocks.
  uint64_t block_size = 16 << 10;
  // The read-ahead that a first read of a zip entry takes of it.
  uint64_t first_read_ahead = 256 << 10;
  // The daemon's one budget of in-memory blocks, shared by all its remote
  // layers (mount/remote_options.cc sizes it); null: each source gets a
  // budget of its own of cache_bytes.
  std::shared_ptr<BlockBudget> memory;
  uint64_t cache_bytes = 64ull << 20;
  // The largest read-ahead a sequential reader grows to.
  uint64_t max_read_ahead = 8ull << 20;
  // The suffix fetched at Open(): the end record and central directory.
  uint64_t tail_bytes = 256 << 10;
  // How requests are authorised (none by default).
  RemoteAuth auth;
  // Called at most once per request when the server answers 403 (expired
  // temporary credentials, rotated keys, an expired presigned URL): the URL
  // and authorisation to retry with. It is told the 403's reason ("403
  // Forbidden (AccessDenied: Request has expired)") for its log line.
  // Empty: a 403 fails at once.
  std::function<Result<RemoteTarget>(const std::string& reason)> refresh;
  // Where refresh hooks report events that are not errors (a re-resolved
  // URL); empty: nowhere. Called from reading threads.
  std::function<void(const std::string&)> log;
  // The object's size when known beforehand (Lambda's CodeSize): OpenSource
  // fails naming the layer when the object's differs. 0: unknown.
  uint64_t expected_size = 0;
  // What OpenSource's errors call the layer before its URL (a layer
  // version ARN, whose presigned URL says little); empty: the URL alone.
  std::string label;
  // Where s3:// sources take credentials, region and endpoint from, as
  // the command line gave them (fs/source/aws_credentials.h).
  AwsSettings aws;
  // The shared on-disk cache (fs/source/disk_cache.h) that OpenSource puts
  // remote layers in; null for none.
  std::shared_ptr<CacheDir> cache;
  // The object's SHA-256 when known (hex, or base64 as Lambda's CodeSha256
  // gives it): the cache is then keyed and verified by it.
  std::string expected_sha256;
};

// True for the URL forms HttpSource opens.
inline bool IsHttpUrl(const std::string& s) {
  return s.starts_with("http://") || s.starts_with("https://");
}

class HttpSource final : public ByteSource {
 public:
  // Fetches the tail of `url`. `name` is what name() and errors call the
  // object (an s3:// URL); empty: the URL itself. Fails naming it:
  // kNotFound on 404, kIoError for every other failure.
  static Result<std::unique_ptr<HttpSource>> Open(const std::string& url,
                                                  const RemoteOptions& options,
                                                  const std::string& name = "");
  ~HttpSource() override;

  const std::string& name() const override { return name_; }
  uint64_t size() const override { return size_; }
  int64_t mtime() const override { return mtime_; }
  SourceIdentity identity() const override { return identity_; }
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) const override;
  Result<size_t> ReadInExtent(uint64_t offset, std::span<char> out,
                              uint64_t extent_end) const override;

  // HTTP requests sent so far (attempts included), for tests and stats.
  uint64_t requests() const;

  struct Response;  // One transfer's status, headers and body.
  class Handle;     // An owned curl easy handle.

 private:
  using Block = std::shared_ptr<const std::string>;

  HttpSource(std::string url, RemoteOptions options, std::string name);

  // One ranged GET with retries: [begin, end) or, when `suffix` > 0, the
  // last `suffix` bytes. Checks the response against what was asked.
  // A body longer than `part_size` (when not 0) comes cut into parts of
  // that size (Response::parts).
  Result<Response> Fetch(uint64_t begin, uint64_t end, uint64_t suffix,
                         std::chrono::steady_clock::time_point deadline,
                         uint64_t part_size = 0) const;
  Status Check(const Response& r, uint64_t begin, uint64_t end, uint64_t suffix) const;
  // One attempt; a body longer than `limit` aborts it.
  Result<Response> Transfer(const std::string& range, uint64_t limit, uint64_t part_size,
                            std::chrono::steady_clock::time_point deadline) const;
  // Open()'s tail: a suffix range, or, from a server that answers a suffix
  // range with the object's head (s3rver does), an explicit range once the
  // head's Content-Range has told the size.
  Status FetchTail(std::chrono::steady_clock::time_point deadline);
  // The URL as errors show it: "NAME (URL)" when named otherwise.
  std::string Where() const;
  // Replaces url_now_ and auth_ through options_.refresh unless another
  // thread already did since generation `seen`; false when there is none
  // or it failed (said in `why`). `reason`: the 403, for the hook.
  bool Refresh(uint64_t seen, const std::string& reason, std::string& why) const;
  std::unique_ptr<Handle> TakeHandle() const;
  void PutHandle(std::unique_ptr<Handle> h) const;

  // Copies [offset, offset+out.size()) from cached or fetched blocks;
  // `extent_end` as ReadInExtent's, 0 for none.
  Status ReadBlocks(uint64_t offset, std::span<char> out, uint64_t extent_end) const;
  // Fetches the claimed blocks (ascending), one request per run, into
  // `have` (indexed from `first`) and the budget.
  Status FetchBlocks(const std::vector<uint64_t>& claimed, uint64_t first,
                     std::vector<Block>& have,
                     std::chrono::steady_clock::time_point deadline) const;

  // Constant after construction (size_, etag_, mtime_, identity_, tail_
  // are set once in Open() before the source is shared).
  const std::string url_;
  const std::string name_;
  const RemoteOptions options_;
  uint64_t size_ = 0;
  std::string etag_;
  int64_t mtime_ = 0;
  SourceIdentity identity_;
  uint64_t tail_offset_ = 0;
  std::string tail_;

  mutable std::mutex refresh_mu_;  // held across a refresh, before auth_mu_
  mutable std::mutex auth_mu_;
  // Guarded by auth_mu_; replaced on a 403. url_ stays what errors name.
  mutable std::string url_now_;
  mutable RemoteAuth auth_;
  mutable uint64_t generation_ = 0;  // refreshes so far

  mutable std::mutex pool_mu_;
  mutable std::vector<std::unique_ptr<Handle>> pool_;  // guarded by pool_mu_

  // The blocks in memory and those being fetched; internally locked.
  const std::unique_ptr<BlockClaims> claims_;

  mutable std::mutex mu_;
  // Guarded by mu_.
  mutable ReadAhead read_ahead_;
  mutable uint64_t requests_ = 0;
};

}  // namespace layerfs
