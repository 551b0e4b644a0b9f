// Which checkpoint tensor (or which part of one) becomes each canonical weight (sdk/docs/CANONICAL_MODEL.md),
// per family, with the shapes the description implies.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hf_config.hpp"

namespace moecap::hf {

/// How one canonical weight is cut from a stored tensor.
struct TensorSource {
  enum class Take {
    Whole,           ///< the stored tensor as it is (zero-copy)
    Rows,            ///< rows [row_begin, row_begin + row_count) of a matrix (zero-copy: rows are contiguous)
    TransposedRows,  ///< those rows, transposed (one copy at load; DBRX's fused w2 stores down projections
                     ///< as [I, d] blocks where the canonical down is [d, I])
  };
  std::string canonical;              ///< canonical name
  std::string stored;                 ///< name in the checkpoint
  std::vector<int64_t> stored_shape;  ///< shape the stored tensor must have
  std::vector<int64_t> shape;         ///< the canonical view's shape
  Take take = Take::Whole;
  int64_t row_begin = 0;
  int64_t row_count = 0;
};

/// Every canonical weight of the model described by spec and where it comes from in a checkpoint of that
/// family. Depends on the description only; the checkpoint is consulted when the weights are assembled.
std::vector<TensorSource> hf_tensor_plan(const ModelSpec& spec);

}  // namespace moecap::hf
