#include "moecap/kernels/cpu/page_arena.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <new>
#include <string>
#include <string_view>
#include <utility>

namespace moecap::kernels::cpu {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

size_t round_up(size_t value, size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

}  // namespace

PageArena::PageArena(size_t chunk_bytes)
    : chunk_bytes_(round_up(chunk_bytes == 0 ? kHugePage : chunk_bytes, kHugePage)) {}

PageArena::~PageArena() {
  release();
}

PageArena::PageArena(PageArena&& other) noexcept
    : chunk_bytes_(other.chunk_bytes_), chunks_(std::exchange(other.chunks_, {})) {}

PageArena& PageArena::operator=(PageArena&& other) noexcept {
  if (this != &other) {
    release();
    chunk_bytes_ = other.chunk_bytes_;
    chunks_ = std::exchange(other.chunks_, {});
  }
  return *this;
}

void PageArena::release() {
  for (const Chunk& c : chunks_) munmap(c.mapping, c.mapping_bytes);
  chunks_.clear();
}

void* PageArena::allocate(size_t bytes, size_t alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > kHugePage) throw std::bad_alloc();
  bytes = std::max<size_t>(bytes, 1);
  if (!chunks_.empty()) {
    Chunk& c = chunks_.back();
    const size_t offset = round_up(c.used, alignment);
    if (offset + bytes <= c.size) {
      c.used = offset + bytes;
      return c.begin + offset;
    }
  }
  // A new chunk: map one huge page more than needed so a 2 MiB-aligned start fits inside; only that aligned
  // extent is advised (the kernel backs a range with huge pages only where it covers whole aligned 2 MiB).
  Chunk c;
  c.size = round_up(std::max(bytes, chunk_bytes_), kHugePage);
  c.mapping_bytes = c.size + kHugePage;
  c.mapping = mmap(nullptr, c.mapping_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (c.mapping == MAP_FAILED) throw std::bad_alloc();
  c.begin = reinterpret_cast<char*>(round_up(reinterpret_cast<uintptr_t>(c.mapping), kHugePage));
#ifdef MADV_HUGEPAGE
  madvise(c.begin, c.size, MADV_HUGEPAGE);  // a request: refused (THP off) it changes nothing
#endif
  c.used = bytes;
  chunks_.push_back(c);
  return c.begin;
}

std::vector<std::span<const std::byte>> PageArena::used_extents() const {
  std::vector<std::span<const std::byte>> extents;
  for (const Chunk& c : chunks_) extents.emplace_back(reinterpret_cast<const std::byte*>(c.begin), c.used);
  return extents;
}

size_t PageArena::mapped_bytes() const {
  size_t total = 0;
  for (const Chunk& c : chunks_) total += c.mapping_bytes;
  return total;
}

size_t available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  constexpr std::string_view kKey = "MemAvailable:";
  while (std::getline(in, line))  // line by line: some lines (HugePages_*) have no unit
    if (line.compare(0, kKey.size(), kKey) == 0) return std::stoull(line.substr(kKey.size())) * 1024;  // kB
  return 0;
}

}  // namespace moecap::kernels::cpu
