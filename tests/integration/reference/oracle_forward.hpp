// An independent second implementation of the canonical forward pass, written differently on purpose: the
// whole sequence at once, layer by layer, with each weight copied into a dense double matrix and an explicit
// causal mask. It covers the Mixtral/Qwen2-MoE feature set (RMSNorm, GQA with rotate-half RoPE incl. partial
// rotary, qkv bias, softmax top-k routing with optional renormalisation, gated SiLU experts, shared experts
// with sigmoid gate, dense layers, tied head) and refuses anything else.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "moecap/moecap.h"

namespace moecap::test {

struct OracleResult {
  std::vector<std::vector<double>> logits;                 ///< [position][vocab]
  std::vector<std::vector<std::vector<int32_t>>> routing;  ///< [position][layer] chosen experts, best first
};

using WeightGetter = std::function<moecap_tensor_view(const std::string& name)>;

OracleResult oracle_forward(const moecap_model_desc& desc, const WeightGetter& weight,
                            const std::vector<int32_t>& tokens);

}  // namespace moecap::test
