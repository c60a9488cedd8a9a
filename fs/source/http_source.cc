#include "fs/source/http_source.h"

#include <curl/curl.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <thread>

#include "fs/source/block_claims.h"
#include "fs/source/block_copy.h"
#include "fs/source/curl_global.h"
#include "fs/source/curl_library.h"

namespace layerfs {

namespace {

using Clock = std::chrono::steady_clock;

std::string Lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

// "bytes A-B/TOTAL" → A, B, TOTAL; false when malformed or TOTAL is "*".
bool ParseContentRange(const std::string& v, uint64_t& a, uint64_t& b, uint64_t& total) {
  unsigned long long x, y, t;
  char tail;
  if (std::sscanf(v.c_str(), "bytes %llu-%llu/%llu%c", &x, &y, &t, &tail) != 3) return false;
  if (x > y || y >= t) return false;
  a = x, b = y, total = t;
  return true;
}

// The URL without its query: a presigned URL's signature changes, the
// object does not.
std::string WithoutQuery(const std::string& url) { return url.substr(0, url.find('?')); }

// The text of <Tag>...</Tag> in an S3 error body, "" when absent.
std::string XmlField(const std::string& body, const std::string& tag) {
  size_t a = body.find("<" + tag + ">");
  if (a == std::string::npos) return "";
  a += tag.size() + 2;
  size_t b = body.find("</" + tag + ">", a);
  if (b == std::string::npos || b - a > 200) return "";
  return body.substr(a, b - a);
}

// " (Code: Message)" from an S3-style XML error body, so a 403 says
// whether the key, the signature or the clock was wrong.
std::string ErrorDetail(const std::string& body) {
  std::string code = XmlField(body, "Code");
  if (code.empty()) return "";
  std::string message = XmlField(body, "Message");
  return " (" + code + (message.empty() ? "" : ": " + message) + ")";
}

}  // namespace

struct HttpSource::Response {
  long status = 0;
  std::string content_range;
  std::string etag;
  int64_t mtime = 0;
  // The body: with part_size 0 all of it in `body`; otherwise cut as it
  // arrives into parts of part_size bytes (full ones in `parts`, the last
  // in `body`), so a run of blocks becomes blocks without a copy.
  std::string body;
  std::vector<std::string> parts;
  uint64_t part_size = 0;
  uint64_t received = 0;
  uint64_t body_limit = 0;  // more than this is a protocol error
  bool overflow = false;
  uint64_t generation = 0;  // of the URL and authorisation it was sent with
};

class HttpSource::Handle {
 public:
  Handle() : curl_(curl_easy_init()) {}
  ~Handle() {
    if (curl_ != nullptr) curl_easy_cleanup(curl_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  CURL* get() const { return curl_; }

 private:
  CURL* const curl_;
};

namespace {

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* r = static_cast<HttpSource::Response*>(user);
  size_t len = size * count;
  if (r->received + len > r->body_limit) {
    r->overflow = true;
    return 0;  // aborts the transfer: never buffer a whole object by mistake
  }
  const uint64_t part = r->part_size == 0 ? r->body_limit : r->part_size;
  for (size_t left = len; left > 0;) {
    if (r->body.size() == part) r->parts.push_back(std::move(r->body)), r->body = {};
    // Reserved once per part: appending would grow a string to twice its size.
    if (r->body.empty()) r->body.reserve(std::min(part, r->body_limit - r->received));
    size_t n = std::min<uint64_t>(left, part - r->body.size());
    r->body.append(data, n);
    data += n, left -= n, r->received += n;
  }
  return len;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<HttpSource::Response*>(user);
  std::string line(data, size * n);
  if (line.starts_with("HTTP/")) {  // a new response (after a 100 or redirect)
    r->content_range.clear();
    r->etag.clear();
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == std::string::npos) return size * n;
  std::string key = Lower(line.substr(0, colon));
  std::string value = Trim(line.substr(colon + 1));
  if (key == "content-range") r->content_range = value;
  if (key == "etag") r->etag = value;
  return size * n;
}


}  // namespace

HttpSource::HttpSource(std::string url, RemoteOptions options, std::string name)
    : url_(std::move(url)),
      name_(std::move(name)),
      options_(std::move(options)),
      url_now_(url_),
      auth_(options_.auth),
      claims_(std::make_unique<BlockClaims>(
          options_.memory ? options_.memory : std::make_shared<BlockBudget>(options_.cache_bytes),
          options_.block_size)),
      read_ahead_(options_.first_read_ahead, options_.max_read_ahead) {}

HttpSource::~HttpSource() = default;

Result<std::unique_ptr<HttpSource>> HttpSource::Open(const std::string& url,
                                                     const RemoteOptions& options,
                                                     const std::string& name) {
  EnsureCurlInitialised();
  std::unique_ptr<HttpSource> s(new HttpSource(url, options, name.empty() ? url : name));
  if (Status st = s->FetchTail(Clock::now() + options.timeout); !st.ok()) return st;

  std::string key = (s->etag_.empty() ? url : WithoutQuery(url)) + "\n" + s->etag_ + "\n" +
                    std::to_string(s->size_);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  for (int w = 0; w < 4; ++w) std::memcpy(&s->identity_.words[w], digest + 8 * w, 8);
  return s;
}

Status HttpSource::FetchTail(Clock::time_point deadline) {
  const uint64_t want = std::max<uint64_t>(options_.tail_bytes, 1);
  Result<Response> tail = Fetch(0, 0, want, deadline);
  if (!tail.ok()) return tail.status();
  uint64_t a = 0, b = 0;
  ParseContentRange(tail->content_range, a, b, size_);  // checked by Fetch
  etag_ = tail->etag;
  mtime_ = tail->mtime;
  if (b + 1 != size_) {
    // The head came back instead of the tail (Check allows only that):
    // now that the size is known, ask for the tail by its offsets.
    tail = Fetch(size_ - std::min(want, size_), size_, 0, deadline);
    if (!tail.ok()) return tail.status();
    ParseContentRange(tail->content_range, a, b, size_);
  }
  tail_ = std::move(tail->body);
  tail_offset_ = a;
  return Status::Ok();
}

std::string HttpSource::Where() const { return name_ == url_ ? url_ : name_ + " (" + url_ + ")"; }

bool HttpSource::Refresh(uint64_t seen, const std::string& reason, std::string& why) const {
  if (!options_.refresh) {
    why = "no way to refresh the URL or credentials";
    return false;
  }
  // One refresh at a time: the 403s of requests sent before it retry with
  // its result instead of asking again.
  std::lock_guard refreshing(refresh_mu_);
  {
    std::lock_guard lock(auth_mu_);
    if (generation_ != seen) return true;
  }
  Result<RemoteTarget> fresh = options_.refresh(reason);
  if (!fresh.ok()) {
    why = "refreshing failed: " + fresh.status().message();
    return false;
  }
  {
    std::lock_guard lock(auth_mu_);
    if (!fresh->url.empty()) url_now_ = std::move(fresh->url);
    auth_ = std::move(fresh->auth);
    ++generation_;
  }
  return true;
}

uint64_t HttpSource::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::unique_ptr<HttpSource::Handle> HttpSource::TakeHandle() const {
  {
    std::lock_guard lock(pool_mu_);
    if (!pool_.empty()) {
      std::unique_ptr<Handle> h = std::move(pool_.back());
      pool_.pop_back();
      return h;
    }
  }
  return std::make_unique<Handle>();
}

void HttpSource::PutHandle(std::unique_ptr<Handle> h) const {
  std::lock_guard lock(pool_mu_);
  if (pool_.size() < 16) pool_.push_back(std::move(h));
}

Result<HttpSource::Response> HttpSource::Transfer(const std::string& range, uint64_t limit,
                                                  uint64_t part_size,
                                                  Clock::time_point deadline) const {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return Status::IoError("timed out");
  std::unique_ptr<Handle> h = TakeHandle();
  CURL* c = h->get();
  if (c == nullptr) {
    // A library that did not load will not on a retry: not an IoError,
    // so Fetch gives up at once; Fetch names the URL.
    std::string why = CurlLibraryError();
    if (!why.empty()) return Status::Unsupported(why);
    return Status::IoError("cannot create a curl handle");
  }
  curl_easy_reset(c);
  Response r;
  r.body_limit = limit;
  r.part_size = part_size;
  RemoteAuth auth;
  std::string url;
  {
    std::lock_guard lock(auth_mu_);
    auth = auth_;
    url = url_now_;
    r.generation = generation_;
  }
  Result<CurlSlist> headers = CurlHeaders(auth.headers);
  if (!headers.ok()) return headers.status();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());
  // The path is sent (and signed) exactly as given: an S3 key may hold
  // "./" or "../" segments, and a presigned URL was signed as it is.
  curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: threads
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, long(std::min<int64_t>(left.count(), 10000)));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, long(left.count()));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                   long(std::max<int64_t>(1, options_.stall_time.count() / 1000)));
  curl_easy_setopt(c, CURLOPT_FILETIME, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
  // Compressed bodies would make byte ranges meaningless.
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, nullptr);
  if (*headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers->get());
  if (!auth.aws_sigv4.empty()) {
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, auth.aws_sigv4.c_str());
    curl_easy_setopt(c, CURLOPT_USERPWD, auth.aws_user.c_str());
  }
  {
    std::lock_guard lock(mu_);
    ++requests_;
  }
  CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_off_t filetime = -1;
  if (curl_easy_getinfo(c, CURLINFO_FILETIME_T, &filetime) == CURLE_OK && filetime > 0) {
    r.mtime = int64_t(filetime);
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(c, CURLOPT_USERPWD, nullptr);  // no secret lingers in the pool
  PutHandle(std::move(h));
  if (r.overflow) {
    return Status::Corrupt("server sent more bytes than the range asked for (status " +
                           std::to_string(r.status) + ")");
  }
  if (rc != CURLE_OK) return Status::IoError(curl_easy_strerror(rc));
  return r;
}

Status HttpSource::Check(const Response& r, uint64_t begin, uint64_t end, uint64_t suffix) const {
  if (r.status != 206) {
    return Status::Corrupt("expected 206 Partial Content, got " + std::to_string(r.status) +
                           ErrorDetail(r.body));
  }
  uint64_t a, b, total;
  if (!ParseContentRange(r.content_range, a, b, total)) {
    return Status::Corrupt("bad Content-Range '" + r.content_range + "'");
  }
  if (suffix > 0) {
    // The tail asked for, or the head from a server that reads "-N" as
    // "0-N" (FetchTail then asks again by offsets).
    const bool tail = b + 1 == total && a == total - std::min(suffix, total);
    const bool head = a == 0 && b <= suffix;
    if (!tail && !head) {
      return Status::Corrupt("Content-Range '" + r.content_range + "' is not the tail asked for");
    }
  } else if (a != begin || b + 1 != end || total != size_) {
    return Status::Corrupt("Content-Range '" + r.content_range + "' does not match bytes " +
                           std::to_string(begin) + "-" + std::to_string(end - 1) + "/" +
                           std::to_string(size_));
  } else if (r.etag != etag_) {
    return Status::Corrupt("the object changed (ETag " + r.etag + ", was " + etag_ + ")");
  }
  if (r.received != b - a + 1) {
    return Status::IoError("short body: " + std::to_string(r.received) + " of " +
                           std::to_string(b - a + 1) + " bytes");
  }
  return Status::Ok();
}

Result<HttpSource::Response> HttpSource::Fetch(uint64_t begin, uint64_t end, uint64_t suffix,
                                               Clock::time_point deadline,
                                               uint64_t part_size) const {
  const std::string range =
      suffix > 0 ? "-" + std::to_string(suffix)
                 : std::to_string(begin) + "-" + std::to_string(end - 1);
  std::minstd_rand jitter(uint32_t(std::hash<std::string>{}(range) ^
                                   uint64_t(Clock::now().time_since_epoch().count())));
  auto backoff = options_.backoff;
  std::string last;
  bool refreshed = false;
  for (int attempt = 1;; ++attempt) {
    // A suffix may come back as "0-N": N+1 bytes.
    Result<Response> r =
        Transfer(range, suffix > 0 ? suffix + 1 : end - begin, part_size, deadline);
    bool retry;
    if (r.ok()) {
      if (r->status == 404) {
        return Status::NotFound(Where() + ": 404 Not Found" + ErrorDetail(r->body));
      }
      if (r->status == 403 && !refreshed && options_.refresh) {
        // Credentials may have been rotated, a token renewed or a presigned
        // URL expired since they were made: renew them, once, and retry.
        refreshed = true;
        std::string why;
        if (Refresh(r->generation, "403 Forbidden" + ErrorDetail(r->body), why)) {
          --attempt;
          continue;
        }
        return Status::IoError(Where() + ": bytes " + range + ": 403 Forbidden" +
                               ErrorDetail(r->body) + "; " + why);
      }
      Status s = Check(*r, begin, end, suffix);
      if (s.ok()) return std::move(*r);
      last = s.message();
      // Server errors and throttling pass; a short body is a cut connection.
      retry = r->status >= 500 || r->status == 429 || s.code() == ErrorCode::kIoError;
    } else {
      last = r.status().message();
      retry = r.status().code() == ErrorCode::kIoError;
    }
    auto now = Clock::now();
    if (!retry || attempt >= options_.attempts || now >= deadline) break;
    auto sleep = backoff / 2 + std::chrono::milliseconds(jitter() % (backoff.count() + 1));
    if (now + sleep >= deadline) break;
    std::this_thread::sleep_for(sleep);
    backoff *= 2;
  }
  return Status::IoError(Where() + ": bytes " + range + ": " + last);
}

Status HttpSource::ReadBlocks(uint64_t offset, std::span<char> out, uint64_t extent_end) const {
  const uint64_t bs = options_.block_size;
  const uint64_t nblocks = (size_ + bs - 1) / bs;
  const uint64_t first = offset / bs;
  const uint64_t last = (offset + out.size() - 1) / bs;
  uint64_t ahead_end;
  {
    std::lock_guard lock(mu_);
    const uint64_t end = read_ahead_.End(offset, out.size(), extent_end);
    ahead_end = std::min(nblocks, (end + bs - 1) / bs);
  }
  std::vector<Block> have(ahead_end - first);
  const auto deadline = Clock::now() + options_.timeout;
  Status s = claims_->Read(
      first, last, ahead_end, have, deadline, [](uint64_t) { return true; },
      [&](const std::vector<uint64_t>& claimed) {
        return FetchBlocks(claimed, first, have, deadline);
      },
      url_);
  if (!s.ok()) return s;
  CopyFromBlocks(offset, out, first, last, bs, have);
  return Status::Ok();
}

Status HttpSource::FetchBlocks(const std::vector<uint64_t>& claimed, uint64_t first,
                               std::vector<Block>& have, Clock::time_point deadline) const {
  const uint64_t bs = options_.block_size;
  for (auto [from, to] : BlockClaims::Runs(claimed)) {
    Result<Response> r = Fetch(from * bs, std::min(size_, to * bs), 0, deadline, bs);
    if (!r.ok()) return r.status();
    r->parts.push_back(std::move(r->body));  // the run's last block
    for (uint64_t i = from; i < to; ++i) {
      auto block = std::make_shared<const std::string>(std::move(r->parts[i - from]));
      have[i - first] = block;
      claims_->Keep(i, std::move(block));
    }
  }
  return Status::Ok();
}

Result<size_t> HttpSource::ReadAt(uint64_t offset, std::span<char> out) const {
  return ReadInExtent(offset, out, 0);
}

Result<size_t> HttpSource::ReadInExtent(uint64_t offset, std::span<char> out,
                                        uint64_t extent_end) const {
  if (offset >= size_) return size_t(0);
  out = out.first(std::min<uint64_t>(out.size(), size_ - offset));
  if (out.empty()) return size_t(0);
  if (offset >= tail_offset_) {
    std::memcpy(out.data(), tail_.data() + (offset - tail_offset_), out.size());
    return out.size();
  }
  if (Status s = ReadBlocks(offset, out, extent_end); !s.ok()) return s;
  return out.size();
}

}  // namespace layerfs
