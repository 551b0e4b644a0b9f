// The reference backend plugin: scalar, double accumulation, one token at a time — the oracle every other
// backend is compared with. Clarity over speed.
#include <memory>
#include <thread>

#include "moecap/cpp/plugin.hpp"
#include "reference_session.hpp"

namespace moecap::reference {
namespace {

class ReferenceBackend final : public Backend {
 public:
  ReferenceBackend() : Backend("reference") {}

  int32_t device_count() override { return 1; }

  void device_info(int32_t index, moecap_device_info& out) override {
    if (index != 0)
      throw Error(MOECAP_ERR_INVALID_ARG,
                  "reference backend: device " + std::to_string(index) + " does not exist (only 0)");
    if (out.struct_size < sizeof(moecap_device_info))
      throw Error(MOECAP_ERR_ABI, "reference backend: device_info struct_size is smaller than ABI 1.0's");
    out.abi_minor = MOECAP_ABI_MINOR;
    out.name = "cpu";
    out.description = "host CPU, one thread, scalar double arithmetic";
    out.kind = MOECAP_DEVICE_CPU;
    out.reserved0 = 0;
    out.memory_bytes = 0;
  }

  std::unique_ptr<Session> create_session(const moecap_model_desc& model, const moecap_weight_source_i& weights,
                                          Config config) override {
    SessionLimits limits;
    limits.max_sequences = static_cast<int32_t>(config.integer_or("max_sequences", 0));
    if (limits.max_sequences < 0) config.fail("max_sequences", "expected an integer >= 0 (0 = unbounded)");
    limits.max_context = config.integer_or("max_context", model.max_position_embeddings);
    if (limits.max_context < 0) config.fail("max_context", "expected an integer >= 0 (0 = unbounded)");
    return std::make_unique<ReferenceSession>(model, weights, limits);
  }
};

}  // namespace
}  // namespace moecap::reference

MOECAP_DEFINE_PLUGIN("reference", "0.1.0", "moecap", [] {
  moecap::Components components;
  components.push_back(std::make_unique<moecap::reference::ReferenceBackend>());
  return components;
})
