// Bandwidth, compute and memory a decode TPOT target needs (see tpot_requirement.hpp).
#include "moecap/host/tpot_requirement.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "moecap/host/routing_expectation.hpp"

namespace moecap::host {
namespace {

int64_t devices_for(double needed, double per_device) {
  // A tiny tolerance so that a requirement equal to one device's peak (within rounding) needs one device.
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(needed / per_device * (1 - 1e-12))));
}

double experts_read(const LayerParams& layer, const TpotTarget& target) {
  switch (target.activation) {
    case ExpertActivation::full:
      return layer.n_routed_experts;
    case ExpertActivation::measured:
      return std::min<double>(target.measured_experts_per_layer, layer.n_routed_experts);
    case ExpertActivation::uniform:
      break;
  }
  return expected_activated_experts(layer.n_routed_experts, layer.top_k, static_cast<double>(target.batch));
}

}  // namespace

const char* expert_activation_name(ExpertActivation activation) {
  switch (activation) {
    case ExpertActivation::uniform:
      return "uniform expectation";
    case ExpertActivation::full:
      return "fully activated";
    case ExpertActivation::measured:
      return "measured";
  }
  return "?";
}

TpotRequirement tpot_requirement(const ModelAccounting& model, const TpotTarget& target) {
  if (!(target.tpot_s > 0)) throw std::invalid_argument("TPOT must be > 0 seconds");
  if (target.batch < 1) throw std::invalid_argument("batch must be >= 1");
  if (target.context < 0) throw std::invalid_argument("context must be >= 0 tokens");
  if (!(target.smbu > 0 && target.smbu <= 1)) throw std::invalid_argument("S-MBU factor must be in (0, 1]");
  if (target.activation == ExpertActivation::measured && !(target.measured_experts_per_layer >= 0))
    throw std::invalid_argument("measured activated experts per layer must be >= 0");

  TpotRequirement r;
  r.target = target;
  DecodeStepBytes& b = r.bytes;
  double routed_params = 0;
  double experts_sum = 0;
  for (const LayerParams& layer : model.layers()) {
    if (!layer.is_moe) continue;
    const double experts = experts_read(layer, target);
    experts_sum += experts;
    routed_params += experts * static_cast<double>(layer.routed_expert);
  }
  r.experts_per_moe_layer = model.n_moe_layers() > 0 ? experts_sum / model.n_moe_layers() : 0;

  const double w = model.options().weight_bytes_per_element;
  const auto batch = static_cast<double>(target.batch);
  b.attention = model.weight_bytes(model.attention_params());
  b.routed_experts = routed_params * w;
  b.always_active_ffn = model.weight_bytes(model.always_active_ffn_params());
  b.routers_and_norms = model.weight_bytes(model.router_params() + model.shared_gate_params() + model.norm_params());
  b.embedding_rows = batch * model.hidden_size() * w;
  // Tied models read the embedding matrix as the head: every step yields logits, so it is read whole.
  b.lm_head = model.weight_bytes(model.tied_embeddings() ? model.embedding_params() : model.lm_head_params());
  r.kv_bytes = batch * static_cast<double>(target.context) * model.kv_bytes_per_token();
  b.kv = r.kv_bytes;
  r.bandwidth_bytes_per_s = b.total() / target.tpot_s / target.smbu;

  // Paper eq. 5: each token computes its own top-k (not the union); attention over the true context.
  const int64_t attended = std::max<int64_t>(target.context, 1);
  r.flops_per_step = batch * (model.sparse_weight_flops_per_token() + model.attention_score_flops(attended, 1));
  r.flops_per_s = r.flops_per_step / target.tpot_s;

  r.weight_bytes = model.weight_bytes(model.total_params());
  r.memory_bytes = r.weight_bytes + r.kv_bytes;
  return r;
}

int64_t HardwareFit::needed() const {
  return std::max({for_bandwidth, for_compute, for_memory});
}

std::vector<HardwareFit> hardware_fits(const TpotRequirement& requirement, const HardwareCatalog& catalog,
                                       ComputeDtype dtype, const std::vector<std::string>& ids) {
  std::vector<const HardwareDevice*> devices;
  if (ids.empty()) {
    for (const HardwareDevice& device : catalog.devices())
      if (device.kind == DeviceKind::gpu || device.kind == DeviceKind::soc || device.kind == DeviceKind::cpu)
        devices.push_back(&device);
  } else {
    for (const std::string& id : ids) devices.push_back(&catalog.at(id));
  }
  std::vector<HardwareFit> fits;
  for (const HardwareDevice* device : devices) {
    if (!device->memory_bandwidth_bytes_per_s) continue;
    HardwareFit fit;
    fit.device = device;
    fit.for_bandwidth = devices_for(requirement.bandwidth_bytes_per_s, *device->memory_bandwidth_bytes_per_s);
    const auto peak = device->dense_peak_flops_per_s.find(dtype);
    if (peak != device->dense_peak_flops_per_s.end())
      fit.for_compute = devices_for(requirement.flops_per_s, peak->second);
    if (device->memory_bytes) fit.for_memory = devices_for(requirement.memory_bytes, *device->memory_bytes);
    fits.push_back(fit);
  }
  return fits;
}

}  // namespace moecap::host
