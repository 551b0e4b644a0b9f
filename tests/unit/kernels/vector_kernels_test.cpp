// Every instruction set's GEMV against a double-precision sum, on shapes that reach each kernel's edges:
// row counts that are not a multiple of the row blocks (4, 8), column counts with tails after the 8-, 16-
// and 32-wide vector loops, one token (the decode paths) and several (the token-chunked paths), and every
// weight type, and matrices of more than one 4 MB chunk (the decode kernels walk row lanes chunk by chunk). The 16-bit
// inputs are exact in f32, so only the summation order differs from the reference. Then the grouped decode
// attention the same way.
#include "moecap/kernels/cpu/vector_kernels.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernel_test_support.hpp"
#include "moecap/kernels/cpu/half_precision.hpp"

namespace moecap::kernels::cpu {
namespace {

struct Shape {
  int64_t rows;
  int64_t cols;
  int32_t tokens;
};

using testing::f32_to_f16_bits;
using testing::supported_sets;

void check(InstructionSet isa, WeightType type, const Shape& shape) {
  std::mt19937 random(static_cast<uint32_t>(shape.rows * 131 + shape.cols * 7 + shape.tokens));
  std::uniform_int_distribution<int> small(-64, 64);
  std::vector<float> weights(static_cast<size_t>(shape.rows * shape.cols));
  for (float& v : weights) v = static_cast<float>(small(random)) / 64.0f;  // exact in bf16 and f16
  std::vector<float> x(static_cast<size_t>(shape.cols * shape.tokens));
  for (float& v : x) v = static_cast<float>(small(random)) / 32.0f;

  std::vector<float> f32 = weights;
  std::vector<uint16_t> half(weights.size());
  for (size_t i = 0; i < weights.size(); ++i)
    half[i] = type == WeightType::bf16 ? f32_to_bf16(weights[i]) : f32_to_f16_bits(weights[i]);
  const MatrixView view{type == WeightType::f32 ? static_cast<const void*>(f32.data()) : half.data(), type, shape.rows,
                        shape.cols};

  // A stride wider than the row count: outputs must land in their own slots and nowhere else.
  const int64_t y_stride = shape.rows + 3;
  std::vector<float> y(static_cast<size_t>(y_stride * shape.tokens), -999.0f);
  const int64_t begin = shape.rows > 2 ? 1 : 0;  // a range that does not start at row 0
  vector_kernels(isa).gemv(view, begin, shape.rows, x.data(), shape.cols, shape.tokens, y.data(), y_stride);
  for (int32_t t = 0; t < shape.tokens; ++t)
    for (int64_t r = 0; r < y_stride; ++r) {
      const float got = y[static_cast<size_t>(t * y_stride + r)];
      if (r < begin || r >= shape.rows) {
        ASSERT_EQ(got, -999.0f) << "row " << r << " outside the range was written";
        continue;
      }
      double expected = 0;
      for (int64_t c = 0; c < shape.cols; ++c)
        expected += static_cast<double>(weights[static_cast<size_t>(r * shape.cols + c)]) *
                    x[static_cast<size_t>(t * shape.cols + c)];
      ASSERT_NEAR(got, expected, 1e-5 * (1 + std::fabs(expected)))
          << instruction_set_name(isa) << " rows " << shape.rows << " cols " << shape.cols << " tokens " << shape.tokens
          << " row " << r << " token " << t;
    }
}

TEST(VectorKernels, GemvOfEveryInstructionSetMatchesADoubleSumOnEdgeShapes) {
  const Shape shapes[] = {{1, 1, 1},
                          {3, 7, 1},
                          {8, 16, 1},
                          {9, 17, 1},
                          {17, 40, 1},
                          {16, 1024, 1},
                          {23, 33, 1},
                          {5, 100, 2},
                          {12, 48, 3},
                          {13, 65, 4},
                          {7, 24, 5},
                          {19, 129, 9},
                          // more than one 4 MB chunk of rows (the decode kernels' lanes), with a ragged end
                          {1030, 1024, 1},
                          {2053, 1030, 1}};
  for (InstructionSet isa : supported_sets())
    for (WeightType type : {WeightType::f32, WeightType::bf16, WeightType::f16})
      for (const Shape& shape : shapes) {
        SCOPED_TRACE(std::string(instruction_set_name(isa)) + " type " + std::to_string(static_cast<int>(type)));
        check(isa, type, shape);
      }
}

struct AttentionShape {
  int32_t group;  ///< query heads sharing the KV head
  int64_t positions;
  int32_t qk_size;
  int32_t v_size;
};

/// Every instruction set's grouped decode attention against a double-precision softmax and weighted sum:
/// groups above and below the 4-head blocks, head sizes with tails after the vector loops, one position and
/// many, strided queries, keys, values and outputs (as the KV cache lays them out).
void check_attention(InstructionSet isa, const AttentionShape& shape) {
  std::mt19937 random(static_cast<uint32_t>(shape.group * 977 + shape.positions * 13 + shape.qk_size));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const int64_t q_stride = shape.qk_size + 5, key_stride = shape.qk_size + 3, value_stride = shape.v_size + 9;
  const int64_t out_stride = shape.v_size + 2;
  std::vector<float> q(static_cast<size_t>(q_stride * shape.group)),
      keys(static_cast<size_t>(key_stride * shape.positions)),
      values(static_cast<size_t>(value_stride * shape.positions));
  for (float& v : q) v = normal(random);
  for (float& v : keys) v = normal(random);
  for (float& v : values) v = normal(random);
  const float scale = 1.0f / std::sqrt(static_cast<float>(shape.qk_size));
  std::vector<float> out(static_cast<size_t>(out_stride * shape.group), -999.0f),
      scores(static_cast<size_t>(shape.group * shape.positions));
  vector_kernels(isa).attend(q.data(), q_stride, shape.group, keys.data(), key_stride, values.data(), value_stride,
                             shape.positions, shape.qk_size, shape.v_size, scale, out.data(), out_stride,
                             scores.data());
  for (int32_t g = 0; g < shape.group; ++g) {
    std::vector<double> p(static_cast<size_t>(shape.positions));
    double top = -1e300, total = 0;
    for (int64_t t = 0; t < shape.positions; ++t) {
      double dot = 0;
      for (int32_t c = 0; c < shape.qk_size; ++c)
        dot += static_cast<double>(q[static_cast<size_t>(g * q_stride + c)]) *
               keys[static_cast<size_t>(t * key_stride + c)];
      p[static_cast<size_t>(t)] = scale * dot;
      top = std::max(top, p[static_cast<size_t>(t)]);
    }
    for (double& v : p) total += (v = std::exp(v - top));
    for (int64_t c = 0; c < out_stride; ++c) {
      const float got = out[static_cast<size_t>(g * out_stride + c)];
      if (c >= shape.v_size) {
        ASSERT_EQ(got, -999.0f) << "column " << c << " past v_size was written";
        continue;
      }
      double expected = 0;
      for (int64_t t = 0; t < shape.positions; ++t)
        expected += p[static_cast<size_t>(t)] / total * values[static_cast<size_t>(t * value_stride + c)];
      ASSERT_NEAR(got, expected, 2e-5 * (1 + std::fabs(expected)))
          << instruction_set_name(isa) << " group " << shape.group << " positions " << shape.positions << " qk "
          << shape.qk_size << " v " << shape.v_size << " head " << g << " column " << c;
    }
  }
}

TEST(VectorKernels, GroupedAttentionOfEveryInstructionSetMatchesADoubleSoftmax) {
  const AttentionShape shapes[] = {{1, 1, 8, 8},       {1, 7, 3, 5},    {2, 33, 16, 16},    {3, 100, 24, 40},
                                   {4, 529, 128, 128}, {5, 64, 67, 33}, {8, 300, 128, 128}, {9, 17, 192, 128}};
  for (InstructionSet isa : supported_sets())
    for (const AttentionShape& shape : shapes) check_attention(isa, shape);
}

}  // namespace
}  // namespace moecap::kernels::cpu
