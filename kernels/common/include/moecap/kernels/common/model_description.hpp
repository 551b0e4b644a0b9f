// The model description a backend accepts, checked once at session_create: copied out of the model's
// structs (borrowed for the call only), struct_size respected, every field validated. Anything a backend
// does not implement is refused with UNSUPPORTED (or INVALID_ARG for an inconsistent description) naming
// the field, never computed wrongly. Shared by every backend so they accept exactly the same set as the
// reference oracle.
#pragma once

#include <vector>

#include "moecap/model.h"

namespace moecap::kernels {

/// A description from an older minor leaves newer members zero; name, family, attention and layer_ffn
/// pointers of `model` are cleared (they pointed into the model plugin).
struct ModelDescription {
  moecap_model_desc model{};
  moecap_attention_desc attention{};
  std::vector<moecap_ffn_desc> layer_ffn;  ///< one per layer
};

/// Copies and validates; throws moecap::Error whose message starts with "<backend_name>: " and names the
/// offending field.
ModelDescription checked_description(const moecap_model_desc& desc, const char* backend_name);

}  // namespace moecap::kernels
