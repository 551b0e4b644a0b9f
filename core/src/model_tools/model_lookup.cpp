#include "moecap/host/model_lookup.hpp"

#include <toml++/toml.h>

#include "../pipeline/model_preset.hpp"
#include "moecap/host/config_view.hpp"
#include "moecap/host/host_services.hpp"
#include "moecap/host/plugin_discovery.hpp"

#ifndef MOECAP_SOURCE_MODELS_DIR
#define MOECAP_SOURCE_MODELS_DIR ""
#endif

namespace moecap::host {
namespace {

/// The model plus the configuration it was opened with: a plugin may keep pointers into its configuration
/// (e.g. strings) for the life of the model, so the table lives as long as the model.
struct ConfiguredModel {
  std::shared_ptr<const toml::table> table;
  std::unique_ptr<ConfigView> view;
  std::shared_ptr<Model> model;
};

std::shared_ptr<Model> open_with(ModelProxy proxy, toml::table table, const std::string& source_file) {
  auto owner = std::make_shared<ConfiguredModel>();
  owner->table = std::make_shared<const toml::table>(std::move(table));
  owner->view = std::make_unique<ConfigView>(owner->table, source_file, "model");
  owner->model = proxy.open(owner->view->get());
  // Aliasing constructor: the returned pointer keeps the configuration alive with the model.
  return std::shared_ptr<Model>(owner, owner->model.get());
}

bool has_weights_file(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir / "model.safetensors.index.json", ec)) return true;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.path().extension() == ".safetensors") return true;
  return false;
}

}  // namespace

std::vector<std::filesystem::path> default_preset_dirs() {
  std::vector<std::filesystem::path> dirs;
  const auto exe = executable_dir();
  if (!exe.empty()) dirs.push_back((exe / ".." / "share" / "moecap" / "models").lexically_normal());
  if (std::string(MOECAP_SOURCE_MODELS_DIR).size() > 0) dirs.emplace_back(MOECAP_SOURCE_MODELS_DIR);
  return dirs;
}

ModelArgument resolve_model_argument(const std::string& argument,
                                     const std::vector<std::filesystem::path>& preset_dirs) {
  std::error_code ec;
  const std::filesystem::path path(argument);
  ModelArgument out;
  if (std::filesystem::is_directory(path, ec)) {
    if (!std::filesystem::is_regular_file(path / "config.json", ec))
      throw HostException(MOECAP_ERR_NOT_FOUND, argument + ": a model directory must hold config.json");
    out.kind = has_weights_file(path) ? ModelArgument::Kind::checkpoint : ModelArgument::Kind::config_only;
    out.path = std::filesystem::absolute(path).lexically_normal();
    out.name = out.path.filename().string();
    if (out.name.empty()) out.name = out.path.parent_path().filename().string();
    return out;
  }
  if (path.extension() == ".toml" && std::filesystem::is_regular_file(path, ec)) {
    out.path = path;
    out.name = path.stem().string();
    return out;
  }
  std::string looked;
  for (const auto& dir : preset_dirs) {
    const auto candidate = dir / (argument + ".toml");
    if (std::filesystem::is_regular_file(candidate, ec)) {
      out.path = candidate;
      out.name = argument;
      return out;
    }
    looked += (looked.empty() ? "" : ", ") + dir.string();
  }
  throw HostException(MOECAP_ERR_NOT_FOUND, "model '" + argument +
                                                "' is neither a directory with config.json nor a preset (" + argument +
                                                ".toml in: " + looked + ")");
}

std::shared_ptr<Model> open_model(PluginRegistry& registry, const ModelArgument& model,
                                  const ModelOpenOptions& options) {
  toml::table table;
  if (model.kind == ModelArgument::Kind::preset) {
    // The pipeline's preset loader, so a preset parses (and reports errors) exactly as in a run.
    pipeline_internal::PresetLibrary presets({model.path.parent_path()});
    const toml::value<std::string> name(model.path.stem().string());
    table.insert("description", presets.load(name, model.path.string()));
    table.insert("seed", static_cast<int64_t>(options.seed));
    table.insert("dtype", options.dtype);
    table.insert("weights", options.weights);
    return open_with(registry.model("synthetic"), std::move(table), model.path.string());
  }
  table.insert("path", model.path.string());
  table.insert("weights", options.weights && model.kind == ModelArgument::Kind::checkpoint);
  return open_with(registry.model("hf"), std::move(table), (model.path / "config.json").string());
}

}  // namespace moecap::host
