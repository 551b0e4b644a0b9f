// A borrowed weight matrix in its storage dtype: the kernels read model weights where they are (a model's
// mmap'd file, or the backend's own copy), converting bf16/f16 to f32 in registers, never into a second
// copy of the model.
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

/// How the elements of a matrix lie in memory.
///  - rows: row-major, as a checkpoint stores a PyTorch Linear weight.
///  - panels: the rows in panels of kPanelRows; panel p holds rows [16p, 16p + 16) column after column, the
///    16 elements of one column contiguous (element (r, c) at ((r / 16)·cols + c)·16 + panel_slot(r % 16)).
///    The layout both products want: a GEMM's micro-kernel multiplies 16 rows by one input with two vector
///    loads and no packing of the weights at run time, and a GEMV accumulates 16 rows at once with vertical
///    FMAs (no horizontal sums). Made at load time by pack_panels (panel_packing.hpp); rows % 16 == 0.
enum class MatrixLayout : int32_t { rows = 0, panels = 1 };

inline constexpr int64_t kPanelRows = 16;

/// Where row j of a panel lies within its column of 16. Identity, except for bf16: there the middle two
/// quarters are swapped, so that widening a 32-byte column with vpunpck{l,h}wd (which works within 128-bit
/// lanes) yields rows 0-7 and 8-15 in order — two instructions per 16 weights. The permutation is its own
/// inverse.
inline int panel_slot(WeightType type, int j) {
  if (type != WeightType::bf16 || j < 4 || j >= 12) return j;
  return j < 8 ? j + 4 : j - 4;
}

/// [rows, cols] (PyTorch Linear: [out_features, in_features]); a vector is one row.
struct MatrixView {
  const void* data = nullptr;
  WeightType type = WeightType::f32;
  int64_t rows = 0;
  int64_t cols = 0;
  MatrixLayout layout = MatrixLayout::rows;

  size_t bytes() const { return static_cast<size_t>(rows * cols) * element_bytes(type); }
  /// Row r (layout rows only).
  const void* row(int64_t r) const {
    return static_cast<const char*>(data) + static_cast<size_t>(r * cols) * element_bytes(type);
  }
  /// Panel p: cols × 16 elements (layout panels only).
  const void* panel(int64_t p) const {
    return static_cast<const char*>(data) + static_cast<size_t>(p * cols * kPanelRows) * element_bytes(type);
  }
  int64_t panels() const { return rows / kPanelRows; }
};

}  // namespace moecap::kernels::cpu
