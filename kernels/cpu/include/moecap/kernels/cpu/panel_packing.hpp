// Re-laying weights into the panel layout (matrix_view.hpp) at load time, once per matrix.
#pragma once

#include "moecap/kernels/cpu/matrix_view.hpp"

namespace moecap::kernels::cpu {

/// Whether pack_panels takes w: row-major, rows a positive multiple of kPanelRows, cols ≥ 1.
bool can_pack_panels(const MatrixView& w);

/// Writes w (row-major, can_pack_panels) into dst — w.bytes() bytes, not overlapping w — in the panel
/// layout and returns the view of dst. Parallel over panels (oneTBB, in the caller's task arena); the
/// elements are copied bit for bit.
MatrixView pack_panels(const MatrixView& w, void* dst);

}  // namespace moecap::kernels::cpu
