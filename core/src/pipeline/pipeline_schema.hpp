// The keys the host owns in a pipeline, and how a value of each is checked.
//
// Internal to core/src/pipeline. [run] and [workload] belong to the host entirely; in [model], [backend],
// [[task]] and [[sink]] entries the host owns plugin, path (the plugin library, when no plugin name is
// given) and preset (in [model]) and passes every other key to the plugin untouched. These readers see one sweep point,
// where each swept key already holds a single value; a list left in a host scalar here is an error.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moecap/host/pipeline.hpp"

namespace moecap::host::pipeline_internal {

enum class HostValueType { integer, string, number_list };

struct HostKey {
  std::string name;
  HostValueType type = HostValueType::integer;
  int64_t minimum = 0;               ///< integers
  std::vector<std::string> choices;  ///< strings; empty = any non-empty string
  std::string expected;              ///< the "expected …" text of messages
  bool required = false;
  bool sweepable = true;  ///< may be written as a list or named in [sweep]
};

/// The top-level tables of a pipeline, in the order the format describes them.
const std::vector<std::string>& top_level_keys();
const std::vector<HostKey>& run_keys();
const std::vector<HostKey>& workload_keys();
/// plugin, path, and for a model also preset.
const std::vector<HostKey>& entry_keys(int32_t kind);
/// The host keys of one entry: path names the plugin library only in an entry without plugin (with a
/// plugin name, path is the plugin's own key, e.g. the file a jsonl sink writes).
std::vector<HostKey> entry_host_keys(const toml::table& entry, int32_t kind);
std::vector<std::string> key_names(const std::vector<HostKey>& keys);
const HostKey* find_key(const std::vector<HostKey>& keys, const std::string& name);

/// "model", "backend", "task" or "sink".
std::string section_of_kind(int32_t kind);

/// Throws for a key of table not in allowed: "unknown key 'section.key'; expected one of …; did you mean".
void check_known_keys(const toml::table& table, const std::string& section, const std::vector<std::string>& allowed,
                      const std::string& file);

/// Checks the value of one host key (type, range, choice). section is its dotted parent ("workload").
void check_host_value(const toml::node& value, const HostKey& rule, const std::string& section,
                      const std::string& file);

/// run.name and run.percentiles: the same for every point.
struct RunReporting {
  std::string name;
  std::vector<double> percentiles{50.0, 90.0, 99.0};
};
RunReporting read_run_reporting(const toml::table* run, const std::string& default_name, const std::string& file);
/// The [run] keys of one point; nullptr = all defaults. Also rejects unknown keys.
RunSettings read_run_settings(const toml::table* run, const std::string& file);
/// The [workload] of one point (required keys, ranges, requests defaulting to batch_size).
WorkloadSettings read_workload(const toml::table& workload, const toml::source_region& where, const std::string& file);

/// The host keys of a plugin entry, checked. Throws when the entry names neither plugin nor path.
struct EntryHostKeys {
  const toml::node* plugin = nullptr;
  const toml::node* path = nullptr;
  const toml::node* preset = nullptr;  ///< model only
};
EntryHostKeys read_entry_host_keys(const toml::table& entry, int32_t kind, const std::string& prefix,
                                   const toml::source_region& where, const std::string& file);

}  // namespace moecap::host::pipeline_internal
