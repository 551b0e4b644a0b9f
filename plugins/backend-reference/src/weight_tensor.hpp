// Weights as the reference backend reads them: borrowed views, decoded to double element by element while
// they are used. Nothing is copied, so a session costs no weight memory beyond the model's own (the views
// outlive every session, see moecap_weight_source_i).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "moecap/model.h"

namespace moecap::reference {

/// A matrix [rows, cols] (PyTorch Linear convention: [out_features, in_features]) or, with rows == 1, a
/// vector, in any floating-point storage dtype.
struct WeightTensor {
  std::string name;
  const void* data = nullptr;
  int32_t dtype = MOECAP_DTYPE_UNKNOWN;
  int64_t rows = 0;
  int64_t cols = 0;
  uint64_t nbytes = 0;

  int64_t size() const { return rows * cols; }
  /// Element i (row-major), decoded.
  double at(int64_t i) const;
  /// All elements, decoded (for the small vectors: norms, biases).
  std::vector<double> to_doubles() const;
};

/// Finds canonical weights in a weight source and checks dtype and shape, so a mismatched model fails at
/// session_create with the weight's name instead of reading out of bounds later.
class WeightLookup {
 public:
  explicit WeightLookup(const moecap_weight_source_i& source) : source_(source) {}
  WeightTensor matrix(const std::string& name, int64_t rows, int64_t cols) const;
  WeightTensor vector(const std::string& name, int64_t size) const;
  bool has(const std::string& name) const;
  /// The shape of a 1-D or 2-D weight, for weights whose shape carries meaning (q_norm: [hd] or [H·hd]).
  int64_t element_count(const std::string& name) const;

 private:
  moecap_tensor_view find(const std::string& name) const;
  const moecap_weight_source_i& source_;
};

}  // namespace moecap::reference
