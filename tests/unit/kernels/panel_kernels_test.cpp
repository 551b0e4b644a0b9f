// The panel layout and its products: pack_panels puts every element where matrix_view.hpp says; each
// instruction set's GEMV and GEMM over panels match a double-precision sum on edge shapes (column counts
// around the 256-column blocks and the vector tails, token counts around the 6-token strips and their groups
// of 24; for the GEMV one token (four lanes), two or three (two lanes) and more (one lane), on matrices of
// more than one 4 MB lane chunk too); and linear() gives the same outputs for a matrix in panels as for it in
// rows, threaded, inside the groups backend-cpu runs. The 16-bit inputs are exact in f32, so only the
// summation order differs from the reference.
#include "moecap/kernels/cpu/panel_kernels.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernel_test_support.hpp"
#include "moecap/kernels/cpu/compute_threads.hpp"
#include "moecap/kernels/cpu/half_precision.hpp"
#include "moecap/kernels/cpu/linear.hpp"
#include "moecap/kernels/cpu/panel_packing.hpp"

namespace moecap::kernels::cpu {
namespace {

using testing::f32_to_f16_bits;
using testing::supported_sets;

/// A random matrix of small multiples of 1/64 in the three storage types, row-major and packed.
struct TestMatrix {
  int64_t rows, cols;
  WeightType type;
  std::vector<float> values;
  std::vector<uint16_t> half;
  std::vector<char> packed;

  TestMatrix(int64_t r, int64_t c, WeightType t) : rows(r), cols(c), type(t) {
    std::mt19937 random(static_cast<uint32_t>(r * 131 + c * 7 + static_cast<int>(t)));
    std::uniform_int_distribution<int> small(-64, 64);
    values.resize(static_cast<size_t>(r * c));
    for (float& v : values) v = static_cast<float>(small(random)) / 64.0f;
    half.resize(values.size());
    for (size_t i = 0; i < values.size(); ++i)
      half[i] = t == WeightType::bf16 ? f32_to_bf16(values[i]) : f32_to_f16_bits(values[i]);
    packed.resize(row_major().bytes());
  }
  MatrixView row_major() const {
    return {type == WeightType::f32 ? static_cast<const void*>(values.data()) : half.data(), type, rows, cols};
  }
  MatrixView panels() { return pack_panels(row_major(), packed.data()); }
  double expected(int64_t r, const float* x) const {
    double sum = 0;
    for (int64_t c = 0; c < cols; ++c) sum += static_cast<double>(values[static_cast<size_t>(r * cols + c)]) * x[c];
    return sum;
  }
};

std::vector<float> inputs(int64_t count, uint32_t seed) {
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> small(-64, 64);
  std::vector<float> x(static_cast<size_t>(count));
  for (float& v : x) v = static_cast<float>(small(random)) / 32.0f;
  return x;
}

const WeightType kTypes[] = {WeightType::f32, WeightType::bf16, WeightType::f16};

TEST(PanelPacking, PutsEveryElementWhereTheLayoutSays) {
  for (WeightType type : kTypes) {
    TestMatrix m(48, 37, type);
    const MatrixView packed = m.panels();
    EXPECT_EQ(packed.layout, MatrixLayout::panels);
    EXPECT_EQ(packed.bytes(), m.row_major().bytes());
    const size_t size = element_bytes(type);
    for (int64_t r = 0; r < m.rows; ++r)
      for (int64_t c = 0; c < m.cols; ++c) {
        const size_t index = static_cast<size_t>(((r / kPanelRows) * m.cols + c) * kPanelRows +
                                                 panel_slot(type, static_cast<int>(r % kPanelRows)));
        ASSERT_EQ(std::memcmp(static_cast<const char*>(packed.data) + index * size,
                              static_cast<const char*>(m.row_major().data) + static_cast<size_t>(r * m.cols + c) * size,
                              size),
                  0)
            << "row " << r << " column " << c;
      }
  }
}

TEST(PanelPacking, TakesOnlyRowMajorMatricesOfWholePanels) {
  float data[32 * 2] = {};
  EXPECT_TRUE(can_pack_panels({data, WeightType::f32, 32, 2}));
  EXPECT_FALSE(can_pack_panels({data, WeightType::f32, 24, 2}));
  EXPECT_FALSE(can_pack_panels({data, WeightType::f32, 8, 2}));
  EXPECT_FALSE(can_pack_panels({data, WeightType::f32, 16, 2, MatrixLayout::panels}));
  EXPECT_FALSE(can_pack_panels({nullptr, WeightType::f32, 16, 2}));
}

struct Shape {
  int64_t rows, cols;
  int32_t tokens;
};

/// One table's GEMV or GEMM over panels [1, panels) (a range that does not start at 0), against doubles.
void check(InstructionSet isa, WeightType type, const Shape& s, bool gemm) {
  TestMatrix m(s.rows, s.cols, type);
  const MatrixView w = m.panels();
  const std::vector<float> x = inputs(s.cols * s.tokens, static_cast<uint32_t>(s.cols + s.tokens));
  const int64_t y_stride = s.rows + 5;  // wider than the rows: outputs land in their own slots only
  std::vector<float> y(static_cast<size_t>(y_stride * s.tokens), -999.0f);
  const int64_t first = w.panels() > 1 ? 1 : 0;
  const PanelKernels& k = panel_kernels(isa);
  if (gemm) {
    std::vector<float> strips(static_cast<size_t>(token_strips_floats(s.tokens, s.cols)));
    pack_token_strips(x.data(), s.cols, s.tokens, s.cols, strips.data());
    k.gemm(w, first, w.panels(), strips.data(), s.tokens, y.data(), y_stride);
  } else {
    k.gemv(w, first, w.panels(), x.data(), s.cols, s.tokens, y.data(), y_stride);
  }
  for (int32_t t = 0; t < s.tokens; ++t)
    for (int64_t r = 0; r < y_stride; ++r) {
      const float got = y[static_cast<size_t>(t * y_stride + r)];
      if (r < first * kPanelRows || r >= s.rows) {
        ASSERT_EQ(got, -999.0f) << "row " << r << " outside the range was written";
        continue;
      }
      const double expected = m.expected(r, x.data() + t * s.cols);
      ASSERT_NEAR(got, expected, 1e-5 * (1 + std::fabs(expected)))
          << instruction_set_name(isa) << (gemm ? " gemm" : " gemv") << " rows " << s.rows << " cols " << s.cols
          << " tokens " << s.tokens << " row " << r << " token " << t;
    }
}

TEST(PanelKernels, GemvOfEveryInstructionSetMatchesADoubleSumOnEdgeShapes) {
  const Shape shapes[] = {{16, 1, 1},   {16, 7, 1},    {48, 33, 1}, {80, 256, 1},   {64, 300, 2},   {32, 19, 3},
                          {48, 129, 5}, {16, 1024, 9}, {96, 64, 4}, {4096, 300, 1}, {4096, 300, 3}, {4096, 300, 5}};
  for (InstructionSet isa : supported_sets())
    for (WeightType type : kTypes)
      for (const Shape& s : shapes) check(isa, type, s, false);
}

TEST(PanelKernels, GemmOfEveryInstructionSetMatchesADoubleSumOnEdgeShapes) {
  const Shape shapes[] = {{16, 1, 1},    {16, 7, 6},     {48, 33, 7},    {32, 255, 12}, {32, 256, 13}, {48, 257, 24},
                          {16, 513, 31}, {64, 100, 143}, {32, 300, 150}, {16, 40, 151}, {320, 300, 30}};
  for (InstructionSet isa : supported_sets())
    for (WeightType type : kTypes)
      for (const Shape& s : shapes) check(isa, type, s, true);
}

/// linear() over the packed matrix equals linear() over the row-major one (same kernels' tolerance), with two
/// threads, alone and as jobs of a group (GEMMs side by side: their activation strips must not be shared).
TEST(PanelKernels, LinearOverPanelsMatchesRowsThreadedAndInGroups) {
  use_single_threaded_blas();
  ComputeThreads threads(2);
  for (WeightType type : {WeightType::f32, WeightType::bf16})
    for (int32_t tokens : {1, 3, 8, 40, 130}) {
      TestMatrix a(512, 320, type), b(256, 1024, type);
      const MatrixView pa = a.panels(), pb = b.panels();
      const std::vector<float> xa = inputs(320 * tokens, 5), xb = inputs(1024 * tokens, 6);
      std::vector<float> rows_a(static_cast<size_t>(512 * tokens)), rows_b(static_cast<size_t>(256 * tokens));
      std::vector<float> panels_a = rows_a, panels_b = rows_b, alone = rows_a;
      threads.run([&] {
        const LinearJob row_jobs[] = {{a.row_major(), xa.data(), 320, tokens, rows_a.data(), 512},
                                      {b.row_major(), xb.data(), 1024, tokens, rows_b.data(), 256}};
        linear_group(row_jobs);
        const LinearJob panel_jobs[] = {{pa, xa.data(), 320, tokens, panels_a.data(), 512},
                                        {pb, xb.data(), 1024, tokens, panels_b.data(), 256}};
        linear_group(panel_jobs);
        linear(pa, xa.data(), 320, tokens, alone.data(), 512);
      });
      for (size_t i = 0; i < rows_a.size(); ++i) {
        ASSERT_NEAR(panels_a[i], rows_a[i], 1e-4 * (1 + std::fabs(rows_a[i]))) << "tokens " << tokens << " index " << i;
        ASSERT_EQ(alone[i], panels_a[i]) << "tokens " << tokens << " index " << i;
      }
      for (size_t i = 0; i < rows_b.size(); ++i)
        ASSERT_NEAR(panels_b[i], rows_b[i], 1e-4 * (1 + std::fabs(rows_b[i]))) << "tokens " << tokens << " index " << i;
    }
}

}  // namespace
}  // namespace moecap::kernels::cpu
