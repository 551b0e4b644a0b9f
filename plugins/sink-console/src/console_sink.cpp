// sink-console: a human-readable summary on stdout (or stderr) — the one sink that writes to the terminal
// on purpose. It prints a header per run point and the summary as a name/value/unit table; step and
// request records are printed only when asked (they are many).
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <string>

#include "moecap/cpp/plugin.hpp"

namespace {

std::string format_value(const moecap_field& f) {
  char buffer[64];
  switch (f.type) {
    case MOECAP_FIELD_INT:
      std::snprintf(buffer, sizeof buffer, "%" PRId64, f.int_value);
      return buffer;
    case MOECAP_FIELD_BOOL:
      return f.int_value != 0 ? "true" : "false";
    case MOECAP_FIELD_DOUBLE: {
      if (!std::isfinite(f.double_value)) return "n/a";
      const double a = std::fabs(f.double_value);
      if (a != 0 && (a >= 1e7 || a < 1e-3))
        std::snprintf(buffer, sizeof buffer, "%.4e", f.double_value);
      else
        std::snprintf(buffer, sizeof buffer, "%.4f", f.double_value);
      return buffer;
    }
    case MOECAP_FIELD_STRING:
    case MOECAP_FIELD_JSON:
      return f.string_value != nullptr ? f.string_value : "";
    default:
      return "?";
  }
}

class ConsolePrinter : public moecap::SinkObject {
 public:
  ConsolePrinter(FILE* out, bool steps, bool requests, size_t max_width)
      : out_(out), steps_(steps), requests_(requests), max_width_(max_width) {}

  void write(const moecap_record& record) override {
    switch (record.type) {
      case MOECAP_RECORD_RUN:
        print_run(record);
        break;
      case MOECAP_RECORD_SUMMARY:
        print_table(record, "summary");
        break;
      case MOECAP_RECORD_STEP:
        if (steps_) print_line(record, "step");
        break;
      case MOECAP_RECORD_REQUEST:
        if (requests_) print_line(record, "request");
        break;
      default:
        break;
    }
  }
  void flush() override { std::fflush(out_); }

 private:
  std::string clip(std::string s) const {
    if (s.size() > max_width_) s = s.substr(0, max_width_ - 3) + "...";
    return s;
  }

  void print_run(const moecap_record& r) {
    std::fprintf(out_, "\n== run %s ==\n", r.run_id != nullptr ? r.run_id : "");
    for (int32_t i = 0; i < r.n_fields; ++i) {
      const moecap_field& f = r.fields[i];
      if (f.type == MOECAP_FIELD_JSON) continue;  // resolved config etc. belong in files, not the terminal
      std::fprintf(out_, "  %-24s %s\n", f.name, clip(format_value(f)).c_str());
    }
  }

  void print_table(const moecap_record& r, const char* title) {
    std::fprintf(out_, "-- %s %s --\n", title, r.run_id != nullptr ? r.run_id : "");
    for (int32_t i = 0; i < r.n_fields; ++i) {
      const moecap_field& f = r.fields[i];
      std::fprintf(out_, "  %-32s %14s %s\n", f.name, clip(format_value(f)).c_str(), f.unit != nullptr ? f.unit : "");
    }
    std::fflush(out_);
  }

  void print_line(const moecap_record& r, const char* title) {
    std::string line = title;
    for (int32_t i = 0; i < r.n_fields; ++i)
      line += " " + std::string(r.fields[i].name) + "=" + format_value(r.fields[i]);
    std::fprintf(out_, "%s\n", clip(line).c_str());
  }

  FILE* out_;
  bool steps_;
  bool requests_;
  size_t max_width_;
};

class ConsoleSink : public moecap::Sink {
 public:
  ConsoleSink() : Sink("console") {}
  std::unique_ptr<moecap::SinkObject> open(moecap::Config config) override {
    const std::string stream = config.string_or("stream", "stdout");
    FILE* out = nullptr;
    if (stream == "stdout")
      out = stdout;
    else if (stream == "stderr")
      out = stderr;
    else
      config.fail("stream", "expected \"stdout\" or \"stderr\", found \"" + stream + "\"");
    const int64_t width = config.integer_or("max_width", 160);
    if (width < 16) config.fail("max_width", "expected an integer >= 16");
    return std::make_unique<ConsolePrinter>(out, config.boolean_or("steps", false),
                                            config.boolean_or("requests", false), static_cast<size_t>(width));
  }
};

}  // namespace

MOECAP_DEFINE_PLUGIN("console", "0.1.0", "moecap", [] {
  moecap::Components components;
  components.push_back(std::make_unique<ConsoleSink>());
  return components;
})
