// The model description as backend-cpu accepts it: the same set as backend-reference (the oracle), checked
// by the shared kernels/common code, so an unsupported or inconsistent model fails at session_create with
// the field's name (UNSUPPORTED / INVALID_ARG) instead of computing something silently wrong.
#pragma once

#include "moecap/kernels/common/model_description.hpp"

namespace moecap::cpu_backend {

using kernels::ModelDescription;

inline ModelDescription checked_description(const moecap_model_desc& desc) {
  return kernels::checked_description(desc, "cpu backend");
}

}  // namespace moecap::cpu_backend
