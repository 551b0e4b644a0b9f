// Memory for large read-mostly data (weights a backend keeps itself, the bandwidth probe's buffers): anonymous
// mappings whose 2 MiB-aligned extent asks the kernel for transparent huge pages (madvise), carved into
// page-aligned blocks.
//
// Why: a decode GEMV streams every weight once per step, and on this kind of machine both things this arena
// gives raise the rate it reads (one thread, 1 GiB of f32 rows, medians of 5 passes): 64-byte-aligned rows
// instead of the 16-byte offset malloc's mmap'd blocks have (no 32-byte load splits a cache line), +~8%; huge
// pages instead of 4 KiB ones (the hardware prefetchers stop at page boundaries, and far fewer TLB misses),
// +~12%. Huge pages are a request: with THP disabled the arena still works on 4 KiB pages.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace moecap::kernels::cpu {

/// Not thread-safe: fill it from one thread, then read the blocks from any.
class PageArena {
 public:
  /// Blocks are carved from chunks of at least `chunk_bytes` (a block larger than that gets its own chunk).
  explicit PageArena(size_t chunk_bytes = size_t{256} << 20);
  ~PageArena();
  PageArena(const PageArena&) = delete;
  PageArena& operator=(const PageArena&) = delete;
  PageArena(PageArena&& other) noexcept;
  PageArena& operator=(PageArena&& other) noexcept;

  /// `bytes` of uninitialised memory aligned to `alignment` (a power of two up to 2 MiB), valid until the
  /// arena is destroyed. Throws std::bad_alloc when the system refuses the mapping.
  void* allocate(size_t bytes, size_t alignment = 4096);

  /// Bytes mapped so far (chunks, including the slack used for alignment).
  size_t mapped_bytes() const;

  /// The part of each chunk handed out so far, first block to last (with the alignment gaps between blocks): the
  /// memory to read for the rate of everything this arena holds.
  std::vector<std::span<const std::byte>> used_extents() const;

 private:
  struct Chunk {
    void* mapping = nullptr;
    size_t mapping_bytes = 0;
    char* begin = nullptr;  ///< 2 MiB-aligned start inside the mapping
    size_t size = 0;
    size_t used = 0;
  };
  void release();
  size_t chunk_bytes_;
  std::vector<Chunk> chunks_;
};

/// MemAvailable of /proc/meminfo in bytes (what can be allocated without swapping), 0 when unknown.
size_t available_memory_bytes();

}  // namespace moecap::kernels::cpu
