// What a decode TPOT target demands of hardware: memory bandwidth, compute and memory capacity
// (DESIGN.md §5 "predict"; moe-cap-method.md §5, §11.1).
//
// A decode step of B sequences produces one token per sequence, so it must finish within the TPOT. It reads
// the bytes S-MBU-full counts (step_utilisation.hpp): attention weights of every layer, the expected union
// of routed experts per MoE layer, shared experts and dense FFNs, routers, norms, B embedding rows, the LM
// head, and (optionally) the KV cache of B sequences at context N. Required bandwidth = bytes / TPOT / S-MBU,
// where S-MBU is the fraction of peak bandwidth a system achieves (the paper's figures use 0.71). The paper
// counts every parameter (2 × params / 0.1 s / 0.71); this counts the bytes a step reads, the embedding
// table only by rows, so it lands slightly under the paper's figures.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moecap/host/hardware_catalog.hpp"
#include "moecap/host/model_accounting.hpp"

namespace moecap::host {

/// How many routed experts a MoE layer reads per decode step.
enum class ExpertActivation {
  uniform,  ///< E·(1 − (1 − k/E)^B) (routing_expectation.hpp), an expectation
  full,     ///< every routed expert (the paper's "fully activated" line)
  measured  ///< TpotTarget::measured_experts_per_layer, the mean union from a trace
};
const char* expert_activation_name(ExpertActivation activation);

struct TpotTarget {
  double tpot_s = 0.1;  ///< seconds per output token (one decode step)
  int64_t batch = 1;    ///< sequences decoded together
  int64_t context = 0;  ///< tokens in each sequence's KV cache; 0 = KV not counted
  double smbu = 1.0;    ///< achieved fraction of peak bandwidth, (0, 1]
  ExpertActivation activation = ExpertActivation::uniform;
  double measured_experts_per_layer = 0;  ///< with ExpertActivation::measured
};

/// Bytes one decode step reads, by component (weights at the accounting's weight width, KV at its KV width).
struct DecodeStepBytes {
  double attention = 0;
  double routed_experts = 0;  ///< Σ MoE layers expected union × one routed expert
  double always_active_ffn = 0;
  double routers_and_norms = 0;  ///< routers, score biases, shared-expert gates, every norm
  double embedding_rows = 0;     ///< B rows
  double lm_head = 0;
  double kv = 0;  ///< B × context × KV bytes per token
  double total() const {
    return attention + routed_experts + always_active_ffn + routers_and_norms + embedding_rows + lm_head + kv;
  }
};

struct TpotRequirement {
  TpotTarget target;
  double experts_per_moe_layer = 0;  ///< routed experts read per MoE layer (0 without MoE layers)
  DecodeStepBytes bytes;
  double bandwidth_bytes_per_s = 0;  ///< bytes.total() / tpot / smbu
  double flops_per_step = 0;         ///< S-MFU FLOPs (paper eq. 5): B × sparse weight FLOPs + attention scores
  double flops_per_s = 0;            ///< flops_per_step / tpot (at 100 % of peak)
  double memory_bytes = 0;           ///< every weight (whole embedding) + KV of B sequences at context
  double weight_bytes = 0;
  double kv_bytes = 0;
};

/// Throws std::invalid_argument for tpot <= 0, batch < 1, context < 0, smbu outside (0, 1], or a measured
/// activation outside [0, E].
TpotRequirement tpot_requirement(const ModelAccounting& model, const TpotTarget& target);

/// How many of one device meet a requirement: bandwidth and compute are assumed to scale linearly with
/// the device count (expert/tensor parallelism, interconnect not modelled), memory by capacity.
struct HardwareFit {
  const HardwareDevice* device = nullptr;
  int64_t for_bandwidth = 0;
  int64_t for_compute = 0;  ///< 0 when the device has no dense peak for the dtype
  int64_t for_memory = 0;   ///< 0 when the entry gives no memory size
  int64_t needed() const;   ///< the largest of the three
  bool single_device() const { return needed() == 1; }
};

/// Fits for every device of kinds gpu, soc and cpu (or only `ids` when non-empty; unknown ids throw
/// std::out_of_range), in catalog order.
std::vector<HardwareFit> hardware_fits(const TpotRequirement& requirement, const HardwareCatalog& catalog,
                                       ComputeDtype dtype, const std::vector<std::string>& ids = {});

}  // namespace moecap::host
