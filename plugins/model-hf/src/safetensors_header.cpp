#include "safetensors_header.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "moecap/cpp/host.hpp"

namespace moecap::hf {
namespace {

struct DtypeInfo {
  SafetensorsDtype dtype;
  const char* name;
  size_t size;
};
constexpr std::array<DtypeInfo, 15> kDtypes{{
    {SafetensorsDtype::F64, "F64", 8},
    {SafetensorsDtype::F32, "F32", 4},
    {SafetensorsDtype::F16, "F16", 2},
    {SafetensorsDtype::BF16, "BF16", 2},
    {SafetensorsDtype::I64, "I64", 8},
    {SafetensorsDtype::I32, "I32", 4},
    {SafetensorsDtype::I16, "I16", 2},
    {SafetensorsDtype::I8, "I8", 1},
    {SafetensorsDtype::U8, "U8", 1},
    {SafetensorsDtype::U16, "U16", 2},
    {SafetensorsDtype::U32, "U32", 4},
    {SafetensorsDtype::U64, "U64", 8},
    {SafetensorsDtype::BOOL, "BOOL", 1},
    {SafetensorsDtype::F8_E4M3, "F8_E4M3", 1},
    {SafetensorsDtype::F8_E5M2, "F8_E5M2", 1},
}};

const DtypeInfo& info(SafetensorsDtype dtype) {
  for (const auto& d : kDtypes)
    if (d.dtype == dtype) return d;
  return kDtypes[0];  // unreachable: every enumerator is in the table
}

// A header this large is certainly corrupt; refusing it early avoids a huge allocation in the JSON parser.
constexpr uint64_t kMaxHeaderBytes = 100u * 1024u * 1024u;

[[noreturn]] void fail(const std::string& file, const std::string& message) {
  throw Error(MOECAP_ERR_INVALID_ARG, file + ": " + message);
}
[[noreturn]] void fail_tensor(const std::string& file, const std::string& tensor, const std::string& message) {
  fail(file, "tensor '" + tensor + "': " + message);
}

uint64_t read_u64_le(std::span<const std::byte> bytes) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint64_t>(bytes[static_cast<size_t>(i)]);
  return v;
}

SafetensorsEntry parse_entry(const std::string& file, const std::string& name, const nlohmann::json& value,
                             uint64_t data_size) {
  if (!value.is_object()) fail_tensor(file, name, "entry is not a JSON object");
  SafetensorsEntry entry;
  entry.name = name;

  const auto dtype_it = value.find("dtype");
  if (dtype_it == value.end() || !dtype_it->is_string()) fail_tensor(file, name, "missing string \"dtype\"");
  const auto& dtype_str = dtype_it->get_ref<const std::string&>();
  const auto known =
      std::find_if(kDtypes.begin(), kDtypes.end(), [&](const DtypeInfo& d) { return dtype_str == d.name; });
  if (known == kDtypes.end()) fail_tensor(file, name, "unknown dtype \"" + dtype_str + "\"");
  entry.dtype = known->dtype;

  const auto shape_it = value.find("shape");
  if (shape_it == value.end() || !shape_it->is_array()) fail_tensor(file, name, "missing array \"shape\"");
  uint64_t elements = 1;
  bool overflow = false;
  for (const auto& dim : *shape_it) {
    if (!dim.is_number_unsigned()) fail_tensor(file, name, "shape holds a value that is not a non-negative integer");
    const uint64_t d = dim.get<uint64_t>();
    if (d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      fail_tensor(file, name, "shape dimension too large");
    entry.shape.push_back(static_cast<int64_t>(d));
    if (d != 0 && elements > std::numeric_limits<uint64_t>::max() / d) overflow = true;
    elements *= d;
  }

  const auto offsets_it = value.find("data_offsets");
  if (offsets_it == value.end() || !offsets_it->is_array() || offsets_it->size() != 2 ||
      !(*offsets_it)[0].is_number_unsigned() || !(*offsets_it)[1].is_number_unsigned())
    fail_tensor(file, name, "\"data_offsets\" must be two non-negative integers");
  entry.begin = (*offsets_it)[0].get<uint64_t>();
  entry.end = (*offsets_it)[1].get<uint64_t>();
  if (entry.begin > entry.end)
    fail_tensor(file, name,
                "data_offsets [" + std::to_string(entry.begin) + ", " + std::to_string(entry.end) + "] run backwards");
  if (entry.end > data_size)
    fail_tensor(file, name,
                "data_offsets [" + std::to_string(entry.begin) + ", " + std::to_string(entry.end) +
                    "] run past the end of the data (" + std::to_string(data_size) + " bytes; file truncated?)");

  const uint64_t element_size = known->size;
  if (overflow || (elements != 0 && elements > std::numeric_limits<uint64_t>::max() / element_size))
    fail_tensor(file, name, "shape has too many elements");
  if (elements * element_size != entry.nbytes())
    fail_tensor(file, name,
                "dtype " + dtype_str + " and shape need " + std::to_string(elements * element_size) +
                    " bytes but data_offsets span " + std::to_string(entry.nbytes()));
  return entry;
}

}  // namespace

size_t dtype_size(SafetensorsDtype dtype) {
  return info(dtype).size;
}
const char* dtype_name(SafetensorsDtype dtype) {
  return info(dtype).name;
}
bool dtype_loadable(SafetensorsDtype dtype) {
  return dtype == SafetensorsDtype::F32 || dtype == SafetensorsDtype::F16 || dtype == SafetensorsDtype::BF16;
}

SafetensorsHeader parse_safetensors_header(std::span<const std::byte> file_bytes, const std::string& file) {
  if (file_bytes.size() < 8)
    fail(file, "truncated: " + std::to_string(file_bytes.size()) + " bytes, shorter than the 8-byte header length");
  const uint64_t header_len = read_u64_le(file_bytes.first(8));
  if (header_len > file_bytes.size() - 8)
    fail(file, "header length " + std::to_string(header_len) + " runs past the end of the file (" +
                   std::to_string(file_bytes.size()) + " bytes; truncated?)");
  if (header_len > kMaxHeaderBytes) fail(file, "header length " + std::to_string(header_len) + " is implausibly large");

  SafetensorsHeader header;
  header.data_start = 8 + header_len;
  header.data_size = file_bytes.size() - header.data_start;

  const auto* text = reinterpret_cast<const char*>(file_bytes.data() + 8);
  // nlohmann keeps the last of duplicate keys silently; the callback sees every top-level key first.
  std::set<std::string> seen_keys;
  std::string duplicate;
  nlohmann::json::parser_callback_t on_event = [&](int depth, nlohmann::json::parse_event_t event,
                                                   nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::key && depth == 1 && parsed.is_string()) {
      if (!seen_keys.insert(parsed.get<std::string>()).second && duplicate.empty())
        duplicate = parsed.get<std::string>();
    }
    return true;
  };
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text, text + header_len, on_event);
  } catch (const nlohmann::json::exception& e) {
    fail(file, std::string("header is not valid JSON: ") + e.what());
  }
  if (!json.is_object()) fail(file, "header is not a JSON object");
  if (!duplicate.empty()) fail_tensor(file, duplicate, "appears twice in the header");

  for (const auto& [key, value] : json.items()) {
    if (key == "__metadata__") {
      if (!value.is_object()) fail(file, "\"__metadata__\" is not an object");
      for (const auto& [mk, mv] : value.items())
        if (mv.is_string()) header.metadata[mk] = mv.get<std::string>();
      continue;
    }
    header.entries.push_back(parse_entry(file, key, value, header.data_size));
  }

  std::sort(header.entries.begin(), header.entries.end(), [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
    return std::pair(a.begin, a.end) < std::pair(b.begin, b.end);
  });
  // Sorted by begin, a tensor overlaps an earlier one exactly when it starts before the furthest end seen.
  const SafetensorsEntry* furthest = nullptr;
  for (const auto& cur : header.entries) {
    if (cur.nbytes() == 0) continue;
    if (furthest != nullptr && cur.begin < furthest->end)
      fail_tensor(file, cur.name,
                  "data_offsets [" + std::to_string(cur.begin) + ", " + std::to_string(cur.end) + "] overlap tensor '" +
                      furthest->name + "' [" + std::to_string(furthest->begin) + ", " + std::to_string(furthest->end) +
                      "]");
    if (furthest == nullptr || cur.end > furthest->end) furthest = &cur;
  }
  return header;
}

}  // namespace moecap::hf
