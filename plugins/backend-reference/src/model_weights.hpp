// The canonical weights of a model, grouped per layer the way the forward pass uses them.
#pragma once

#include <optional>
#include <vector>

#include "moecap/model.h"
#include "weight_tensor.hpp"

namespace moecap::reference {

struct NormWeights {
  WeightTensor scale;
  std::optional<WeightTensor> bias;  ///< LayerNorm with norm_bias
};

struct GqaWeights {
  WeightTensor q, k, v, o;
  std::optional<WeightTensor> q_bias, k_bias, v_bias, o_bias;
  std::optional<WeightTensor> q_norm, k_norm;  ///< [hd] (per head) or [H·hd] / [Hkv·hd] (whole projection)
};

struct MlaWeights {
  std::optional<WeightTensor> q;                   ///< without q LoRA
  std::optional<WeightTensor> q_a, q_a_norm, q_b;  ///< with q LoRA
  WeightTensor kv_a, kv_a_norm, kv_b, o;
};

struct MlpWeights {
  std::optional<WeightTensor> gate;  ///< gated MLPs only
  WeightTensor up, down;
};

struct MoeWeights {
  WeightTensor router;
  std::optional<WeightTensor> score_bias;
  std::vector<MlpWeights> experts;
  std::optional<MlpWeights> shared;
  std::optional<WeightTensor> shared_gate;
};

struct LayerWeights {
  NormWeights attn_norm, ffn_norm;
  std::optional<GqaWeights> gqa;
  std::optional<MlaWeights> mla;
  std::optional<MlpWeights> dense;
  std::optional<MoeWeights> moe;
};

struct ModelWeights {
  WeightTensor embed_tokens;
  std::vector<LayerWeights> layers;
  NormWeights final_norm;
  WeightTensor lm_head;  ///< embed_tokens itself when the embeddings are tied

  /// Finds and shape-checks every weight the description implies.
  static ModelWeights load(const moecap_model_desc& desc, const moecap_weight_source_i& source);
};

}  // namespace moecap::reference
