// Canonical weights → each family's checkpoint tensor names (the inverse of model-hf's hf_tensor_plan.cpp),
// then safetensors files, the shard index, config.json and tokenizer.json.
#include "moecap/host/hf_checkpoint_writer.hpp"

#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

#include "moecap/host/safetensors_writer.hpp"

namespace moecap::host {
namespace {

const char* safetensors_dtype(int32_t dtype) {
  switch (dtype) {
    case MOECAP_DTYPE_F32:
      return "F32";
    case MOECAP_DTYPE_BF16:
      return "BF16";
    case MOECAP_DTYPE_F16:
      return "F16";
    default:
      throw std::invalid_argument("weights of dtype " + std::to_string(dtype) + " cannot be written");
  }
}

class Weights {
 public:
  explicit Weights(const Model& model) : model_(model) {}
  moecap_tensor_view get(const std::string& name) const {
    auto view = model_.weight_find(name);
    if (!view) throw std::runtime_error("the model has no weight '" + name + "'");
    if (view->data == nullptr) throw std::runtime_error("weight '" + name + "' has no data (opened without weights?)");
    return *view;
  }
  /// The view under a new name, zero-copy.
  SafetensorsTensor as(const std::string& canonical, const std::string& stored) const {
    const moecap_tensor_view v = get(canonical);
    SafetensorsTensor t{stored, safetensors_dtype(v.dtype), {}, static_cast<const std::byte*>(v.data), v.nbytes, {}};
    for (int32_t i = 0; i < v.ndim; ++i) t.shape.push_back(v.shape[i]);
    return t;
  }
  /// Matrices stacked row-wise into one [Σ rows, columns] tensor (DBRX Wqkv, w1, v1); transpose_each stacks
  /// each one transposed (DBRX w2 holds every expert's down projection as an [I, d] block).
  SafetensorsTensor stacked(const std::vector<std::string>& canonical, const std::string& stored,
                            bool transpose_each = false) const {
    auto owned = std::make_shared<std::vector<std::byte>>();
    int64_t rows = 0, columns = -1;
    int32_t dtype = MOECAP_DTYPE_UNKNOWN;
    for (const std::string& name : canonical) {
      const moecap_tensor_view v = get(name);
      const int64_t r = transpose_each ? v.shape[1] : v.shape[0], c = transpose_each ? v.shape[0] : v.shape[1];
      if (columns >= 0 && (c != columns || v.dtype != dtype))
        throw std::runtime_error(stored + ": parts of different widths or dtypes");
      columns = c;
      dtype = v.dtype;
      rows += r;
      const auto* from = static_cast<const std::byte*>(v.data);
      const size_t element = v.nbytes / static_cast<size_t>(v.shape[0] * v.shape[1]);
      const size_t at = owned->size();
      owned->resize(at + v.nbytes);
      if (!transpose_each) {
        std::memcpy(owned->data() + at, from, v.nbytes);
        continue;
      }
      for (int64_t i = 0; i < r; ++i)  // out[i][j] = in[j][i]
        for (int64_t j = 0; j < c; ++j)
          std::memcpy(owned->data() + at + static_cast<size_t>(i * c + j) * element,
                      from + static_cast<size_t>(j * r + i) * element, element);
    }
    return {stored, safetensors_dtype(dtype), {rows, columns}, owned->data(), owned->size(), owned};
  }

 private:
  const Model& model_;
};

std::string layer(int32_t i) {
  return "layers." + std::to_string(i) + ".";
}

void llama_like(const Weights& w, const moecap_model_desc& d, std::vector<SafetensorsTensor>& out) {
  const std::string family = d.family;
  const bool mixtral = family == "mixtral";
  out.push_back(w.as("embed_tokens", "model.embed_tokens.weight"));
  if (!d.tie_word_embeddings) out.push_back(w.as("lm_head", "lm_head.weight"));
  out.push_back(w.as("final_norm", "model.norm.weight"));
  const auto& a = *d.attention;
  for (int32_t i = 0; i < d.n_layers; ++i) {
    const std::string c = layer(i), hf = "model.layers." + std::to_string(i) + ".", attn = hf + "self_attn.";
    out.push_back(w.as(c + "attn_norm", hf + "input_layernorm.weight"));
    out.push_back(w.as(c + "ffn_norm", hf + "post_attention_layernorm.weight"));
    if (a.kind == MOECAP_ATTENTION_MLA) {
      if (a.q_lora_rank == 0) {
        out.push_back(w.as(c + "attn.q", attn + "q_proj.weight"));
      } else {
        out.push_back(w.as(c + "attn.q_a", attn + "q_a_proj.weight"));
        out.push_back(w.as(c + "attn.q_a_norm", attn + "q_a_layernorm.weight"));
        out.push_back(w.as(c + "attn.q_b", attn + "q_b_proj.weight"));
      }
      out.push_back(w.as(c + "attn.kv_a", attn + "kv_a_proj_with_mqa.weight"));
      out.push_back(w.as(c + "attn.kv_a_norm", attn + "kv_a_layernorm.weight"));
      out.push_back(w.as(c + "attn.kv_b", attn + "kv_b_proj.weight"));
      out.push_back(w.as(c + "attn.o", attn + "o_proj.weight"));
    } else {
      for (const char* p : {"q", "k", "v", "o"}) out.push_back(w.as(c + "attn." + p, attn + p + "_proj.weight"));
      if (a.qkv_bias)
        for (const char* p : {"q", "k", "v"}) out.push_back(w.as(c + "attn." + p + "_bias", attn + p + "_proj.bias"));
      if (a.o_bias) out.push_back(w.as(c + "attn.o_bias", attn + "o_proj.bias"));
      if (a.qk_norm) {
        out.push_back(w.as(c + "attn.q_norm", attn + "q_norm.weight"));
        out.push_back(w.as(c + "attn.k_norm", attn + "k_norm.weight"));
      }
    }
    const moecap_ffn_desc& f = *d.layer_ffn[i];
    auto mlp = [&](const std::string& from, const std::string& to, const char* gate, const char* up, const char* down) {
      out.push_back(w.as(from + "gate", to + gate + ".weight"));
      out.push_back(w.as(from + "up", to + up + ".weight"));
      out.push_back(w.as(from + "down", to + down + ".weight"));
    };
    if (f.kind != MOECAP_FFN_MOE) {
      mlp(c + "ffn.", hf + "mlp.", "gate_proj", "up_proj", "down_proj");
      continue;
    }
    const std::string moe = hf + (mixtral ? "block_sparse_moe." : "mlp.");
    out.push_back(w.as(c + "moe.router", moe + "gate.weight"));
    if (f.has_score_correction_bias) out.push_back(w.as(c + "moe.score_bias", moe + "gate.e_score_correction_bias"));
    for (int32_t e = 0; e < f.n_experts; ++e) {
      const std::string from = c + "moe.experts." + std::to_string(e) + ".",
                        to = moe + "experts." + std::to_string(e) + ".";
      if (mixtral)
        mlp(from, to, "w1", "w3", "w2");
      else
        mlp(from, to, "gate_proj", "up_proj", "down_proj");
    }
    if (f.n_shared_experts > 0)
      mlp(c + "moe.shared.", moe + (family == "qwen2_moe" ? "shared_expert." : "shared_experts."), "gate_proj",
          "up_proj", "down_proj");
    if (f.shared_expert_gate) out.push_back(w.as(c + "moe.shared_gate", moe + "shared_expert_gate.weight"));
  }
}

void dbrx(const Weights& w, const moecap_model_desc& d, std::vector<SafetensorsTensor>& out) {
  out.push_back(w.as("embed_tokens", "transformer.wte.weight"));
  if (!d.tie_word_embeddings) out.push_back(w.as("lm_head", "lm_head.weight"));
  out.push_back(w.as("final_norm", "transformer.norm_f.weight"));
  for (int32_t i = 0; i < d.n_layers; ++i) {
    const std::string c = layer(i), hf = "transformer.blocks." + std::to_string(i) + ".";
    const std::string block = hf + "norm_attn_norm.";
    out.push_back(w.as(c + "attn_norm", block + "norm_1.weight"));
    out.push_back(w.as(c + "ffn_norm", block + "norm_2.weight"));
    out.push_back(w.stacked({c + "attn.q", c + "attn.k", c + "attn.v"}, block + "attn.Wqkv.weight"));
    out.push_back(w.as(c + "attn.o", block + "attn.out_proj.weight"));
    out.push_back(w.as(c + "moe.router", hf + "ffn.router.layer.weight"));
    std::vector<std::string> gates, ups, downs;
    for (int32_t e = 0; e < d.layer_ffn[i]->n_experts; ++e) {
      const std::string x = c + "moe.experts." + std::to_string(e) + ".";
      gates.push_back(x + "gate");
      ups.push_back(x + "up");
      downs.push_back(x + "down");
    }
    // DBRX's fused expert tensors carry no ".weight" suffix.
    out.push_back(w.stacked(gates, hf + "ffn.experts.mlp.w1"));
    out.push_back(w.stacked(ups, hf + "ffn.experts.mlp.v1"));
    out.push_back(w.stacked(downs, hf + "ffn.experts.mlp.w2", /*transpose_each=*/true));
  }
}

void write_json(const std::filesystem::path& path, const nlohmann::json& value) {
  std::ofstream out(path, std::ios::trunc);
  out << value.dump(2) << "\n";
  if (!out) throw std::runtime_error(path.string() + ": write failed");
}

std::string shard_name(int32_t index, int32_t count) {
  char text[64];
  std::snprintf(text, sizeof text, "model-%05d-of-%05d.safetensors", index, count);
  return text;
}

}  // namespace

void write_hf_checkpoint(const Model& model, const std::filesystem::path& directory,
                         const HfCheckpointOptions& options) {
  const moecap_model_desc& d = model.describe();
  QkNormScope scope = QkNormScope::per_head;
  if (d.attention->qk_norm)
    if (auto view = model.weight_find("layers.0.attn.q_norm"))
      scope = view->shape[0] == d.attention->head_dim ? QkNormScope::per_head : QkNormScope::whole_projection;
  const nlohmann::json config = hf_config_for(d, scope);  // refuses what the family cannot express, first

  const Weights weights(model);
  std::vector<SafetensorsTensor> tensors;
  if (std::string(d.family) == "dbrx")
    dbrx(weights, d, tensors);
  else
    llama_like(weights, d, tensors);
  if (options.shards < 1 || options.shards > static_cast<int32_t>(tensors.size()))
    throw std::invalid_argument("--shards must lie in [1, " + std::to_string(tensors.size()) + "] (one tensor each)");

  std::filesystem::create_directories(directory);
  write_json(directory / "config.json", config);
  write_json(directory / "tokenizer.json", tiny_bpe_tokenizer(d.vocab_size, d.bos_token_id, d.eos_token_id));
  if (options.shards == 1) {
    write_safetensors(directory / "model.safetensors", std::move(tensors));
    return;
  }
  // Tensors in name order, cut into shards of about equal bytes (as save_pretrained's max_shard_size does).
  std::sort(tensors.begin(), tensors.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  uint64_t total = 0;
  for (const auto& t : tensors) total += t.nbytes;
  nlohmann::json index = {{"metadata", {{"total_size", total}}}, {"weight_map", nlohmann::json::object()}};
  size_t next = 0;
  uint64_t written = 0;
  for (int32_t s = 1; s <= options.shards; ++s) {
    const std::string file = shard_name(s, options.shards);
    std::vector<SafetensorsTensor> shard;
    const uint64_t target = total * static_cast<uint64_t>(s) / static_cast<uint64_t>(options.shards);
    const size_t must_leave = static_cast<size_t>(options.shards - s);  // every later shard gets a tensor
    while (next < tensors.size() - must_leave && (shard.empty() || written + tensors[next].nbytes / 2 <= target)) {
      written += tensors[next].nbytes;
      index["weight_map"][tensors[next].name] = file;
      shard.push_back(tensors[next++]);
    }
    if (s == options.shards)
      while (next < tensors.size()) {
        index["weight_map"][tensors[next].name] = file;
        shard.push_back(tensors[next++]);
      }
    write_safetensors(directory / file, std::move(shard));
  }
  write_json(directory / "model.safetensors.index.json", index);
}

}  // namespace moecap::host
