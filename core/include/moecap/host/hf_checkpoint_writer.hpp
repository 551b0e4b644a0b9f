// Writes an opened model as a Hugging Face checkpoint directory, as `save_pretrained` would: config.json
// with the family's published keys, the weights under the family's tensor names in safetensors (sharded
// with model.safetensors.index.json when asked), and a small byte-level BPE tokenizer.json.
//
// It is the inverse of the hf model plugin's mapping (plugins/model-hf/src/hf_config.cpp and
// hf_tensor_plan.cpp): reading the directory back gives the same canonical description and the same weight
// values. A description a family's config.json cannot express (e.g. dense layers in Mixtral, a DeepSeek
// shared expert narrower than a routed one) is refused with the reason, never written approximately.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

#include "moecap/host/model_accounting.hpp"
#include "moecap/host/plugin_proxies.hpp"

namespace moecap::host {

struct HfCheckpointOptions {
  int32_t shards = 1;  ///< 1: model.safetensors; N > 1: model-0000i-of-0000N.safetensors + index
};

/// config.json for the description; throws std::invalid_argument naming what the family cannot express.
nlohmann::json hf_config_for(const moecap_model_desc& desc, QkNormScope qk_norm_scope);

/// A byte-level BPE tokenizer.json with vocab_size ids: the special tokens at bos/eos, byte tokens for as
/// many bytes as fit (printable ASCII first; an <unk> takes the rest), then merges of frequent English pairs.
nlohmann::json tiny_bpe_tokenizer(int32_t vocab_size, int32_t bos_token_id, int32_t eos_token_id);

/// Writes model (which must hold weight data) into directory (created). Throws on any failure.
void write_hf_checkpoint(const Model& model, const std::filesystem::path& directory,
                         const HfCheckpointOptions& options);

}  // namespace moecap::host
