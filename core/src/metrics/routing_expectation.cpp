// Uniform-routing expectation of the expert union (see routing_expectation.hpp).
#include "moecap/host/routing_expectation.hpp"

#include <cmath>
#include <stdexcept>

namespace moecap::host {

double expected_activated_experts(int n_experts, int top_k, double n_tokens) {
  if (n_experts <= 0 || top_k <= 0 || top_k > n_experts || !(n_tokens >= 0)) {
    throw std::invalid_argument("expected_activated_experts: need 0 < top_k <= n_experts and n_tokens >= 0");
  }
  const double experts = n_experts;
  return experts * (1.0 - std::pow(1.0 - top_k / experts, n_tokens));
}

}  // namespace moecap::host
