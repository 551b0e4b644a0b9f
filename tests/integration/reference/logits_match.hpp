// Comparing the backend's f32 logits with a double-precision expectation.
#pragma once

#include <cmath>
#include <cstdint>

namespace moecap::test {

/// The backend computes in double and rounds to f32 once. A logit matches an exact value x within relative
/// tolerance r when it is the f32 rounding of some value in [x − r|x|, x + r|x|]: that bounds the
/// double-precision disagreement at r while allowing the final rounding to fall either way.
inline bool f32_rounding_within(float backend, double exact, double relative) {
  const double margin = relative * std::fabs(exact);
  const float low = static_cast<float>(exact - margin);
  const float high = static_cast<float>(exact + margin);
  return backend >= low && backend <= high;
}

}  // namespace moecap::test
