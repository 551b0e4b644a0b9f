#include "model_weights.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "moecap/cpp/host.hpp"
#include "moecap/kernels/cpu/half_precision.hpp"
#include "moecap/kernels/cpu/panel_packing.hpp"

namespace moecap::cpu_backend {
namespace {

using kernels::cpu::WeightType;

std::string shape_text(const moecap_tensor_view& v) {
  std::string s = "[";
  for (int32_t d = 0; d < v.ndim; ++d) s += (d == 0 ? "" : ", ") + std::to_string(v.shape[d]);
  return s + "]";
}

class WeightLookup {
 public:
  explicit WeightLookup(const moecap_weight_source_i& source) : source_(source) {}

  moecap_tensor_view find(const std::string& name) const {
    moecap_tensor_view view;
    std::memset(&view, 0, sizeof view);
    view.struct_size = sizeof view;
    moecap_error* error = source_.find(source_.context, name.c_str(), &view);
    if (error != nullptr) {
      const std::string message = host().error_message(error);
      host().error_free(error);
      throw Error(MOECAP_ERR_NOT_FOUND, "cpu backend: the model has no weight '" + name + "' (" + message + ")");
    }
    return view;
  }

  int64_t element_count(const std::string& name) const {
    const moecap_tensor_view view = find(name);
    int64_t n = 1;
    for (int32_t d = 0; d < view.ndim; ++d) n *= view.shape[d];
    return n;
  }

  MatrixView matrix(const std::string& name, int64_t rows, int64_t cols) const {
    const moecap_tensor_view view = find(name);
    WeightType type;
    switch (view.dtype) {
      case MOECAP_DTYPE_F32:
        type = WeightType::f32;
        break;
      case MOECAP_DTYPE_BF16:
        type = WeightType::bf16;
        break;
      case MOECAP_DTYPE_F16:
        type = WeightType::f16;
        break;
      default:
        throw Error(MOECAP_ERR_UNSUPPORTED, "cpu backend: weight '" + name + "' has dtype " +
                                                std::to_string(view.dtype) + "; supported: f32, bf16, f16");
    }
    const bool as_vector = rows == 1 && view.ndim == 1;
    const bool shape_ok =
        as_vector ? view.shape[0] == cols : view.ndim == 2 && view.shape[0] == rows && view.shape[1] == cols;
    if (!shape_ok)
      throw Error(MOECAP_ERR_INVALID_ARG,
                  "cpu backend: weight '" + name + "' has shape " + shape_text(view) + "; the description implies [" +
                      (as_vector ? "" : std::to_string(rows) + ", ") + std::to_string(cols) + "]");
    const MatrixView out{view.data, type, rows, cols};
    if (view.nbytes != out.bytes() || (view.data == nullptr && view.nbytes > 0))
      throw Error(MOECAP_ERR_INVALID_ARG, "cpu backend: weight '" + name + "' holds " + std::to_string(view.nbytes) +
                                              " bytes, not the " + std::to_string(out.bytes()) +
                                              " its shape and dtype need");
    return out;
  }

  std::vector<float> vector(const std::string& name, int64_t size) const {
    const moecap_tensor_view view = find(name);
    if (view.ndim != 1)
      throw Error(MOECAP_ERR_INVALID_ARG, "cpu backend: weight '" + name + "' has shape " + shape_text(view) +
                                              "; the description implies [" + std::to_string(size) + "]");
    const MatrixView m = matrix(name, 1, size);
    std::vector<float> out(static_cast<size_t>(size));
    for (int64_t i = 0; i < size; ++i) {
      if (m.type == WeightType::f32)
        out[static_cast<size_t>(i)] = static_cast<const float*>(m.data)[i];
      else if (m.type == WeightType::bf16)
        out[static_cast<size_t>(i)] = kernels::cpu::bf16_to_f32(static_cast<const uint16_t*>(m.data)[i]);
      else
        out[static_cast<size_t>(i)] = kernels::cpu::f16_to_f32(static_cast<const uint16_t*>(m.data)[i]);
    }
    return out;
  }

  size_t bytes(const std::string& name) const { return find(name).nbytes; }

 private:
  const moecap_weight_source_i& source_;
};

NormWeights load_norm(const WeightLookup& w, const moecap_model_desc& d, const std::string& name, size_t& bytes) {
  NormWeights out{w.vector(name, d.hidden_size), {}};
  bytes += w.bytes(name);
  if (d.norm_bias) {
    out.bias = w.vector(name + "_bias", d.hidden_size);
    bytes += w.bytes(name + "_bias");
  }
  return out;
}

/// q_norm/k_norm: [hd] per head (Qwen3-MoE) or the whole projection (OLMoE); the weight's size decides.
std::vector<float> load_qk_norm(const WeightLookup& w, const std::string& name, int64_t head_dim, int64_t whole) {
  const int64_t size = w.element_count(name);
  if (size != head_dim && size != whole)
    throw Error(MOECAP_ERR_INVALID_ARG, "cpu backend: weight '" + name + "' has " + std::to_string(size) +
                                            " elements; expected " + std::to_string(head_dim) + " (per head) or " +
                                            std::to_string(whole) + " (whole projection)");
  return w.vector(name, size);
}

GqaWeights load_gqa(const WeightLookup& w, const ModelDescription& desc, const std::string& p, size_t& bytes) {
  const moecap_model_desc& d = desc.model;
  const moecap_attention_desc& a = desc.attention;
  const int64_t q_width = int64_t{a.n_heads} * a.head_dim;
  const int64_t kv_width = int64_t{a.n_kv_heads} * a.head_dim;
  GqaWeights out;
  out.q = w.matrix(p + "q", q_width, d.hidden_size);
  out.k = w.matrix(p + "k", kv_width, d.hidden_size);
  out.v = w.matrix(p + "v", kv_width, d.hidden_size);
  out.o = w.matrix(p + "o", d.hidden_size, q_width);
  bytes += out.q.bytes() + out.k.bytes() + out.v.bytes() + out.o.bytes();
  if (a.qkv_bias) {
    out.q_bias = w.vector(p + "q_bias", q_width);
    out.k_bias = w.vector(p + "k_bias", kv_width);
    out.v_bias = w.vector(p + "v_bias", kv_width);
    bytes += w.bytes(p + "q_bias") + w.bytes(p + "k_bias") + w.bytes(p + "v_bias");
  }
  if (a.o_bias) {
    out.o_bias = w.vector(p + "o_bias", d.hidden_size);
    bytes += w.bytes(p + "o_bias");
  }
  if (a.qk_norm) {
    out.q_norm = load_qk_norm(w, p + "q_norm", a.head_dim, q_width);
    out.k_norm = load_qk_norm(w, p + "k_norm", a.head_dim, kv_width);
    bytes += w.bytes(p + "q_norm") + w.bytes(p + "k_norm");
  }
  return out;
}

MlaWeights load_mla(const WeightLookup& w, const ModelDescription& desc, const std::string& p, size_t& bytes) {
  const moecap_model_desc& d = desc.model;
  const moecap_attention_desc& a = desc.attention;
  const int64_t q_width = int64_t{a.n_heads} * (a.qk_nope_head_dim + a.qk_rope_head_dim);
  MlaWeights out;
  out.kv_a = w.matrix(p + "kv_a", a.kv_lora_rank + a.qk_rope_head_dim, d.hidden_size);
  out.kv_a_norm = w.vector(p + "kv_a_norm", a.kv_lora_rank);
  out.kv_b = w.matrix(p + "kv_b", int64_t{a.n_heads} * (a.qk_nope_head_dim + a.v_head_dim), a.kv_lora_rank);
  out.o = w.matrix(p + "o", d.hidden_size, int64_t{a.n_heads} * a.v_head_dim);
  bytes += out.kv_a.bytes() + w.bytes(p + "kv_a_norm") + out.kv_b.bytes() + out.o.bytes();
  if (a.q_lora_rank == 0) {
    out.q = w.matrix(p + "q", q_width, d.hidden_size);
    bytes += out.q->bytes();
  } else {
    out.q_a = w.matrix(p + "q_a", a.q_lora_rank, d.hidden_size);
    out.q_a_norm = w.vector(p + "q_a_norm", a.q_lora_rank);
    out.q_b = w.matrix(p + "q_b", q_width, a.q_lora_rank);
    bytes += out.q_a->bytes() + w.bytes(p + "q_a_norm") + out.q_b->bytes();
  }
  return out;
}

MlpWeights load_mlp(const WeightLookup& w, const std::string& p, int64_t width, int64_t hidden, bool gated) {
  MlpWeights out{std::nullopt, w.matrix(p + "up", width, hidden), w.matrix(p + "down", hidden, width)};
  if (gated) out.gate = w.matrix(p + "gate", width, hidden);
  return out;
}

MoeWeights load_moe(const WeightLookup& w, const moecap_model_desc& d, const moecap_ffn_desc& f, const std::string& p) {
  MoeWeights out;
  out.router = w.matrix(p + "router", f.n_experts, d.hidden_size);
  if (f.has_score_correction_bias) out.score_bias = w.vector(p + "score_bias", f.n_experts);
  for (int32_t e = 0; e < f.n_experts; ++e)
    out.experts.push_back(
        load_mlp(w, p + "experts." + std::to_string(e) + ".", f.expert_intermediate_size, d.hidden_size, f.gated));
  if (f.n_shared_experts > 0)
    out.shared = load_mlp(w, p + "shared.", int64_t{f.n_shared_experts} * f.shared_expert_intermediate_size,
                          d.hidden_size, f.gated);
  if (f.shared_expert_gate) out.shared_gate = w.matrix(p + "shared_gate", 1, d.hidden_size);
  return out;
}

}  // namespace

namespace {

/// Calls f on every matrix view of the model (const or not), in the order a step reads them.
template <class Weights, class F>
void visit_matrices(Weights& m, F&& f) {
  auto mlp = [&](auto& w) {
    if (w.gate) f(*w.gate);
    f(w.up);
    f(w.down);
  };
  f(m.embed_tokens);
  for (auto& layer : m.layers) {
    if (layer.gqa) {
      f(layer.gqa->q);
      f(layer.gqa->k);
      f(layer.gqa->v);
      f(layer.gqa->o);
    }
    if (layer.mla) {
      for (auto* o : {&layer.mla->q, &layer.mla->q_a, &layer.mla->q_b})
        if (*o) f(**o);
      f(layer.mla->kv_a);
      f(layer.mla->kv_b);
      f(layer.mla->o);
    }
    if (layer.dense) mlp(*layer.dense);
    if (layer.moe) {
      f(layer.moe->router);
      for (auto& expert : layer.moe->experts) mlp(expert);
      if (layer.moe->shared) mlp(*layer.moe->shared);
      if (layer.moe->shared_gate) f(*layer.moe->shared_gate);
    }
  }
  f(m.lm_head);
}

}  // namespace

size_t ModelWeights::matrix_bytes() const {
  size_t total = 0;
  std::unordered_set<const void*> seen;  // a tied LM head is the embedding itself
  visit_matrices(*this, [&](const MatrixView& v) {
    if (seen.insert(v.data).second) total += v.bytes();
  });
  return total;
}

std::vector<std::span<const std::byte>> ModelWeights::memory_extents() const {
  if (arena) return arena->used_extents();
  std::vector<std::span<const std::byte>> views;
  std::unordered_set<const void*> seen;
  visit_matrices(*this, [&](const MatrixView& v) {
    if (v.bytes() > 0 && seen.insert(v.data).second)
      views.emplace_back(static_cast<const std::byte*>(v.data), v.bytes());
  });
  std::sort(views.begin(), views.end(), [](auto a, auto b) { return a.data() < b.data(); });
  std::vector<std::span<const std::byte>> extents;
  for (const auto& v : views) {
    if (!extents.empty() && extents.back().data() + extents.back().size() == v.data())
      extents.back() = {extents.back().data(), extents.back().size() + v.size()};
    else
      extents.push_back(v);
  }
  return extents;
}

void ModelWeights::copy_into_arena(kernels::cpu::MatrixLayout layout) {
  arena.emplace();
  const void* embedding = embed_tokens.data;
  std::unordered_map<const void*, MatrixView> copies;
  visit_matrices(*this, [&](MatrixView& v) {
    if (v.bytes() == 0) return;
    auto [it, added] = copies.try_emplace(v.data, v);
    if (added) {
      void* copy = arena->allocate(v.bytes());
      if (layout == kernels::cpu::MatrixLayout::panels && v.data != embedding && kernels::cpu::can_pack_panels(v)) {
        it->second = kernels::cpu::pack_panels(v, copy);
      } else {
        std::memcpy(copy, v.data, v.bytes());
        it->second.data = copy;
      }
    }
    v = it->second;
  });
}

ModelWeights ModelWeights::load(const ModelDescription& desc, const moecap_weight_source_i& source) {
  const WeightLookup w(source);
  const moecap_model_desc& d = desc.model;
  ModelWeights out;
  out.weight_type = d.weight_dtype;
  out.embed_tokens = w.matrix("embed_tokens", d.vocab_size, d.hidden_size);
  for (int32_t i = 0; i < d.n_layers; ++i) {
    const std::string p = "layers." + std::to_string(i) + ".";
    LayerWeights layer;
    layer.attn_norm = load_norm(w, d, p + "attn_norm", layer.norm_bytes);
    layer.ffn_norm = load_norm(w, d, p + "ffn_norm", layer.norm_bytes);
    if (desc.attention.kind == MOECAP_ATTENTION_MLA)
      layer.mla = load_mla(w, desc, p + "attn.", layer.attention_bytes);
    else
      layer.gqa = load_gqa(w, desc, p + "attn.", layer.attention_bytes);
    const moecap_ffn_desc& f = desc.layer_ffn[static_cast<size_t>(i)];
    if (f.kind == MOECAP_FFN_DENSE)
      layer.dense = load_mlp(w, p + "ffn.", f.intermediate_size, d.hidden_size, f.gated);
    else
      layer.moe = load_moe(w, d, f, p + "moe.");
    out.layers.push_back(std::move(layer));
  }
  out.final_norm = load_norm(w, d, "final_norm", out.final_norm_bytes);
  out.lm_head = d.tie_word_embeddings ? out.embed_tokens : w.matrix("lm_head", d.vocab_size, d.hidden_size);
  return out;
}

}  // namespace moecap::cpu_backend
