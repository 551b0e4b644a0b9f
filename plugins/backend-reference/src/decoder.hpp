// The whole decoder for one token: embedding, pre-norm attention and FFN blocks, final norm, LM head.
//
// The reference runs every token on its own, in order. For a causal decoder that is exactly the batched
// computation (a token sees only its own and earlier positions, whose keys and values are already cached),
// so prefill, decode and mixed steps share one code path and agree by construction.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "kv_cache.hpp"
#include "model_support.hpp"
#include "model_weights.hpp"
#include "rope.hpp"
#include "router.hpp"
#include "step_counters.hpp"

namespace moecap::reference {

class Decoder {
 public:
  Decoder(const moecap_model_desc& desc, const moecap_weight_source_i& weights);

  const ModelDescription& description() const { return description_; }
  int32_t n_layers() const { return description_.model.n_layers; }
  int32_t vocab_size() const { return description_.model.vocab_size; }

  /// A cache shaped for this model.
  SequenceCache new_cache() const;

  /// Runs token at position cache.length() and appends its keys and values. routed[layer] receives the
  /// experts the token went to (empty for dense layers). When logits is non-NULL it receives vocab_size
  /// values.
  void forward(int32_t token, SequenceCache& cache, std::vector<std::vector<RoutedExpert>>& routed,
               std::vector<double>* logits, StepCounters& counters) const;

 private:
  std::vector<double> norm(const NormWeights& w, const std::vector<double>& x, StepCounters& counters) const;
  std::vector<double> attention(int32_t layer, const std::vector<double>& x, int64_t pos, SequenceCache& cache,
                                StepCounters& counters) const;

  ModelDescription description_;
  ModelWeights weights_;
  std::optional<Rope> rope_;
  double softmax_scale_ = 0;
  int64_t key_width_ = 0;    ///< cached key doubles per position per layer
  int64_t value_width_ = 0;  ///< cached value doubles per position per layer
};

}  // namespace moecap::reference
