// The portable fallback: the blocked kernels over one float at a time (the compiler may still vectorise).
#include <cmath>

#include "blocked_kernels.hpp"
#include "moecap/kernels/cpu/vector_kernels.hpp"

namespace moecap::kernels::cpu {
namespace {

struct ScalarSimd {
  using Vec = float;
  static constexpr int width = 1;
  static constexpr int registers = 16;
  static Vec zero() { return 0.0f; }
  static Vec broadcast(float v) { return v; }
  static Vec load(const float* p) { return *p; }
  static void store(float* p, Vec v) { *p = v; }
  template <WeightType Type>
  static Vec load_weights(const void* row, int64_t c) {
    return blocked::scalar_weight<Type>(row, c);
  }
  static Vec fma(Vec a, Vec b, Vec acc) { return a * b + acc; }
  static float sum(Vec v) { return v; }
  static void sum_each(const Vec* v, int count, float* out) {
    for (int i = 0; i < count; ++i) out[i] = v[i];
  }
  static Vec max(Vec a, Vec b) { return a > b ? a : b; }
  static float max_of(Vec v) { return v; }
  static Vec sub(Vec a, Vec b) { return a - b; }
  static Vec mul(Vec a, Vec b) { return a * b; }
  static Vec exp(Vec v) { return std::exp(v); }
};

}  // namespace

const VectorKernels& scalar_vector_kernels() {
  static const VectorKernels table{InstructionSet::scalar,       &blocked::gemv<ScalarSimd>,
                                   &blocked::dot<ScalarSimd>,    &blocked::axpy<ScalarSimd>,
                                   &blocked::attend<ScalarSimd>, &blocked::rows_to_f32<ScalarSimd>};
  return table;
}

}  // namespace moecap::kernels::cpu
