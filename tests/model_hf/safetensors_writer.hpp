// Test helper: writes safetensors files, well-formed or deliberately broken, into a fresh temporary folder.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace moecap::hf::testing {

/// A temporary directory removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct TensorSpec {
  std::string name;
  std::string dtype = "F32";
  std::vector<int64_t> shape;
  std::vector<float> values;  ///< F32 values (for other dtypes, zero bytes of the right size are written)
};

/// The raw bytes of a safetensors file holding tensors, laid out back to back.
std::string safetensors_bytes(const std::vector<TensorSpec>& tensors);
/// The raw bytes of a file with header_json as its header and data_size zero bytes after it.
std::string safetensors_raw(const std::string& header_json, size_t data_size);
void write_file(const std::string& path, const std::string& bytes);

}  // namespace moecap::hf::testing
