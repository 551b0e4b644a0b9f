// The canonical weights as backend-cpu uses them. Matrices stay in their storage dtype (the GEMV widens
// bf16/f16 in registers), either copied into the backend's own page-aligned, huge-page memory (the default:
// see kernels/cpu page_arena.hpp for what that buys) or borrowed from the model (zero-copy, for a model that
// does not fit twice). The small vectors (norm scales, biases, score bias) are always decoded to f32 copies,
// which costs O(layers · hidden) floats.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model_checks.hpp"
#include "moecap/kernels/cpu/matrix_view.hpp"
#include "moecap/kernels/cpu/page_arena.hpp"
#include "moecap/model.h"

namespace moecap::cpu_backend {

using kernels::cpu::MatrixView;

struct NormWeights {
  std::vector<float> scale;
  std::vector<float> bias;  ///< empty unless LayerNorm with norm_bias
};

struct GqaWeights {
  MatrixView q, k, v, o;
  std::vector<float> q_bias, k_bias, v_bias, o_bias;  ///< empty when absent
  std::vector<float> q_norm, k_norm;                  ///< empty, [hd] (per head) or the whole projection
};

struct MlaWeights {
  std::optional<MatrixView> q;         ///< without q LoRA
  std::optional<MatrixView> q_a, q_b;  ///< with q LoRA
  std::vector<float> q_a_norm;         ///< with q LoRA
  MatrixView kv_a, kv_b, o;
  std::vector<float> kv_a_norm;
};

struct MlpWeights {
  std::optional<MatrixView> gate;  ///< gated MLPs only
  MatrixView up, down;
  size_t bytes() const { return up.bytes() + down.bytes() + (gate ? gate->bytes() : 0); }
};

struct MoeWeights {
  MatrixView router;
  std::vector<float> score_bias;  ///< empty when absent
  std::vector<MlpWeights> experts;
  std::optional<MlpWeights> shared;
  std::optional<MatrixView> shared_gate;  ///< [1, d]
};

struct LayerWeights {
  NormWeights attn_norm, ffn_norm;
  std::optional<GqaWeights> gqa;
  std::optional<MlaWeights> mla;
  std::optional<MlpWeights> dense;
  std::optional<MoeWeights> moe;
  size_t attention_bytes = 0;  ///< every attention weight of the layer (read in full each step)
  size_t norm_bytes = 0;       ///< the two norms' stored bytes
};

/// Where the matrices live: the `weights` key of the backend's configuration.
enum class WeightPlacement {
  automatic,  ///< copy when the matrices fit in 90% of the available memory, else in place
  copy,
  in_place,
};

struct ModelWeights {
  MatrixView embed_tokens;
  std::vector<LayerWeights> layers;
  NormWeights final_norm;
  size_t final_norm_bytes = 0;
  MatrixView lm_head;                            ///< embed_tokens itself when the embeddings are tied
  int32_t weight_type = 0;                       ///< moecap_dtype of the matrices (the description's weight_dtype)
  std::optional<kernels::cpu::PageArena> arena;  ///< holds the matrices when they were copied

  /// Finds and shape-checks every weight the description implies. Weights must be f32, bf16 or f16;
  /// anything else is UNSUPPORTED, naming the weight.
  static ModelWeights load(const ModelDescription& desc, const moecap_weight_source_i& source);

  /// Bytes of every matrix (a tied LM head counted once): what copy_into_arena maps.
  size_t matrix_bytes() const;
  /// The memory the matrices lie in, as contiguous extents: the arena's used chunks when they were copied, else
  /// the views themselves (sorted, adjacent ones merged). What a read pass over "the weights' memory" reads.
  std::vector<std::span<const std::byte>> memory_extents() const;
  /// Copies every matrix into `arena` (in the order a step reads them) and points the views there. With
  /// MatrixLayout::panels, every matrix the products read whose rows are a multiple of 16 is re-laid in
  /// panels on the way (the embedding table, read a row at a time, stays row-major — and with it a tied LM
  /// head).
  void copy_into_arena(kernels::cpu::MatrixLayout layout);
};

}  // namespace moecap::cpu_backend
