#include "attention_core.hpp"

#include <algorithm>
#include <cmath>

namespace moecap::reference {

std::vector<double> attend(const std::vector<double>& q, const SequenceCache& cache, int32_t layer, int64_t n_positions,
                           const AttentionShape& shape, StepCounters& counters) {
  const int32_t group = shape.n_heads / shape.n_kv_heads;
  std::vector<double> out(static_cast<size_t>(shape.n_heads) * shape.v_size, 0.0);
  std::vector<double> weights(static_cast<size_t>(n_positions));
  for (int32_t h = 0; h < shape.n_heads; ++h) {
    const int32_t kv_head = h / group;
    const double* q_head = q.data() + static_cast<int64_t>(h) * shape.qk_size;
    double max_score = -INFINITY;
    for (int64_t t = 0; t < n_positions; ++t) {
      const double* k = cache.key(layer, t) + static_cast<int64_t>(kv_head) * shape.qk_size;
      double dot = 0;
      for (int32_t i = 0; i < shape.qk_size; ++i) dot += q_head[i] * k[i];
      weights[static_cast<size_t>(t)] = dot * shape.scale;
      max_score = std::max(max_score, weights[static_cast<size_t>(t)]);
    }
    double total = 0;
    for (double& w : weights) total += (w = std::exp(w - max_score));  // max subtracted: no overflow
    double* out_head = out.data() + static_cast<int64_t>(h) * shape.v_size;
    for (int64_t t = 0; t < n_positions; ++t) {
      const double* v = cache.value(layer, t) + static_cast<int64_t>(kv_head) * shape.v_size;
      const double p = weights[static_cast<size_t>(t)] / total;
      for (int32_t i = 0; i < shape.v_size; ++i) out_head[i] += p * v[i];
    }
  }
  const double positions = static_cast<double>(n_positions);
  counters.flops += 2.0 * positions * shape.n_heads * (shape.qk_size + shape.v_size);
  // Each kv head's rows are read once however many query heads share them.
  counters.kv_bytes_read += positions * shape.n_kv_heads * (shape.qk_size + shape.v_size) * sizeof(double);
  return out;
}

}  // namespace moecap::reference
