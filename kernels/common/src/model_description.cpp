#include "moecap/kernels/common/model_description.hpp"

#include <cstring>
#include <string>

#include "moecap/cpp/host.hpp"

namespace moecap::kernels {
namespace {

// Which backend is checking, for the messages (set by checked_description for the duration of the call).
thread_local const char* g_backend = "backend";

template <class Struct>
Struct copy_versioned(const Struct& source, const char* what) {
  if (source.struct_size < sizeof(Struct))
    throw Error(MOECAP_ERR_ABI, std::string(g_backend) + ": " + what + " struct_size " +
                                    std::to_string(source.struct_size) + " is smaller than ABI 1.0's " +
                                    std::to_string(sizeof(Struct)));
  Struct out;
  std::memcpy(&out, &source, sizeof(Struct));
  return out;
}

[[noreturn]] void invalid(const std::string& field, const std::string& message) {
  throw Error(MOECAP_ERR_INVALID_ARG, std::string(g_backend) + ": model description " + field + " " + message);
}

[[noreturn]] void unsupported(const std::string& field, const std::string& message) {
  throw Error(MOECAP_ERR_UNSUPPORTED, std::string(g_backend) + ": model description " + field + " " + message);
}

void require_positive(const std::string& field, int64_t value) {
  if (value <= 0) invalid(field, "= " + std::to_string(value) + ": expected a positive value");
}

void check_attention(const moecap_attention_desc& a) {
  require_positive("attention.n_heads", a.n_heads);
  if (a.kind == MOECAP_ATTENTION_GQA) {
    require_positive("attention.n_kv_heads", a.n_kv_heads);
    require_positive("attention.head_dim", a.head_dim);
    if (a.n_heads % a.n_kv_heads != 0) invalid("attention.n_kv_heads", "does not divide attention.n_heads");
    const double rotary = a.partial_rotary_factor * a.head_dim;
    if (!(a.partial_rotary_factor > 0 && a.partial_rotary_factor <= 1) || rotary != static_cast<int64_t>(rotary) ||
        static_cast<int64_t>(rotary) % 2 != 0)
      invalid("attention.partial_rotary_factor", "must be in (0, 1] and make an even number of rotary dims");
  } else if (a.kind == MOECAP_ATTENTION_MLA) {
    if (a.q_lora_rank < 0) invalid("attention.q_lora_rank", "is negative");
    require_positive("attention.kv_lora_rank", a.kv_lora_rank);
    require_positive("attention.qk_nope_head_dim", a.qk_nope_head_dim);
    require_positive("attention.qk_rope_head_dim", a.qk_rope_head_dim);
    require_positive("attention.v_head_dim", a.v_head_dim);
    if (a.qk_rope_head_dim % 2 != 0) invalid("attention.qk_rope_head_dim", "must be even");
    if (a.qk_norm) unsupported("attention.qk_norm", "with MLA is not a known architecture");
    if (a.qkv_bias || a.o_bias)
      unsupported("attention.qkv_bias/o_bias", "with MLA is not supported (no published MLA model uses it)");
    if (a.qkv_clip != 0)
      unsupported("attention.qkv_clip", "with MLA is not supported (no published MLA model uses it)");
  } else {
    unsupported("attention.kind", "= " + std::to_string(a.kind) + " is unknown; supported: gqa, mla");
  }
  if (!(a.rope_theta > 0)) invalid("attention.rope_theta", "must be positive");
  if (a.qkv_clip < 0) invalid("attention.qkv_clip", "is negative");
  if (a.softmax_scale < 0) invalid("attention.softmax_scale", "is negative");
  switch (a.rope_scaling) {
    case MOECAP_ROPE_NONE:
      break;
    case MOECAP_ROPE_LINEAR:
      if (!(a.rope_scaling_factor > 0)) invalid("attention.rope_scaling_factor", "must be positive");
      break;
    case MOECAP_ROPE_YARN:
      if (!(a.rope_scaling_factor >= 1)) invalid("attention.rope_scaling_factor", "must be >= 1 for YaRN");
      require_positive("attention.rope_original_max_position", a.rope_original_max_position);
      if (!(a.yarn_beta_fast > 0 && a.yarn_beta_slow > 0))
        invalid("attention.yarn_beta_fast/yarn_beta_slow", "must be positive");
      break;
    case MOECAP_ROPE_DYNAMIC:
      unsupported("attention.rope_scaling", "= dynamic is not supported; supported: none, linear, yarn");
    case MOECAP_ROPE_LLAMA3:
      unsupported("attention.rope_scaling", "= llama3 is not supported; supported: none, linear, yarn");
    default:
      unsupported("attention.rope_scaling", "= " + std::to_string(a.rope_scaling) + " is unknown");
  }
}

void check_ffn(const moecap_ffn_desc& f, const std::string& where) {
  if (f.activation != MOECAP_ACT_SILU && f.activation != MOECAP_ACT_GELU && f.activation != MOECAP_ACT_GELU_TANH)
    unsupported(where + ".activation",
                "= " + std::to_string(f.activation) + " is unknown; supported: silu, gelu, gelu_tanh");
  if (f.kind == MOECAP_FFN_DENSE) {
    require_positive(where + ".intermediate_size", f.intermediate_size);
    return;
  }
  if (f.kind != MOECAP_FFN_MOE) unsupported(where + ".kind", "= " + std::to_string(f.kind) + " is unknown");
  require_positive(where + ".n_experts", f.n_experts);
  require_positive(where + ".top_k", f.top_k);
  require_positive(where + ".expert_intermediate_size", f.expert_intermediate_size);
  if (f.top_k > f.n_experts) invalid(where + ".top_k", "exceeds n_experts");
  if (f.router_scoring != MOECAP_ROUTER_SOFTMAX && f.router_scoring != MOECAP_ROUTER_SIGMOID)
    unsupported(where + ".router_scoring",
                "= " + std::to_string(f.router_scoring) + " is unknown; supported: softmax, sigmoid");
  require_positive(where + ".n_group", f.n_group);
  require_positive(where + ".topk_group", f.topk_group);
  if (f.n_experts % f.n_group != 0) invalid(where + ".n_group", "does not divide n_experts");
  if (f.topk_group > f.n_group) invalid(where + ".topk_group", "exceeds n_group");
  if (f.top_k > f.topk_group * (f.n_experts / f.n_group))
    invalid(where + ".top_k", "exceeds the experts of topk_group groups");
  if (f.n_group > 1 && f.router_scoring == MOECAP_ROUTER_SIGMOID && f.n_experts / f.n_group < 2)
    invalid(where + ".n_group", "leaves fewer than 2 experts per group (sigmoid group scores sum the top 2)");
  if (!(f.routed_scaling_factor > 0)) invalid(where + ".routed_scaling_factor", "must be positive");
  if (f.n_shared_experts < 0) invalid(where + ".n_shared_experts", "is negative");
  if (f.n_shared_experts > 0)
    require_positive(where + ".shared_expert_intermediate_size", f.shared_expert_intermediate_size);
  if (f.shared_expert_gate && f.n_shared_experts == 0)
    invalid(where + ".shared_expert_gate", "is set without shared experts");
}

}  // namespace

ModelDescription checked_description(const moecap_model_desc& desc, const char* backend_name) {
  g_backend = backend_name;
  ModelDescription out;
  out.model = copy_versioned(desc, "moecap_model_desc");
  if (desc.attention == nullptr) invalid("attention", "is NULL");
  if (desc.layer_ffn == nullptr) invalid("layer_ffn", "is NULL");
  out.attention = copy_versioned(*desc.attention, "moecap_attention_desc");
  // The copies outlive the model's structs; nothing may point back into them.
  out.model.name = nullptr;
  out.model.family = nullptr;
  out.model.attention = nullptr;
  out.model.layer_ffn = nullptr;

  const moecap_model_desc& d = out.model;
  require_positive("vocab_size", d.vocab_size);
  require_positive("hidden_size", d.hidden_size);
  require_positive("n_layers", d.n_layers);
  if (d.norm_kind != MOECAP_NORM_RMS && d.norm_kind != MOECAP_NORM_LAYER)
    unsupported("norm_kind", "= " + std::to_string(d.norm_kind) + " is unknown; supported: rms, layer");
  if (d.norm_bias && d.norm_kind != MOECAP_NORM_LAYER) invalid("norm_bias", "is set for RMSNorm, which has no bias");
  if (!(d.norm_eps >= 0)) invalid("norm_eps", "is negative");
  check_attention(out.attention);
  for (int32_t i = 0; i < d.n_layers; ++i) {
    const std::string where = "layer_ffn[" + std::to_string(i) + "]";
    if (desc.layer_ffn[i] == nullptr) invalid(where, "is NULL");
    out.layer_ffn.push_back(copy_versioned(*desc.layer_ffn[i], "moecap_ffn_desc"));
    check_ffn(out.layer_ffn.back(), where);
  }
  return out;
}

}  // namespace moecap::kernels
