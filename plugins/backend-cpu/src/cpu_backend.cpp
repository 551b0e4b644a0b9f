// The cpu backend plugin: OpenBLAS + oneTBB over the weights in place, verified against backend-reference.
#include <cstring>
#include <memory>
#include <string>

#include "cpu_session.hpp"
#include "moecap/cpp/plugin.hpp"
#include "moecap/kernels/cpu/compute_threads.hpp"
#include "moecap/kernels/cpu/instruction_set.hpp"

namespace moecap::cpu_backend {
namespace {

class CpuBackend final : public Backend {
 public:
  CpuBackend() : Backend("cpu") {
    description_ = "host CPU, " + std::to_string(kernels::cpu::available_hardware_threads()) + " threads, " +
                   std::string(kernels::cpu::instruction_set_name(kernels::cpu::active_instruction_set())) +
                   " kernels, OpenBLAS sgemm, oneTBB";
  }

  int32_t device_count() override { return 1; }

  void device_info(int32_t index, moecap_device_info& out) override {
    if (index != 0)
      throw Error(MOECAP_ERR_INVALID_ARG, "cpu backend: device " + std::to_string(index) + " does not exist (only 0)");
    if (out.struct_size < sizeof(moecap_device_info))
      throw Error(MOECAP_ERR_ABI, "cpu backend: device_info struct_size is smaller than ABI 1.0's");
    out.abi_minor = MOECAP_ABI_MINOR;
    out.name = "cpu";
    out.description = description_.c_str();
    out.kind = MOECAP_DEVICE_CPU;
    out.reserved0 = 0;
    out.memory_bytes = 0;
  }

  std::unique_ptr<Session> create_session(const moecap_model_desc& model, const moecap_weight_source_i& weights,
                                          Config config) override {
    SessionSettings settings;
    const int64_t threads = config.integer_or("threads", 0);
    if (threads < 0 || threads > 4096) config.fail("threads", "expected an integer in [0, 4096] (0 = every core)");
    settings.threads = static_cast<int32_t>(threads);
    const int64_t max_sequences = config.integer_or("max_sequences", 0);
    if (max_sequences < 0 || max_sequences > INT32_MAX)
      config.fail("max_sequences", "expected an integer >= 0 (0 = unbounded)");
    settings.max_sequences = static_cast<int32_t>(max_sequences);
    settings.max_context = config.integer_or("max_context", model.max_position_embeddings);
    if (settings.max_context < 0) config.fail("max_context", "expected an integer >= 0 (0 = unbounded)");
    const std::string kv_dtype = config.string_or("kv_dtype", "f32");
    if (kv_dtype != "f32")
      throw HostError(host().config_error(
          config.raw(), "kv_dtype",
          ("cpu backend: kv_dtype = \"" + kv_dtype + "\" is not supported; supported: \"f32\"").c_str()));
    const std::string placement = config.string_or("weights", "auto");
    if (placement == "auto")
      settings.weights = WeightPlacement::automatic;
    else if (placement == "copy")
      settings.weights = WeightPlacement::copy;
    else if (placement == "in-place")
      settings.weights = WeightPlacement::in_place;
    else
      config.fail("weights", "expected \"auto\", \"copy\" or \"in-place\"");
    const std::string layout = config.string_or("weight_layout", "panels");
    if (layout == "panels")
      settings.weight_layout = kernels::cpu::MatrixLayout::panels;
    else if (layout == "rows")
      settings.weight_layout = kernels::cpu::MatrixLayout::rows;
    else
      config.fail("weight_layout", "expected \"panels\" or \"rows\"");
    return std::make_unique<CpuSession>(model, weights, settings);
  }

 private:
  std::string description_;
};

}  // namespace
}  // namespace moecap::cpu_backend

namespace {

/// Extensions the cpu backend offers (ABI-10): the read rate of a session's weight memory.
void* cpu_proc_address(const char* name) {
  if (name != nullptr && std::strcmp(name, MOECAP_EXT_SESSION_READ_RATE_V1) == 0)
    return moecap::extensions::session_read_rate_v1();
  return nullptr;
}

}  // namespace

MOECAP_DEFINE_PLUGIN_WITH_EXTENSIONS(
    "cpu", "0.1.0", "moecap",
    [] {
      moecap::Components components;
      components.push_back(std::make_unique<moecap::cpu_backend::CpuBackend>());
      return components;
    },
    &cpu_proc_address)
