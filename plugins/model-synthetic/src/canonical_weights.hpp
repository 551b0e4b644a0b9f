// The canonical weights a description implies (sdk/docs/CANONICAL_MODEL.md): names, shapes, and how the
// synthetic model initialises each.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "moecap/model.h"

namespace moecap::synthetic {

enum class WeightInit {
  matrix,  ///< N(0, init_scale²): projections, embeddings, router
  norm,    ///< 1 + N(0, init_scale²): norm scales start near 1 so the residual stream keeps its size
  bias     ///< N(0, init_scale²): biases and the router's score-correction bias, small
};

struct WeightSpec {
  std::string name;
  std::vector<int64_t> shape;
  WeightInit init;

  int64_t elements() const {
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    return n;
  }
};

/// Every weight of the description, in canonical order (embedding, layers by index, final norm, head).
/// qk_norm_per_head chooses the [hd] (true) or [H·hd] (false) shape of q_norm/k_norm.
std::vector<WeightSpec> canonical_weights(const moecap_model_desc& desc, bool qk_norm_per_head);

}  // namespace moecap::synthetic
