#include "model_preset.hpp"

#include "diagnostics.hpp"
#include "toml_nodes.hpp"

namespace moecap::host::pipeline_internal {
namespace {

std::string joined(const std::vector<std::string>& dirs) {
  std::string out;
  for (const auto& dir : dirs) out += (out.empty() ? "" : ", ") + dir;
  return out;
}

void merge_over(toml::table& base, toml::table& over) {
  for (auto&& [key, node] : over) {
    toml::node* existing = base.get(key.str());
    if (existing != nullptr && existing->is_table() && node.is_table()) {
      merge_over(*existing->as_table(), *node.as_table());
      continue;
    }
    move_into(base, key, std::move(node));
  }
}

}  // namespace

std::vector<std::filesystem::path> preset_search_dirs(const std::filesystem::path& pipeline_file,
                                                      const std::vector<std::filesystem::path>& extra_dirs) {
  const std::filesystem::path folder = pipeline_file.parent_path();
  std::vector<std::filesystem::path> dirs{(folder / "models").lexically_normal(),
                                          (folder / ".." / "models").lexically_normal()};
  for (const auto& dir : extra_dirs) dirs.push_back(dir.lexically_normal());
  return dirs;
}

PresetLibrary::PresetLibrary(std::vector<std::filesystem::path> search_dirs) : search_dirs_(std::move(search_dirs)) {}

toml::table PresetLibrary::load(const toml::node& preset_node, const std::string& pipeline_file) {
  const std::string name = preset_node.as_string()->get();
  auto found = found_.find(name);
  if (found == found_.end()) {
    std::vector<std::string> looked;
    for (const auto& dir : search_dirs_) {
      const std::filesystem::path candidate = dir / (name + ".toml");
      std::error_code ec;
      if (std::filesystem::is_regular_file(candidate, ec)) {
        const std::string file = candidate.string();
        found = found_.emplace(name, std::make_pair(file, read_text_file(file, "model preset"))).first;
        break;
      }
      looked.push_back(dir.string());
    }
    if (found == found_.end())
      fail(position_of(preset_node, pipeline_file), "model preset '" + name + "' not found",
           name + ".toml in one of: " + joined(looked));
  }
  return parse_toml(found->second.second, found->second.first);
}

void merge_description(toml::table& model, toml::table&& preset, const std::string& pipeline_file) {
  if (toml::node* user = model.get("description")) {
    auto* user_table = user->as_table();
    if (user_table == nullptr)
      fail(position_of(*user, pipeline_file), "'model.description' is " + type_phrase(*user),
           "a table of model description keys (as in configs/models/*.toml)");
    merge_over(preset, *user_table);
  }
  move_into(model, key_at("description", preset.source()), std::move(preset));
}

}  // namespace moecap::host::pipeline_internal
