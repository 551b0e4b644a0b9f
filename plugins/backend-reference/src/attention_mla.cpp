#include "attention_mla.hpp"

#include <algorithm>

#include "attention_core.hpp"
#include "linear.hpp"
#include "norm.hpp"

namespace moecap::reference {

std::vector<double> mla_attention(const MlaWeights& w, const MlaConfig& c, const Rope& rope,
                                  const std::vector<double>& x, int64_t pos, int32_t layer, SequenceCache& cache,
                                  StepCounters& counters) {
  const int32_t qk = c.nope + c.rope;
  // Queries: per head [nope | rope].
  std::vector<double> q =
      w.q ? matvec(*w.q, x, counters)
          : matvec(*w.q_b, rms_norm(matvec(*w.q_a, x, counters), *w.q_a_norm, c.norm_eps, counters), counters);
  // The compressed KV: [latent (kv_lora_rank) | k_rope (rope, shared by every head)].
  const std::vector<double> compressed = matvec(w.kv_a, x, counters);
  std::vector<double> latent(compressed.begin(), compressed.begin() + c.kv_lora_rank);
  std::vector<double> k_rope(compressed.begin() + c.kv_lora_rank, compressed.end());
  // Per head [k_nope (nope) | v (v)].
  const std::vector<double> expanded = matvec(w.kv_b, rms_norm(latent, w.kv_a_norm, c.norm_eps, counters), counters);

  for (int32_t h = 0; h < c.n_heads; ++h) rope.apply(q.data() + int64_t{h} * qk + c.nope, 1, c.rope, pos);
  rope.apply(k_rope.data(), 1, c.rope, pos);

  std::vector<double> keys(static_cast<size_t>(c.n_heads) * qk);
  std::vector<double> values(static_cast<size_t>(c.n_heads) * c.v);
  for (int32_t h = 0; h < c.n_heads; ++h) {
    const double* head = expanded.data() + int64_t{h} * (c.nope + c.v);
    std::copy(head, head + c.nope, keys.begin() + int64_t{h} * qk);
    std::copy(k_rope.begin(), k_rope.end(), keys.begin() + int64_t{h} * qk + c.nope);
    std::copy(head + c.nope, head + c.nope + c.v, values.begin() + int64_t{h} * c.v);
  }
  cache.append(layer, keys.data(), values.data());
  const AttentionShape shape{c.n_heads, c.n_heads, qk, c.v, c.scale};
  return matvec(w.o, attend(q, cache, layer, pos + 1, shape, counters), counters);
}

}  // namespace moecap::reference
