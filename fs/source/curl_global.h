// EnsureCurlInitialised: libcurl's process-wide setup, run once before the
// first easy handle by whoever makes one (HttpSource, HttpGet); and
// CurlHeaders, a request's header list as an owned curl_slist.
//
// curl_global_init must not race other library initialisation; a
// function-local static runs it once, thread-safely, on first use, and
// cleans up at exit. No mutable global. Callable from any thread.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>
#include <vector>

#include "fs/base/status.h"

namespace layerfs {

inline void EnsureCurlInitialised() {
  struct CurlGlobal {
    CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
    ~CurlGlobal() { curl_global_cleanup(); }
  };
  static const CurlGlobal global;
}

struct CurlSlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;

// The headers ("Name: value") as one list for CURLOPT_HTTPHEADER; null for
// none.
inline Result<CurlSlist> CurlHeaders(const std::vector<std::string>& headers) {
  CurlSlist list;
  for (const std::string& header : headers) {
    curl_slist* next = curl_slist_append(list.get(), header.c_str());
    if (next == nullptr) return Status::IoError("out of memory");
    (void)list.release();  // now the head of `next`
    list.reset(next);
  }
  return list;
}

}  // namespace layerfs
