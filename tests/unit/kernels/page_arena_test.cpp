// PageArena: blocks aligned as asked, disjoint and writable, carved from chunks (a block larger than a chunk
// gets its own), released on destruction and handed over by a move.
#include "moecap/kernels/cpu/page_arena.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <new>
#include <span>
#include <utility>
#include <vector>

namespace moecap::kernels::cpu {
namespace {

TEST(PageArena, BlocksAreAlignedDisjointAndWritable) {
  PageArena arena(size_t{2} << 20);
  std::vector<std::pair<char*, size_t>> blocks;
  for (size_t bytes :
       {size_t{1}, size_t{100}, size_t{4096}, size_t{5000}, size_t{1} << 20, size_t{3} << 20, size_t{7}}) {
    char* p = static_cast<char*>(arena.allocate(bytes));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 4096, 0u) << bytes << " bytes";
    std::memset(p, static_cast<int>(blocks.size() + 1), bytes);
    blocks.emplace_back(p, bytes);
  }
  for (size_t i = 0; i < blocks.size(); ++i) {
    // Every block still holds its own fill: none overlaps another.
    for (size_t k = 0; k < blocks[i].second; k += 997) ASSERT_EQ(blocks[i].first[k], static_cast<char>(i + 1));
    ASSERT_EQ(blocks[i].first[blocks[i].second - 1], static_cast<char>(i + 1));
  }
  // The 3 MiB block exceeds a 2 MiB chunk: a chunk of its own, so at least 3 mappings were made.
  EXPECT_GE(arena.mapped_bytes(), (size_t{2} << 20) * 2 + (size_t{3} << 20));
}

TEST(PageArena, SmallerAlignmentsPackAndBadOnesAreRefused) {
  PageArena arena;
  char* a = static_cast<char*>(arena.allocate(10, 64));
  char* b = static_cast<char*>(arena.allocate(10, 64));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % 64, 0u);
  EXPECT_EQ(b - a, 64);  // the same chunk, the next 64-byte boundary
  EXPECT_EQ(reinterpret_cast<uintptr_t>(arena.allocate(1, size_t{2} << 20)) % (size_t{2} << 20), 0u);
  EXPECT_THROW(arena.allocate(8, 48), std::bad_alloc);
  EXPECT_THROW(arena.allocate(8, size_t{4} << 20), std::bad_alloc);
}

TEST(PageArena, AMoveHandsTheBlocksOver) {
  PageArena first;
  int* p = static_cast<int*>(first.allocate(sizeof(int)));
  *p = 42;
  PageArena second(std::move(first));
  EXPECT_EQ(*p, 42);
  EXPECT_EQ(first.mapped_bytes(), 0u);  // NOLINT(bugprone-use-after-move): a moved-from arena is empty
  EXPECT_GT(second.mapped_bytes(), 0u);
  PageArena third;
  third = std::move(second);
  EXPECT_EQ(*p, 42);
}

TEST(PageArena, UsedExtentsCoverEveryBlockInOrder) {
  PageArena arena(size_t{2} << 20);
  EXPECT_TRUE(arena.used_extents().empty());
  const char* a = static_cast<const char*>(arena.allocate(100));
  const char* b = static_cast<const char*>(arena.allocate(5000));
  const char* c = static_cast<const char*>(arena.allocate(size_t{3} << 20));  // a chunk of its own
  const std::vector<std::span<const std::byte>> extents = arena.used_extents();
  ASSERT_EQ(extents.size(), 2u);
  // The first chunk: from a to the end of b, the alignment gap between them included.
  EXPECT_EQ(reinterpret_cast<const char*>(extents[0].data()), a);
  EXPECT_EQ(reinterpret_cast<const char*>(extents[0].data()) + extents[0].size(), b + 5000);
  EXPECT_EQ(reinterpret_cast<const char*>(extents[1].data()), c);
  EXPECT_EQ(extents[1].size(), size_t{3} << 20);
}

TEST(PageArena, AvailableMemoryIsReadFromProcMeminfo) {
  // Linux always has MemAvailable; a machine that has memory for this test has more than 1 MiB of it.
  EXPECT_GT(available_memory_bytes(), size_t{1} << 20);
}

}  // namespace
}  // namespace moecap::kernels::cpu
