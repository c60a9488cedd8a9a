#include "fs/source/curl_library.h"

#include <cstdarg>

// The definitions below must not be rewritten by curl's type-checking
// macros (typecheck-gcc.h wraps curl_easy_setopt and curl_easy_getinfo).
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include "fs/base/shared_library.h"

namespace layerfs {

namespace {

// A generic function pointer, for options that take a callback: every
// function pointer passes through varargs the same way on our ABIs.
using AnyFunction = void (*)();

// The libcurl entry points the remote sources use, resolved once.
struct CurlLibrary {
  SharedLibrary library{"libcurl.so.4", "libcurl.so.4 (Debian package libcurl4)"};
  std::string error;  // empty when the library and every symbol below resolved
  CURLcode (*global_init)(long) = nullptr;
  void (*global_cleanup)() = nullptr;
  CURL* (*easy_init)() = nullptr;
  void (*easy_cleanup)(CURL*) = nullptr;
  void (*easy_reset)(CURL*) = nullptr;
  CURLcode (*easy_perform)(CURL*) = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  const char* (*easy_strerror)(CURLcode) = nullptr;
  curl_slist* (*slist_append)(curl_slist*, const char*) = nullptr;
  void (*slist_free_all)(curl_slist*) = nullptr;

  CurlLibrary() {
    library.Resolve(global_init, "curl_global_init");
    library.Resolve(global_cleanup, "curl_global_cleanup");
    library.Resolve(easy_init, "curl_easy_init");
    library.Resolve(easy_cleanup, "curl_easy_cleanup");
    library.Resolve(easy_reset, "curl_easy_reset");
    library.Resolve(easy_perform, "curl_easy_perform");
    library.Resolve(easy_setopt, "curl_easy_setopt");
    library.Resolve(easy_getinfo, "curl_easy_getinfo");
    library.Resolve(easy_strerror, "curl_easy_strerror");
    library.Resolve(slist_append, "curl_slist_append");
    library.Resolve(slist_free_all, "curl_slist_free_all");
    error = library.error();
  }

  bool ok() const { return error.empty(); }
};

const CurlLibrary& Curl() {
  static const CurlLibrary library;
  return library;
}

}  // namespace

std::string CurlLibraryError() { return Curl().error; }

}  // namespace layerfs

using layerfs::AnyFunction;
using layerfs::Curl;

extern "C" {

CURLcode curl_global_init(long flags) {
  return Curl().ok() ? Curl().global_init(flags) : CURLE_FAILED_INIT;
}

void curl_global_cleanup() {
  if (Curl().ok()) Curl().global_cleanup();
}

CURL* curl_easy_init() { return Curl().ok() ? Curl().easy_init() : nullptr; }

// The functions below take a handle, which only a loaded library made.
void curl_easy_cleanup(CURL* curl) { Curl().easy_cleanup(curl); }

void curl_easy_reset(CURL* curl) { Curl().easy_reset(curl); }

CURLcode curl_easy_perform(CURL* curl) { return Curl().easy_perform(curl); }

// An option's number says the type of its one argument (curl.h's
// CURLOPTTYPE_* ranges), which is how it is passed on.
CURLcode curl_easy_setopt(CURL* curl, CURLoption option, ...) {
  va_list args;
  va_start(args, option);
  CURLcode result;
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    result = Curl().easy_setopt(curl, option, va_arg(args, long));
  } else if (option < CURLOPTTYPE_FUNCTIONPOINT) {
    result = Curl().easy_setopt(curl, option, va_arg(args, void*));
  } else if (option < CURLOPTTYPE_OFF_T) {
    result = Curl().easy_setopt(curl, option, va_arg(args, AnyFunction));
  } else if (option < CURLOPTTYPE_BLOB) {
    result = Curl().easy_setopt(curl, option, va_arg(args, curl_off_t));
  } else {
    result = Curl().easy_setopt(curl, option, va_arg(args, void*));
  }
  va_end(args);
  return result;
}

// Every CURLINFO takes one pointer to where the answer goes.
CURLcode curl_easy_getinfo(CURL* curl, CURLINFO info, ...) {
  va_list args;
  va_start(args, info);
  CURLcode result = Curl().easy_getinfo(curl, info, va_arg(args, void*));
  va_end(args);
  return result;
}

const char* curl_easy_strerror(CURLcode code) {
  return Curl().ok() ? Curl().easy_strerror(code) : "libcurl is not loaded";
}

curl_slist* curl_slist_append(curl_slist* list, const char* text) {
  return Curl().ok() ? Curl().slist_append(list, text) : nullptr;
}

void curl_slist_free_all(curl_slist* list) {
  if (list != nullptr) Curl().slist_free_all(list);
}

}  // extern "C"
