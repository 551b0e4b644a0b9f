#include "moecap/kernels/cpu/panel_packing.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstring>

namespace moecap::kernels::cpu {
namespace {

/// One panel: 16 rows read a block of columns at a time (16 short sequential reads that stay in L1 while the
/// block's columns are written out, one 16-element column after another).
template <class Element>
void pack_panel(const MatrixView& w, int64_t p, Element* out) {
  constexpr int64_t kBlockColumns = 64;
  const auto* rows = static_cast<const Element*>(w.data) + p * kPanelRows * w.cols;
  int slot[kPanelRows];
  for (int j = 0; j < kPanelRows; ++j) slot[j] = panel_slot(w.type, j);
  for (int64_t c0 = 0; c0 < w.cols; c0 += kBlockColumns) {
    const int64_t c1 = std::min(w.cols, c0 + kBlockColumns);
    for (int j = 0; j < kPanelRows; ++j) {
      const Element* row = rows + j * w.cols;
      for (int64_t c = c0; c < c1; ++c) out[c * kPanelRows + slot[j]] = row[c];
    }
  }
}

}  // namespace

bool can_pack_panels(const MatrixView& w) {
  return w.layout == MatrixLayout::rows && w.data != nullptr && w.rows > 0 && w.rows % kPanelRows == 0 && w.cols > 0;
}

MatrixView pack_panels(const MatrixView& w, void* dst) {
  const int64_t panel_elements = w.cols * kPanelRows;
  tbb::parallel_for(int64_t{0}, w.panels(), [&](int64_t p) {
    if (w.type == WeightType::f32)
      pack_panel(w, p, static_cast<uint32_t*>(dst) + p * panel_elements);
    else
      pack_panel(w, p, static_cast<uint16_t*>(dst) + p * panel_elements);
  });
  MatrixView packed = w;
  packed.data = dst;
  packed.layout = MatrixLayout::panels;
  return packed;
}

}  // namespace moecap::kernels::cpu
