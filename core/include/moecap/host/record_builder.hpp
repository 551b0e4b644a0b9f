// Builds one moecap_record (run, step, request or summary) for the sinks.
//
// Fields keep their insertion order (sinks print them in that order). The builder owns every string the
// record points to, so the record stays valid until the builder changes or dies.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "moecap/sink.h"

namespace moecap::host {

class RecordBuilder {
 public:
  RecordBuilder(int32_t type, std::string run_id);

  RecordBuilder& add_int(std::string_view name, int64_t value, std::string_view unit = "");
  RecordBuilder& add_double(std::string_view name, double value, std::string_view unit = "");
  RecordBuilder& add_string(std::string_view name, std::string_view value);
  RecordBuilder& add_bool(std::string_view name, bool value);
  /// value must be one valid JSON value (callers produce it with nlohmann::json::dump()).
  RecordBuilder& add_json(std::string_view name, std::string_view json, std::string_view unit = "");

  /// The record; valid until the next add_* call or the builder's destruction.
  const moecap_record& record();

  int32_t type() const { return type_; }
  size_t size() const { return fields_.size(); }
  const moecap_field& field(size_t i) const { return fields_[i]; }

 private:
  const char* keep(std::string_view s);
  moecap_field& add(std::string_view name, std::string_view unit, int32_t type);

  int32_t type_;
  std::string run_id_;
  std::deque<std::string> strings_;  // deque: stable addresses as it grows
  std::vector<moecap_field> fields_;
  moecap_record record_{};
};

}  // namespace moecap::host
