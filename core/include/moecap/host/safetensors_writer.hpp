// Writes the safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's
// dtype, shape and [begin, end) byte range, padded with spaces to a multiple of 8, then the tensor bytes
// back to back (the reference reader refuses holes). Tensors are ordered by element size, largest first,
// then by name, as the Python writer does, so every tensor starts aligned to its element size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace moecap::host {

struct SafetensorsTensor {
  std::string name;
  std::string dtype;  ///< "F32", "BF16", "F16"
  std::vector<int64_t> shape;
  const std::byte* data = nullptr;  ///< nbytes bytes, little-endian; points into owned when set
  uint64_t nbytes = 0;
  std::shared_ptr<std::vector<std::byte>> owned;  ///< for tensors assembled here (fused, transposed)
};

/// Bytes per element of a safetensors dtype name; throws std::invalid_argument for others.
size_t safetensors_element_size(const std::string& dtype);

/// Writes tensors to path (replacing it). Throws std::runtime_error when the file cannot be written or a
/// tensor's nbytes does not match its shape and dtype.
void write_safetensors(const std::filesystem::path& path, std::vector<SafetensorsTensor> tensors,
                       const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

}  // namespace moecap::host
