#include "moecap/host/record_builder.hpp"

namespace moecap::host {

RecordBuilder::RecordBuilder(int32_t type, std::string run_id) : type_(type), run_id_(std::move(run_id)) {}

const char* RecordBuilder::keep(std::string_view s) {
  strings_.emplace_back(s);
  return strings_.back().c_str();
}

moecap_field& RecordBuilder::add(std::string_view name, std::string_view unit, int32_t type) {
  moecap_field field{};
  field.name = keep(name);
  field.unit = keep(unit);
  field.type = type;
  fields_.push_back(field);
  return fields_.back();
}

RecordBuilder& RecordBuilder::add_int(std::string_view name, int64_t value, std::string_view unit) {
  add(name, unit, MOECAP_FIELD_INT).int_value = value;
  return *this;
}
RecordBuilder& RecordBuilder::add_double(std::string_view name, double value, std::string_view unit) {
  add(name, unit, MOECAP_FIELD_DOUBLE).double_value = value;
  return *this;
}
RecordBuilder& RecordBuilder::add_string(std::string_view name, std::string_view value) {
  const char* kept = keep(value);
  add(name, "", MOECAP_FIELD_STRING).string_value = kept;
  return *this;
}
RecordBuilder& RecordBuilder::add_bool(std::string_view name, bool value) {
  add(name, "", MOECAP_FIELD_BOOL).int_value = value ? 1 : 0;
  return *this;
}
RecordBuilder& RecordBuilder::add_json(std::string_view name, std::string_view json, std::string_view unit) {
  const char* kept = keep(json);
  add(name, unit, MOECAP_FIELD_JSON).string_value = kept;
  return *this;
}

const moecap_record& RecordBuilder::record() {
  record_ = moecap_record{};
  record_.struct_size = sizeof(moecap_record);
  record_.abi_minor = MOECAP_ABI_MINOR;
  record_.type = type_;
  record_.n_fields = static_cast<int32_t>(fields_.size());
  record_.fields = fields_.data();
  record_.run_id = run_id_.c_str();
  return record_;
}

}  // namespace moecap::host
