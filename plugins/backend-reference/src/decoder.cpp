#include "decoder.hpp"

#include <cmath>

#include "attention_gqa.hpp"
#include "attention_mla.hpp"
#include "feed_forward.hpp"
#include "linear.hpp"
#include "norm.hpp"

namespace moecap::reference {

Decoder::Decoder(const moecap_model_desc& desc, const moecap_weight_source_i& weights)
    : description_(checked_description(desc)), weights_(ModelWeights::load(desc, weights)) {
  const moecap_attention_desc& a = description_.attention;
  const bool mla = a.kind == MOECAP_ATTENTION_MLA;
  const int32_t q_head_size = mla ? a.qk_nope_head_dim + a.qk_rope_head_dim : a.head_dim;
  const int32_t rotary_dims =
      mla ? a.qk_rope_head_dim : static_cast<int32_t>(std::lround(a.partial_rotary_factor * a.head_dim));
  rope_.emplace(a, rotary_dims);
  // An explicit softmax_scale is used as given; 0 means 1/sqrt(q head size), times YaRN's mscale² when
  // mscale_all_dim is set (DeepSeek's convention; it is 1 otherwise).
  softmax_scale_ = a.softmax_scale;
  if (softmax_scale_ == 0) {
    softmax_scale_ = 1.0 / std::sqrt(static_cast<double>(q_head_size));
    if (a.rope_scaling == MOECAP_ROPE_YARN && a.yarn_mscale_all_dim != 0) {
      const double m = yarn_mscale(a.rope_scaling_factor, a.yarn_mscale_all_dim);
      softmax_scale_ *= m * m;
    }
  }
  key_width_ = mla ? int64_t{a.n_heads} * q_head_size : int64_t{a.n_kv_heads} * a.head_dim;
  value_width_ = mla ? int64_t{a.n_heads} * a.v_head_dim : int64_t{a.n_kv_heads} * a.head_dim;
}

SequenceCache Decoder::new_cache() const {
  return SequenceCache(n_layers(), key_width_, value_width_);
}

std::vector<double> Decoder::norm(const NormWeights& w, const std::vector<double>& x, StepCounters& counters) const {
  const moecap_model_desc& d = description_.model;
  if (d.norm_kind == MOECAP_NORM_LAYER)
    return layer_norm(x, w.scale, w.bias ? &*w.bias : nullptr, d.norm_eps, counters);
  return rms_norm(x, w.scale, d.norm_eps, counters);
}

std::vector<double> Decoder::attention(int32_t layer, const std::vector<double>& x, int64_t pos, SequenceCache& cache,
                                       StepCounters& counters) const {
  const moecap_attention_desc& a = description_.attention;
  const LayerWeights& w = weights_.layers[static_cast<size_t>(layer)];
  if (w.mla) {
    const MlaConfig config{a.n_heads,          a.kv_lora_rank, a.qk_nope_head_dim,
                           a.qk_rope_head_dim, a.v_head_dim,   description_.model.norm_eps,
                           softmax_scale_};
    return mla_attention(*w.mla, config, *rope_, x, pos, layer, cache, counters);
  }
  const GqaConfig config{a.n_heads, a.n_kv_heads, a.head_dim, a.qkv_clip, description_.model.norm_eps, softmax_scale_};
  return gqa_attention(*w.gqa, config, *rope_, x, pos, layer, cache, counters);
}

void Decoder::forward(int32_t token, SequenceCache& cache, std::vector<std::vector<RoutedExpert>>& routed,
                      std::vector<double>* logits, StepCounters& counters) const {
  const int64_t pos = cache.length();
  const WeightTensor& embed = weights_.embed_tokens;
  std::vector<double> h(static_cast<size_t>(embed.cols));
  for (int64_t i = 0; i < embed.cols; ++i) h[static_cast<size_t>(i)] = embed.at(int64_t{token} * embed.cols + i);
  // Only the token's row is read; distinct rows are counted once per step.
  const uint64_t row_bytes = embed.nbytes / static_cast<uint64_t>(embed.rows);
  counters.weights_touched[static_cast<const char*>(embed.data) + token * row_bytes] = row_bytes;

  routed.assign(static_cast<size_t>(n_layers()), {});
  for (int32_t layer = 0; layer < n_layers(); ++layer) {
    const LayerWeights& w = weights_.layers[static_cast<size_t>(layer)];
    const std::vector<double> attended = attention(layer, norm(w.attn_norm, h, counters), pos, cache, counters);
    for (size_t i = 0; i < h.size(); ++i) h[i] += attended[i];
    const std::vector<double> x = norm(w.ffn_norm, h, counters);
    const moecap_ffn_desc& ffn = description_.layer_ffn[static_cast<size_t>(layer)];
    const std::vector<double> y = w.moe ? moe(*w.moe, ffn, x, routed[static_cast<size_t>(layer)], counters)
                                        : mlp(*w.dense, ffn.activation, x, counters);
    for (size_t i = 0; i < h.size(); ++i) h[i] += y[i];
  }
  cache.commit_token();
  if (logits != nullptr) *logits = matvec(weights_.lm_head, norm(weights_.final_norm, h, counters), counters);
}

}  // namespace moecap::reference
