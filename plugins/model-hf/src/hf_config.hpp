// config.json of a Hugging Face checkpoint → the canonical MoE model description (sdk/include/moecap/model.h).
//
// Each family's keys are read the way `transformers` reads them (tests/golden/README.md lists where that
// differs from the family's own documentation). Both spellings of RoPE settings are accepted: `rope_theta` +
// `rope_scaling` (the checkpoints on the Hub) and `rope_parameters` (what transformers >= 5 writes).
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "moecap/model.h"

namespace moecap::hf {

/// The families moecap maps, by their `model_type`.
enum class HfFamily { Mixtral, Qwen2Moe, Qwen3Moe, Olmoe, DeepseekV2, DeepseekV3, Dbrx };

/// An owned canonical description. The C structs point into this object, so it never moves (held by
/// unique_ptr) and is read-only once built.
struct ModelSpec {
  HfFamily family{};
  std::string architecture;  ///< e.g. "MixtralForCausalLM"
  std::string name;
  std::string family_name;  ///< desc.family
  moecap_attention_desc attention{};
  std::vector<moecap_ffn_desc> layer_ffn;  ///< one per layer
  std::vector<const moecap_ffn_desc*> layer_ffn_pointers;
  moecap_model_desc desc{};

  ModelSpec() = default;
  ModelSpec(const ModelSpec&) = delete;
  ModelSpec& operator=(const ModelSpec&) = delete;
};

/// Maps a parsed config.json. label names the file in errors. Throws moecap::Error: UNSUPPORTED for an
/// unknown architecture or a setting moecap cannot represent, INVALID_ARG for a missing or ill-typed key —
/// each message names the key (dotted for nested keys, e.g. "rope_scaling.type").
std::unique_ptr<ModelSpec> map_hf_config(const nlohmann::json& config, const std::string& label,
                                         const std::string& model_name);

/// Reads and maps path (a config.json). Malformed JSON is an INVALID_ARG error naming the file.
std::unique_ptr<ModelSpec> read_hf_config(const std::string& path, const std::string& model_name);

}  // namespace moecap::hf
