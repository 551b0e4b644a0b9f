#include "attention_gqa.hpp"

#include <algorithm>

#include "attention_core.hpp"
#include "linear.hpp"
#include "norm.hpp"

namespace moecap::reference {
namespace {

void clip(std::vector<double>& x, double limit) {
  for (double& v : x) v = std::clamp(v, -limit, limit);
}

}  // namespace

std::vector<double> gqa_attention(const GqaWeights& w, const GqaConfig& c, const Rope& rope,
                                  const std::vector<double>& x, int64_t pos, int32_t layer, SequenceCache& cache,
                                  StepCounters& counters) {
  std::vector<double> q = matvec(w.q, x, counters);
  std::vector<double> k = matvec(w.k, x, counters);
  std::vector<double> v = matvec(w.v, x, counters);
  if (w.q_bias) add_bias(q, *w.q_bias, counters);
  if (w.k_bias) add_bias(k, *w.k_bias, counters);
  if (w.v_bias) add_bias(v, *w.v_bias, counters);
  // qk-norm is an RMSNorm; a [hd] scale normalises each head, a full-width one the whole projection.
  if (w.q_norm) q = rms_norm(q, *w.q_norm, c.norm_eps, counters);
  if (w.k_norm) k = rms_norm(k, *w.k_norm, c.norm_eps, counters);
  // Clipping follows the norm, as OLMoE does (DBRX clips and has no qk-norm).
  if (c.qkv_clip > 0) {
    clip(q, c.qkv_clip);
    clip(k, c.qkv_clip);
    clip(v, c.qkv_clip);
  }
  rope.apply(q.data(), c.n_heads, c.head_dim, pos);
  rope.apply(k.data(), c.n_kv_heads, c.head_dim, pos);
  cache.append(layer, k.data(), v.data());
  const AttentionShape shape{c.n_heads, c.n_kv_heads, c.head_dim, c.head_dim, c.scale};
  std::vector<double> attended = attend(q, cache, layer, pos + 1, shape, counters);
  std::vector<double> out = matvec(w.o, attended, counters);
  if (w.o_bias) add_bias(out, *w.o_bias, counters);
  return out;
}

}  // namespace moecap::reference
