// sink-jsonl: every record as one JSON object per line — the lossless store `moecap analyze` reads back.
//
// Line shape: {"record": "step", "run_id": "...", <field>: <value>, ...}. JSON fields are embedded as JSON,
// NaN doubles become null. The file is flushed after each RUN and SUMMARY record and on close, so an
// interrupted run keeps everything up to its last completed point.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "moecap/cpp/plugin.hpp"

namespace {

const char* record_name(int32_t type) {
  switch (type) {
    case MOECAP_RECORD_RUN:
      return "run";
    case MOECAP_RECORD_STEP:
      return "step";
    case MOECAP_RECORD_REQUEST:
      return "request";
    case MOECAP_RECORD_SUMMARY:
      return "summary";
    default:
      return nullptr;
  }
}

nlohmann::ordered_json field_value(const moecap_field& field) {
  switch (field.type) {
    case MOECAP_FIELD_INT:
      return field.int_value;
    case MOECAP_FIELD_BOOL:
      return field.int_value != 0;
    case MOECAP_FIELD_DOUBLE:
      if (!std::isfinite(field.double_value)) return nullptr;
      return field.double_value;
    case MOECAP_FIELD_STRING:
      return field.string_value != nullptr ? field.string_value : "";
    case MOECAP_FIELD_JSON: {
      if (field.string_value == nullptr) return nullptr;
      auto parsed = nlohmann::ordered_json::parse(field.string_value, nullptr, /*allow_exceptions=*/false);
      if (parsed.is_discarded())
        throw moecap::Error(MOECAP_ERR_INVALID_ARG,
                            std::string("field '") + field.name + "' is declared JSON but does not parse");
      return parsed;
    }
    default:
      return nullptr;  // unknown field types are skipped, not guessed (ABI-6)
  }
}

class JsonlFile : public moecap::SinkObject {
 public:
  JsonlFile(const std::string& path, bool append) : path_(path) {
    std::filesystem::path p(path);
    if (p.has_parent_path()) {
      std::error_code ec;
      std::filesystem::create_directories(p.parent_path(), ec);
      if (ec)
        throw moecap::Error(MOECAP_ERR_INVALID_ARG,
                            "cannot create folder " + p.parent_path().string() + ": " + ec.message());
    }
    out_.open(path, append ? std::ios::app : std::ios::trunc);
    if (!out_) throw moecap::Error(MOECAP_ERR_INVALID_ARG, "cannot open " + path + " for writing");
  }

  void write(const moecap_record& record) override {
    const char* name = record_name(record.type);
    if (name == nullptr) return;  // a newer host's record type: ignore (ABI-6)
    nlohmann::ordered_json line;
    line["record"] = name;
    if (record.run_id != nullptr) line["run_id"] = record.run_id;
    for (int32_t i = 0; i < record.n_fields; ++i) {
      const moecap_field& f = record.fields[i];
      if (f.name == nullptr) continue;
      nlohmann::ordered_json v = field_value(f);
      if (f.type == MOECAP_FIELD_INT || f.type == MOECAP_FIELD_DOUBLE || f.type == MOECAP_FIELD_STRING ||
          f.type == MOECAP_FIELD_BOOL || f.type == MOECAP_FIELD_JSON)
        line[f.name] = std::move(v);
    }
    out_ << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    if (!out_) throw moecap::Error(MOECAP_ERR_UNAVAILABLE, "write to " + path_ + " failed");
    if (record.type == MOECAP_RECORD_RUN || record.type == MOECAP_RECORD_SUMMARY) flush();
  }

  void flush() override {
    out_.flush();
    if (!out_) throw moecap::Error(MOECAP_ERR_UNAVAILABLE, "flush of " + path_ + " failed");
  }

  void close() override {
    flush();
    out_.close();
  }

 private:
  std::string path_;
  std::ofstream out_;
};

class JsonlSink : public moecap::Sink {
 public:
  JsonlSink() : Sink("jsonl") {}
  std::unique_ptr<moecap::SinkObject> open(moecap::Config config) override {
    if (!config.has("path")) config.fail("path", "the jsonl sink needs 'path', the file to write");
    return std::make_unique<JsonlFile>(config.path("path"), config.boolean_or("append", false));
  }
};

}  // namespace

MOECAP_DEFINE_PLUGIN("jsonl", "0.1.0", "moecap", [] {
  moecap::Components components;
  components.push_back(std::make_unique<JsonlSink>());
  return components;
})
