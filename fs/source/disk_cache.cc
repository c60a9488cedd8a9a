#include "fs/source/disk_cache.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

#include "fs/base/printable.h"
#include "fs/source/block_copy.h"

namespace layerfs {

namespace {

using Clock = std::chrono::steady_clock;

std::string StripQuery(const std::string& url) { return url.substr(0, url.find('?')); }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int Base64Digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::string IdentityHex(const SourceIdentity& id) {
  unsigned char bytes[32];
  std::memcpy(bytes, id.words.data(), sizeof bytes);
  return HexOf(bytes);
}

// The inverse of IdentityHex (and the identity of a content-addressed
// layer: its SHA-256).
SourceIdentity IdentityFromHex(const std::string& hex) {
  unsigned char bytes[32] = {};
  for (size_t i = 0; i < 32 && 2 * i + 1 < hex.size(); ++i) {
    bytes[i] = static_cast<unsigned char>(HexDigit(hex[2 * i]) * 16 + HexDigit(hex[2 * i + 1]));
  }
  SourceIdentity id;
  std::memcpy(id.words.data(), bytes, sizeof bytes);
  return id;
}

std::string BlockName(uint64_t index) { return "b" + std::to_string(index); }

struct DigestDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

std::optional<std::string> Sha256Hex(const std::string& text) {
  if (text.size() == 64) {
    std::string hex;
    for (char c : text) {
      int d = HexDigit(c);
      if (d < 0) return std::nullopt;
      hex += "0123456789abcdef"[d];
    }
    return hex;
  }
  if (text.size() == 44 && text[43] == '=' && text[42] != '=') {
    unsigned char bytes[33];
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < 43; ++i) {
      int d = Base64Digit(text[i]);
      if (d < 0) return std::nullopt;
      acc = (acc << 6) | uint32_t(d);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        bytes[n++] = static_cast<unsigned char>((acc >> bits) & 0xff);
      }
    }
    if (n != 32) return std::nullopt;
    return HexOf({bytes, 32});
  }
  return std::nullopt;
}

std::pair<std::string, std::string> SplitSha256Fragment(const std::string& arg) {
  const std::string kTag = "#sha256=";
  size_t at = arg.rfind(kTag);
  if (at == std::string::npos) return {arg, ""};
  return {arg.substr(0, at), arg.substr(at + kTag.size())};
}

Result<std::unique_ptr<ByteSource>> OpenCachedRemote(const std::string& arg,
                                                     const RemoteOptions& remote,
                                                     const RemoteOpener& open_remote) {
  auto [url, fragment] = SplitSha256Fragment(arg);
  const std::string given = remote.expected_sha256.empty() ? fragment : remote.expected_sha256;
  std::string sha;
  if (!given.empty()) {
    std::optional<std::string> hex = Sha256Hex(given);
    if (!hex) {
      return Status::InvalidArgument(url + ": expected SHA-256 '" + given +
                                     "' is neither 64 hex digits nor 44 characters of base64");
    }
    sha = *hex;
  }
  if (!remote.cache) return open_remote(url);
  CacheDir& cache = *remote.cache;
  // Kept for a damaged block of a layer opened offline: owns its inputs.
  auto reopen = [open_remote, url = url]() { return open_remote(url); };
  using Ptr = std::unique_ptr<ByteSource>;

  // Offline, from the cache alone: a complete layer of known content.
  if (!sha.empty()) {
    Result<std::unique_ptr<CacheLayer>> layer = cache.OpenLayer("s" + sha);
    std::optional<LayerMeta> meta = layer.ok() ? (*layer)->ReadMeta() : std::nullopt;
    if (meta && meta->complete && meta->sha256 == sha && meta->size > 0) {
      Result<std::unique_ptr<DiskCachedSource>> s = DiskCachedSource::Create(
          url, std::move(*layer), *meta, IdentityFromHex(sha), nullptr, reopen, remote);
      if (!s.ok()) return s.status();
      return Ptr(std::move(*s));
    }
  }

  Result<Ptr> opened = open_remote(url);
  if (!opened.ok()) {
    // A server that cannot be reached: the last complete version seen at
    // this URL (its ETag and size are in its key) still serves.
    std::optional<std::string> key =
        sha.empty() && opened.status().code() == ErrorCode::kIoError ? cache.LayerForUrl(url)
                                                                     : std::nullopt;
    if (!key || key->size() != 65 || (*key)[0] != 'u') return opened.status();
    Result<std::unique_ptr<CacheLayer>> layer = cache.OpenLayer(*key);
    std::optional<LayerMeta> meta = layer.ok() ? (*layer)->ReadMeta() : std::nullopt;
    if (!meta || !meta->complete || meta->url != StripQuery(url) || !meta->sha256.empty()) {
      return opened.status();
    }
    Result<std::unique_ptr<DiskCachedSource>> s = DiskCachedSource::Create(
        url, std::move(*layer), *meta, IdentityFromHex(key->substr(1)), nullptr, reopen, remote);
    if (!s.ok()) return opened.status();
    return Ptr(std::move(*s));
  }
  Ptr inner = std::move(*opened);
  const std::string key = sha.empty() ? "u" + IdentityHex(inner->identity()) : "s" + sha;
  Result<std::unique_ptr<CacheLayer>> layer = cache.OpenLayer(key);
  if (!layer.ok()) return inner;  // the cache is best effort
  const uint64_t size = inner->size();
  LayerMeta meta{.url = StripQuery(url),
                 .size = size,
                 .mtime = inner->mtime(),
                 .block_size = std::max<uint64_t>(remote.block_size, 4096),
                 .tail_offset = size - std::min<uint64_t>(size, remote.tail_bytes),
                 .sha256 = sha};
  if (std::optional<LayerMeta> known = (*layer)->ReadMeta()) {
    // Another daemon's layout wins, so the block files agree.
    if (known->size != size || known->sha256 != sha) return inner;
    meta = *known;
  } else if (!(*layer)->WriteMeta(meta).ok()) {
    return inner;
  }
  if (sha.empty()) cache.RememberUrl(url, key);
  const SourceIdentity identity = sha.empty() ? inner->identity() : IdentityFromHex(sha);
  Result<std::unique_ptr<DiskCachedSource>> s = DiskCachedSource::Create(
      url, std::move(*layer), meta, identity, std::move(inner), reopen, remote);
  if (!s.ok()) return s.status();
  return Ptr(std::move(*s));
}

DiskCachedSource::DiskCachedSource(std::string url, std::unique_ptr<CacheLayer> layer,
                                   LayerMeta meta, SourceIdentity identity,
                                   std::unique_ptr<ByteSource> remote,
                                   std::function<Result<std::unique_ptr<ByteSource>>()> reopen,
                                   const RemoteOptions& options)
    : name_(std::move(url)),
      layer_(std::move(layer)),
      meta_(std::move(meta)),
      identity_(identity),
      options_(options),
      offline_(remote == nullptr),
      remote_(std::move(remote)),
      reopen_(std::move(reopen)),
      claims_(std::make_unique<BlockClaims>(
          options.memory ? options.memory
                         : std::make_shared<BlockBudget>(
                               std::max<uint64_t>(options.cache_bytes / 2, meta_.block_size)),
          meta_.block_size)),
      read_ahead_(options.first_read_ahead, options.max_read_ahead) {
  present_.assign(block_count(), false);
  complete_ = meta_.complete;
}

Result<std::unique_ptr<DiskCachedSource>> DiskCachedSource::Create(
    std::string url, std::unique_ptr<CacheLayer> layer, LayerMeta meta, SourceIdentity identity,
    std::unique_ptr<ByteSource> remote,
    std::function<Result<std::unique_ptr<ByteSource>>()> reopen, const RemoteOptions& options) {
  std::unique_ptr<DiskCachedSource> s(new DiskCachedSource(std::move(url), std::move(layer),
                                                           std::move(meta), identity,
                                                           std::move(remote), std::move(reopen),
                                                           options));
  if (Status st = s->LoadTail(); !st.ok()) return st;
  return s;
}

DiskCachedSource::~DiskCachedSource() {
  // Blocks other daemons wrote complete the entry too: check by size (no
  // read) whether every block is there before verifying them all.
  bool whole;
  {
    std::lock_guard lock(mu_);
    whole = !complete_;
    for (uint64_t i = 0; whole && i < present_.size(); ++i) {
      whole = present_[i] || layer_->HasBlock(BlockName(i), BlockLength(i));
    }
  }
  if (whole) CompleteIfWhole();
}

uint64_t DiskCachedSource::block_count() const {
  return (meta_.tail_offset + meta_.block_size - 1) / meta_.block_size;
}

uint64_t DiskCachedSource::BlockLength(uint64_t index) const {
  return std::min(meta_.block_size, meta_.tail_offset - index * meta_.block_size);
}

Status DiskCachedSource::LoadTail() {
  const uint64_t length = meta_.size - meta_.tail_offset;
  if (std::optional<std::string> cached = layer_->ReadBlock("tail", length)) {
    tail_ = std::move(*cached);
    return Status::Ok();
  }
  Result<const ByteSource*> remote = Remote();
  if (!remote.ok()) return remote.status();
  std::string tail(length, '\0');
  Result<size_t> n = (*remote)->ReadAt(meta_.tail_offset, tail);
  if (!n.ok()) return n.status();
  if (*n != length) return Status::IoError(name_ + ": short read of the tail");
  if (!layer_->WriteBlock("tail", tail)) {
    std::lock_guard lock(mu_);
    complete_ = true;  // never complete: nothing to verify later
  }
  tail_ = std::move(tail);
  return Status::Ok();
}

Result<const ByteSource*> DiskCachedSource::Remote() const {
  std::lock_guard lock(remote_mu_);
  if (remote_ == nullptr) {
    Result<std::unique_ptr<ByteSource>> r = reopen_();
    if (!r.ok()) return r.status().WithContext("", " (the cached copy is incomplete or damaged)");
    if ((*r)->size() != meta_.size) {
      return Status::Corrupt(name_ + ": the object is " + std::to_string((*r)->size()) +
                             " bytes, the cached copy " + std::to_string(meta_.size));
    }
    remote_ = std::move(*r);
  }
  return remote_.get();
}

Result<size_t> DiskCachedSource::ReadAt(uint64_t offset, std::span<char> out) const {
  return ReadInExtent(offset, out, 0);
}

Result<size_t> DiskCachedSource::ReadInExtent(uint64_t offset, std::span<char> out,
                                              uint64_t extent_end) const {
  if (offset >= meta_.size) return size_t(0);
  out = out.first(std::min<uint64_t>(out.size(), meta_.size - offset));
  if (out.empty()) return size_t(0);
  const uint64_t split = meta_.tail_offset;
  if (offset < split) {
    size_t head = size_t(std::min<uint64_t>(out.size(), split - offset));
    if (Status s = ReadBlocks(offset, out.first(head), extent_end); !s.ok()) return s;
  }
  if (offset + out.size() > split) {
    uint64_t from = std::max(offset, split);
    std::memcpy(out.data() + (from - offset), tail_.data() + (from - split),
                offset + out.size() - from);
  }
  return out.size();
}

Status DiskCachedSource::ReadBlocks(uint64_t offset, std::span<char> out,
                                    uint64_t extent_end) const {
  const uint64_t bs = meta_.block_size;
  const uint64_t first = offset / bs;
  const uint64_t last = (offset + out.size() - 1) / bs;
  uint64_t ahead_end;
  {
    std::lock_guard lock(mu_);
    const uint64_t end = read_ahead_.End(offset, out.size(), extent_end);
    ahead_end = std::min(block_count(), (end + bs - 1) / bs);
  }
  // Slots for the blocks read and those read ahead (loaded, not copied).
  std::vector<Block> have(ahead_end - first);
  const auto deadline = Clock::now() + options_.timeout;
  Status s = claims_->Read(
      first, last, ahead_end, have, deadline,
      [this](uint64_t i) {  // blocks already on disk are not worth reading ahead
        std::lock_guard lock(mu_);
        return !present_[i];
      },
      [&](const std::vector<uint64_t>& claimed) { return Load(claimed, first, have, deadline); },
      name_);
  if (!s.ok()) return s;
  CopyFromBlocks(offset, out, first, last, bs, have);
  bool whole;
  {
    std::lock_guard lock(mu_);
    whole = !complete_ && !completing_ && present_count_ == present_.size();
  }
  if (whole) CompleteIfWhole();
  return Status::Ok();
}

Status DiskCachedSource::Load(const std::vector<uint64_t>& claimed, uint64_t first,
                              std::vector<Block>& have, Clock::time_point deadline) const {
  for (auto [from, to] : BlockClaims::Runs(claimed)) {
    if (Status s = LoadRun(from, to, first, have, deadline); !s.ok()) return s;
  }
  return Status::Ok();
}

Status DiskCachedSource::LoadRun(uint64_t from, uint64_t to, uint64_t first,
                                 std::vector<Block>& have, Clock::time_point deadline) const {
  // Another daemon loading these blocks holds this lock until their files
  // are written; we then read them instead of fetching them again.
  // Waiting is bounded by half the read's time, so a stuck daemon costs
  // a duplicate fetch, not a hung read.
  const bool locked =
      layer_->LockBlocks(from, to, std::min(deadline, Clock::now() + options_.timeout / 2));
  std::vector<uint64_t> missing;
  for (uint64_t i = from; i < to; ++i) {
    if (std::optional<std::string> data = layer_->ReadBlock(BlockName(i), BlockLength(i))) {
      auto block = std::make_shared<const std::string>(std::move(*data));
      have[i - first] = block;
      claims_->Keep(i, std::move(block));
      std::lock_guard lock(mu_);
      MarkPresent(i);
    } else {
      missing.push_back(i);
    }
  }
  Status status;
  const uint64_t bs = meta_.block_size;
  for (auto [from_block, to_block] : BlockClaims::Runs(missing)) {
    const uint64_t begin = from_block * bs;
    const uint64_t end = std::min(meta_.tail_offset, to_block * bs);
    Result<const ByteSource*> remote = Remote();
    if (!remote.ok()) {
      status = remote.status();
      break;
    }
    std::string bytes(end - begin, '\0');
    Result<size_t> n = (*remote)->ReadAt(begin, bytes);
    if (!n.ok()) {
      status = n.status();
    } else if (*n != bytes.size()) {
      status = Status::IoError(name_ + ": short read at " + std::to_string(begin));
    } else {
      for (uint64_t k = from_block; k < to_block; ++k) {
        const uint64_t at = k * bs - begin;
        auto block = std::make_shared<const std::string>(bytes.substr(at, BlockLength(k)));
        const bool written = layer_->WriteBlock(BlockName(k), *block);
        have[k - first] = block;
        claims_->Keep(k, std::move(block));
        std::lock_guard lock(mu_);
        if (written) MarkPresent(k);
      }
    }
    if (!status.ok()) break;
  }
  if (locked) layer_->UnlockBlocks(from, to);
  return status;
}

void DiskCachedSource::MarkPresent(uint64_t index) const {
  if (!present_[index]) {
    present_[index] = true;
    ++present_count_;
  }
}

void DiskCachedSource::CompleteIfWhole() const {
  {
    std::lock_guard lock(mu_);
    if (complete_ || completing_) return;
    completing_ = true;
  }
  // Every block is read back and checked (its CRC; the whole layer's
  // SHA-256 when known), so "complete" means a remount needs no network.
  std::unique_ptr<EVP_MD_CTX, DigestDeleter> digest(EVP_MD_CTX_new());
  bool hashing = !meta_.sha256.empty();
  bool ok = digest != nullptr && EVP_DigestInit_ex(digest.get(), EVP_sha256(), nullptr) == 1;
  uint64_t bad = UINT64_MAX;
  for (uint64_t i = 0; ok && i < present_.size(); ++i) {
    std::optional<std::string> data = layer_->ReadBlock(BlockName(i), BlockLength(i));
    if (!data) {
      ok = false;
      bad = i;
    } else if (hashing) {
      ok = EVP_DigestUpdate(digest.get(), data->data(), data->size()) == 1;
    }
  }
  bool final_answer = ok;  // a block missing may be refetched: try again later
  if (ok && hashing) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    ok = EVP_DigestUpdate(digest.get(), tail_.data(), tail_.size()) == 1 &&
         EVP_DigestFinal_ex(digest.get(), md, &len) == 1 && HexOf({md, len}) == meta_.sha256;
    final_answer = true;  // a mismatch will not go away: stop checking
  }
  if (ok) {
    LayerMeta m = meta_;
    m.complete = true;
    ok = layer_->WriteMeta(m).ok();
  }
  std::lock_guard lock(mu_);
  completing_ = false;
  complete_ = final_answer;
  if (bad != UINT64_MAX && present_[bad]) {
    present_[bad] = false;
    --present_count_;
  }
}

}  // namespace layerfs
