// One .safetensors file: mapped once, its tensors handed out as zero-copy views into the mapping.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "mapped_file.hpp"
#include "safetensors_header.hpp"

namespace moecap::hf {

/// A borrowed view of one stored tensor; valid while the file (or checkpoint) that produced it lives.
struct StoredTensor {
  const SafetensorsEntry* entry = nullptr;  ///< name, dtype, shape
  std::span<const std::byte> bytes;         ///< exactly entry->nbytes() bytes
  const std::string* file = nullptr;        ///< the file it lies in, for error messages
};

class SafetensorsFile {
 public:
  /// Maps and validates path; throws moecap::Error naming the file (and tensor) on any defect.
  explicit SafetensorsFile(const std::string& path);

  const std::string& path() const { return mapping_.path(); }
  const SafetensorsHeader& header() const { return header_; }
  /// nullptr when the file holds no tensor of that name.
  const SafetensorsEntry* find(const std::string& name) const;
  /// The tensor's bytes. An entry whose address is not a multiple of its element size (a header length that
  /// is not padded, as some writers produce) is served from an aligned copy made once at open, so every view
  /// can be read as its element type.
  StoredTensor tensor(const SafetensorsEntry& entry) const;

 private:
  MappedFile mapping_;
  SafetensorsHeader header_;
  std::unordered_map<std::string, size_t> index_;
  std::unordered_map<const SafetensorsEntry*, std::unique_ptr<std::byte[]>> aligned_copies_;
};

/// Throws moecap::Error(INVALID_ARG) naming the file, the tensor and the first offending element when a
/// floating-point tensor holds NaN or ±Inf. Other dtypes pass. Optional: costs a full read of the data.
void check_finite(const StoredTensor& tensor);

}  // namespace moecap::hf
