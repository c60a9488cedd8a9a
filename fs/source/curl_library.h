// libcurl, loaded on first use rather than at program start.
//
// libcurl pulls in some 26 shared libraries (TLS, HTTP/2, SSH, LDAP,
// Kerberos...) whose loading and relocation cost every `layerfs` command
// about 10 ms before main() even when no layer is remote: a fifth of the
// time a local mount takes to be ready. So the binary does not link
// libcurl: curl_library.cc defines the few curl_* functions the remote
// sources call and forwards each to libcurl.so.4, opened with dlopen the
// first time any of them runs. Callers use <curl/curl.h> as usual.
//
// When libcurl.so.4 cannot be loaded, curl_global_init fails,
// curl_easy_init returns null and CurlLibraryError() says why, so a remote
// layer fails with that reason and local layers are unaffected.
//
// Thread-safety: the library is opened once, under the C++ guarantee for
// function-local statics, and is read-only afterwards; it is never
// unloaded (a FUSE worker may still be inside a transfer at exit).
#pragma once

#include <string>

namespace layerfs {

// Empty when libcurl is loaded (loading it if it was not); else the
// loader's reason, naming the library.
std::string CurlLibraryError();

}  // namespace layerfs
