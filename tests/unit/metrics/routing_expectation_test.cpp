// Uniform-routing expectation vectors of moe-cap-method.md §12 (rounded as printed there).
#include "moecap/host/routing_expectation.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace moecap::host {
namespace {

TEST(RoutingExpectation, ReferenceVectors) {
  EXPECT_NEAR(expected_activated_experts(8, 2, 16), 7.92, 0.005);    // Mixtral-8x7B, B = 16
  EXPECT_NEAR(expected_activated_experts(8, 2, 32), 8.00, 0.005);    // Mixtral-8x7B, B = 32
  EXPECT_NEAR(expected_activated_experts(16, 4, 8), 14.40, 0.005);   // DBRX, B = 8
  EXPECT_NEAR(expected_activated_experts(60, 4, 16), 40.1, 0.05);    // Qwen1.5-MoE, B = 16
  EXPECT_NEAR(expected_activated_experts(128, 8, 16), 82.4, 0.05);   // Qwen3-235B, B = 16
  EXPECT_DOUBLE_EQ(expected_activated_experts(128, 8, 1), 8);        // one token: exactly k
  EXPECT_NEAR(expected_activated_experts(256, 8, 16), 102.0, 0.05);  // DeepSeek-V3, B = 16
}

TEST(RoutingExpectation, EdgesAndErrors) {
  EXPECT_DOUBLE_EQ(expected_activated_experts(8, 2, 0), 0);
  EXPECT_DOUBLE_EQ(expected_activated_experts(8, 8, 3), 8);
  EXPECT_THROW(expected_activated_experts(8, 9, 1), std::invalid_argument);
  EXPECT_THROW(expected_activated_experts(0, 0, 1), std::invalid_argument);
  EXPECT_THROW(expected_activated_experts(8, 2, -1), std::invalid_argument);
}

}  // namespace
}  // namespace moecap::host
