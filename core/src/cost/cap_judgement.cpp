#include "moecap/host/cap_judgement.hpp"

#include "moecap/host/host_services.hpp"
#include "moecap/host/run_records.hpp"  // dtype_name

namespace moecap::host {

double run_host_memory_bytes(const ModelAccounting& accounting, int64_t batch_size, int64_t prompt_tokens,
                             int64_t output_tokens) {
  return accounting.weight_bytes(accounting.total_params()) + accounting.kv_bytes_per_token() *
                                                                  static_cast<double>(batch_size) *
                                                                  static_cast<double>(prompt_tokens + output_tokens);
}

CapJudgement judge_on_system(const RunSystem& system, int32_t compute_dtype, double host_memory_bytes,
                             const CostParameters& cost) {
  CapJudgement cap;
  cap.hardware = system.label;
  const std::optional<ComputeDtype> dtype =
      system.compute_dtype.empty() ? peak_dtype_of(compute_dtype) : compute_dtype_from_name(system.compute_dtype);
  if (dtype) {
    cap.peak_dtype = compute_dtype_name(*dtype);
    cap.peaks = system.peaks(*dtype);
    if (cap.peaks.flops_per_s <= 0)
      log(MOECAP_LOG_WARN, "moecap",
          "hardware '" + system.device_id + "' gives no dense " + cap.peak_dtype +
              " peak: S-MFU and MFU are left out (set [hardware] compute_dtype to compare with another peak)");
  } else {
    cap.peaks = system.peaks(ComputeDtype::fp32);
    cap.peaks.flops_per_s = 0;
    log(MOECAP_LOG_WARN, "moecap",
        std::string("no catalog peak fits the compute dtype ") + dtype_name(compute_dtype) +
            ": S-MFU and MFU are left out");
  }
  cap.purchase = purchase_cost(system.catalog, system.with_host_memory(host_memory_bytes));
  cap.cost = cost;
  const HardwareDevice& primary = system.primary();
  if (primary.kind == DeviceKind::gpu) {
    cap.gpu = &primary;
    cap.gpu_count = static_cast<int>(system.device_count);
  }
  return cap;
}

}  // namespace moecap::host
