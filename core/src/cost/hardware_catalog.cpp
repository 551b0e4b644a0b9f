// Reads configs/hardware/*.toml (format: configs/hardware/README.md) into SI units.
//
// The TOML holds datasheet units (GB, GB/s, TFLOPS, W, USD) so each value can be checked against its
// source comment by eye; the struct holds bytes, bytes/s and FLOP/s so no caller converts. 1 GB = 1e9 bytes
// as vendors state memory and bandwidth.
#include "moecap/host/hardware_catalog.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "moecap/host/config_view.hpp"

namespace moecap::host {
namespace {

constexpr double kGiga = 1e9;
constexpr double kTera = 1e12;

struct DtypeName {
  ComputeDtype dtype;
  const char* name;
};
constexpr DtypeName kDtypeNames[] = {{ComputeDtype::fp32, "fp32"}, {ComputeDtype::tf32, "tf32"},
                                     {ComputeDtype::bf16, "bf16"}, {ComputeDtype::fp16, "fp16"},
                                     {ComputeDtype::fp8, "fp8"},   {ComputeDtype::int8, "int8"},
                                     {ComputeDtype::fp64, "fp64"}};

struct KindName {
  DeviceKind kind;
  const char* name;
};
constexpr KindName kKindNames[] = {{DeviceKind::gpu, "gpu"},
                                   {DeviceKind::cpu, "cpu"},
                                   {DeviceKind::soc, "soc"},
                                   {DeviceKind::dram, "dram"},
                                   {DeviceKind::ssd, "ssd"}};

// Top-level keys and, for each kind, the ones it must give.
constexpr const char* kKnownKeys[] = {"id",
                                      "name",
                                      "vendor",
                                      "kind",
                                      "aliases",
                                      "notes",
                                      "memory_gb",
                                      "memory_bandwidth_gb_s",
                                      "dense_peak_tflops",
                                      "tdp_w",
                                      "price_usd",
                                      "host_link_gb_s",
                                      "price_usd_per_gb",
                                      "power_w_per_gb",
                                      "capacity_gb",
                                      "read_bandwidth_gb_s",
                                      "write_bandwidth_gb_s",
                                      "threads"};

std::vector<std::string> required_keys(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::gpu:
    case DeviceKind::soc:
      return {"memory_gb", "memory_bandwidth_gb_s", "dense_peak_tflops", "tdp_w", "price_usd"};
    case DeviceKind::cpu:
      return {"memory_bandwidth_gb_s", "dense_peak_tflops", "tdp_w", "price_usd"};
    case DeviceKind::dram:
      return {"price_usd_per_gb"};
    case DeviceKind::ssd:
      return {"capacity_gb", "read_bandwidth_gb_s", "price_usd"};
  }
  return {};
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const toml::node* node, const std::string& what) const {
    const std::string where = node ? source_position(file_, node->source()) : file_;
    throw HardwareCatalogError(where + ": " + what);
  }

  std::string string(const toml::table& table, std::string_view key, bool required) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) {
      if (required) fail(&table, "missing required key '" + std::string(key) + "'");
      return {};
    }
    const auto value = node->value<std::string>();
    if (!node->is_string() || !value) fail(node, "'" + std::string(key) + "' must be a string");
    if (value->empty()) fail(node, "'" + std::string(key) + "' must not be empty");
    return *value;
  }

  double positive_number(const toml::node& node, const std::string& key) const {
    if (!node.is_number()) fail(&node, "'" + key + "' must be a number");
    const double value = *node.value<double>();
    if (!(value > 0)) fail(&node, "'" + key + "' must be > 0");
    return value;
  }

  std::optional<double> number(const toml::table& table, std::string_view key, double scale) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return std::nullopt;
    return positive_number(*node, std::string(key)) * scale;
  }

  HardwareDevice device(const toml::table& root) const {
    for (const auto& [key, node] : root) {
      const auto known = std::find(std::begin(kKnownKeys), std::end(kKnownKeys), key.str());
      if (known == std::end(kKnownKeys)) {
        std::vector<std::string> names(std::begin(kKnownKeys), std::end(kKnownKeys));
        fail(&node, "unknown key '" + std::string(key.str()) + "' (known: " + join(names) + ")");
      }
    }
    HardwareDevice device;
    device.source = file_;
    const toml::node* id_node = root.get("id");
    device.id = normalise_device_id(string(root, "id", true));
    if (device.id.empty()) fail(id_node, "'id' has no letters or digits");
    device.name = string(root, "name", true);
    device.vendor = string(root, "vendor", false);

    const std::string kind = string(root, "kind", true);
    const auto kind_it =
        std::find_if(std::begin(kKindNames), std::end(kKindNames), [&](const KindName& k) { return kind == k.name; });
    if (kind_it == std::end(kKindNames)) fail(root.get("kind"), "'kind' must be one of gpu, cpu, soc, dram, ssd");
    device.kind = kind_it->kind;

    if (const toml::node* aliases = root.get("aliases")) {
      const toml::array* array = aliases->as_array();
      if (array == nullptr) fail(aliases, "'aliases' must be an array of strings");
      for (const toml::node& alias : *array) {
        if (!alias.is_string()) fail(&alias, "'aliases' must be an array of strings");
        device.aliases.push_back(normalise_device_id(*alias.value<std::string>()));
      }
    }
    if (const toml::node* notes = root.get("notes"); notes && !notes->is_string()) {
      fail(notes, "'notes' must be a string");
    }

    device.memory_bytes = number(root, "memory_gb", kGiga);
    device.memory_bandwidth_bytes_per_s = number(root, "memory_bandwidth_gb_s", kGiga);
    device.tdp_w = number(root, "tdp_w", 1);
    device.price_usd = number(root, "price_usd", 1);
    device.host_link_bytes_per_s = number(root, "host_link_gb_s", kGiga);
    device.price_usd_per_gb = number(root, "price_usd_per_gb", 1);
    device.power_w_per_gb = number(root, "power_w_per_gb", 1);
    device.capacity_bytes = number(root, "capacity_gb", kGiga);
    device.read_bandwidth_bytes_per_s = number(root, "read_bandwidth_gb_s", kGiga);
    device.write_bandwidth_bytes_per_s = number(root, "write_bandwidth_gb_s", kGiga);
    if (const toml::node* threads = root.get("threads")) {
      if (!threads->is_integer() || threads->as_integer()->get() <= 0)
        fail(threads, "'threads' must be an integer > 0 (hardware threads of one CPU)");
      device.hardware_threads = static_cast<int>(threads->as_integer()->get());
    }

    if (const toml::node* peaks = root.get("dense_peak_tflops")) {
      const toml::table* table = peaks->as_table();
      if (table == nullptr) fail(peaks, "'dense_peak_tflops' must be a table of dtype = TFLOPS");
      for (const auto& [key, node] : *table) {
        const std::optional<ComputeDtype> dtype = compute_dtype_from_name(key.str());
        if (!dtype)
          fail(&node,
               "unknown dtype '" + std::string(key.str()) + "' (known: fp64, fp32, tf32, bf16, fp16, fp8, int8)");
        device.dense_peak_flops_per_s[*dtype] =
            positive_number(node, "dense_peak_tflops." + std::string(key.str())) * kTera;
      }
      if (device.dense_peak_flops_per_s.empty()) fail(peaks, "'dense_peak_tflops' must give at least one dtype");
    }
    for (const std::string& key : required_keys(device.kind)) {
      if (!root.contains(key))
        fail(&root, "a '" + kind + "' entry needs '" + key + "' (see configs/hardware/README.md)");
    }
    return device;
  }

 private:
  std::string file_;
};

}  // namespace

const char* device_kind_name(DeviceKind kind) {
  for (const KindName& k : kKindNames) {
    if (k.kind == kind) return k.name;
  }
  return "?";
}

const char* compute_dtype_name(ComputeDtype dtype) {
  for (const DtypeName& d : kDtypeNames) {
    if (d.dtype == dtype) return d.name;
  }
  return "?";
}

std::optional<ComputeDtype> compute_dtype_from_name(std::string_view name) {
  for (const DtypeName& d : kDtypeNames) {
    if (name == d.name) return d.dtype;
  }
  return std::nullopt;
}

std::string normalise_device_id(std::string_view text) {
  std::string out;
  bool pending_dash = false;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool alnum = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9');
    if (!alnum) {
      pending_dash = !out.empty();
      continue;
    }
    if (pending_dash) out += '-';
    pending_dash = false;
    out += static_cast<char>(u >= 'A' && u <= 'Z' ? u - 'A' + 'a' : u);
  }
  return out;
}

double HardwareDevice::peak_flops(ComputeDtype dtype) const {
  const auto it = dense_peak_flops_per_s.find(dtype);
  if (it == dense_peak_flops_per_s.end()) {
    std::vector<std::string> have;
    for (const auto& [d, value] : dense_peak_flops_per_s) have.emplace_back(compute_dtype_name(d));
    throw std::out_of_range("hardware '" + id + "' has no dense " + compute_dtype_name(dtype) +
                            " peak (it has: " + join(have) + ")");
  }
  return it->second;
}

HardwarePeaks HardwareDevice::peaks(ComputeDtype dtype, int count) const {
  if (count <= 0) throw std::invalid_argument("hardware '" + id + "': device count must be > 0");
  if (!memory_bandwidth_bytes_per_s) throw std::out_of_range("hardware '" + id + "' has no memory bandwidth");
  return {*memory_bandwidth_bytes_per_s * count, peak_flops(dtype) * count};
}

HardwareCatalog HardwareCatalog::parse(std::string_view toml_text, const std::string& file) {
  toml::table root;
  try {
    root = toml::parse(toml_text, file);
  } catch (const toml::parse_error& error) {
    throw HardwareCatalogError(source_position(file, error.source()) + ": " + std::string(error.description()));
  }
  HardwareCatalog catalog;
  Reader reader(file);
  HardwareDevice device = reader.device(root);
  try {
    catalog.add(std::move(device));
  } catch (const HardwareCatalogError& error) {
    reader.fail(root.get("id"), error.what());
  }
  return catalog;
}

HardwareCatalog HardwareCatalog::load(const std::filesystem::path& file_or_folder) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  if (fs::is_directory(file_or_folder)) {
    for (const fs::directory_entry& entry : fs::directory_iterator(file_or_folder)) {
      if (entry.is_regular_file() && entry.path().extension() == ".toml") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
  } else if (fs::is_regular_file(file_or_folder)) {
    files.push_back(file_or_folder);
  } else {
    throw HardwareCatalogError(file_or_folder.string() + ": no such file or folder");
  }
  HardwareCatalog catalog;
  for (const fs::path& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw HardwareCatalogError(path.string() + ": cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    const HardwareCatalog one = parse(text.str(), path.string());
    try {
      catalog.merge(one);
    } catch (const HardwareCatalogError& error) {
      throw HardwareCatalogError(path.string() + ": " + error.what());
    }
  }
  return catalog;
}

void HardwareCatalog::add(HardwareDevice device) {
  std::vector<std::string> keys{device.id};
  keys.insert(keys.end(), device.aliases.begin(), device.aliases.end());
  for (const std::string& key : keys) {
    const auto it = index_.find(key);
    if (it != index_.end() && it->second != devices_.size()) {
      throw HardwareCatalogError("'" + key + "' already names hardware '" + devices_[it->second].id + "' (" +
                                 devices_[it->second].source + ")");
    }
  }
  for (const std::string& key : keys) index_[key] = devices_.size();
  devices_.push_back(std::move(device));
}

void HardwareCatalog::merge(const HardwareCatalog& other) {
  for (const HardwareDevice& device : other.devices_) add(device);
}

const HardwareDevice* HardwareCatalog::find(std::string_view id_or_alias) const {
  const auto it = index_.find(normalise_device_id(id_or_alias));
  return it == index_.end() ? nullptr : &devices_[it->second];
}

const HardwareDevice& HardwareCatalog::at(std::string_view id_or_alias) const {
  if (const HardwareDevice* device = find(id_or_alias)) return *device;
  std::vector<std::string> ids;
  for (const HardwareDevice& device : devices_) ids.push_back(device.id);
  throw std::out_of_range("no hardware '" + std::string(id_or_alias) + "' in the catalog (known: " + join(ids) + ")");
}

}  // namespace moecap::host
