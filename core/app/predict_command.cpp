// `moecap predict`: the bandwidth, compute and memory a decode TPOT target needs for a model, and which
// catalog hardware meets it (DESIGN.md §5 "predict"; moe-cap-method.md §5, §11.1).
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "app_command.hpp"
#include "moecap/host/default_paths.hpp"
#include "moecap/host/hardware_catalog.hpp"
#include "moecap/host/model_description_file.hpp"
#include "moecap/host/tpot_requirement.hpp"

namespace moecap::app {
namespace {

struct PredictOptions {
  std::string model;
  double tpot_s = 0;
  int64_t batch = 1;
  double smbu = 1.0;
  std::string dtype = "bf16";
  std::string kv_dtype;
  int64_t context = 0;
  bool full = false;
  double activated_experts = -1;
  std::vector<std::string> hardware;
  std::string catalog;
};

/// Bytes per element of a weight/KV dtype name; int4 (0.5) is a storage width only.
double bytes_of(const std::string& name) {
  if (name == "fp32") return 4;
  if (name == "bf16" || name == "fp16") return 2;
  if (name == "fp8" || name == "int8") return 1;
  if (name == "int4") return 0.5;
  throw CLI::ValidationError("dtype", "unknown dtype '" + name + "' (fp32, bf16, fp16, fp8, int8, int4)");
}

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string gb(double bytes) {
  return fixed(bytes / 1e9, 2) + " GB";
}

int run_predict(const PredictOptions& o, std::ostream& out) {
  using namespace host;
  const auto description = load_model_description(o.model, default_model_preset_dirs());
  AccountingOptions accounting;
  accounting.weight_bytes_per_element = bytes_of(o.dtype);
  accounting.kv_bytes_per_element = bytes_of(o.kv_dtype.empty() ? o.dtype : o.kv_dtype);
  accounting.qk_norm_scope = description->qk_norm_scope;
  const ModelAccounting model(description->desc, accounting);
  // int4 weights are dequantised to bf16 to compute; fp32 weights compute in fp32.
  const ComputeDtype compute = o.dtype == "int4" ? ComputeDtype::bf16 : *compute_dtype_from_name(o.dtype);

  TpotTarget target;
  target.tpot_s = o.tpot_s;
  target.batch = o.batch;
  target.context = o.context;
  target.smbu = o.smbu;
  if (o.full) {
    target.activation = ExpertActivation::full;
  } else if (o.activated_experts >= 0) {
    target.activation = ExpertActivation::measured;
    target.measured_experts_per_layer = o.activated_experts;
  }
  const TpotRequirement r = tpot_requirement(model, target);
  const HardwareCatalog catalog =
      HardwareCatalog::load(o.catalog.empty() ? default_hardware_catalog_dir() : std::filesystem::path(o.catalog));
  const std::vector<HardwareFit> fits = hardware_fits(r, catalog, compute, o.hardware);

  const DecodeStepBytes& b = r.bytes;
  out << "model " << description->name << " (" << description->file << "), weights " << o.dtype << ", "
      << fixed(model.total_params() / 1e9, 2) << "B parameters\n"
      << "target TPOT " << o.tpot_s << " s, batch " << o.batch << ", context " << o.context
      << " tokens/sequence, S-MBU factor " << o.smbu << "\n"
      << "routed experts read per MoE layer: " << fixed(r.experts_per_moe_layer, 2) << " ("
      << expert_activation_name(target.activation) << ")\n\n"
      << "bytes read per decode step: " << gb(b.total()) << "\n"
      << "  attention " << gb(b.attention) << ", routed experts " << gb(b.routed_experts) << ", shared/dense FFN "
      << gb(b.always_active_ffn) << ",\n  routers+norms " << gb(b.routers_and_norms) << ", embedding rows "
      << gb(b.embedding_rows) << ", LM head " << gb(b.lm_head) << ", KV " << gb(b.kv) << "\n"
      << "required bandwidth: " << fixed(r.bandwidth_bytes_per_s / 1e9, 1) << " GB/s\n"
      << "required compute (S-MFU FLOPs, " << compute_dtype_name(compute) << "): " << fixed(r.flops_per_s / 1e12, 2)
      << " TFLOP/s\n"
      << "memory (all weights + KV): " << gb(r.memory_bytes) << "\n\n";

  out << "hardware (devices needed: by bandwidth / compute / memory; bandwidth and compute assumed to scale "
         "with the count;\n"
         "  '-': the catalog gives no figure, so that resource is not checked)\n";
  for (const HardwareFit& fit : fits) {
    const auto count = [](int64_t n) { return n == 0 ? std::string("-") : std::to_string(n); };
    out << "  " << fit.device->id << ": " << count(fit.for_bandwidth) << " / " << count(fit.for_compute) << " / "
        << count(fit.for_memory) << " -> " << fit.needed()
        << (fit.single_device() ? " (one device meets it)" : " devices") << "\n";
  }
  return 0;
}

}  // namespace

Command add_predict_command(CLI::App& app) {
  auto o = std::make_shared<PredictOptions>();
  CLI::App* sub = app.add_subcommand(
      "predict", "Bandwidth, compute and memory a decode TPOT target needs, and which catalog hardware meets it");
  sub->add_option("--model", o->model, "Model preset name (configs/models/NAME.toml) or a preset .toml file")
      ->required()
      ->type_name("MODEL");
  sub->add_option("--tpot", o->tpot_s, "Target time per output token, seconds")
      ->required()
      ->check(CLI::PositiveNumber)
      ->type_name("SECONDS");
  sub->add_option("--batch", o->batch, "Sequences decoded together (default 1)")->check(CLI::PositiveNumber);
  sub->add_option("--smbu", o->smbu, "Achieved fraction of peak bandwidth, (0, 1] (default 1; the paper uses 0.71)")
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--dtype", o->dtype, "Weight dtype: fp32, bf16, fp16, fp8, int8, int4 (default bf16)");
  sub->add_option("--kv-dtype", o->kv_dtype, "KV cache dtype (default: the weight dtype)");
  sub->add_option("--context", o->context, "KV tokens per sequence (default 0: KV not counted)")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--full", o->full, "Count every routed expert (fully activated) instead of E·(1-(1-k/E)^B)");
  sub->add_option("--activated-experts", o->activated_experts,
                  "Measured mean routed experts per MoE layer per step (from a trace) instead of the expectation")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--hardware", o->hardware, "Catalog ids to consider (default: every gpu, soc and cpu entry)")
      ->type_name("ID");
  sub->add_option("--catalog", o->catalog, "Hardware catalog folder (default: configs/hardware)")->type_name("DIR");
  return {sub, [o](const GlobalOptions&) {
            try {
              return run_predict(*o, std::cout);
            } catch (const CLI::ValidationError& e) {
              std::cerr << "moecap predict: " << e.what() << "\n";
              return 2;
            } catch (const host::ModelDescriptionError& e) {
              std::cerr << "moecap predict: " << e.what() << "\n";
              return 2;
            } catch (const std::invalid_argument& e) {
              std::cerr << "moecap predict: " << e.what() << "\n";
              return 2;
            } catch (const std::out_of_range& e) {  // an unknown --hardware id
              std::cerr << "moecap predict: " << e.what() << "\n";
              return 2;
            }
          }};
}

}  // namespace moecap::app
