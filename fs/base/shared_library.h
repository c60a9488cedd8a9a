// SharedLibrary: a C library opened with dlopen when first needed instead
// of linked, with its entry points resolved by name: for libraries most
// runs of `layerfs` never call (libcurl for remote layers, libzip for
// entries in methods layerfs does not decode), whose loading and
// relocation would otherwise cost every command before main().
//
// RTLD_LOCAL keeps the library's dependencies out of the global symbol
// namespace. The handle is never closed: a thread may still be inside the
// library at exit. Not thread-safe by itself: its users build one in a
// function-local static and only read it afterwards.
#pragma once

#include <dlfcn.h>

#include <string>

namespace layerfs {

class SharedLibrary {
 public:
  // Opens `soname`; on failure error() is "cannot load <what>: <reason>",
  // `what` naming the library and why it is wanted.
  SharedLibrary(const char* soname, const std::string& what)
      : soname_(soname), handle_(dlopen(soname, RTLD_NOW | RTLD_LOCAL)) {
    if (handle_ == nullptr) {
      const char* why = dlerror();
      error_ = "cannot load " + what + ": " + (why != nullptr ? why : "unknown reason");
    }
  }

  // Points `fn` at the library's `symbol`; a missing one (or a library
  // that did not load) leaves it null and sets error() if still unset.
  template <typename F>
  void Resolve(F& fn, const char* symbol) {
    fn = handle_ != nullptr ? reinterpret_cast<F>(dlsym(handle_, symbol)) : nullptr;
    if (fn == nullptr && error_.empty()) error_ = soname_ + " has no " + symbol;
  }

  bool ok() const { return error_.empty(); }
  // Empty when the library and every symbol resolved so far are there.
  const std::string& error() const { return error_; }

 private:
  const std::string soname_;
  void* const handle_;
  std::string error_;
};

}  // namespace layerfs
