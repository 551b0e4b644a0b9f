#include "set_override.hpp"

#include <cstdio>

#include "diagnostics.hpp"
#include "moecap/host/config_view.hpp"
#include "toml_nodes.hpp"

namespace moecap::host::pipeline_internal {
namespace {

constexpr const char* kExpectedShape = "key=value, e.g. --set workload.batch_size=8 or --set 'model.dtype=\"bf16\"'";

// A basic TOML string holding text exactly.
std::string quote_basic_string(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// Text that was clearly meant as TOML (a list, an inline table, a quoted string) must parse as TOML;
// anything else that does not parse is a bare word, i.e. a string.
bool looks_like_toml(const std::string& value) {
  const size_t first = value.find_first_not_of(" \t");
  return first != std::string::npos && std::string("[{\"'").find(value[first]) != std::string::npos;
}

toml::table parse_value_document(const SetOverride& o) {
  try {
    return toml::parse(o.value_document, std::string_view(o.source));
  } catch (const toml::parse_error& error) {
    fail(o.source, "the value is not valid TOML (" + std::string(error.description()) + ")",
         "a TOML value such as 8, 2.5, true, \"bf16\", [1, 2] or a bare word");
  }
}

toml::node& value_of(toml::table& document) {
  return *document.get("v");
}

struct Applier {
  const SetOverride& o;
  toml::source_region where;

  [[noreturn]] void refuse(const std::string& problem, const std::string& expected) const {
    fail(o.source, problem, expected);
  }

  void assign(toml::table& table, const std::string& key) const {
    toml::table document = parse_value_document(o);
    move_into(table, key_at(key, where), std::move(value_of(document)));
  }

  void walk(toml::table& table, size_t depth) const {
    const KeySegment& segment = o.key[depth];
    const bool last = depth + 1 == o.key.size();
    const std::string here = format_key_path(o.key, depth + 1);
    toml::node* node = table.get(segment.name);

    if (!segment.index) {
      if (last) return assign(table, segment.name);
      if (node == nullptr) node = child_table(table, segment.name, where);
      if (auto* sub = node->as_table()) return walk(*sub, depth + 1);
      if (auto* array = node->as_array(); array != nullptr && !array->empty() && array->is_array_of_tables()) {
        for (auto& entry : *array) walk(*entry.as_table(), depth + 1);
        return;
      }
      refuse("'" + here + "' is " + type_phrase(*node), "a table to hold '" + o.key[depth + 1].name + "'");
    }

    const size_t index = *segment.index;
    const std::string unindexed = format_key_path(o.key, depth) + (depth > 0 ? "." : "") + segment.name;
    if (node == nullptr) refuse("there is no '" + unindexed + "' to index", "an existing [[" + unindexed + "]] entry");
    if (auto* sub = node->as_table()) {
      // A single [backend] table is entry 0 of the list it could have been.
      if (index != 0) refuse("'" + unindexed + "' has 1 entry", "index 0");
      if (last) refuse("'" + here + "' names a whole table", "a key inside it, e.g. " + here + ".plugin");
      return walk(*sub, depth + 1);
    }
    auto* array = node->as_array();
    if (array == nullptr) refuse("'" + unindexed + "' is " + type_phrase(*node), "a list to index");
    if (index >= array->size())
      refuse("'" + unindexed + "' has " + std::to_string(array->size()) + " entries",
             array->empty() ? "no index" : "an index from 0 to " + std::to_string(array->size() - 1));
    if (last) {
      toml::table document = parse_value_document(o);
      std::move(value_of(document)).visit([&](auto&& typed) {
        std::remove_cvref_t<decltype(typed)> moved(std::move(typed));
        array->replace(array->cbegin() + static_cast<std::ptrdiff_t>(index), std::move(moved));
      });
      return;
    }
    auto* entry = array->get(index)->as_table();
    if (entry == nullptr) refuse("'" + here + "' is " + type_phrase(*array->get(index)), "a table");
    walk(*entry, depth + 1);
  }
};

}  // namespace

SetOverride parse_set_override(const std::string& argument) {
  SetOverride o;
  o.argument = argument;
  o.source = std::string(kOverrideSourcePrefix) + argument;
  const size_t equals = argument.find('=');
  if (equals == std::string::npos) fail(o.source, "no '=' in the override", kExpectedShape);
  const std::string key_text = argument.substr(0, equals);
  const std::string value = argument.substr(equals + 1);
  auto key = parse_key_path(key_text);
  if (!key)
    fail(o.source, "'" + key_text + "' is not a key", "dotted names such as workload.batch_size or sink[1].path");
  o.key = std::move(*key);

  o.value_document = "v = " + value + "\n";
  bool parses = false;
  try {
    toml::table document = toml::parse(o.value_document, std::string_view(o.source));
    parses = document.size() == 1 && document.get("v") != nullptr;
  } catch (const toml::parse_error&) {
  }
  if (!parses) {
    if (looks_like_toml(value)) parse_value_document(o);  // throws with toml++'s reason
    o.value_document = "v = " + quote_basic_string(value) + "\n";
  }
  return o;
}

void apply_set_override(toml::table& root, const SetOverride& override_value) {
  auto path = std::make_shared<const std::string>(override_value.source);
  toml::source_region where{{1, 1}, {1, 1}, path};
  Applier{override_value, where}.walk(root, 0);
}

}  // namespace moecap::host::pipeline_internal
