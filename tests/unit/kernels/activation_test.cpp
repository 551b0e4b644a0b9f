// The activations against their formulas in double: the vector SiLU (Cephes expf) within a few ulp over
// the whole float range that matters, including the clamped ends, and every length (vector body + tail).
#include "moecap/kernels/cpu/activation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace moecap::kernels::cpu {
namespace {

double silu(double x) {
  return x / (1.0 + std::exp(-x));
}

TEST(Activation, SiluMatchesTheFormulaWithinAFewUlp) {
  std::vector<float> x;
  for (double v = -120; v <= 120; v += 0.0137) x.push_back(static_cast<float>(v));
  for (float v : {0.0f, -0.0f, 1e-30f, -1e-30f, 87.3f, -87.3f, 88.8f, -88.8f, 1e4f, -1e4f}) x.push_back(v);
  std::vector<float> in_place = x;
  activation_in_place(Activation::silu, in_place.data(), static_cast<int64_t>(in_place.size()));
  std::vector<float> gate = x;
  std::vector<float> hidden(x.size(), 2.0f);
  gated_activation(Activation::silu, gate.data(), hidden.data(), static_cast<int64_t>(hidden.size()));
  for (size_t i = 0; i < x.size(); ++i) {
    const double expected = silu(x[i]);
    const double tolerance =
        4 * std::numeric_limits<float>::epsilon() * std::fabs(expected) + 1e-30;  // below 1e-30: both forms flush to ~0
    ASSERT_NEAR(in_place[i], expected, tolerance) << "x = " << x[i];
    ASSERT_NEAR(hidden[i], 2 * expected, 2 * tolerance) << "x = " << x[i];
  }
}

TEST(Activation, EveryLengthIsCompleteTailIncluded) {
  for (int64_t n = 0; n < 20; ++n) {
    std::vector<float> x(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) x[static_cast<size_t>(i)] = static_cast<float>(i) - 7.5f;
    std::vector<float> y = x;
    activation_in_place(Activation::silu, y.data(), n);
    for (int64_t i = 0; i < n; ++i)
      ASSERT_NEAR(y[static_cast<size_t>(i)], silu(x[static_cast<size_t>(i)]), 1e-6) << "n " << n << " i " << i;
  }
}

}  // namespace
}  // namespace moecap::kernels::cpu
