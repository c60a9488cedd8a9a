#include "fs/zip/zip_library.h"

#include <zip.h>

#include "fs/base/shared_library.h"

namespace layerfs {

namespace {

// The libzip entry points archive.cc uses, resolved once.
struct ZipLibrary {
  SharedLibrary library{"libzip.so.4", "libzip.so.4 (Debian package libzip4), needed for this "
                        "entry's compression method"};
  std::string error;  // empty when the library and every symbol below resolved
  void (*discard)(zip_t*) = nullptr;
  void (*error_fini)(zip_error_t*) = nullptr;
  void (*error_init)(zip_error_t*) = nullptr;
  void (*error_set)(zip_error_t*, int, int) = nullptr;
  zip_int64_t (*error_to_data)(const zip_error_t*, void*, zip_uint64_t) = nullptr;
  int (*fclose)(zip_file_t*) = nullptr;
  const char* (*file_strerror)(zip_file_t*) = nullptr;
  zip_file_t* (*fopen_index)(zip_t*, zip_uint64_t, zip_flags_t) = nullptr;
  zip_int64_t (*fread)(zip_file_t*, void*, zip_uint64_t) = nullptr;
  const char* (*get_name)(zip_t*, zip_uint64_t, zip_flags_t) = nullptr;
  zip_t* (*open_from_source)(zip_source_t*, int, zip_error_t*) = nullptr;
  void (*source_free)(zip_source_t*) = nullptr;
  zip_source_t* (*source_function_create)(zip_source_callback, void*, zip_error_t*) = nullptr;
  zip_int64_t (*source_seek_compute_offset)(zip_uint64_t, zip_uint64_t, void*, zip_uint64_t,
                                            zip_error_t*) = nullptr;
  void (*stat_init)(zip_stat_t*) = nullptr;
  const char* (*strerror)(zip_t*) = nullptr;

  ZipLibrary() {
    library.Resolve(discard, "zip_discard");
    library.Resolve(error_fini, "zip_error_fini");
    library.Resolve(error_init, "zip_error_init");
    library.Resolve(error_set, "zip_error_set");
    library.Resolve(error_to_data, "zip_error_to_data");
    library.Resolve(fclose, "zip_fclose");
    library.Resolve(file_strerror, "zip_file_strerror");
    library.Resolve(fopen_index, "zip_fopen_index");
    library.Resolve(fread, "zip_fread");
    library.Resolve(get_name, "zip_get_name");
    library.Resolve(open_from_source, "zip_open_from_source");
    library.Resolve(source_free, "zip_source_free");
    library.Resolve(source_function_create, "zip_source_function_create");
    library.Resolve(source_seek_compute_offset, "zip_source_seek_compute_offset");
    library.Resolve(stat_init, "zip_stat_init");
    library.Resolve(strerror, "zip_strerror");
    error = library.error();
  }

  bool ok() const { return error.empty(); }
};

const ZipLibrary& Zip() {
  static const ZipLibrary library;
  return library;
}

}  // namespace

std::string ZipLibraryError() { return Zip().error; }

}  // namespace layerfs

using layerfs::Zip;

extern "C" {

// Archive checks ZipLibraryError() before it calls any of these; the ones
// that take no libzip handle still do nothing harmful if it did not.

void zip_error_init(zip_error_t* error) {
  if (Zip().ok()) Zip().error_init(error);
}

void zip_error_fini(zip_error_t* error) {
  if (Zip().ok()) Zip().error_fini(error);
}

void zip_error_set(zip_error_t* error, int ze, int se) {
  if (Zip().ok()) Zip().error_set(error, ze, se);
}

zip_int64_t zip_error_to_data(const zip_error_t* error, void* data, zip_uint64_t length) {
  return Zip().ok() ? Zip().error_to_data(error, data, length) : -1;
}

void zip_stat_init(zip_stat_t* st) {
  if (Zip().ok()) Zip().stat_init(st);
}

zip_int64_t zip_source_seek_compute_offset(zip_uint64_t offset, zip_uint64_t length, void* data,
                                           zip_uint64_t data_length, zip_error_t* error) {
  return Zip().ok() ? Zip().source_seek_compute_offset(offset, length, data, data_length, error)
                    : -1;
}

zip_source_t* zip_source_function_create(zip_source_callback callback, void* userdata,
                                         zip_error_t* error) {
  return Zip().ok() ? Zip().source_function_create(callback, userdata, error) : nullptr;
}

void zip_source_free(zip_source_t* source) {
  if (source != nullptr) Zip().source_free(source);
}

// The functions below take a handle, which only a loaded library made.
zip_t* zip_open_from_source(zip_source_t* source, int flags, zip_error_t* error) {
  return Zip().open_from_source(source, flags, error);
}

void zip_discard(zip_t* archive) { Zip().discard(archive); }

const char* zip_get_name(zip_t* archive, zip_uint64_t index, zip_flags_t flags) {
  return Zip().get_name(archive, index, flags);
}

const char* zip_strerror(zip_t* archive) { return Zip().strerror(archive); }

zip_file_t* zip_fopen_index(zip_t* archive, zip_uint64_t index, zip_flags_t flags) {
  return Zip().fopen_index(archive, index, flags);
}

zip_int64_t zip_fread(zip_file_t* file, void* out, zip_uint64_t length) {
  return Zip().fread(file, out, length);
}

const char* zip_file_strerror(zip_file_t* file) { return Zip().file_strerror(file); }

int zip_fclose(zip_file_t* file) { return Zip().fclose(file); }

}  // extern "C"
