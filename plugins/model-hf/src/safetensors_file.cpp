#include "safetensors_file.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "moecap/cpp/host.hpp"

namespace moecap::hf {

SafetensorsFile::SafetensorsFile(const std::string& path)
    : mapping_(path), header_(parse_safetensors_header(mapping_.bytes(), path)) {
  for (size_t i = 0; i < header_.entries.size(); ++i) {
    const auto& entry = header_.entries[i];
    index_.emplace(entry.name, i);
    const size_t offset = header_.data_start + entry.begin;
    if (offset % dtype_size(entry.dtype) != 0 && entry.nbytes() > 0) {
      // new[] of std::byte is aligned for any fundamental type.
      auto copy = std::make_unique<std::byte[]>(entry.nbytes());
      std::memcpy(copy.get(), mapping_.bytes().data() + offset, entry.nbytes());
      aligned_copies_.emplace(&entry, std::move(copy));
    }
  }
}

const SafetensorsEntry* SafetensorsFile::find(const std::string& name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : &header_.entries[it->second];
}

StoredTensor SafetensorsFile::tensor(const SafetensorsEntry& entry) const {
  StoredTensor out;
  out.entry = &entry;
  out.file = &path();
  const auto copy = aligned_copies_.find(&entry);
  if (copy != aligned_copies_.end())
    out.bytes = {copy->second.get(), entry.nbytes()};
  else
    out.bytes = mapping_.bytes().subspan(header_.data_start + entry.begin, entry.nbytes());
  return out;
}

namespace {

float half_to_float(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0x1f) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  if (exponent == 0) return (sign ? -1.0f : 1.0f) * std::ldexp(static_cast<float>(mantissa), -24);
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

}  // namespace

void check_finite(const StoredTensor& tensor) {
  const auto dtype = tensor.entry->dtype;
  const size_t size = dtype_size(dtype);
  const size_t n = tensor.bytes.size() / size;
  for (size_t i = 0; i < n; ++i) {
    const std::byte* p = tensor.bytes.data() + i * size;
    double value = 0;
    if (dtype == SafetensorsDtype::F32) {
      float f;
      std::memcpy(&f, p, 4);
      value = f;
    } else if (dtype == SafetensorsDtype::F64) {
      std::memcpy(&value, p, 8);
    } else if (dtype == SafetensorsDtype::F16 || dtype == SafetensorsDtype::BF16) {
      uint16_t bits;
      std::memcpy(&bits, p, 2);
      value = dtype == SafetensorsDtype::F16 ? half_to_float(bits) : std::bit_cast<float>(uint32_t{bits} << 16);
    } else {
      return;
    }
    if (!std::isfinite(value))
      throw Error(MOECAP_ERR_INVALID_ARG, *tensor.file + ": tensor '" + tensor.entry->name + "': element " +
                                              std::to_string(i) + " is " + (std::isnan(value) ? "NaN" : "infinite"));
  }
}

}  // namespace moecap::hf
