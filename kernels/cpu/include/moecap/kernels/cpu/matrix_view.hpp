// A borrowed, row-major weight matrix in its storage dtype: the kernels read model weights in place
// (zero-copy), converting bf16/f16 to f32 in registers, never into a second copy of the model.
#pragma once

#include <cstddef>
#include <cstdint>

namespace moecap::kernels::cpu {

/// Storage types the kernels read. Values equal moecap_dtype so a plugin can cast, but the kernels do not
/// depend on the SDK (a vendor's adapter may reuse them without it).
enum class WeightType : int32_t { f32 = 1, f16 = 2, bf16 = 3 };

inline size_t element_bytes(WeightType type) {
  return type == WeightType::f32 ? 4 : 2;
}

/// [rows, cols] (PyTorch Linear: [out_features, in_features]); a vector is one row.
struct MatrixView {
  const void* data = nullptr;
  WeightType type = WeightType::f32;
  int64_t rows = 0;
  int64_t cols = 0;

  size_t bytes() const { return static_cast<size_t>(rows * cols) * element_bytes(type); }
  const void* row(int64_t r) const {
    return static_cast<const char*>(data) + static_cast<size_t>(r * cols) * element_bytes(type);
  }
};

}  // namespace moecap::kernels::cpu
