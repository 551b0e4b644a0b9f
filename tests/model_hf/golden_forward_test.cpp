// An independent, scalar f64 forward over the canonical weights model-hf produces, compared with the logits
// and expert choices transformers recorded (tests/golden/). It checks the *mapping* — every name, slice,
// transpose and config key — end to end, before any backend exists; the reference backend's own golden
// test checks the backend. Written straight from the transformers code the goldens came from (see
// tests/golden/README.md for the places that differ from the families' documentation).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <numeric>

#include "hf_config.hpp"
#include "hf_weights.hpp"
#include "safetensors_checkpoint.hpp"

namespace moecap::hf {
namespace {

using Vec = std::vector<double>;

class Forward {
 public:
  Forward(const ModelSpec& spec, const HfWeights& weights) : spec_(spec), w_(weights) {}

  /// Logits for every position; experts[layer][token] = sorted routed ids (empty rows for dense layers).
  std::vector<Vec> run(const std::vector<int>& ids, std::vector<std::vector<std::vector<int>>>& experts) {
    const auto& d = spec_.desc;
    std::vector<Vec> h;
    for (int id : ids) h.push_back(row("embed_tokens", id));
    experts.assign(d.n_layers, {});
    for (int l = 0; l < d.n_layers; ++l) {
      const std::string p = "layers." + std::to_string(l) + ".";
      std::vector<Vec> x;
      for (const auto& v : h) x.push_back(norm(v, p + "attn_norm"));
      const auto attn = spec_.attention.kind == MOECAP_ATTENTION_MLA ? mla(x, p) : gqa(x, p);
      for (size_t t = 0; t < h.size(); ++t) add(h[t], attn[t]);
      for (size_t t = 0; t < h.size(); ++t) {
        const Vec y = norm(h[t], p + "ffn_norm");
        add(h[t], ffn(y, p, *d.layer_ffn[l], experts[l]));
      }
    }
    std::vector<Vec> logits;
    const char* head = d.tie_word_embeddings ? "embed_tokens" : "lm_head";
    for (const auto& v : h) logits.push_back(linear(head, norm(v, "final_norm")));
    return logits;
  }

 private:
  const CanonicalTensor& t(const std::string& name) const {
    const auto* tensor = w_.find(name);
    if (tensor == nullptr) throw std::runtime_error("no weight " + name);
    return *tensor;
  }
  const float* f(const std::string& name) const { return static_cast<const float*>(t(name).data); }
  Vec row(const std::string& name, int r) const {
    const auto& tensor = t(name);
    const int64_t cols = tensor.shape[1];
    return Vec(f(name) + r * cols, f(name) + (r + 1) * cols);
  }
  Vec linear(const std::string& name, const Vec& x) const {
    const auto& tensor = t(name);
    const int64_t rows = tensor.shape[0], cols = tensor.shape[1];
    const float* m = f(name);
    Vec out(rows, 0.0);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) out[r] += double(m[r * cols + c]) * x[c];
    return out;
  }
  static void add(Vec& a, const Vec& b) {
    for (size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  }
  Vec rms(const Vec& x, const float* weight, double eps) const {
    double ss = 0;
    for (double v : x) ss += v * v;
    const double inv = 1.0 / std::sqrt(ss / x.size() + eps);
    Vec out(x.size());
    for (size_t i = 0; i < x.size(); ++i) out[i] = x[i] * inv * weight[i];
    return out;
  }
  Vec norm(const Vec& x, const std::string& name) const {
    const auto& d = spec_.desc;
    if (d.norm_kind == MOECAP_NORM_RMS) return rms(x, f(name), d.norm_eps);
    const double mean = std::accumulate(x.begin(), x.end(), 0.0) / x.size();
    double var = 0;
    for (double v : x) var += (v - mean) * (v - mean);
    var /= x.size();
    Vec out(x.size());
    for (size_t i = 0; i < x.size(); ++i) out[i] = (x[i] - mean) / std::sqrt(var + d.norm_eps) * f(name)[i];
    return out;
  }

  // ---- RoPE
  static double mscale(double scale, double m) { return scale <= 1 ? 1.0 : 0.1 * m * std::log(scale) + 1.0; }
  /// inv_freq per pair and the factor cos/sin are multiplied by (transformers' rope init functions).
  std::pair<Vec, double> rope_frequencies(int dim) const {
    const auto& a = spec_.attention;
    Vec inv(dim / 2);
    for (int i = 0; i < dim / 2; ++i) inv[i] = 1.0 / std::pow(a.rope_theta, 2.0 * i / dim);
    if (a.rope_scaling == MOECAP_ROPE_NONE) return {inv, 1.0};
    EXPECT_EQ(a.rope_scaling, MOECAP_ROPE_YARN);
    const double factor = a.rope_scaling_factor, base = a.rope_theta;
    auto correction_dim = [&](double rotations) {
      return dim * std::log(a.rope_original_max_position / (rotations * 2 * std::numbers::pi)) / (2 * std::log(base));
    };
    double low = std::max(std::floor(correction_dim(a.yarn_beta_fast)), 0.0);
    double high = std::min(std::ceil(correction_dim(a.yarn_beta_slow)), dim - 1.0);
    if (low == high) high += 0.001;
    for (int i = 0; i < dim / 2; ++i) {
      const double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
      const double extrapolation = 1 - ramp;
      inv[i] = inv[i] / factor * (1 - extrapolation) + inv[i] * extrapolation;
    }
    const double attention_factor = (a.yarn_mscale != 0 && a.yarn_mscale_all_dim != 0)
                                        ? mscale(factor, a.yarn_mscale) / mscale(factor, a.yarn_mscale_all_dim)
                                        : mscale(factor, 1.0);
    return {inv, attention_factor};
  }
  /// Rotates x[offset, offset + dim) in place for position pos.
  void rope(double* x, int dim, int pos) const {
    const auto [inv, scale] = rope_frequencies(dim);
    const bool interleaved = spec_.attention.rope_interleaved != 0;
    for (int i = 0; i < dim / 2; ++i) {
      const double c = std::cos(pos * inv[i]) * scale, s = std::sin(pos * inv[i]) * scale;
      const int a = interleaved ? 2 * i : i, b = interleaved ? 2 * i + 1 : i + dim / 2;
      const double x1 = x[a], x2 = x[b];
      x[a] = x1 * c - x2 * s;
      x[b] = x2 * c + x1 * s;
    }
  }

  // ---- attention
  static Vec softmax_causal(const Vec& scores) {
    const double m = *std::max_element(scores.begin(), scores.end());
    Vec p(scores.size());
    double sum = 0;
    for (size_t j = 0; j < scores.size(); ++j) sum += p[j] = std::exp(scores[j] - m);
    for (auto& v : p) v /= sum;
    return p;
  }

  std::vector<Vec> gqa(const std::vector<Vec>& x, const std::string& p) const {
    const auto& a = spec_.attention;
    const int H = a.n_heads, Hkv = a.n_kv_heads, hd = a.head_dim, T = int(x.size());
    std::vector<Vec> q(T), k(T), v(T);
    for (int t = 0; t < T; ++t) {
      q[t] = linear(p + "attn.q", x[t]);
      k[t] = linear(p + "attn.k", x[t]);
      v[t] = linear(p + "attn.v", x[t]);
      if (a.qkv_bias) {
        add(q[t], Vec(f(p + "attn.q_bias"), f(p + "attn.q_bias") + H * hd));
        add(k[t], Vec(f(p + "attn.k_bias"), f(p + "attn.k_bias") + Hkv * hd));
        add(v[t], Vec(f(p + "attn.v_bias"), f(p + "attn.v_bias") + Hkv * hd));
      }
      if (a.qk_norm) {
        if (t_(p + "attn.q_norm").shape[0] == hd) {  // per head
          for (int h = 0; h < H; ++h) per_head_rms(q[t], h * hd, hd, f(p + "attn.q_norm"));
          for (int h = 0; h < Hkv; ++h) per_head_rms(k[t], h * hd, hd, f(p + "attn.k_norm"));
        } else {
          q[t] = rms(q[t], f(p + "attn.q_norm"), spec_.desc.norm_eps);
          k[t] = rms(k[t], f(p + "attn.k_norm"), spec_.desc.norm_eps);
        }
      }
      if (a.qkv_clip > 0)
        for (Vec* vec : {&q[t], &k[t], &v[t]})
          for (auto& e : *vec) e = std::clamp(e, -a.qkv_clip, a.qkv_clip);
      const int rd = int(hd * a.partial_rotary_factor);
      for (int h = 0; h < H; ++h) rope(&q[t][h * hd], rd, t);
      for (int h = 0; h < Hkv; ++h) rope(&k[t][h * hd], rd, t);
    }
    std::vector<Vec> out(T);
    const double scale = a.softmax_scale > 0 ? a.softmax_scale : 1.0 / std::sqrt(hd);
    for (int t = 0; t < T; ++t) {
      Vec concat(H * hd, 0.0);
      for (int h = 0; h < H; ++h) {
        const int g = h / (H / Hkv);
        Vec s(t + 1);
        for (int j = 0; j <= t; ++j) {
          double dot = 0;
          for (int i = 0; i < hd; ++i) dot += q[t][h * hd + i] * k[j][g * hd + i];
          s[j] = dot * scale;
        }
        const Vec prob = softmax_causal(s);
        for (int j = 0; j <= t; ++j)
          for (int i = 0; i < hd; ++i) concat[h * hd + i] += prob[j] * v[j][g * hd + i];
      }
      out[t] = linear(p + "attn.o", concat);
      if (a.o_bias) add(out[t], Vec(f(p + "attn.o_bias"), f(p + "attn.o_bias") + spec_.desc.hidden_size));
    }
    return out;
  }
  const CanonicalTensor& t_(const std::string& name) const { return t(name); }
  void per_head_rms(Vec& x, int offset, int n, const float* weight) const {
    const Vec head = rms(Vec(x.begin() + offset, x.begin() + offset + n), weight, spec_.desc.norm_eps);
    std::copy(head.begin(), head.end(), x.begin() + offset);
  }

  std::vector<Vec> mla(const std::vector<Vec>& x, const std::string& p) const {
    const auto& a = spec_.attention;
    const int H = a.n_heads, nope = a.qk_nope_head_dim, rd = a.qk_rope_head_dim, vd = a.v_head_dim, r = a.kv_lora_rank,
              T = int(x.size()), qh = nope + rd;
    constexpr double kInnerEps = 1e-6;  // q_a_layernorm / kv_a_layernorm are built without the config's eps
    std::vector<Vec> q(T), kv(T), krot(T);
    for (int t = 0; t < T; ++t) {
      q[t] = a.q_lora_rank == 0
                 ? linear(p + "attn.q", x[t])
                 : linear(p + "attn.q_b", rms(linear(p + "attn.q_a", x[t]), f(p + "attn.q_a_norm"), kInnerEps));
      for (int h = 0; h < H; ++h) rope(&q[t][h * qh + nope], rd, t);
      const Vec ckv = linear(p + "attn.kv_a", x[t]);
      kv[t] = linear(p + "attn.kv_b", rms(Vec(ckv.begin(), ckv.begin() + r), f(p + "attn.kv_a_norm"), kInnerEps));
      krot[t] = Vec(ckv.begin() + r, ckv.end());
      rope(krot[t].data(), rd, t);
    }
    double scale = 1.0 / std::sqrt(double(qh));
    if (a.rope_scaling == MOECAP_ROPE_YARN && a.yarn_mscale_all_dim != 0) {
      const double m = mscale(a.rope_scaling_factor, a.yarn_mscale_all_dim);
      scale *= m * m;
    }
    std::vector<Vec> out(T);
    for (int t = 0; t < T; ++t) {
      Vec concat(H * vd, 0.0);
      for (int h = 0; h < H; ++h) {
        Vec s(t + 1);
        for (int j = 0; j <= t; ++j) {
          double dot = 0;
          for (int i = 0; i < nope; ++i) dot += q[t][h * qh + i] * kv[j][h * (nope + vd) + i];
          for (int i = 0; i < rd; ++i) dot += q[t][h * qh + nope + i] * krot[j][i];
          s[j] = dot * scale;
        }
        const Vec prob = softmax_causal(s);
        for (int j = 0; j <= t; ++j)
          for (int i = 0; i < vd; ++i) concat[h * vd + i] += prob[j] * kv[j][h * (nope + vd) + nope + i];
      }
      out[t] = linear(p + "attn.o", concat);
    }
    return out;
  }

  // ---- feed-forward
  static double act(double x) { return x / (1 + std::exp(-x)); }  // every golden family uses SiLU
  Vec mlp(const std::string& p, const Vec& x) const {
    Vec g = linear(p + "gate", x), u = linear(p + "up", x);
    for (size_t i = 0; i < g.size(); ++i) g[i] = act(g[i]) * u[i];
    return linear(p + "down", g);
  }
  Vec ffn(const Vec& x, const std::string& p, const moecap_ffn_desc& ffn,
          std::vector<std::vector<int>>& experts) const {
    EXPECT_EQ(ffn.activation, MOECAP_ACT_SILU);
    if (ffn.kind == MOECAP_FFN_DENSE) return mlp(p + "ffn.", x);
    const int E = ffn.n_experts;
    const Vec logits = linear(p + "moe.router", x);
    Vec scores(E);
    if (ffn.router_scoring == MOECAP_ROUTER_SIGMOID) {
      for (int e = 0; e < E; ++e) scores[e] = 1 / (1 + std::exp(-logits[e]));
    } else {
      scores = softmax_causal(logits);
    }
    Vec choice = scores;
    if (ffn.has_score_correction_bias)
      for (int e = 0; e < E; ++e) choice[e] += f(p + "moe.score_bias")[e];
    if (ffn.n_group > 1) {
      const int per = E / ffn.n_group;
      std::vector<std::pair<double, int>> groups;
      for (int g = 0; g < ffn.n_group; ++g) {
        Vec members(choice.begin() + g * per, choice.begin() + (g + 1) * per);
        std::sort(members.rbegin(), members.rend());
        groups.push_back({ffn.router_scoring == MOECAP_ROUTER_SIGMOID ? members[0] + members[1] : members[0], g});
      }
      std::sort(groups.rbegin(), groups.rend());
      std::vector<bool> keep(ffn.n_group, false);
      for (int i = 0; i < ffn.topk_group; ++i) keep[groups[i].second] = true;
      for (int e = 0; e < E; ++e)
        if (!keep[e / per]) choice[e] = -INFINITY;
    }
    std::vector<int> order(E);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return choice[a] > choice[b]; });
    order.resize(ffn.top_k);
    double sum = 0;
    for (int e : order) sum += scores[e];
    Vec out(x.size(), 0.0);
    for (int e : order) {
      double weight = scores[e];
      if (ffn.renormalize_topk) weight /= sum;
      weight *= ffn.routed_scaling_factor;
      const Vec y = mlp(p + "moe.experts." + std::to_string(e) + ".", x);
      for (size_t i = 0; i < out.size(); ++i) out[i] += weight * y[i];
    }
    if (ffn.n_shared_experts > 0) {
      Vec shared = mlp(p + "moe.shared.", x);
      if (ffn.shared_expert_gate) {
        const double g = 1 / (1 + std::exp(-linear(p + "moe.shared_gate", x)[0]));
        for (auto& v : shared) v *= g;
      }
      add(out, shared);
    }
    std::sort(order.begin(), order.end());
    experts.push_back(order);
    return out;
  }

  const ModelSpec& spec_;
  const HfWeights& w_;
};

class GoldenForward : public ::testing::TestWithParam<const char*> {};

TEST_P(GoldenForward, MappedWeightsReproduceTransformers) {
  const std::string dir = std::string(MOECAP_GOLDEN_DIR) + "/" + GetParam();
  const auto spec = read_hf_config(dir + "/config.json", GetParam());
  const auto checkpoint = SafetensorsCheckpoint::open(dir);
  const auto weights = HfWeights::assemble(*spec, checkpoint, {});
  std::ifstream in(dir + "/golden.json");
  const auto golden = nlohmann::json::parse(in);
  Forward forward(*spec, weights);
  for (const auto& sequence : golden["sequences"]) {
    const auto ids = sequence["input_ids"].get<std::vector<int>>();
    SCOPED_TRACE("sequence of " + std::to_string(ids.size()));
    std::vector<std::vector<std::vector<int>>> experts;
    const auto logits = forward.run(ids, experts);
    for (size_t t = 0; t < ids.size(); ++t) {
      const auto expected = sequence["logits"][t].get<std::vector<double>>();
      double scale = 0, error = 0;
      for (size_t i = 0; i < expected.size(); ++i) {
        scale = std::max(scale, std::abs(expected[i]));
        error = std::max(error, std::abs(expected[i] - logits[t][i]));
      }
      EXPECT_LE(error / scale, 1e-4) << "position " << t;
    }
    for (size_t l = 0; l < experts.size(); ++l) {
      const auto& recorded = sequence["expert_ids"][l];
      if (recorded.is_null()) {
        EXPECT_TRUE(experts[l].empty()) << "layer " << l;
      } else {
        EXPECT_EQ(experts[l], recorded.get<std::vector<std::vector<int>>>()) << "layer " << l;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(All, GoldenForward,
                         ::testing::Values("mixtral", "qwen2_moe", "qwen3_moe", "olmoe", "deepseek_v2", "deepseek_v3",
                                           "dbrx"));

}  // namespace
}  // namespace moecap::hf
