// `moecap describe MODEL`: the canonical description, parameter counts and per-token bytes of a preset, a
// checkpoint directory, or a directory holding only config.json (no weights needed).
#include <iostream>
#include <memory>

#include "app_command.hpp"
#include "moecap/host/model_lookup.hpp"
#include "moecap/host/model_report.hpp"

namespace moecap::app {

Command add_describe_command(CLI::App& app) {
  auto model = std::make_shared<std::string>();
  auto options = std::make_shared<host::ModelReportOptions>();
  auto as_json = std::make_shared<bool>(false);
  CLI::App* sub = app.add_subcommand(
      "describe", "Print a model's canonical description, total/active parameters, decode and KV bytes per token");
  sub->add_option("model", *model, "A preset name (configs/models), a preset .toml, or a directory with config.json")
      ->required()
      ->type_name("MODEL");
  sub->add_option("--dtype", options->weight_dtype,
                  "Weight dtype for the byte figures (f32, bf16, f16, fp8, int8, int4)")
      ->capture_default_str();
  sub->add_option("--kv-dtype", options->kv_dtype, "KV-cache dtype (default: --dtype)");
  sub->add_flag("--json", *as_json, "Print JSON instead of text");
  return {sub, [=](const GlobalOptions& global) {
            host::dtype_name_bytes(options->weight_dtype);  // reject a bad dtype before loading anything
            if (!options->kv_dtype.empty()) host::dtype_name_bytes(options->kv_dtype);
            host::PluginRegistry registry(host::PluginSearchPaths::standard(global.plugin_dirs));
            const auto argument = host::resolve_model_argument(*model, host::default_preset_dirs());
            // A preset is described from shapes only: describing DeepSeek-V3 must not generate 671B weights. A
            // checkpoint's safetensors are only mapped, and give the stored dtype.
            const bool weights = argument.kind == host::ModelArgument::Kind::checkpoint;
            const auto opened = host::open_model(registry, argument, {.weights = weights});
            const auto report = host::model_report(*opened, *options);
            if (*as_json)
              std::cout << report.dump(2) << "\n";
            else
              host::print_model_report(std::cout, report);
            return 0;
          }};
}

}  // namespace moecap::app
