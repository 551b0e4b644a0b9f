#include "safetensors_writer.hpp"

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

namespace moecap::hf::testing {

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() / ("moecap-hf-test-" + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}
TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {
size_t element_size(const std::string& dtype) {
  if (dtype == "F32" || dtype == "I32") return 4;
  if (dtype == "F16" || dtype == "BF16") return 2;
  if (dtype == "F64" || dtype == "I64") return 8;
  return 1;
}
}  // namespace

std::string safetensors_raw(const std::string& header_json, size_t data_size) {
  std::string out(8, '\0');
  uint64_t n = header_json.size();
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xFF);
  out += header_json;
  out.append(data_size, '\0');
  return out;
}

std::string safetensors_bytes(const std::vector<TensorSpec>& tensors) {
  nlohmann::json header = nlohmann::json::object();
  std::string data;
  for (const auto& t : tensors) {
    size_t count = 1;
    for (const auto d : t.shape) count *= static_cast<size_t>(d);
    const size_t begin = data.size();
    if (t.dtype == "F32" && !t.values.empty()) {
      data.append(reinterpret_cast<const char*>(t.values.data()), t.values.size() * 4);
    } else {
      data.append(count * element_size(t.dtype), '\0');
    }
    header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {begin, data.size()}}};
  }
  std::string text = header.dump();
  while ((8 + text.size()) % 8 != 0) text += ' ';  // as the reference writer pads
  std::string out = safetensors_raw(text, 0);
  return out + data;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace moecap::hf::testing
