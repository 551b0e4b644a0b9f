// What `moecap describe` prints about a model: its canonical description, parameter counts, and the bytes a
// decode step reads per token and the KV cache grows by per token, at chosen dtypes.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "moecap/host/model_accounting.hpp"
#include "moecap/host/plugin_proxies.hpp"

namespace moecap::host {

/// Storage widths for the byte figures: a model's own dtype is not known before it is loaded (a preset
/// has none, a config.json's `torch_dtype` is advisory), so the caller chooses.
struct ModelReportOptions {
  std::string weight_dtype = "bf16";  ///< f32, bf16, f16, f8, i8, int4
  std::string kv_dtype;               ///< "" = weight_dtype
};

/// Bytes per element of a dtype name (f32 4, bf16/f16 2, f8/fp8/i8/int8 1, int4 0.5); throws
/// std::invalid_argument naming the accepted names otherwise.
double dtype_name_bytes(const std::string& name);

/// "silu", "gelu" or "gelu_tanh" for a moecap_activation (the names presets and reports use).
const char* activation_name(int32_t activation);

/// Every figure as JSON: {"model": {...description...}, "parameters": {...}, "bytes": {...}}.
/// Parameters: total (what a checkpoint holds, without DeepSeek-V3's multi-token-prediction layer),
/// active (one token at batch 1: attention, norms, routers, top-k routed and every shared expert, dense
/// FFNs, the embedding and LM head — the convention Mistral, Qwen, OLMoE, Databricks and DeepSeek-V3 publish),
/// and active without the input embedding. Bytes: decode_step_per_token = the S-MBU-full numerator of a
/// decode step at batch 1 and context 0 (active parameters minus the embedding plus one embedding row);
/// kv_per_token at the KV dtype.
nlohmann::json model_report(const Model& model, const ModelReportOptions& options);

/// The same as readable text.
void print_model_report(std::ostream& out, const nlohmann::json& report);

}  // namespace moecap::host
