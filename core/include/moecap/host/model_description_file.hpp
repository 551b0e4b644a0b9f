// A canonical model description read straight from a configs/models/*.toml preset, without opening a
// model plugin.
//
// Why not the synthetic model plugin: it allocates (random) weights at open, so a full-size preset such as
// deepseek-v3 (671B parameters) cannot be opened just to read its shape. `moecap predict` and offline
// analysis need only the description. The keys and defaults are those of model-synthetic's
// description_reader.cpp (the preset format of configs/README.md); values are range-checked by
// ModelAccounting, which every user of this description builds.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "moecap/host/model_accounting.hpp"
#include "moecap/model.h"

namespace moecap::host {

/// The description with everything it points to. Not movable: the C structs point into it.
struct ModelDescriptionFile {
  std::string name;
  std::string family;
  std::string file;  ///< where it was read from
  moecap_attention_desc attention{};
  moecap_ffn_desc moe_ffn{};
  moecap_ffn_desc dense_ffn{};
  std::vector<const moecap_ffn_desc*> layer_ffn;
  moecap_model_desc desc{};
  QkNormScope qk_norm_scope = QkNormScope::per_head;

  ModelDescriptionFile() = default;
  ModelDescriptionFile(const ModelDescriptionFile&) = delete;
  ModelDescriptionFile& operator=(const ModelDescriptionFile&) = delete;
};

/// Errors in a preset: the message starts with "file:line:col: " where the position is known.
class ModelDescriptionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Parses one preset document (weight_dtype is set to BF16; callers choose the accounting width).
std::unique_ptr<ModelDescriptionFile> parse_model_description(std::string_view toml_text, const std::string& file);

/// Reads a preset: `model` is a path to a .toml file, or a preset name looked up as <dir>/<name>.toml in
/// each of search_dirs in order (default_model_preset_dirs() in default_paths.hpp). ModelDescriptionError lists the
/// folders searched when none has it.
std::unique_ptr<ModelDescriptionFile> load_model_description(const std::string& model,
                                                             const std::vector<std::filesystem::path>& search_dirs);

/// The description in the preset format (the keys parse_model_description reads, all written out), so that
/// parse_model_description(model_description_toml(d, scope)) gives the same accounting. Every MoE layer is
/// taken to be like the first (as presets are). Written into RUN records for `moecap analyze`.
std::string model_description_toml(const moecap_model_desc& desc, QkNormScope qk_norm_scope);

}  // namespace moecap::host
