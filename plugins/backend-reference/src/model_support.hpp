// What the reference backend implements, checked once at session_create: anything else is refused with
// UNSUPPORTED (or INVALID_ARG for an inconsistent description) naming the field, never computed wrongly.
#pragma once

#include <vector>

#include "moecap/model.h"

namespace moecap::reference {

/// The description copied out of the model's structs (they are borrowed for session_create only), with
/// struct_size respected: a description from an older minor leaves newer members zero.
struct ModelDescription {
  moecap_model_desc model{};
  moecap_attention_desc attention{};
  std::vector<moecap_ffn_desc> layer_ffn;
};

/// Copies and validates; throws moecap::Error naming the offending field.
ModelDescription checked_description(const moecap_model_desc& desc);

}  // namespace moecap::reference
