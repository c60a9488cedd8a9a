// ByteBuffer: a vector of bytes whose new elements are left uninitialised,
// for buffers filled whole right after they are sized (a decompressor's
// output, a read's destination). A std::vector<char> would zero them
// first: one more pass over every byte of every small file read (a tenth
// of the daemon's time reading a tree of small files cold).
// Thread-safety as std::vector's.
#pragma once

#include <memory>
#include <new>
#include <vector>

namespace layerfs {

// std::allocator, except that value-initialising construction (what
// vector(n) and resize(n) do) leaves the bytes as they are.
template <typename T>
struct DefaultInitAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() = default;
  template <typename U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}

  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;  // default-init: no zeroing
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

using ByteBuffer = std::vector<char, DefaultInitAllocator<char>>;

}  // namespace layerfs
