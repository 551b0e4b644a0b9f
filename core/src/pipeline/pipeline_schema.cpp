#include "pipeline_schema.hpp"

#include <algorithm>
#include <cctype>

#include "diagnostics.hpp"
#include "moecap/plugin.h"

namespace moecap::host::pipeline_internal {
namespace {

HostKey integer_key(std::string name, int64_t minimum, bool required = false) {
  HostKey key;
  key.name = std::move(name);
  key.type = HostValueType::integer;
  key.minimum = minimum;
  key.expected = "an integer >= " + std::to_string(minimum);
  key.required = required;
  return key;
}

HostKey string_key(std::string name, std::string expected, std::vector<std::string> choices = {}) {
  HostKey key;
  key.name = std::move(name);
  key.type = HostValueType::string;
  key.expected = std::move(expected);
  key.choices = std::move(choices);
  return key;
}

std::string dotted(const std::string& section, const std::string& key) {
  return section.empty() ? key : section + "." + key;
}

bool is_preset_name(const std::string& name) {
  if (name.empty() || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
  });
}

}  // namespace

const std::vector<std::string>& top_level_keys() {
  static const std::vector<std::string> keys{"run",  "model",    "backend", "workload", "task",
                                             "sink", "hardware", "cost",    "report",   "sweep"};
  return keys;
}

const std::vector<HostKey>& run_keys() {
  static const std::vector<HostKey> keys = [] {
    HostKey name = string_key("name", "a non-empty string");
    name.sweepable = false;
    HostKey percentiles;
    percentiles.name = "percentiles";
    percentiles.type = HostValueType::number_list;
    percentiles.expected = "a list of numbers between 0 and 100, e.g. [50, 90, 99]";
    percentiles.sweepable = false;
    return std::vector<HostKey>{name, integer_key("seed", 0), integer_key("warmup_steps", 0),
                                integer_key("repetitions", 1), percentiles};
  }();
  return keys;
}

const std::vector<HostKey>& workload_keys() {
  static const std::vector<HostKey> keys{string_key("kind", "\"fixed\"", {"fixed"}), integer_key("batch_size", 1, true),
                                         integer_key("prompt_tokens", 1, true), integer_key("output_tokens", 1, true),
                                         integer_key("requests", 1)};
  return keys;
}

const std::vector<HostKey>& entry_keys(int32_t kind) {
  static const HostKey plugin =
      string_key("plugin", "a plugin name such as \"reference\" (a library file goes in path = \"…\")");
  static const HostKey path =
      string_key("path", "the path of a plugin library, relative to this file (or plugin = \"<name>\")");
  static const HostKey preset =
      string_key("preset", "a preset name such as \"mixtral-8x7b\" (letters, digits, '.', '_', '-')");
  static const std::vector<HostKey> model_keys{plugin, path, preset};
  static const std::vector<HostKey> other_keys{plugin, path};
  return kind == MOECAP_KIND_MODEL ? model_keys : other_keys;
}

std::vector<HostKey> entry_host_keys(const toml::table& entry, int32_t kind) {
  std::vector<HostKey> keys;
  for (const auto& key : entry_keys(kind))
    if (key.name != "path" || entry.get("plugin") == nullptr) keys.push_back(key);
  return keys;
}

std::vector<std::string> key_names(const std::vector<HostKey>& keys) {
  std::vector<std::string> names;
  for (const auto& key : keys) names.push_back(key.name);
  return names;
}

const HostKey* find_key(const std::vector<HostKey>& keys, const std::string& name) {
  for (const auto& key : keys)
    if (key.name == name) return &key;
  return nullptr;
}

std::string section_of_kind(int32_t kind) {
  switch (kind) {
    case MOECAP_KIND_MODEL:
      return "model";
    case MOECAP_KIND_BACKEND:
      return "backend";
    case MOECAP_KIND_TASK:
      return "task";
    case MOECAP_KIND_SINK:
      return "sink";
    default:
      return "plugin";
  }
}

void check_known_keys(const toml::table& table, const std::string& section, const std::vector<std::string>& allowed,
                      const std::string& file) {
  for (auto&& [key, node] : table) {
    const std::string name(key.str());
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
    fail(position_of(key, file), "unknown key '" + dotted(section, name) + "'",
         (section.empty() ? "one of the tables " : "one of ") + one_of(allowed), did_you_mean(name, allowed));
  }
}

void check_host_value(const toml::node& value, const HostKey& rule, const std::string& section,
                      const std::string& file) {
  const std::string key = dotted(section, rule.name);
  const std::string where = position_of(value, file);
  const std::string not_swept = rule.sweepable ? "" : key + " cannot be swept";
  switch (rule.type) {
    case HostValueType::integer: {
      const auto* integer = value.as_integer();
      if (integer == nullptr) fail(where, "'" + key + "' is " + type_phrase(value), rule.expected, not_swept);
      if (integer->get() < rule.minimum) fail(where, "'" + key + "' is " + toml_literal(value), rule.expected);
      return;
    }
    case HostValueType::string: {
      const auto* text = value.as_string();
      if (text == nullptr) fail(where, "'" + key + "' is " + type_phrase(value), rule.expected, not_swept);
      const std::string& s = text->get();
      bool ok = !s.empty();
      if (!rule.choices.empty()) ok = std::find(rule.choices.begin(), rule.choices.end(), s) != rule.choices.end();
      if (rule.name == "preset") ok = is_preset_name(s);
      if (rule.name == "plugin") ok = ok && s.find('/') == std::string::npos;
      if (!ok)
        fail(where, "'" + key + "' is " + toml_literal(value), rule.expected,
             rule.choices.empty() ? "" : did_you_mean(s, rule.choices));
      return;
    }
    case HostValueType::number_list: {
      const auto* list = value.as_array();
      if (list == nullptr || list->empty())
        fail(where, "'" + key + "' is " + (list ? std::string("an empty list") : type_phrase(value)), rule.expected);
      for (size_t i = 0; i < list->size(); ++i) {
        const toml::node& element = *list->get(i);
        const std::optional<double> number = element.value<double>();
        const std::string element_key = key + "[" + std::to_string(i) + "]";
        if (!element.is_number() || !number)
          fail(position_of(element, file), "'" + element_key + "' is " + type_phrase(element), rule.expected);
        if (!(*number > 0.0 && *number <= 100.0))
          fail(position_of(element, file), "'" + element_key + "' is " + toml_literal(element), rule.expected);
      }
      return;
    }
  }
}

RunReporting read_run_reporting(const toml::table* run, const std::string& default_name, const std::string& file) {
  RunReporting reporting;
  reporting.name = default_name;
  if (run == nullptr) return reporting;
  if (const toml::node* name = run->get("name")) {
    check_host_value(*name, *find_key(run_keys(), "name"), "run", file);
    reporting.name = name->as_string()->get();
  }
  if (const toml::node* percentiles = run->get("percentiles")) {
    check_host_value(*percentiles, *find_key(run_keys(), "percentiles"), "run", file);
    reporting.percentiles.clear();
    for (const auto& element : *percentiles->as_array()) reporting.percentiles.push_back(*element.value<double>());
  }
  return reporting;
}

RunSettings read_run_settings(const toml::table* run, const std::string& file) {
  RunSettings settings;
  if (run == nullptr) return settings;
  check_known_keys(*run, "run", key_names(run_keys()), file);
  for (const auto& rule : run_keys())
    if (const toml::node* value = run->get(rule.name)) check_host_value(*value, rule, "run", file);
  settings.seed = static_cast<uint64_t>(run->get("seed") ? run->get("seed")->as_integer()->get() : 0);
  if (const toml::node* v = run->get("warmup_steps")) settings.warmup_steps = v->as_integer()->get();
  if (const toml::node* v = run->get("repetitions")) settings.repetitions = v->as_integer()->get();
  return settings;
}

WorkloadSettings read_workload(const toml::table& workload, const toml::source_region& where, const std::string& file) {
  check_known_keys(workload, "workload", key_names(workload_keys()), file);
  for (const auto& rule : workload_keys()) {
    const toml::node* value = workload.get(rule.name);
    if (value == nullptr) {
      if (rule.required) fail(position_of(where, file), "missing key 'workload." + rule.name + "'", rule.expected);
      continue;
    }
    check_host_value(*value, rule, "workload", file);
  }
  WorkloadSettings settings;
  if (const toml::node* v = workload.get("kind")) settings.kind = v->as_string()->get();
  settings.batch_size = workload.get("batch_size")->as_integer()->get();
  settings.prompt_tokens = workload.get("prompt_tokens")->as_integer()->get();
  settings.output_tokens = workload.get("output_tokens")->as_integer()->get();
  const toml::node* requests = workload.get("requests");
  settings.requests = requests != nullptr ? requests->as_integer()->get() : settings.batch_size;
  return settings;
}

EntryHostKeys read_entry_host_keys(const toml::table& entry, int32_t kind, const std::string& prefix,
                                   const toml::source_region& where, const std::string& file) {
  EntryHostKeys keys;
  for (const auto& rule : entry_host_keys(entry, kind)) {
    const toml::node* value = entry.get(rule.name);
    if (value == nullptr) continue;
    check_host_value(*value, rule, prefix, file);
    if (rule.name == "plugin") keys.plugin = value;
    if (rule.name == "path") keys.path = value;
    if (rule.name == "preset") keys.preset = value;
  }
  if (keys.plugin == nullptr && keys.path == nullptr)
    fail(position_of(where, file), "'" + prefix + "' names no plugin",
         "plugin = \"<name>\" or path = \"<library file>\"");
  return keys;
}

}  // namespace moecap::host::pipeline_internal
