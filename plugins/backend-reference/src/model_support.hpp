// What the reference backend implements is what kernels/common checks (the shared, field-by-field check of
// the model description): the reference defines the accepted set for every backend.
#pragma once

#include "moecap/kernels/common/model_description.hpp"

namespace moecap::reference {

using kernels::ModelDescription;

/// Copies and validates; throws moecap::Error naming the offending field.
inline ModelDescription checked_description(const moecap_model_desc& desc) {
  return kernels::checked_description(desc, "reference backend");
}

}  // namespace moecap::reference
