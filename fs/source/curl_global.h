// EnsureCurlInitialised: libcurl's process-wide setup, run once before the
// first easy handle by whoever makes one (HttpSource, HttpGet).
//
// curl_global_init must not race other library initialisation; a
// function-local static runs it once, thread-safely, on first use, and
// cleans up at exit. No mutable global. Callable from any thread.
#pragma once

#include <curl/curl.h>

namespace layerfs {

inline void EnsureCurlInitialised() {
  struct CurlGlobal {
    CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
    ~CurlGlobal() { curl_global_cleanup(); }
  };
  static const CurlGlobal global;
}

}  // namespace layerfs
