// The safetensors header: an 8-byte little-endian length, a JSON table of tensors, then the data.
//
// Parsing is separate from file access so that the fuzz target can feed it arbitrary bytes. Every check
// the format allows is made here, before any tensor byte is touched: header length within the file, JSON
// well-formed, each entry's dtype known, shape non-negative, offsets within the data and not overlapping,
// byte size = product(shape) * element size (overflow-checked), no duplicate names. Holes between tensors
// are accepted (readers in the wild tolerate them; they cannot make a view read out of range).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace moecap::hf {

/// Element types named in safetensors headers. Only F32, F16 and BF16 can be loaded; the others are
/// recognised so that the error can say which dtype it met.
enum class SafetensorsDtype { F64, F32, F16, BF16, I64, I32, I16, I8, U8, U16, U32, U64, BOOL, F8_E4M3, F8_E5M2 };

/// Bytes per element of a dtype.
size_t dtype_size(SafetensorsDtype dtype);
/// The header's spelling ("F32", "BF16" …).
const char* dtype_name(SafetensorsDtype dtype);
/// True for the dtypes moecap loads (F32, F16, BF16).
bool dtype_loadable(SafetensorsDtype dtype);

/// One tensor's entry: where its bytes lie relative to the start of the data section.
struct SafetensorsEntry {
  std::string name;
  SafetensorsDtype dtype{};
  std::vector<int64_t> shape;
  uint64_t begin = 0;  ///< offset from the start of the data section
  uint64_t end = 0;    ///< one past the last byte
  uint64_t nbytes() const { return end - begin; }
};

struct SafetensorsHeader {
  std::vector<SafetensorsEntry> entries;        ///< in file order of data offsets
  std::map<std::string, std::string> metadata;  ///< "__metadata__" (string values only)
  uint64_t data_start = 0;                      ///< absolute offset of the data section in the file
  uint64_t data_size = 0;                       ///< bytes from data_start to the end of the file
};

/// Parses and validates the header of a whole safetensors file held in file_bytes. file_label names the
/// file in errors. Throws moecap::Error(INVALID_ARG) whose message starts with file_label and names the
/// offending tensor when there is one. Never reads outside file_bytes.
SafetensorsHeader parse_safetensors_header(std::span<const std::byte> file_bytes, const std::string& file_label);

}  // namespace moecap::hf
