// y = W·x with W read in its storage dtype and every product accumulated in double.
#pragma once

#include <vector>

#include "step_counters.hpp"
#include "weight_tensor.hpp"

namespace moecap::reference {

/// W is [rows, cols], x has cols elements; returns rows elements.
std::vector<double> matvec(const WeightTensor& w, const std::vector<double>& x, StepCounters& counters);

/// x += bias (elementwise); bias has x.size() elements.
void add_bias(std::vector<double>& x, const WeightTensor& bias, StepCounters& counters);

/// Marks a weight as read this step without a product (embedding rows, norm scales).
void touch(const WeightTensor& w, StepCounters& counters);

}  // namespace moecap::reference
