// The expected per-layer expert union under uniform, independent routing (moe-cap-method.md §3.2).
//
// MoE-CAP measures the union; this is only a reference (or a prediction for hardware without a trace).
// Label any number derived from it as an expectation.
#pragma once

namespace moecap::host {

/// E·(1 − (1 − k/E)^B): each of B tokens picks k of E experts uniformly, so an expert is missed by one
/// token with probability 1 − k/E and by all B with (1 − k/E)^B. B may be fractional (a mean batch).
/// Throws std::invalid_argument unless 0 < k <= E and B >= 0.
double expected_activated_experts(int n_experts, int top_k, double n_tokens);

}  // namespace moecap::host
