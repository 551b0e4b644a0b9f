// The decoder over all tokens of a step at once: each weight matrix is applied to every token that needs
// it in one product (GEMV for a few tokens, GEMM for many), routed tokens are grouped per expert so each
// active expert runs one product over its tokens, and attention runs per (token, head) over the token's own
// sequence cache (causal: a token sees its position and earlier ones, the step's earlier tokens included).
#pragma once

#include <optional>
#include <vector>

#include "model_checks.hpp"
#include "model_weights.hpp"
#include "moecap/kernels/cpu/compute_threads.hpp"
#include "rope_frequencies.hpp"
#include "router.hpp"
#include "step_plan.hpp"

namespace moecap::cpu_backend {

class ForwardPass {
 public:
  /// threads: the session's pool, which copies (and re-lays) the weights, so that the `threads` knob bounds
  /// the load as well as the steps.
  ForwardPass(const moecap_model_desc& desc, const moecap_weight_source_i& weights,
              kernels::cpu::ComputeThreads& threads, WeightPlacement placement = WeightPlacement::automatic,
              kernels::cpu::MatrixLayout layout = kernels::cpu::MatrixLayout::panels);

  const ModelDescription& description() const { return description_; }
  const ModelWeights& weights() const { return weights_; }
  /// Whether the matrices were copied into the backend's own memory (else they are the model's views).
  bool weights_copied() const { return weights_.arena.has_value(); }
  int32_t n_layers() const { return description_.model.n_layers; }
  int32_t vocab_size() const { return description_.model.vocab_size; }
  int32_t max_experts() const { return max_experts_; }
  int32_t max_top_k() const { return max_top_k_; }

  SequenceCache new_cache() const;

  /// Runs the plan (call inside ComputeThreads::run). logits: the result array; row logits_rows[i] gets
  /// the logits of plan token logits_tokens[i]. Writes the new K/V rows past each cache's length (the
  /// session commits them).
  void run(const StepPlan& plan, float* logits, StepOutputs& out);

 private:
  struct ExpertScratch {
    std::vector<float> input, gate, up, output;
  };

  void attention_gqa(int32_t layer, const StepPlan& plan, StepOutputs& out);
  void attention_mla(int32_t layer, const StepPlan& plan, StepOutputs& out);
  void attend_all(int32_t layer, const StepPlan& plan, const float* q, int32_t n_heads, int32_t n_kv_heads,
                  int32_t qk_size, int32_t v_size, float* attended, StepOutputs& out);
  void feed_forward_moe(int32_t layer, const StepPlan& plan, StepOutputs& out);
  /// out (n × d) = down(act(gate·x) ⊙ up·x) over n rows of x.
  void mlp(const MlpWeights& w, int32_t activation, const float* x, int32_t n, float* y, ExpertScratch& scratch);
  /// scratch.up = act(scratch.gate) ⊙ scratch.up (gated) or act(scratch.up), over n rows.
  void activate(const MlpWeights& w, int32_t activation, int32_t n, ExpertScratch& scratch);
  void norm(const NormWeights& w, const float* x, float* y, int32_t n_tokens);

  ModelDescription description_;
  ModelWeights weights_;
  std::optional<RopeFrequencies> rope_;
  float softmax_scale_ = 0;
  int32_t cache_heads_ = 0;  ///< KV heads (GQA) or query heads (MLA: per-head decompressed keys and values)
  int64_t key_size_ = 0;     ///< floats per cached key of one head
  int64_t value_size_ = 0;
  int32_t max_experts_ = 0;
  int32_t max_top_k_ = 0;

  // Step buffers, kept between steps so a decode step allocates nothing.
  std::vector<float> hidden_, normed_, block_out_, q_, k_, v_, extra_, attended_, rope_cos_, rope_sin_;
  std::vector<float> router_logits_;
  std::vector<ExpertScratch> expert_scratch_;
  ExpertScratch shared_scratch_;
};

}  // namespace moecap::cpu_backend
