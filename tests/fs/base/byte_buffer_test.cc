// ByteBuffer: uninitialised growth, and large buffers mapped with their
// pages populated, which must behave as any vector's storage.
#include "fs/base/byte_buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <utility>

namespace layerfs {
namespace {

TEST(ByteBufferTest, SmallAndLargeBuffersHoldWhatIsWritten) {
  for (size_t size : {size_t(1), size_t(4096), (size_t(1) << 20) - 1, size_t(1) << 20,
                      (size_t(5) << 20) + 7}) {
    ByteBuffer buf(size);
    ASSERT_EQ(buf.size(), size);
    for (size_t i = 0; i < size; ++i) buf[i] = char(i * 31 + 7);
    ByteBuffer moved = std::move(buf);
    ByteBuffer copied = moved;
    for (size_t i = 0; i < size; i += 997) {
      ASSERT_EQ(copied[i], char(i * 31 + 7)) << size;
    }
    // Growing across the threshold keeps the bytes, as a vector must.
    copied.resize(size + (size_t(2) << 20));
    EXPECT_EQ(std::memcmp(copied.data(), moved.data(), size), 0) << size;
    copied.shrink_to_fit();
    copied.clear();
    copied.shrink_to_fit();
  }
}

TEST(ByteBufferTest, LargeBuffersArePageAlignedMappings) {
  ByteBuffer buf(size_t(3) << 20);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(buf.data()) % 4096, 0u);
}

}  // namespace
}  // namespace layerfs
