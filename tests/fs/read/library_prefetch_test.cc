#include "fs/read/library_prefetch.h"

#include <gtest/gtest.h>

namespace layerfs {
namespace {

TEST(LibraryPrefetchTest, SharedLibraryNames) {
  for (const char* name : {"libLLVM-14.so.1", "libc.so.6", "libfoo.so", "libz.so.1.2.13",
                           "_multiarray_umath.cpython-311-x86_64-linux-gnu.so", "x.abi3.so"}) {
    EXPECT_TRUE(IsSharedLibraryName(name)) << name;
  }
  for (const char* name : {".so", "libfoo.so.bak", "soap.py", "x.soap", "libfoo.a", "model.bin",
                           "so", "libfoo.so.1a", "notes.so.txt"}) {
    EXPECT_FALSE(IsSharedLibraryName(name)) << name;
  }
}

}  // namespace
}  // namespace layerfs
