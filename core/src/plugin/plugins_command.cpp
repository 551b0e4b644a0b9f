// `moecap plugins`: why was (or wasn't) my plugin picked? Every candidate, loaded on its own, with the
// loader's verdict and whether a lookup by (kind, name) would select it.
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>

#include "moecap/host/commands.hpp"
#include "moecap/host/plugin_loader.hpp"

namespace moecap::host {
namespace {

struct Row {
  PluginCandidate candidate;
  LoadReport report;
  bool selected = false;
  std::string note;  // why a loaded candidate is not the one selected
};

// Applies the registry's rule (plugin_registry.hpp) to the reports: the first directory holding (kind,
// name) supplies it; there the loaded variant with the highest score wins (no probe = 1), else the plain one.
void mark_selected(std::vector<Row>& rows) {
  std::map<std::pair<PluginKind, std::string>, std::filesystem::path> first_dir;
  for (const Row& row : rows)
    first_dir.try_emplace({row.candidate.file_name.kind, row.candidate.file_name.name}, row.candidate.directory.path);
  std::map<std::pair<PluginKind, std::string>, Row*> best_variant, plain;
  for (Row& row : rows) {
    const auto key = std::make_pair(row.candidate.file_name.kind, row.candidate.file_name.name);
    if (row.candidate.directory.path != first_dir[key]) {
      row.note = "shadowed by " + first_dir[key].string() + " (earlier in the search path)";
      continue;
    }
    if (row.report.status != LoadStatus::loaded) continue;
    if (row.candidate.file_name.variant.empty()) {
      plain[key] = &row;
      continue;
    }
    Row*& best = best_variant[key];
    if (best == nullptr || row.report.probe_score.value_or(1) > best->report.probe_score.value_or(1)) best = &row;
  }
  for (auto& [key, row] : plain) {
    if (best_variant.count(key) != 0)
      row->note = "a variant is preferred";
    else
      row->selected = true;
  }
  for (auto& [key, row] : best_variant) row->selected = true;
  for (Row& row : rows)
    if (!row.selected && row.note.empty() && row.report.status == LoadStatus::loaded &&
        !row.candidate.file_name.variant.empty())
      row.note = "another variant scores higher";
}

std::string abi_text(const LoadReport& report) {
  if (!report.plugin_abi_major) return "-";
  return std::to_string(*report.plugin_abi_major) + "." + std::to_string(report.plugin_abi_minor.value_or(0));
}

void print_json(const PluginSearchPaths& paths, const std::vector<Row>& rows, std::ostream& out) {
  nlohmann::ordered_json doc;
  doc["host_abi"] = std::to_string(MOECAP_ABI_MAJOR) + "." + std::to_string(MOECAP_ABI_MINOR);
  doc["search_path"] = nlohmann::ordered_json::array();
  for (const SearchDirectory& dir : paths.directories)
    doc["search_path"].push_back({{"path", dir.path.string()}, {"origin", std::string(origin_name(dir.origin))}});
  doc["plugins"] = nlohmann::ordered_json::array();
  for (const Row& row : rows) {
    nlohmann::ordered_json entry;
    entry["path"] = row.candidate.path.string();
    entry["kind"] = std::string(kind_name(row.candidate.file_name.kind));
    entry["name"] = row.candidate.file_name.name;
    entry["variant"] = row.candidate.file_name.variant;
    entry["abi"] = row.report.plugin_abi_major ? nlohmann::ordered_json(abi_text(row.report)) : nullptr;
    entry["probe_score"] = row.report.probe_score ? nlohmann::ordered_json(*row.report.probe_score) : nullptr;
    entry["status"] = std::string(status_name(row.report.status));
    entry["reason"] = row.report.reason.empty() ? nullptr : nlohmann::ordered_json(row.report.reason);
    entry["selected"] = row.selected;
    entry["note"] = row.note.empty() ? nullptr : nlohmann::ordered_json(row.note);
    if (row.report.plugin) {
      entry["plugin_name"] = row.report.plugin->name();
      entry["version"] = row.report.plugin->version();
      entry["vendor"] = row.report.plugin->vendor();
      nlohmann::ordered_json components = nlohmann::ordered_json::array();
      for (const ComponentInfo& c : row.report.plugin->components())
        components.push_back({{"kind", std::string(kind_name(c.kind))}, {"name", c.name}});
      entry["components"] = components;
    }
    doc["plugins"].push_back(entry);
  }
  out << doc.dump(2) << "\n";
}

void print_text(const PluginSearchPaths& paths, const std::vector<Row>& rows, std::ostream& out) {
  out << "search path (in order):\n";
  int index = 1;
  for (const SearchDirectory& dir : paths.directories)
    out << "  " << index++ << ". " << dir.path.string() << "  (" << origin_name(dir.origin) << ")\n";
  if (rows.empty()) {
    out << "no plugin libraries found\n";
    return;
  }
  out << "\n";
  for (const Row& row : rows) {
    const PluginFileName& file = row.candidate.file_name;
    out << (row.selected ? "* " : "  ") << status_name(row.report.status) << "  " << kind_name(file.kind) << " '"
        << file.name << "'";
    if (!file.variant.empty()) out << " variant '" << file.variant << "'";
    out << "  ABI " << abi_text(row.report) << "  probe "
        << (row.report.probe_score ? std::to_string(*row.report.probe_score) : std::string("-"));
    if (row.report.plugin)
      out << "  " << row.report.plugin->name() << " " << row.report.plugin->version() << " ("
          << row.report.plugin->vendor() << ")";
    out << "\n    " << row.candidate.path.string() << "\n";
    if (!row.report.reason.empty()) out << "    reason: " << row.report.reason << "\n";
    if (!row.note.empty()) out << "    note: " << row.note << "\n";
  }
  out << "\n* = selected for its (kind, name)\n";
}

}  // namespace

int run_plugins_command(const PluginSearchPaths& paths, bool json, std::ostream& out) {
  std::vector<Row> rows;
  for (const PluginCandidate& candidate : list_candidates(paths)) {
    // Each candidate is loaded on its own, outside any registry, so variants sharing a plugin name do not
    // collide; their fini runs when the rows go out of scope.
    rows.push_back(Row{candidate, load_plugin_library(candidate.path), false, {}});
  }
  mark_selected(rows);
  if (json)
    print_json(paths, rows, out);
  else
    print_text(paths, rows, out);
  return 0;
}

}  // namespace moecap::host
