// Reads the canonical MoE model description from a configuration sub-table (the `description` table that
// the host fills from a configs/models/*.toml preset) and validates every value.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "moecap/cpp/config.hpp"
#include "moecap/model.h"

namespace moecap::synthetic {

/// The description with everything it points to. Not movable: the C structs point into it.
struct OwnedDescription {
  std::string name;
  std::string family;
  moecap_attention_desc attention{};
  moecap_ffn_desc moe_ffn{};    ///< shared by every MoE layer
  moecap_ffn_desc dense_ffn{};  ///< shared by every layer listed in dense_layers
  std::vector<const moecap_ffn_desc*> layer_ffn;
  moecap_model_desc desc{};
  /// Not part of the C description: the shape of q_norm/k_norm tells backends ([hd] vs [H·hd]).
  bool qk_norm_per_head = true;

  OwnedDescription() = default;
  OwnedDescription(const OwnedDescription&) = delete;
  OwnedDescription& operator=(const OwnedDescription&) = delete;
};

/// Reads `<table>.*` keys (table = "description"). Throws a HostError naming file:line:col for a missing
/// required key or an invalid value. weight_dtype is set by the caller.
std::unique_ptr<OwnedDescription> read_description(const Config& config, const std::string& table);

}  // namespace moecap::synthetic
