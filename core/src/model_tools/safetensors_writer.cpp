#include "moecap/host/safetensors_writer.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace moecap::host {

size_t safetensors_element_size(const std::string& dtype) {
  if (dtype == "F32") return 4;
  if (dtype == "BF16" || dtype == "F16") return 2;
  throw std::invalid_argument("safetensors dtype '" + dtype + "' cannot be written (F32, BF16, F16)");
}

void write_safetensors(const std::filesystem::path& path, std::vector<SafetensorsTensor> tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::stable_sort(tensors.begin(), tensors.end(), [](const SafetensorsTensor& a, const SafetensorsTensor& b) {
    const size_t sa = safetensors_element_size(a.dtype), sb = safetensors_element_size(b.dtype);
    return sa != sb ? sa > sb : a.name < b.name;
  });
  nlohmann::ordered_json header;
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const SafetensorsTensor& t : tensors) {
    uint64_t elements = 1;
    for (int64_t s : t.shape) elements *= static_cast<uint64_t>(s);
    if (elements * safetensors_element_size(t.dtype) != t.nbytes)
      throw std::runtime_error(path.string() + ": tensor '" + t.name + "' holds " + std::to_string(t.nbytes) +
                               " bytes, its shape and dtype need " +
                               std::to_string(elements * safetensors_element_size(t.dtype)));
    header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.nbytes}}};
    offset += t.nbytes;
  }
  std::string text = header.dump();
  text.append((8 - (8 + text.size()) % 8) % 8, ' ');  // data starts 8-aligned
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error(path.string() + ": cannot create");
  unsigned char length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>((uint64_t{text.size()} >> (8 * i)) & 0xff);
  out.write(reinterpret_cast<const char*>(length), 8);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  for (const SafetensorsTensor& t : tensors)
    out.write(reinterpret_cast<const char*>(t.data), static_cast<std::streamsize>(t.nbytes));
  out.flush();
  if (!out) throw std::runtime_error(path.string() + ": write failed");
}

}  // namespace moecap::host
