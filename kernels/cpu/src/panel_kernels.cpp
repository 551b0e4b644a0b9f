// The panel products' dispatch, the packing of activations, and the portable (scalar) table.
#include "moecap/kernels/cpu/panel_kernels.hpp"

#include <algorithm>

#include "moecap/kernels/cpu/half_precision.hpp"

namespace moecap::kernels::cpu {
namespace {

float panel_element(const MatrixView& w, const void* panel, int64_t c, int j) {
  const int64_t index = c * kPanelRows + panel_slot(w.type, j);
  switch (w.type) {
    case WeightType::bf16:
      return bf16_to_f32(static_cast<const uint16_t*>(panel)[index]);
    case WeightType::f16:
      return f16_to_f32(static_cast<const uint16_t*>(panel)[index]);
    default:
      return static_cast<const float*>(panel)[index];
  }
}

void scalar_gemv(const MatrixView& w, int64_t panel_begin, int64_t panel_end, const float* x, int64_t x_stride,
                 int32_t n_tokens, float* y, int64_t y_stride) {
  for (int64_t p = panel_begin; p < panel_end; ++p) {
    const void* panel = w.panel(p);
    for (int32_t t = 0; t < n_tokens; ++t) {
      float acc[kPanelRows] = {};
      const float* xt = x + t * x_stride;
      for (int64_t c = 0; c < w.cols; ++c)
        for (int j = 0; j < kPanelRows; ++j) acc[j] += panel_element(w, panel, c, j) * xt[c];
      std::copy_n(acc, kPanelRows, y + t * y_stride + p * kPanelRows);
    }
  }
}

void scalar_gemm(const MatrixView& w, int64_t panel_begin, int64_t panel_end, const float* x_strips, int32_t n_tokens,
                 float* y, int64_t y_stride) {
  const int64_t strips = (n_tokens + kStripTokens - 1) / kStripTokens;
  for (int64_t b = 0; b < w.cols; b += kBlockColumns) {
    const int64_t block_cols = std::min(kBlockColumns, w.cols - b);
    const float* block = x_strips + strips * kStripTokens * b;
    for (int64_t p = panel_begin; p < panel_end; ++p) {
      const void* panel = w.panel(p);
      for (int64_t s = 0; s < strips; ++s) {
        const float* strip = block + s * kStripTokens * block_cols;
        const int64_t tokens = std::min<int64_t>(kStripTokens, n_tokens - s * kStripTokens);
        for (int64_t i = 0; i < tokens; ++i) {
          float* out = y + (s * kStripTokens + i) * y_stride + p * kPanelRows;
          for (int j = 0; j < kPanelRows; ++j) {
            float acc = b == 0 ? 0.0f : out[j];
            for (int64_t c = 0; c < block_cols; ++c)
              acc += strip[c * kStripTokens + i] * panel_element(w, panel, b + c, j);
            out[j] = acc;
          }
        }
      }
    }
  }
}

}  // namespace

void pack_token_strips(const float* x, int64_t x_stride, int32_t n_tokens, int64_t cols, float* out) {
  const int64_t strips = (n_tokens + kStripTokens - 1) / kStripTokens;
  for (int64_t b = 0; b < cols; b += kBlockColumns) {
    const int64_t block_cols = std::min(kBlockColumns, cols - b);
    for (int64_t s = 0; s < strips; ++s) {
      float* strip = out + strips * kStripTokens * b + s * kStripTokens * block_cols;
      for (int i = 0; i < kStripTokens; ++i) {
        const int64_t t = s * kStripTokens + i;
        if (t < n_tokens) {
          const float* row = x + t * x_stride + b;
          for (int64_t c = 0; c < block_cols; ++c) strip[c * kStripTokens + i] = row[c];
        } else {
          for (int64_t c = 0; c < block_cols; ++c) strip[c * kStripTokens + i] = 0.0f;
        }
      }
    }
  }
}

const PanelKernels& scalar_panel_kernels() {
  static const PanelKernels table{InstructionSet::scalar, &scalar_gemv, &scalar_gemm};
  return table;
}

const PanelKernels& panel_kernels(InstructionSet isa) {
  return isa == InstructionSet::scalar ? scalar_panel_kernels() : avx2_panel_kernels();
}

const PanelKernels& panel_kernels() {
  static const PanelKernels& active = panel_kernels(active_instruction_set());
  return active;
}

}  // namespace moecap::kernels::cpu
