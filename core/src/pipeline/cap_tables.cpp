#include "cap_tables.hpp"

#include <algorithm>

#include "diagnostics.hpp"
#include "moecap/host/config_view.hpp"
#include "moecap/host/hardware_catalog.hpp"

namespace moecap::host::pipeline_internal {
namespace {

// Reads the keys of one table; every message names the key as the user writes it ("cost.pue").
class TableReader {
 public:
  TableReader(const toml::table& table, std::string section, std::vector<std::string> known, const std::string& file)
      : table_(table), section_(std::move(section)), file_(file) {
    for (auto&& [key, node] : table) {
      const std::string name(key.str());
      if (std::find(known.begin(), known.end(), name) != known.end()) continue;
      fail(position_of(key, file), "unknown key '" + section_ + "." + name + "'", "one of " + one_of(known),
           did_you_mean(name, known));
    }
  }

  std::optional<std::string> string(const std::string& name, const std::string& expected) const {
    const toml::node* node = table_.get(name);
    if (node == nullptr) return std::nullopt;
    if (node->is_array()) fail(where(*node), key(name) + " is a list", expected, key(name) + " cannot be swept");
    const auto* text = node->as_string();
    if (text == nullptr) fail(where(*node), key(name) + " is " + type_phrase(*node), expected);
    if (text->get().empty()) fail(where(*node), key(name) + " is empty", expected);
    return text->get();
  }

  std::optional<int64_t> integer(const std::string& name, int64_t minimum) const {
    const toml::node* node = table_.get(name);
    if (node == nullptr) return std::nullopt;
    const std::string expected = "an integer >= " + std::to_string(minimum);
    if (node->is_array()) fail(where(*node), key(name) + " is a list", expected, key(name) + " cannot be swept");
    const auto* value = node->as_integer();
    if (value == nullptr) fail(where(*node), key(name) + " is " + type_phrase(*node), expected);
    if (value->get() < minimum) fail(where(*node), key(name) + " is " + toml_literal(*node), expected);
    return value->get();
  }

  /// A number in (lower, upper] (lower excluded, so 0 is rejected where a positive value is meant).
  std::optional<double> number(const std::string& name, double lower, double upper, const std::string& expected) const {
    const toml::node* node = table_.get(name);
    if (node == nullptr) return std::nullopt;
    if (node->is_array()) fail(where(*node), key(name) + " is a list", expected, key(name) + " cannot be swept");
    if (!node->is_number()) fail(where(*node), key(name) + " is " + type_phrase(*node), expected);
    const double value = *node->value<double>();
    if (!(value > lower && value <= upper)) fail(where(*node), key(name) + " is " + toml_literal(*node), expected);
    return value;
  }

  std::optional<bool> boolean(const std::string& name) const {
    const toml::node* node = table_.get(name);
    if (node == nullptr) return std::nullopt;
    if (!node->is_boolean()) fail(where(*node), key(name) + " is " + type_phrase(*node), "true or false");
    return node->as_boolean()->get();
  }

  /// A path, resolved against the file that wrote it.
  std::optional<std::filesystem::path> path(const std::string& name, const std::string& expected) const {
    const std::optional<std::string> text = string(name, expected);
    if (!text) return std::nullopt;
    return resolve_config_path(*text, table_.get(name)->source(), file_);
  }

 private:
  std::string key(const std::string& name) const { return "'" + section_ + "." + name + "'"; }
  std::string where(const toml::node& node) const { return position_of(node, file_); }

  const toml::table& table_;
  std::string section_;
  const std::string& file_;
};

}  // namespace

HardwareSettings read_hardware_settings(const toml::table* hardware, const std::string& file) {
  HardwareSettings settings;
  if (hardware == nullptr) return settings;
  const TableReader r(*hardware, "hardware",
                      {"device", "device_count", "cpu", "cpu_count", "catalog", "compute_dtype", "disk_offload"}, file);
  settings.device = r.string("device", "a hardware catalog id such as \"h100-sxm\" (configs/hardware/)").value_or("");
  settings.device_count = r.integer("device_count", 1).value_or(1);
  settings.cpu = r.string("cpu", "a catalog id of a host CPU such as \"epyc-9654\"").value_or("");
  settings.cpu_count = r.integer("cpu_count", 1).value_or(1);
  settings.catalog = r.path("catalog", "a catalog file or folder, relative to this file");
  if (auto dtype = r.string("compute_dtype", "fp64, fp32, tf32, bf16, fp16, fp8 or int8")) {
    if (!compute_dtype_from_name(*dtype)) {
      const toml::node& node = *hardware->get("compute_dtype");
      const std::vector<std::string> names{"fp64", "fp32", "tf32", "bf16", "fp16", "fp8", "int8"};
      fail(position_of(node, file), "'hardware.compute_dtype' is " + toml_literal(node), "one of " + one_of(names),
           did_you_mean(*dtype, names));
    }
    settings.compute_dtype = *dtype;
  }
  settings.disk_offload = r.boolean("disk_offload").value_or(false);
  return settings;
}

CostParameters read_cost_parameters(const toml::table* cost, const std::string& file) {
  CostParameters parameters;
  if (cost == nullptr) return parameters;
  const TableReader r(*cost, "cost", {"lifetime_years", "utilisation", "usd_per_kwh", "pue"}, file);
  parameters.lifetime_years = r.number("lifetime_years", 0, 100, "years of straight-line depreciation, > 0")
                                  .value_or(parameters.lifetime_years);
  parameters.utilisation =
      r.number("utilisation", 0, 1, "the fraction of the lifetime the system does paid work, in (0, 1]")
          .value_or(parameters.utilisation);
  parameters.usd_per_kwh =
      r.number("usd_per_kwh", 0, 1e6, "an energy price in USD per kWh, > 0").value_or(parameters.usd_per_kwh);
  parameters.pue = r.number("pue", 0.999999, 10, "a power usage effectiveness >= 1 (facility power / IT power)")
                       .value_or(parameters.pue);
  return parameters;
}

ReportSettings read_report_settings(const toml::table* report, const std::string& file) {
  ReportSettings settings;
  if (report == nullptr) return settings;
  const TableReader r(*report, "report", {"radar_svg"}, file);
  settings.radar_svg = r.path("radar_svg", "the SVG file to write the CAP radar to, relative to this file");
  return settings;
}

}  // namespace moecap::host::pipeline_internal
