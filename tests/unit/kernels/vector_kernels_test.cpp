// Every instruction set's GEMV against a double-precision sum, on shapes that reach each kernel's edges:
// row counts that are not a multiple of the row blocks (4, 8), column counts with tails after the 8-, 16-
// and 32-wide vector loops, one token (the decode paths) and several (the token-chunked paths), and every
// weight type, and matrices of more than one 4 MB chunk (the decode kernels walk row lanes chunk by chunk). The 16-bit
// inputs are exact in f32, so only the summation order differs from the reference.
#include "moecap/kernels/cpu/vector_kernels.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "moecap/kernels/cpu/half_precision.hpp"

namespace moecap::kernels::cpu {
namespace {

struct Shape {
  int64_t rows;
  int64_t cols;
  int32_t tokens;
};

std::vector<InstructionSet> supported_sets() {
  std::vector<InstructionSet> sets{InstructionSet::scalar};
  if (static_cast<int>(detected_instruction_set()) >= static_cast<int>(InstructionSet::avx2))
    sets.push_back(InstructionSet::avx2);
  if (detected_instruction_set() == InstructionSet::avx512) sets.push_back(InstructionSet::avx512);
  return sets;
}

uint16_t f32_to_f16_bits(float value) {  // values here are small multiples of 1/64: exact in f16
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  const uint32_t sign = (bits >> 16) & 0x8000u;
  if (value == 0) return static_cast<uint16_t>(sign);
  const int32_t exponent = static_cast<int32_t>((bits >> 23) & 0xff) - 127 + 15;
  return static_cast<uint16_t>(sign | (static_cast<uint32_t>(exponent) << 10) | ((bits >> 13) & 0x3ff));
}

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

}  // namespace
}  // namespace moecap::kernels::cpu
