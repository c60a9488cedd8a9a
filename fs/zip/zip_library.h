// libzip, loaded on first use rather than at program start.
//
// libzip is only a fallback: layerfs decodes stored, deflate, deflate64,
// zstd and xz entries itself and hands libzip the rare methods it does not
// (bzip2...). Linked, libzip and what it pulls in (libcrypto.so.3,
// libbz2, libz) cost every `layerfs` command about 5 ms of loading and
// relocation before main(): a tenth of the time a mount takes to be
// ready. So the binary does not link libzip: zip_library.cc defines the
// zip_* functions archive.cc calls and forwards each to libzip.so.4,
// opened with dlopen the first time an entry needs it. archive.cc uses
// <zip.h> as usual, and a program that links libzip itself (the tests,
// which write fixture zips with it) still works: the forwarders then reach
// the same, already loaded, library.
//
// When libzip.so.4 cannot be loaded, ZipLibraryError() says why and
// Archive refuses the entry with that reason; nothing else is affected.
//
// Thread-safety: the library is opened once, under the C++ guarantee for
// function-local statics, and is read-only afterwards; it is never
// unloaded (a FUSE worker may still be reading an entry at exit).
#pragma once

#include <string>

namespace layerfs {

// Empty when libzip is loaded (loading it if it was not); else the
// loader's reason, naming the library.
std::string ZipLibraryError();

}  // namespace layerfs
