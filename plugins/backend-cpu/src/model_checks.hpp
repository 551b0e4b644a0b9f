// The model description as backend-cpu accepts it: copied (the session outlives nothing it points to) and
// checked field by field, so an unsupported or inconsistent model fails at session_create with the field's
// name (UNSUPPORTED / INVALID_ARG) instead of computing something silently wrong.
#pragma once

#include <vector>

#include "moecap/model.h"

namespace moecap::cpu_backend {

struct ModelDescription {
  moecap_model_desc model;  ///< name, family, attention and layer_ffn are cleared
  moecap_attention_desc attention;
  std::vector<moecap_ffn_desc> layer_ffn;  ///< one per layer
};

ModelDescription checked_description(const moecap_model_desc& desc);

}  // namespace moecap::cpu_backend
