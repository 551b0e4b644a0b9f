#include "toml_nodes.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <type_traits>

#include "diagnostics.hpp"

namespace moecap::host::pipeline_internal {

void move_into(toml::table& table, const toml::key& key, toml::node&& node) {
  std::move(node).visit([&](auto&& typed) {
    // Move out first: node may live inside the value being replaced.
    std::remove_cvref_t<decltype(typed)> moved(std::move(typed));
    table.insert_or_assign(key, std::move(moved));
  });
}

toml::key key_at(std::string name, const toml::source_region& where) {
  return toml::key(std::move(name), where);
}

toml::table* child_table(toml::table& parent, const std::string& key, const toml::source_region& where) {
  if (toml::node* existing = parent.get(key)) return existing->as_table();
  auto [it, inserted] = parent.insert(key_at(key, where), toml::table{});
  (void)inserted;
  return it->second.as_table();
}

toml::table parse_toml(const std::string& text, const std::string& source_path) {
  try {
    return toml::parse(text, std::string_view(source_path));
  } catch (const toml::parse_error& error) {
    std::string description(error.description());
    // toml++ starts its messages with a capital ("Error while parsing …"); ours continue a sentence.
    if (!description.empty())
      description[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(description[0])));
    fail(position_of(error.source(), source_path), "invalid TOML: " + description, "");
  }
}

std::string read_text_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot read the " + what + " (" + std::strerror(errno) + ")", "a readable TOML file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace moecap::host::pipeline_internal
