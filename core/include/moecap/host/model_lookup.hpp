// What a MODEL argument on the command line names, and opening it through its model plugin.
//
// `moecap describe MODEL` and `moecap make-model PRESET` accept a preset name (configs/models/<name>.toml,
// looked up like a pipeline's `preset = "..."`), a preset file, a checkpoint directory (config.json +
// safetensors) or a directory holding only config.json (a model described before it is downloaded).
// Presets open through the synthetic model plugin, directories through the hf plugin, so the canonical
// description always comes from the same code a run uses.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "moecap/host/plugin_registry.hpp"

namespace moecap::host {

struct ModelArgument {
  enum class Kind {
    preset,       ///< a configs/models preset: synthetic weights
    checkpoint,   ///< a directory with config.json and safetensors
    config_only,  ///< a directory with config.json alone
  };
  Kind kind = Kind::preset;
  std::filesystem::path path;  ///< the preset file or the directory
  std::string name;            ///< the preset's name or the directory's
};

/// Folders a preset name is looked up in: next to the executable (../share/moecap/models), then the source
/// tree's configs/models.
std::vector<std::filesystem::path> default_preset_dirs();

/// Resolves argument: an existing directory (it must hold config.json), an existing .toml file, else a
/// preset name looked up in preset_dirs. Throws HostException(NOT_FOUND) naming what was tried.
ModelArgument resolve_model_argument(const std::string& argument,
                                     const std::vector<std::filesystem::path>& preset_dirs);

struct ModelOpenOptions {
  bool weights = true;        ///< false: description and shapes only (no weight data is made or mapped)
  std::string dtype = "f32";  ///< synthetic storage dtype ("f32", "bf16", "f16")
  uint64_t seed = 0;          ///< synthetic seed
};

/// Opens the model through the "synthetic" (preset) or "hf" (directory) plugin of registry.
std::shared_ptr<Model> open_model(PluginRegistry& registry, const ModelArgument& model,
                                  const ModelOpenOptions& options);

}  // namespace moecap::host
