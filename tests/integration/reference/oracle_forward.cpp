#include "oracle_forward.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace moecap::test {
namespace {

/// A dense row-major matrix of doubles: rows × cols.
struct Matrix {
  int64_t rows = 0, cols = 0;
  std::vector<double> data;
  double& operator()(int64_t r, int64_t c) { return data[static_cast<size_t>(r * cols + c)]; }
  double operator()(int64_t r, int64_t c) const { return data[static_cast<size_t>(r * cols + c)]; }
};

Matrix zeros(int64_t rows, int64_t cols) {
  return Matrix{rows, cols, std::vector<double>(static_cast<size_t>(rows * cols))};
}

double decode(const moecap_tensor_view& v, int64_t i) {
  if (v.dtype == MOECAP_DTYPE_F32) return static_cast<const float*>(v.data)[i];
  if (v.dtype == MOECAP_DTYPE_BF16) {
    const uint32_t bits = uint32_t{static_cast<const uint16_t*>(v.data)[i]} << 16;
    return std::bit_cast<float>(bits);
  }
  throw std::runtime_error("oracle: only f32 and bf16 weights");
}

/// A weight as a matrix (vectors become 1 × n).
Matrix load(const WeightGetter& weight, const std::string& name) {
  const moecap_tensor_view v = weight(name);
  Matrix m{v.ndim == 2 ? v.shape[0] : 1, v.ndim == 2 ? v.shape[1] : v.shape[0], {}};
  m.data.resize(static_cast<size_t>(m.rows * m.cols));
  for (int64_t i = 0; i < m.rows * m.cols; ++i) m.data[static_cast<size_t>(i)] = decode(v, i);
  return m;
}

/// X · Wᵀ: X is [T, in], W is [out, in] → [T, out].
Matrix times_transposed(const Matrix& x, const Matrix& w) {
  Matrix y = zeros(x.rows, w.rows);
  for (int64_t t = 0; t < x.rows; ++t)
    for (int64_t o = 0; o < w.rows; ++o) {
      double sum = 0;
      for (int64_t i = 0; i < x.cols; ++i) sum += x(t, i) * w(o, i);
      y(t, o) = sum;
    }
  return y;
}

void add_row_vector(Matrix& x, const Matrix& bias) {
  for (int64_t t = 0; t < x.rows; ++t)
    for (int64_t i = 0; i < x.cols; ++i) x(t, i) += bias(0, i);
}

Matrix rms_norm_rows(const Matrix& x, const Matrix& scale, double eps) {
  Matrix y = zeros(x.rows, x.cols);
  for (int64_t t = 0; t < x.rows; ++t) {
    double mean_square = 0;
    for (int64_t i = 0; i < x.cols; ++i) mean_square += x(t, i) * x(t, i);
    mean_square /= static_cast<double>(x.cols);
    for (int64_t i = 0; i < x.cols; ++i) y(t, i) = scale(0, i) * (x(t, i) / std::sqrt(mean_square + eps));
  }
  return y;
}

/// rotate_half RoPE on the first `rotary` dims of each head, position = row index.
void apply_rope(Matrix& x, int32_t heads, int32_t head_dim, int32_t rotary, double theta) {
  const int32_t half = rotary / 2;
  for (int64_t t = 0; t < x.rows; ++t)
    for (int32_t h = 0; h < heads; ++h)
      for (int32_t i = 0; i < half; ++i) {
        const double frequency = std::pow(theta, -2.0 * i / rotary);
        const double angle = static_cast<double>(t) * frequency;
        const int64_t lo = int64_t{h} * head_dim + i, hi = lo + half;
        const double a = x(t, lo), b = x(t, hi);
        x(t, lo) = a * std::cos(angle) - b * std::sin(angle);
        x(t, hi) = b * std::cos(angle) + a * std::sin(angle);
      }
}

Matrix causal_attention(const Matrix& q, const Matrix& k, const Matrix& v, int32_t heads, int32_t kv_heads,
                        int32_t head_dim) {
  const int64_t T = q.rows;
  Matrix out = zeros(T, int64_t{heads} * head_dim);
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
  for (int32_t h = 0; h < heads; ++h) {
    const int32_t g = h * kv_heads / heads;  // the kv head this query head shares
    for (int64_t t = 0; t < T; ++t) {
      std::vector<double> p(static_cast<size_t>(T), 0.0);
      double best = -INFINITY;
      for (int64_t s = 0; s <= t; ++s) {  // causal mask: s > t never contributes
        double dot = 0;
        for (int32_t i = 0; i < head_dim; ++i) dot += q(t, int64_t{h} * head_dim + i) * k(s, int64_t{g} * head_dim + i);
        p[static_cast<size_t>(s)] = dot * scale;
        best = std::max(best, p[static_cast<size_t>(s)]);
      }
      double z = 0;
      for (int64_t s = 0; s <= t; ++s) z += p[static_cast<size_t>(s)] = std::exp(p[static_cast<size_t>(s)] - best);
      for (int64_t s = 0; s <= t; ++s)
        for (int32_t i = 0; i < head_dim; ++i)
          out(t, int64_t{h} * head_dim + i) += p[static_cast<size_t>(s)] / z * v(s, int64_t{g} * head_dim + i);
    }
  }
  return out;
}

double silu(double x) {
  return x / (1.0 + std::exp(-x));
}

/// gated SiLU MLP over all rows: down(silu(gate x) * up x)
Matrix swiglu(const Matrix& x, const Matrix& gate, const Matrix& up, const Matrix& down) {
  Matrix g = times_transposed(x, gate);
  const Matrix u = times_transposed(x, up);
  for (size_t i = 0; i < g.data.size(); ++i) g.data[i] = silu(g.data[i]) * u.data[i];
  return times_transposed(g, down);
}

void require(bool condition, const char* what) {
  if (!condition) throw std::runtime_error(std::string("oracle does not model: ") + what);
}

}  // namespace

OracleResult oracle_forward(const moecap_model_desc& d, const WeightGetter& weight,
                            const std::vector<int32_t>& tokens) {
  const moecap_attention_desc& a = *d.attention;
  require(d.norm_kind == MOECAP_NORM_RMS, "LayerNorm");
  require(a.kind == MOECAP_ATTENTION_GQA, "MLA");
  require(a.rope_scaling == MOECAP_ROPE_NONE && a.rope_interleaved == 0, "RoPE scaling or interleaving");
  require(!a.qk_norm && !a.o_bias && a.qkv_clip == 0 && a.softmax_scale == 0, "qk-norm, o bias, clip, scale");
  const int64_t T = static_cast<int64_t>(tokens.size());
  const int32_t rotary = static_cast<int32_t>(std::lround(a.partial_rotary_factor * a.head_dim));

  OracleResult result;
  result.routing.assign(static_cast<size_t>(T), std::vector<std::vector<int32_t>>(static_cast<size_t>(d.n_layers)));

  const Matrix embed = load(weight, "embed_tokens");
  Matrix h = zeros(T, d.hidden_size);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t i = 0; i < d.hidden_size; ++i) h(t, i) = embed(tokens[static_cast<size_t>(t)], i);

  for (int32_t layer = 0; layer < d.n_layers; ++layer) {
    const std::string p = "layers." + std::to_string(layer) + ".";
    // Attention block.
    const Matrix x = rms_norm_rows(h, load(weight, p + "attn_norm"), d.norm_eps);
    Matrix q = times_transposed(x, load(weight, p + "attn.q"));
    Matrix k = times_transposed(x, load(weight, p + "attn.k"));
    Matrix v = times_transposed(x, load(weight, p + "attn.v"));
    if (a.qkv_bias) {
      add_row_vector(q, load(weight, p + "attn.q_bias"));
      add_row_vector(k, load(weight, p + "attn.k_bias"));
      add_row_vector(v, load(weight, p + "attn.v_bias"));
    }
    apply_rope(q, a.n_heads, a.head_dim, rotary, a.rope_theta);
    apply_rope(k, a.n_kv_heads, a.head_dim, rotary, a.rope_theta);
    const Matrix attended =
        times_transposed(causal_attention(q, k, v, a.n_heads, a.n_kv_heads, a.head_dim), load(weight, p + "attn.o"));
    for (size_t i = 0; i < h.data.size(); ++i) h.data[i] += attended.data[i];

    // FFN block.
    const Matrix y = rms_norm_rows(h, load(weight, p + "ffn_norm"), d.norm_eps);
    const moecap_ffn_desc& f = *d.layer_ffn[layer];
    require(f.activation == MOECAP_ACT_SILU && f.gated, "activations other than gated SiLU");
    Matrix out = zeros(T, d.hidden_size);
    if (f.kind == MOECAP_FFN_DENSE) {
      out = swiglu(y, load(weight, p + "ffn.gate"), load(weight, p + "ffn.up"), load(weight, p + "ffn.down"));
    } else {
      require(f.router_scoring == MOECAP_ROUTER_SOFTMAX && f.n_group == 1 && !f.has_score_correction_bias,
              "sigmoid / group-limited / biased routing");
      const Matrix router_logits = times_transposed(y, load(weight, p + "moe.router"));
      std::vector<Matrix> expert_out;
      for (int32_t e = 0; e < f.n_experts; ++e) {
        const std::string ep = p + "moe.experts." + std::to_string(e) + ".";
        expert_out.push_back(swiglu(y, load(weight, ep + "gate"), load(weight, ep + "up"), load(weight, ep + "down")));
      }
      for (int64_t t = 0; t < T; ++t) {
        // Softmax over all experts, then sort (probability desc, index asc) and keep top_k.
        std::vector<std::pair<double, int32_t>> ranked;
        double z = 0;
        for (int32_t e = 0; e < f.n_experts; ++e) z += std::exp(router_logits(t, e));
        for (int32_t e = 0; e < f.n_experts; ++e) ranked.push_back({std::exp(router_logits(t, e)) / z, e});
        std::sort(ranked.begin(), ranked.end(), [](const auto& l, const auto& r) {
          return l.first != r.first ? l.first > r.first : l.second < r.second;
        });
        ranked.resize(static_cast<size_t>(f.top_k));
        double kept = 0;
        for (const auto& [prob, e] : ranked) kept += prob;
        for (const auto& [prob, e] : ranked) {
          const double w = (f.renormalize_topk ? prob / kept : prob) * f.routed_scaling_factor;
          for (int64_t i = 0; i < d.hidden_size; ++i) out(t, i) += w * expert_out[static_cast<size_t>(e)](t, i);
          result.routing[static_cast<size_t>(t)][static_cast<size_t>(layer)].push_back(e);
        }
      }
      if (f.n_shared_experts > 0) {
        const Matrix shared = swiglu(y, load(weight, p + "moe.shared.gate"), load(weight, p + "moe.shared.up"),
                                     load(weight, p + "moe.shared.down"));
        Matrix gate_logit;
        if (f.shared_expert_gate) gate_logit = times_transposed(y, load(weight, p + "moe.shared_gate"));
        for (int64_t t = 0; t < T; ++t) {
          const double g = f.shared_expert_gate ? 1.0 / (1.0 + std::exp(-gate_logit(t, 0))) : 1.0;
          for (int64_t i = 0; i < d.hidden_size; ++i) out(t, i) += g * shared(t, i);
        }
      }
    }
    for (size_t i = 0; i < h.data.size(); ++i) h.data[i] += out.data[i];
  }

  const Matrix final_x = rms_norm_rows(h, load(weight, "final_norm"), d.norm_eps);
  const Matrix logits = times_transposed(final_x, d.tie_word_embeddings ? embed : load(weight, "lm_head"));
  for (int64_t t = 0; t < T; ++t)
    result.logits.emplace_back(logits.data.begin() + t * logits.cols, logits.data.begin() + (t + 1) * logits.cols);
  return result;
}

}  // namespace moecap::test
