// The hardware catalog: one TOML file per device under configs/hardware/ (format in
// configs/hardware/README.md), read into SI units and looked up by a normalised id.
//
// One entry per device carries bandwidth, dense FLOP/s, memory, TDP and price together, so a device can
// never have a bandwidth but no price (moe-cap-method.md §13.5). Peaks are dense: a 2:4-sparsity figure
// never enters (§6.2 K5).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "moecap/host/hardware_peaks.hpp"

namespace moecap::host {

enum class DeviceKind { gpu, cpu, soc, dram, ssd };
const char* device_kind_name(DeviceKind kind);

/// Compute dtypes a catalog gives dense peaks for. int8 is in operations/s. fp64 is what backend-reference
/// computes in (most GPU entries leave it out; `moecap probe` measures it).
enum class ComputeDtype { fp32, tf32, bf16, fp16, fp8, int8, fp64 };
const char* compute_dtype_name(ComputeDtype dtype);
/// "bf16" → bf16 …; nullopt for an unknown name.
std::optional<ComputeDtype> compute_dtype_from_name(std::string_view name);

/// One catalog entry, in SI units. Optional members are absent when the file does not give them (which
/// keys each kind requires is in configs/hardware/README.md).
struct HardwareDevice {
  std::string id;    ///< normalised (see normalise_device_id)
  std::string name;  ///< marketing name
  std::string vendor;
  DeviceKind kind = DeviceKind::gpu;
  std::vector<std::string> aliases;  ///< normalised; e.g. the nvidia-smi name
  std::optional<double> memory_bytes;
  std::optional<double> memory_bandwidth_bytes_per_s;
  std::map<ComputeDtype, double> dense_peak_flops_per_s;
  std::optional<double> tdp_w;
  std::optional<double> price_usd;
  std::optional<double> host_link_bytes_per_s;        ///< per direction
  std::optional<double> price_usd_per_gb;             ///< dram
  std::optional<double> power_w_per_gb;               ///< dram
  std::optional<double> capacity_bytes;               ///< ssd
  std::optional<double> read_bandwidth_bytes_per_s;   ///< ssd
  std::optional<double> write_bandwidth_bytes_per_s;  ///< ssd
  std::optional<int> hardware_threads;                ///< cpu: hardware threads of one CPU (SMT included)
  std::string source;                                 ///< "file" it was read from

  /// The dense peak of a dtype; throws std::out_of_range naming the device and the dtypes it has.
  double peak_flops(ComputeDtype dtype) const;
  /// count × this device's bandwidth and dense peak for dtype; throws when either is absent.
  HardwarePeaks peaks(ComputeDtype dtype, int count = 1) const;
};

/// Catalog input errors: the message starts with "file:line:col: ".
class HardwareCatalogError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Lower-case; every run of characters other than [a-z0-9] becomes one '-'; no leading/trailing '-'.
/// "NVIDIA H100 80GB HBM3" → "nvidia-h100-80gb-hbm3".
std::string normalise_device_id(std::string_view text);

class HardwareCatalog {
 public:
  /// Reads one .toml file, or every *.toml file of a folder (not recursive; README.md and other files are
  /// ignored), in name order. Throws HardwareCatalogError on a parse error, an unknown key, a wrong type, a
  /// missing required key, a non-positive value or an id/alias defined twice.
  static HardwareCatalog load(const std::filesystem::path& file_or_folder);
  /// Parses one document (file is used in messages only).
  static HardwareCatalog parse(std::string_view toml_text, const std::string& file);

  /// Adds every device of `other`; throws HardwareCatalogError on a duplicate id or alias.
  void merge(const HardwareCatalog& other);

  /// Finds by id or alias after normalisation; nullptr when absent.
  const HardwareDevice* find(std::string_view id_or_alias) const;
  /// As find, but throws std::out_of_range listing the known ids.
  const HardwareDevice& at(std::string_view id_or_alias) const;
  const std::vector<HardwareDevice>& devices() const { return devices_; }

 private:
  void add(HardwareDevice device);
  std::vector<HardwareDevice> devices_;
  std::map<std::string, size_t, std::less<>> index_;  ///< normalised id or alias → devices_ index
};

}  // namespace moecap::host
