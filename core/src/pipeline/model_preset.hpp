// Model presets: preset = "mixtral-8x7b" in [model] inserts configs/models/mixtral-8x7b.toml as
// model.description.
//
// Internal to core/src/pipeline. Search order: models/ next to the pipeline file, ../models/ from its
// folder (so configs/quickstart.toml and configs/pipelines/x.toml both find configs/models/), then the
// caller's folders. The preset is parsed afresh for each use so its nodes keep positions in the preset
// file; keys the user writes under [model.description] win over the preset's.
#pragma once

#include <toml++/toml.h>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace moecap::host::pipeline_internal {

std::vector<std::filesystem::path> preset_search_dirs(const std::filesystem::path& pipeline_file,
                                                      const std::vector<std::filesystem::path>& extra_dirs);

class PresetLibrary {
 public:
  explicit PresetLibrary(std::vector<std::filesystem::path> search_dirs);

  /// The preset's table; PipelineError at preset_node (listing the folders searched) when there is none.
  toml::table load(const toml::node& preset_node, const std::string& pipeline_file);

 private:
  std::vector<std::filesystem::path> search_dirs_;
  std::map<std::string, std::pair<std::string, std::string>> found_;  // name → (file, text)
};

/// Puts preset under model["description"]; what the user wrote there is merged over it (tables merge key
/// by key, anything else replaces). PipelineError when model.description is not a table.
void merge_description(toml::table& model, toml::table&& preset, const std::string& pipeline_file);

}  // namespace moecap::host::pipeline_internal
