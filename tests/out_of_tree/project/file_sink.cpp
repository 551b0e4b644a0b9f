// An out-of-tree sink written with the SDK's C++ layer: one line per record into the file the
// configuration's `path` names.
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "moecap/cpp/plugin.hpp"

namespace {

class FileSinkObject : public moecap::SinkObject {
 public:
  explicit FileSinkObject(const std::string& path) : file_(std::fopen(path.c_str(), "w")) {
    if (file_ == nullptr) throw moecap::Error(MOECAP_ERR_INVALID_ARG, "cannot create " + path);
  }
  ~FileSinkObject() override {
    if (file_ != nullptr) std::fclose(file_);
  }

  void write(const moecap_record& record) override {
    std::fprintf(file_, "%s", record.run_id != nullptr ? record.run_id : "-");
    for (int32_t i = 0; i < record.n_fields; ++i) {
      const moecap_field& field = record.fields[i];
      if (field.type == MOECAP_FIELD_INT || field.type == MOECAP_FIELD_BOOL)
        std::fprintf(file_, " %s=%lld", field.name, static_cast<long long>(field.int_value));
      else if (field.type == MOECAP_FIELD_DOUBLE)
        std::fprintf(file_, " %s=%g", field.name, field.double_value);
      else
        std::fprintf(file_, " %s=%s", field.name, field.string_value != nullptr ? field.string_value : "");
    }
    std::fputc('\n', file_);
  }
  void flush() override {
    if (std::fflush(file_) != 0) throw moecap::Error(MOECAP_ERR_INTERNAL, "flush failed");
  }
  void close() override {
    flush();
    std::fclose(file_);
    file_ = nullptr;
  }

 private:
  std::FILE* file_;
};

class FileSink : public moecap::Sink {
 public:
  FileSink() : moecap::Sink("oot_file") {}
  std::unique_ptr<moecap::SinkObject> open(moecap::Config config) override {
    return std::make_unique<FileSinkObject>(config.path("path"));
  }
};

}  // namespace

MOECAP_DEFINE_PLUGIN("oot_file", "1.0.0", "Out-of-tree Vendor", [] {
  moecap::Components components;
  components.push_back(std::make_unique<FileSink>());
  return components;
})
