// The canonical weights of a Hugging Face checkpoint: views into the mapped safetensors files (zero-copy),
// except DBRX's fused down projections, which are transposed once at load.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "hf_config.hpp"
#include "hf_tensor_plan.hpp"
#include "moecap/types.h"
#include "safetensors_checkpoint.hpp"

namespace moecap::hf {

struct CanonicalTensor {
  std::string name;
  int32_t dtype = MOECAP_DTYPE_UNKNOWN;  ///< moecap_dtype
  std::vector<int64_t> shape;
  const void* data = nullptr;
  uint64_t nbytes = 0;
};

class HfWeights {
 public:
  struct Options {
    bool check_finite = false;  ///< scan every weight for NaN/Inf (reads all the data once)
  };

  /// Resolves every canonical weight spec needs in checkpoint, which must outlive the result. Throws
  /// moecap::Error naming the checkpoint file and tensor when a tensor is missing, has another shape than
  /// config.json implies, or a dtype other than F32/F16/BF16 (or holds NaN/Inf with check_finite).
  static HfWeights assemble(const ModelSpec& spec, const SafetensorsCheckpoint& checkpoint, Options options);
  /// Every canonical weight's name and shape, without data (dtype UNKNOWN, data NULL): a model described from
  /// config.json alone, before its weights are downloaded.
  static HfWeights shapes_only(const ModelSpec& spec);

  size_t size() const { return tensors_.size(); }
  const CanonicalTensor& at(size_t index) const { return tensors_[index]; }
  /// nullptr when absent.
  const CanonicalTensor* find(const std::string& name) const;
  /// The dtype most weights are stored in (models mix, e.g. an f32 router among bf16 experts).
  int32_t dominant_dtype() const { return dominant_dtype_; }
  /// Names in the checkpoint that no canonical weight uses (e.g. DeepSeek-V3's multi-token-prediction layer).
  const std::vector<std::string>& unused() const { return unused_; }

  /// Fills a view for the SDK; view.struct_size is the caller's.
  void fill_view(size_t index, moecap_tensor_view& view) const;

 private:
  std::vector<CanonicalTensor> tensors_;
  std::unordered_map<std::string, size_t> by_name_;
  std::vector<std::unique_ptr<std::byte[]>> copies_;
  std::vector<std::string> unused_;
  int32_t dominant_dtype_ = MOECAP_DTYPE_UNKNOWN;
};

}  // namespace moecap::hf
