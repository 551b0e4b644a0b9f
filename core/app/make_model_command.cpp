// `moecap make-model PRESET --out DIR`: a complete Hugging Face checkpoint (config.json, safetensors,
// tokenizer.json) with the synthetic model's random weights, so the hf loader and every backend can be
// exercised without downloading anything.
#include <iostream>
#include <memory>

#include "app_command.hpp"
#include "moecap/host/hf_checkpoint_writer.hpp"
#include "moecap/host/model_lookup.hpp"

namespace moecap::app {

Command add_make_model_command(CLI::App& app) {
  auto preset = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto open = std::make_shared<host::ModelOpenOptions>();
  auto shards = std::make_shared<int32_t>(1);
  CLI::App* sub = app.add_subcommand(
      "make-model", "Write a Hugging Face checkpoint of a preset with random weights (the synthetic model's)");
  sub->add_option("preset", *preset, "A preset name (configs/models) or a preset .toml")
      ->required()
      ->type_name("PRESET");
  sub->add_option("--out", *out, "Directory to write (created)")->required()->type_name("DIR");
  sub->add_option("--dtype", open->dtype, "Stored dtype")
      ->check(CLI::IsMember({"f32", "bf16", "f16"}))
      ->capture_default_str();
  sub->add_option("--seed", open->seed, "Seed of the synthetic weights")->capture_default_str();
  sub->add_option("--shards", *shards, "Number of safetensors files (> 1 writes model.safetensors.index.json)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  return {sub, [=](const GlobalOptions& global) {
            host::PluginRegistry registry(host::PluginSearchPaths::standard(global.plugin_dirs));
            const auto argument = host::resolve_model_argument(*preset, host::default_preset_dirs());
            if (argument.kind != host::ModelArgument::Kind::preset) {
              std::cerr << "make-model: '" << *preset << "' is a directory; expected a preset\n";
              return 2;
            }
            const auto model = host::open_model(registry, argument, *open);
            host::write_hf_checkpoint(*model, *out, {.shards = *shards});
            std::cout << "wrote " << *out << " (" << argument.name << ", " << open->dtype << ", seed " << open->seed
                      << ")\n";
            return 0;
          }};
}

}  // namespace moecap::app
