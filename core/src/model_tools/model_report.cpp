#include "moecap/host/model_report.hpp"

#include <cstdio>
#include <map>
#include <stdexcept>

#include "moecap/host/run_records.hpp"

namespace moecap::host {
namespace {

using nlohmann::json;

const char* rope_scaling_name(int32_t kind) {
  switch (kind) {
    case MOECAP_ROPE_LINEAR:
      return "linear";
    case MOECAP_ROPE_YARN:
      return "yarn";
    case MOECAP_ROPE_DYNAMIC:
      return "dynamic";
    case MOECAP_ROPE_LLAMA3:
      return "llama3";
    default:
      return "none";
  }
}

json attention_json(const moecap_attention_desc& a, QkNormScope scope) {
  json out;
  const bool mla = a.kind == MOECAP_ATTENTION_MLA;
  out["kind"] = mla ? "mla" : "gqa";
  out["n_heads"] = a.n_heads;
  if (mla) {
    out["q_lora_rank"] = a.q_lora_rank;
    out["kv_lora_rank"] = a.kv_lora_rank;
    out["qk_nope_head_dim"] = a.qk_nope_head_dim;
    out["qk_rope_head_dim"] = a.qk_rope_head_dim;
    out["v_head_dim"] = a.v_head_dim;
  } else {
    out["n_kv_heads"] = a.n_kv_heads;
    out["head_dim"] = a.head_dim;
    out["partial_rotary_factor"] = a.partial_rotary_factor;
  }
  out["rope_theta"] = a.rope_theta;
  out["rope_interleaved"] = a.rope_interleaved != 0;
  out["rope_scaling"] = rope_scaling_name(a.rope_scaling);
  if (a.rope_scaling != MOECAP_ROPE_NONE) {
    out["rope_scaling_factor"] = a.rope_scaling_factor;
    out["rope_original_max_position"] = a.rope_original_max_position;
  }
  if (a.rope_scaling == MOECAP_ROPE_YARN) {
    out["yarn_beta_fast"] = a.yarn_beta_fast;
    out["yarn_beta_slow"] = a.yarn_beta_slow;
    out["yarn_mscale"] = a.yarn_mscale;
    out["yarn_mscale_all_dim"] = a.yarn_mscale_all_dim;
  }
  out["qk_norm"] = a.qk_norm;
  if (a.qk_norm) out["qk_norm_per_head"] = scope == QkNormScope::per_head;
  out["qkv_bias"] = a.qkv_bias;
  out["o_bias"] = a.o_bias;
  out["qkv_clip"] = a.qkv_clip;
  if (a.softmax_scale != 0) out["softmax_scale"] = a.softmax_scale;
  return out;
}

json ffn_json(const moecap_ffn_desc& f) {
  json out;
  out["kind"] = f.kind == MOECAP_FFN_MOE ? "moe" : "dense";
  out["activation"] = activation_name(f.activation);
  out["gated"] = f.gated;
  if (f.kind != MOECAP_FFN_MOE) {
    out["intermediate_size"] = f.intermediate_size;
    return out;
  }
  out["n_experts"] = f.n_experts;
  out["top_k"] = f.top_k;
  out["expert_intermediate_size"] = f.expert_intermediate_size;
  out["router_scoring"] = f.router_scoring == MOECAP_ROUTER_SIGMOID ? "sigmoid" : "softmax";
  out["renormalize_topk"] = f.renormalize_topk;
  out["routed_scaling_factor"] = f.routed_scaling_factor;
  out["n_group"] = f.n_group;
  out["topk_group"] = f.topk_group;
  out["score_correction_bias"] = f.has_score_correction_bias;
  out["n_shared_experts"] = f.n_shared_experts;
  if (f.n_shared_experts > 0) out["shared_expert_intermediate_size"] = f.shared_expert_intermediate_size;
  out["shared_expert_gate"] = f.shared_expert_gate;
  return out;
}

/// Layers grouped by identical FFN descriptions, so 61 DeepSeek-V3 layers print as two groups.
json layer_groups(const moecap_model_desc& d) {
  json groups = json::array();
  for (int32_t i = 0; i < d.n_layers; ++i) {
    const json ffn = ffn_json(*d.layer_ffn[i]);
    if (!groups.empty() && groups.back()["ffn"] == ffn && groups.back()["last_layer"] == i - 1) {
      groups.back()["last_layer"] = i;
      continue;
    }
    groups.push_back({{"first_layer", i}, {"last_layer", i}, {"ffn", ffn}});
  }
  return groups;
}

QkNormScope qk_norm_scope(const Model& model) {
  // The description says qk-norm is on; the weight's shape says whether per head or over the projection.
  const moecap_model_desc& d = model.describe();
  if (d.attention->qk_norm)
    if (auto view = model.weight_find("layers.0.attn.q_norm"))
      return view->shape[0] == d.attention->head_dim ? QkNormScope::per_head : QkNormScope::whole_projection;
  return QkNormScope::per_head;
}

std::string human(double value, const char* unit) {
  const char* prefixes[] = {"", "K", "M", "G", "T"};
  int i = 0;
  while (value >= 1000 && i < 4) value /= 1000, ++i;
  char text[64];
  std::snprintf(text, sizeof text, "%.2f %s%s", value, prefixes[i], unit);
  return text;
}

std::string billions(int64_t params) {
  char text[64];
  std::snprintf(text, sizeof text, "%.2fB", static_cast<double>(params) / 1e9);
  return text;
}

}  // namespace

const char* activation_name(int32_t kind) {
  switch (kind) {
    case MOECAP_ACT_GELU:
      return "gelu";
    case MOECAP_ACT_GELU_TANH:
      return "gelu_tanh";
    default:
      return "silu";
  }
}

double dtype_name_bytes(const std::string& name) {
  static const std::map<std::string, double> widths = {{"f32", 4},  {"fp32", 4},   {"bf16", 2}, {"f16", 2},
                                                       {"fp16", 2}, {"f8", 1},     {"fp8", 1},  {"i8", 1},
                                                       {"int8", 1}, {"int4", 0.5}, {"i4", 0.5}};
  const auto it = widths.find(name);
  if (it == widths.end()) throw std::invalid_argument("unknown dtype '" + name + "' (f32, bf16, f16, fp8, int8, int4)");
  return it->second;
}

json model_report(const Model& model, const ModelReportOptions& options) {
  const moecap_model_desc& d = model.describe();
  AccountingOptions accounting;
  const std::string kv_dtype = options.kv_dtype.empty() ? options.weight_dtype : options.kv_dtype;
  accounting.weight_bytes_per_element = dtype_name_bytes(options.weight_dtype);
  accounting.kv_bytes_per_element = dtype_name_bytes(kv_dtype);
  accounting.qk_norm_scope = qk_norm_scope(model);
  const ModelAccounting counts(d, accounting);

  json report;
  json& m = report["model"];
  m["name"] = d.name ? d.name : "";
  m["family"] = d.family ? d.family : "";
  m["vocab_size"] = d.vocab_size;
  m["hidden_size"] = d.hidden_size;
  m["n_layers"] = d.n_layers;
  m["norm"] = d.norm_kind == MOECAP_NORM_LAYER ? "layer" : "rms";
  m["norm_eps"] = d.norm_eps;
  m["norm_bias"] = d.norm_bias;
  m["tie_word_embeddings"] = d.tie_word_embeddings;
  m["max_position_embeddings"] = d.max_position_embeddings;
  m["bos_token_id"] = d.bos_token_id;
  m["eos_token_id"] = d.eos_token_id;
  // A model opened without weights (a preset or config.json being described) has no stored dtype.
  const bool has_data = model.weight_count() > 0 && model.weight_at(0).data != nullptr;
  m["stored_dtype"] = !has_data || d.weight_dtype == MOECAP_DTYPE_UNKNOWN ? "unknown" : dtype_name(d.weight_dtype);
  m["attention"] = attention_json(*d.attention, accounting.qk_norm_scope);
  m["layers"] = layer_groups(d);

  json& p = report["parameters"];
  p["total"] = counts.total_params();
  p["active"] = counts.active_params();
  p["active_excluding_embedding"] = counts.active_params_excluding_embedding();
  p["embedding"] = counts.embedding_params();
  p["lm_head"] = counts.lm_head_params();
  p["attention"] = counts.attention_params();
  p["routed_experts"] = counts.all_routed_expert_params();
  p["always_active_ffn"] = counts.always_active_ffn_params();
  p["routers"] = counts.router_params();
  p["norms"] = counts.norm_params();
  p["moe_layers"] = counts.n_moe_layers();
  p["active_convention"] =
      "one token: attention, norms, routers, top-k routed + all shared experts, dense FFNs, embedding and LM head";

  // A decode step of one sequence at context 0 reads everything one token activates, one embedding row
  // rather than the whole table, and no KV (the S-MBU-full numerator, DESIGN.md §5).
  const int64_t decode_params = counts.active_params() - counts.embedding_params() + d.hidden_size +
                                (d.tie_word_embeddings ? counts.embedding_params() : 0);
  json& b = report["bytes"];
  b["weight_dtype"] = options.weight_dtype;
  b["kv_dtype"] = kv_dtype;
  b["weights_total"] = counts.weight_bytes(counts.total_params());
  b["decode_step_per_token"] = counts.weight_bytes(decode_params);
  b["kv_elements_per_token"] = counts.kv_elements_per_token();
  b["kv_per_token"] = counts.kv_bytes_per_token();
  return report;
}

void print_model_report(std::ostream& out, const json& report) {
  const json& m = report["model"];
  const json& a = m["attention"];
  const json& p = report["parameters"];
  const json& b = report["bytes"];
  out << m["name"].get<std::string>() << " (family " << m["family"].get<std::string>() << ")\n";
  out << "  vocab " << m["vocab_size"] << ", hidden " << m["hidden_size"] << ", layers " << m["n_layers"] << ", norm "
      << m["norm"].get<std::string>() << " (eps " << m["norm_eps"] << (m["norm_bias"].get<bool>() ? ", bias" : "")
      << "), " << (m["tie_word_embeddings"].get<bool>() ? "tied" : "untied") << " embeddings, max positions "
      << m["max_position_embeddings"] << ", stored dtype " << m["stored_dtype"].get<std::string>() << "\n";
  out << "  attention " << a.dump() << "\n";
  for (const json& group : m["layers"]) {
    const int first = group["first_layer"], last = group["last_layer"];
    out << "  layers " << first << (last > first ? "-" + std::to_string(last) : "") << ": " << group["ffn"].dump()
        << "\n";
  }
  const auto total = p["total"].get<int64_t>(), active = p["active"].get<int64_t>();
  out << "parameters\n";
  out << "  total   " << billions(total) << " (" << total << ")\n";
  out << "  active  " << billions(active) << " (" << active
      << ") per token: " << p["active_convention"].get<std::string>() << "\n";
  const auto no_embed = p["active_excluding_embedding"].get<int64_t>();
  out << "  active without the input embedding  " << billions(no_embed) << " (" << no_embed << ")\n";
  out << "  embedding " << p["embedding"] << ", lm_head " << p["lm_head"] << ", attention " << p["attention"]
      << ", routed experts " << p["routed_experts"] << ", shared/dense FFN " << p["always_active_ffn"] << ", routers "
      << p["routers"] << ", norms " << p["norms"] << "\n";
  out << "bytes (weights " << b["weight_dtype"].get<std::string>() << ", KV " << b["kv_dtype"].get<std::string>()
      << ")\n";
  out << "  all weights              " << human(b["weights_total"].get<double>(), "B") << "\n";
  out << "  decode step, per token   " << human(b["decode_step_per_token"].get<double>(), "B")
      << " (S-MBU-full numerator at batch 1, context 0)\n";
  out << "  KV cache, per token      " << human(b["kv_per_token"].get<double>(), "B") << " ("
      << b["kv_elements_per_token"] << " elements)\n";
}

}  // namespace moecap::host
