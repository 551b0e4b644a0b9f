#include "backend_pair.hpp"

#include <algorithm>
#include <cstring>

namespace moecap::numerics {

PluginConfig::PluginConfig(toml::table table, std::string source_name)
    : table_(std::make_unique<toml::table>(std::move(table))),
      view_(std::make_unique<host::ConfigView>(table_.get(), std::move(source_name), "")) {}

PluginConfig synthetic_model_config(const std::string& preset_path, int64_t seed, const std::string& dtype) {
  toml::table root;
  root.insert("seed", seed);
  root.insert("dtype", dtype);
  root.insert("description", toml::parse_file(preset_path));
  return PluginConfig(std::move(root), preset_path);
}

host::PluginRegistry& registry() {
  static host::PluginRegistry instance(host::PluginSearchPaths::only({MOECAP_NUMERICS_PLUGIN_DIR}));
  return instance;
}

namespace {

host::Session create(const std::string& backend, const std::shared_ptr<const host::Model>& model,
                     const std::string& config_toml) {
  const PluginConfig config(toml::parse(std::string_view(config_toml), std::string_view("backend.toml")),
                            "backend.toml");
  return registry().backend(backend).create_session(model, config.get());
}

}  // namespace

Runner::Runner(const std::string& backend, std::shared_ptr<const host::Model> model, const std::string& config_toml)
    : model_(model), session_(create(backend, model, config_toml)) {
  const moecap_model_desc& d = model_->describe();
  for (int32_t layer = 0; layer < d.n_layers; ++layer) {
    const moecap_ffn_desc& ffn = *d.layer_ffn[layer];
    if (ffn.kind != MOECAP_FFN_MOE) continue;
    expert_stride_ = std::max(expert_stride_, ffn.n_experts);
    topk_stride_ = std::max(topk_stride_, ffn.top_k);
  }
}

StepResult Runner::step(const std::vector<SequenceStep>& sequences) {
  const moecap_model_desc& d = model_->describe();
  std::vector<int64_t> ids, positions;
  std::vector<int32_t> n_new, modes, tokens;
  size_t rows = 0;
  for (const SequenceStep& s : sequences) {
    auto held = std::find_if(positions_.begin(), positions_.end(), [&](const auto& p) { return p.first == s.id; });
    if (held == positions_.end()) held = positions_.insert(positions_.end(), {s.id, 0});
    ids.push_back(s.id);
    positions.push_back(held->second);
    held->second += static_cast<int64_t>(s.tokens.size());
    n_new.push_back(static_cast<int32_t>(s.tokens.size()));
    modes.push_back(s.logits_mode);
    tokens.insert(tokens.end(), s.tokens.begin(), s.tokens.end());
    rows += s.logits_mode == MOECAP_LOGITS_ALL ? s.tokens.size() : s.logits_mode == MOECAP_LOGITS_LAST ? 1 : 0;
  }
  moecap_batch batch;
  std::memset(&batch, 0, sizeof batch);
  batch.struct_size = sizeof batch;
  batch.abi_minor = MOECAP_ABI_MINOR;
  batch.n_seqs = static_cast<int32_t>(sequences.size());
  batch.n_tokens = static_cast<int32_t>(tokens.size());
  batch.seq_ids = ids.data();
  batch.n_new = n_new.data();
  batch.pos = positions.data();
  batch.logits_mode = modes.data();
  batch.token_ids = tokens.data();

  StepResult out;
  out.logits.assign(rows * static_cast<size_t>(d.vocab_size), -12345.0f);
  out.expert_tokens.assign(static_cast<size_t>(d.n_layers) * static_cast<size_t>(expert_stride_), -7);
  out.topk_ids.assign(tokens.size() * static_cast<size_t>(d.n_layers) * static_cast<size_t>(topk_stride_), -7);
  out.status.assign(sequences.size(), -7);
  out.counters.resize(16);
  moecap_step_result result;
  std::memset(&result, 0, sizeof result);
  result.struct_size = sizeof result;
  result.abi_minor = MOECAP_ABI_MINOR;
  result.logits = out.logits.data();
  result.logits_capacity = out.logits.size();
  result.expert_tokens = out.expert_tokens.data();
  result.expert_stride = expert_stride_;
  result.topk_stride = topk_stride_;
  result.topk_ids = out.topk_ids.data();
  result.seq_status = out.status.data();
  result.counters = out.counters.data();
  result.counters_capacity = static_cast<int32_t>(out.counters.size());
  session_.step(batch, result);
  out.counters.resize(static_cast<size_t>(result.counters_count));
  return out;
}

}  // namespace moecap::numerics
