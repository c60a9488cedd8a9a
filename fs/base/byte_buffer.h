// ByteBuffer: a vector of bytes whose new elements are left uninitialised,
// for buffers filled whole right after they are sized (a decompressor's
// output, a read's destination). A std::vector<char> would zero them
// first: one more pass over every byte of every small file read (a tenth
// of the daemon's time reading a tree of small files cold).
// Thread-safety as std::vector's.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <memory>
#include <new>
#include <vector>

namespace layerfs {

// std::allocator, except that value-initialising construction (what
// vector(n) and resize(n) do) leaves the bytes as they are.
template <typename T>
struct DefaultInitAllocator : std::allocator<T> {
  static constexpr size_t kPopulatedSize = size_t(1) << 20;

  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() = default;
  template <typename U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}

  // Large buffers are mapped with their pages populated in one call: on a
  // VM a page fault per 4 KiB page of a just-allocated 4 MiB inflate
  // buffer cost as much as the inflate itself.
  T* allocate(size_t n) {
    size_t bytes = n * sizeof(T);
    if (bytes < kPopulatedSize) return std::allocator<T>::allocate(n);
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) noexcept {
    size_t bytes = n * sizeof(T);
    if (bytes < kPopulatedSize) return std::allocator<T>::deallocate(p, n);
    ::munmap(p, bytes);
  }

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
