#include "fs/source/http_get.h"

#include <curl/curl.h>

#include <memory>

#include "fs/source/curl_global.h"
#include "fs/source/curl_library.h"

namespace layerfs {

namespace {

struct Transfer {
  HttpReply reply;
  size_t limit = 0;
  bool overflow = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  if (t->reply.body.size() + len > t->limit) {
    t->overflow = true;
    return 0;  // aborts the transfer
  }
  t->reply.body.append(data, len);
  return len;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string line(data, size * n);
  const size_t colon = line.find(':');
  if (colon == std::string::npos) return size * n;
  std::string key = line.substr(0, colon);
  for (char& c : key) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (key == "x-amzn-errortype") {
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    t->reply.error_type = value.substr(0, 200);
  }
  return size * n;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

}  // namespace

Result<HttpReply> HttpGet(const std::string& url, const RemoteAuth& auth,
                          std::chrono::milliseconds timeout, size_t body_limit) {
  EnsureCurlInitialised();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) {
    std::string why = CurlLibraryError();
    return Status::IoError(why.empty() ? "cannot create a curl handle" : why);
  }
  CURL* c = curl.get();
  Result<CurlSlist> headers = CurlHeaders(auth.headers);
  if (!headers.ok()) return headers.status();
  Transfer t;
  t.limit = body_limit;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: threads
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, long(std::min<int64_t>(timeout.count(), 10000)));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, long(timeout.count()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  if (*headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers->get());
  if (!auth.aws_sigv4.empty()) {
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, auth.aws_sigv4.c_str());
    curl_easy_setopt(c, CURLOPT_USERPWD, auth.aws_user.c_str());
  }
  const CURLcode rc = curl_easy_perform(c);
  if (t.overflow) {
    return Status::IoError("the response is larger than " + std::to_string(body_limit) + " bytes");
  }
  if (rc != CURLE_OK) return Status::IoError(curl_easy_strerror(rc));
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t.reply.status);
  return std::move(t.reply);
}

}  // namespace layerfs
