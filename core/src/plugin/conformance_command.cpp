// `moecap conformance <plugin.so>`: the numbered requirements of sdk/docs/CONFORMANCE.md, run against one
// library through the raw C tables (not the proxies), so the kit sees exactly what a host would.
//
// Levels: load (BE-LOAD-01..05), metadata (BE-META-01/02), lifecycle (BE-LIFE-01 plus the per-kind
// SK-LIFE-02, MD-LIFE-02, TK-LIFE-02), errors (BE-ERR-01/02), numerics (BE-NUM-01..03, backends only: whole
// models against backend-reference, through the host's proxies, since what is checked there is the numbers a
// run would see, not the C tables). The BE- ids apply to every plugin kind; they keep the names of
// plugin-abi.md §4.12. A crash in the plugin ends the run (and fails it).
#include <toml++/toml.h>

#include <algorithm>
#include <boost/dll/shared_library.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <regex>
#include <set>
#include <sstream>

#include "component_tables.hpp"
#include "elf_exports.hpp"
#include "moecap/host/commands.hpp"
#include "moecap/host/config_view.hpp"
#include "moecap/host/host_services.hpp"
#include "moecap/host/model_lookup.hpp"
#include "moecap/host/numerics_conformance.hpp"
#include "moecap/host/plugin_loader.hpp"
#include "moecap/host/plugin_registry.hpp"

namespace moecap::host {
namespace {

enum class Verdict { pass, fail, skip };

const char* verdict_name(Verdict v) {
  return v == Verdict::pass ? "PASS" : v == Verdict::fail ? "FAIL" : "SKIP";
}

struct Result {
  std::string id;
  std::string level;
  std::string requirement;
  Verdict verdict;
  std::string detail;
  std::optional<double> max_relative_error;  ///< numerics: the measured logits error
};

// Runs one plugin call; an exception escaping it is recorded for BE-ERR-02 instead of ending the run.
class Firewall {
 public:
  template <class F>
  bool run(const std::string& what, F&& call) {
    try {
      call();
      return true;
    } catch (const std::exception& e) {
      escapes_.push_back(what + ": " + e.what());
    } catch (...) {
      escapes_.push_back(what + ": unknown exception");
    }
    return false;
  }
  const std::vector<std::string>& escapes() const { return escapes_; }

 private:
  std::vector<std::string> escapes_;
};

// Takes ownership of a returned error and describes it ("" for success).
struct CallOutcome {
  int32_t code = MOECAP_OK;
  std::string message;
  bool ok() const { return code == MOECAP_OK; }
};
CallOutcome outcome(moecap_error* error) {
  ErrorPtr owned(error);
  return {error_code(error), error_message(error)};
}

bool is_utf8(const std::string& text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : 4;
    if (extra == 4 || i + extra >= text.size() + (extra == 0 ? 1 : 0)) return false;
    for (size_t k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return false;
    i += extra + 1;
  }
  return true;
}

moecap_record sample_record(const moecap_field* fields, int32_t n) {
  moecap_record record{};
  record.struct_size = sizeof record;
  record.abi_minor = MOECAP_ABI_MINOR;
  record.type = MOECAP_RECORD_SUMMARY;
  record.n_fields = n;
  record.fields = fields;
  record.run_id = "conformance";
  return record;
}

class ConformanceRun {
 public:
  ConformanceRun(std::filesystem::path path, const ConformanceOptions& options)
      : path_(std::move(path)), options_(options) {}

  int run(const std::set<std::string>& levels, bool json, std::ostream& out) {
    load_config();
    // Bad --families / --dtypes are the user's mistake: refuse them before anything runs.
    if (levels.count("numerics")) numerics_cases_ = numerics::cases(preset_dirs(), options_.families, options_.dtypes);
    const bool loaded = check_load(levels.count("load") != 0);
    if (loaded) {
      // Each level reloads the plugin at most through with_plugin_released; stop when it no longer loads.
      if (plugin_ && levels.count("metadata")) check_metadata();
      if (plugin_ && levels.count("lifecycle")) check_lifecycle();
      if (plugin_ && levels.count("errors")) check_errors();
      if (plugin_ && levels.count("numerics")) check_numerics();
    }
    if (levels.count("errors")) {
      if (firewall_.escapes().empty())
        add("BE-ERR-02", "errors", "no exception escapes the plugin", Verdict::pass, "");
      else {
        std::string detail;
        for (const std::string& e : firewall_.escapes()) detail += (detail.empty() ? "" : "; ") + e;
        add("BE-ERR-02", "errors", "no exception escapes the plugin", Verdict::fail, detail);
      }
    }
    print(json, out);
    for (const Result& r : results_)
      if (r.verdict == Verdict::fail) return 1;
    return 0;
  }

 private:
  // Checks that load the library again must not overlap with plugin_: a library is initialised once at a
  // time (the loader hands back the live plugin instead), so init/fini would not really be exercised.
  template <class F>
  bool with_plugin_released(F&& check) {
    plugin_.reset();
    check();
    LoadReport again = load_plugin_library(path_);
    plugin_ = again.plugin;
    return plugin_ != nullptr;
  }

  void add(std::string id, std::string level, std::string requirement, Verdict verdict, std::string detail,
           std::optional<double> max_relative_error = std::nullopt) {
    results_.push_back(
        {std::move(id), std::move(level), std::move(requirement), verdict, std::move(detail), max_relative_error});
  }

  void load_config() {
    if (options_.config_path.empty()) return;
    try {
      config_table_ = toml::parse_file(options_.config_path.string());
    } catch (const toml::parse_error& e) {
      std::ostringstream message;
      message << e;
      throw HostException(MOECAP_ERR_INVALID_ARG,
                          "cannot read " + options_.config_path.string() + ": " + message.str());
    }
    root_config_ = std::make_unique<ConfigView>(&config_table_, options_.config_path.string(), "");
    if (const toml::table* model = config_table_["model"].as_table())
      model_config_ = std::make_unique<ConfigView>(model, options_.config_path.string(), "model");
    if (const toml::table* backend = config_table_["backend"].as_table())
      backend_config_ = std::make_unique<ConfigView>(backend, options_.config_path.string(), "backend");
  }
  const moecap_config* config() const { return root_config_ ? root_config_->get() : nullptr; }

  // ------------------------------------------------------------------------------------------- load

  bool check_load(bool report) {
    std::string error;
    auto library = open_pinned_library(path_, error);
    const char* r01 = "loads with RTLD_NOW | RTLD_LOCAL; no unresolved symbols; the handshake accepts it";
    if (!library) {
      add("BE-LOAD-01", "load", r01, Verdict::fail, error);
      return false;
    }
    LoadReport main = load_plugin_library(path_);
    if (main.status == LoadStatus::skipped) {
      add("BE-LOAD-01", "load", r01, Verdict::skip, main.reason);
      return false;
    }
    if (report || main.status != LoadStatus::loaded)
      add("BE-LOAD-01", "load", r01, main.status == LoadStatus::loaded ? Verdict::pass : Verdict::fail, main.reason);
    if (main.status != LoadStatus::loaded) return false;
    plugin_ = main.plugin;
    if (!report) return true;

    check_exports();
    check_negotiate_is_pure(*library);
    check_refusals(*library);
    check_probe(*library);
    return plugin_ != nullptr;
  }

  void check_exports() {
    const char* requirement = "exports exactly moecap_plugin_negotiate (+ optional moecap_plugin_probe, moecap_test_*)";
    std::string error;
    auto symbols = detail::elf_exported_symbols(path_, error);
    if (!symbols) return add("BE-LOAD-02", "load", requirement, Verdict::fail, error);
    std::string extra;
    bool has_negotiate = false;
    for (const std::string& name : *symbols) {
      if (name == MOECAP_PLUGIN_NEGOTIATE_SYMBOL) has_negotiate = true;
      if (name == MOECAP_PLUGIN_NEGOTIATE_SYMBOL || name == MOECAP_PLUGIN_PROBE_SYMBOL ||
          name.rfind("moecap_test_", 0) == 0)
        continue;
      extra += (extra.empty() ? "" : ", ") + name;
    }
    if (!has_negotiate)
      return add("BE-LOAD-02", "load", requirement, Verdict::fail, "moecap_plugin_negotiate is not exported");
    add("BE-LOAD-02", "load", requirement, extra.empty() ? Verdict::pass : Verdict::fail,
        extra.empty() ? "" : "unexpected exports: " + extra + " (link with the SDK's version script)");
  }

  static moecap_negotiation host_offer(uint32_t major, uint32_t min, uint32_t max) {
    moecap_negotiation n{};
    n.struct_size = sizeof n;
    n.host_abi_major = major;
    n.host_abi_minor_min = min;
    n.host_abi_minor_max = max;
    return n;
  }

  void check_negotiate_is_pure(const boost::dll::shared_library& library) {
    const char* requirement = "negotiate is pure: idempotent, no side effects";
    auto& negotiate = library.get<int32_t(moecap_negotiation*)>(MOECAP_PLUGIN_NEGOTIATE_SYMBOL);
    moecap_negotiation answers[3];
    int32_t codes[3] = {0, 0, 0};
    for (int i = 0; i < 3; ++i) {
      answers[i] = host_offer(MOECAP_ABI_MAJOR, MOECAP_ABI_MINOR_MIN, MOECAP_ABI_MINOR);
      if (!firewall_.run("negotiate", [&] { codes[i] = negotiate(&answers[i]); }))
        return add("BE-LOAD-03", "load", requirement, Verdict::fail, "negotiate threw");
    }
    const bool same = std::memcmp(&answers[0], &answers[1], sizeof answers[0]) == 0 &&
                      std::memcmp(&answers[1], &answers[2], sizeof answers[0]) == 0 && codes[0] == codes[1] &&
                      codes[1] == codes[2];
    add("BE-LOAD-03", "load", requirement, same ? Verdict::pass : Verdict::fail,
        same ? "3 calls, identical answers" : "answers differ between calls");
  }

  void check_refusals(const boost::dll::shared_library& library) {
    const char* requirement =
        "correct refusals: host major+1, minor range above the plugin, tiny struct_size; a newer host minor loads";
    std::vector<std::string> problems;
    const uint32_t plugin_minor = plugin_->abi_minor();
    auto expect_rejected = [&](const HostAbiRange& range, const std::string& what) {
      LoaderOptions options;
      options.host_abi = range;
      LoadReport r = load_plugin_library(path_, options);
      if (r.status != LoadStatus::rejected) problems.push_back(what + " was not refused");
    };
    const bool reloaded = with_plugin_released([&] {
      expect_rejected({MOECAP_ABI_MAJOR + 1, 0, 0}, "host major " + std::to_string(MOECAP_ABI_MAJOR + 1));
      expect_rejected({MOECAP_ABI_MAJOR, plugin_minor + 1, plugin_minor + 1},
                      "host minors above the plugin's " + std::to_string(plugin_minor));
      LoaderOptions newer;
      newer.host_abi = {MOECAP_ABI_MAJOR, 0, std::max<uint32_t>(plugin_minor, MOECAP_ABI_MINOR) + 3};
      LoadReport r = load_plugin_library(path_, newer);  // a full init; its fini runs at the end of the scope
      if (r.status != LoadStatus::loaded) problems.push_back("a newer host minor was refused: " + r.reason);
    });
    if (!reloaded) problems.push_back("the plugin no longer loads after the refusals");
    {
      // A handshake struct of 8 bytes inside a larger buffer: the plugin must refuse without writing past it.
      auto& negotiate = library.get<int32_t(moecap_negotiation*)>(MOECAP_PLUGIN_NEGOTIATE_SYMBOL);
      unsigned char buffer[sizeof(moecap_negotiation)];
      std::memset(buffer, 0xA5, sizeof buffer);
      moecap_negotiation tiny = host_offer(MOECAP_ABI_MAJOR, MOECAP_ABI_MINOR_MIN, MOECAP_ABI_MINOR);
      tiny.struct_size = 8;
      std::memcpy(buffer, &tiny, 8);
      int32_t code = 0;
      firewall_.run("negotiate", [&] { code = negotiate(reinterpret_cast<moecap_negotiation*>(buffer)); });
      bool untouched = true;
      for (size_t i = 8; i < sizeof buffer; ++i) untouched = untouched && buffer[i] == 0xA5;
      if (code == 0) problems.push_back("negotiate accepted struct_size 8");
      if (!untouched) problems.push_back("negotiate wrote past struct_size 8");
    }
    std::string detail;
    for (const std::string& p : problems) detail += (detail.empty() ? "" : "; ") + p;
    add("BE-LOAD-04", "load", requirement, problems.empty() ? Verdict::pass : Verdict::fail, detail);
  }

  void check_probe(const boost::dll::shared_library& library) {
    const char* requirement = "probe returns 0 or a positive score, the same twice, quickly (< 50 ms: should)";
    if (!library.has(MOECAP_PLUGIN_PROBE_SYMBOL))
      return add("BE-LOAD-05", "load", requirement, Verdict::pass, "no probe exported (optional)");
    auto& probe = library.get<int32_t()>(MOECAP_PLUGIN_PROBE_SYMBOL);
    int32_t scores[2] = {-1, -1};
    double slowest = 0;
    for (int32_t& score : scores) {
      const auto start = std::chrono::steady_clock::now();
      if (!firewall_.run("probe", [&] { score = probe(); }))
        return add("BE-LOAD-05", "load", requirement, Verdict::fail, "probe threw");
      slowest = std::max(slowest, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::string detail = "score " + std::to_string(scores[0]);
    // The time limit is informational: a shared machine can stall any call, so it never fails the run.
    if (slowest > 0.05) detail += "; warning: a probe call took " + std::to_string(slowest * 1000) + " ms";
    const bool ok = scores[0] >= 0 && scores[0] == scores[1];
    add("BE-LOAD-05", "load", requirement, ok ? Verdict::pass : Verdict::fail,
        ok ? detail : "scores " + std::to_string(scores[0]) + ", " + std::to_string(scores[1]));
  }

  // --------------------------------------------------------------------------------------- metadata

  void check_metadata() {
    const char* r01 = "name, version (semver), vendor: non-empty UTF-8, stable across loads";
    std::vector<std::string> problems;
    static const std::regex semver(R"(^\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$)");
    for (auto [what, value] : {std::pair<const char*, const std::string*>{"name", &plugin_->name()},
                               {"version", &plugin_->version()},
                               {"vendor", &plugin_->vendor()}}) {
      if (value->empty()) problems.push_back(std::string(what) + " is empty");
      if (!is_utf8(*value)) problems.push_back(std::string(what) + " is not UTF-8");
    }
    if (!std::regex_match(plugin_->version(), semver))
      problems.push_back("version '" + plugin_->version() + "' is not semver");
    // Stable across loads: fini the plugin, init it again, compare the descriptions.
    const std::string before = description_of(*plugin_);
    if (!with_plugin_released([] {}))
      problems.push_back("a second load failed");
    else if (description_of(*plugin_) != before)
      problems.push_back("the description changed between loads: '" + before + "' then '" + description_of(*plugin_) +
                         "'");
    std::string detail;
    for (const std::string& p : problems) detail += (detail.empty() ? "" : "; ") + p;
    if (!plugin_) return add("BE-META-01", "metadata", r01, Verdict::fail, detail);
    add("BE-META-01", "metadata", r01, problems.empty() ? Verdict::pass : Verdict::fail,
        problems.empty() ? plugin_->name() + " " + plugin_->version() + " (" + plugin_->vendor() + ")" : detail);

    std::string tables;
    for (const ComponentInfo& c : plugin_->components())
      tables += (tables.empty() ? "" : ", ") + std::string(kind_name(c.kind)) + " '" + c.name + "' " +
                std::to_string(detail::table_header(c.table).struct_size) + " bytes, ABI 1." +
                std::to_string(c.abi_minor);
    // The loader already refused any table below its minor's size or with a NULL required member.
    add("BE-META-02", "metadata", "every required member non-NULL; struct_size >= the declared minor's size",
        Verdict::pass, tables);
  }

  // -------------------------------------------------------------------------------------- lifecycle

  void check_lifecycle() {
    const int n = std::max(1, options_.repetitions);
    {
      std::string problem;
      const bool reloaded = with_plugin_released([&] {
        for (int i = 0; i < n && problem.empty(); ++i) {
          LoadReport r = load_plugin_library(path_);  // init; dropping the report runs fini
          if (r.status != LoadStatus::loaded) problem = "load " + std::to_string(i + 1) + ": " + r.reason;
        }
      });
      if (!reloaded && problem.empty()) problem = "the plugin no longer loads";
      if (!plugin_) return add("BE-LIFE-01", "lifecycle", "init -> fini x" + std::to_string(n), Verdict::fail, problem);
      add("BE-LIFE-01", "lifecycle", "init -> fini x" + std::to_string(n) + " (leaks: run under ASan/LSan)",
          problem.empty() ? Verdict::pass : Verdict::fail, problem);
    }
    for (const ComponentInfo& c : plugin_->components()) {
      switch (c.kind) {
        case PluginKind::sink:
          sink_lifecycle(c, n);
          break;
        case PluginKind::model:
          model_lifecycle(c, n);
          break;
        case PluginKind::task:
          task_lifecycle(c, n);
          break;
        case PluginKind::backend:
          backend_lifecycle(c, n);
          break;
      }
    }
  }

  static std::string description_of(const LoadedPlugin& plugin) {
    std::string text = plugin.name() + " " + plugin.version() + " (" + plugin.vendor() + "):";
    for (const ComponentInfo& c : plugin.components()) text += " " + std::string(kind_name(c.kind)) + " " + c.name;
    return text;
  }

  static std::string label(const ComponentInfo& c) { return std::string(kind_name(c.kind)) + " '" + c.name + "'"; }
  static std::string needs_config(const ComponentInfo& c, const CallOutcome& o) {
    return label(c) + " open without a configuration failed (" + o.message +
           "); pass a TOML configuration to exercise it";
  }

  void sink_lifecycle(const ComponentInfo& c, int n) {
    const auto& t = *static_cast<const moecap_sink_i*>(c.table);
    const std::string requirement = label(c) + ": open / write / flush / close x" + std::to_string(n);
    moecap_field field{"conformance_value", "", MOECAP_FIELD_DOUBLE, 0, 0, 1.5, nullptr};
    const moecap_record record = sample_record(&field, 1);
    std::string problem;
    bool idempotent = true;
    for (int i = 0; i < n && problem.empty(); ++i) {
      moecap_sink* sink = nullptr;
      CallOutcome o;
      firewall_.run("sink open", [&] { o = outcome(t.open(c.context, config(), &sink)); });
      if (!o.ok()) {
        if (i == 0 && config() == nullptr)
          return add("BE-LIFE-01", "lifecycle", requirement, Verdict::skip, needs_config(c, o));
        problem = "open: " + o.message;
        break;
      }
      for (int k = 0; k < 3 && problem.empty(); ++k) {
        firewall_.run("sink write", [&] { o = outcome(t.write(sink, &record)); });
        if (!o.ok()) problem = "write: " + o.message;
      }
      CallOutcome f1, f2;
      firewall_.run("sink flush", [&] { f1 = outcome(t.flush(sink)); });
      firewall_.run("sink flush", [&] { f2 = outcome(t.flush(sink)); });
      if (!f1.ok() || !f2.ok()) {
        idempotent = false;
        if (problem.empty()) problem = "flush: " + f1.message + f2.message;
      }
      firewall_.run("sink close", [&] { o = outcome(t.close(sink)); });
      if (!o.ok() && problem.empty()) problem = "close: " + o.message;
    }
    add("BE-LIFE-01", "lifecycle", requirement, problem.empty() ? Verdict::pass : Verdict::fail, problem);
    add("SK-LIFE-02", "lifecycle", label(c) + ": flush is idempotent", idempotent ? Verdict::pass : Verdict::fail,
        idempotent ? "" : "a second flush failed");
  }

  void model_lifecycle(const ComponentInfo& c, int n) {
    const auto& t = *static_cast<const moecap_model_i*>(c.table);
    const std::string requirement = label(c) + ": open / close x" + std::to_string(n);
    std::string problem, description_problem;
    for (int i = 0; i < n && problem.empty(); ++i) {
      moecap_model* model = nullptr;
      CallOutcome o;
      firewall_.run("model open", [&] { o = outcome(t.open(c.context, config(), &model)); });
      if (!o.ok()) {
        if (i == 0 && config() == nullptr) {
          add("BE-LIFE-01", "lifecycle", requirement, Verdict::skip, needs_config(c, o));
          return add("MD-LIFE-02", "lifecycle", label(c) + ": a valid description and enumerable weights",
                     Verdict::skip, "needs an open model");
        }
        problem = "open: " + o.message;
        break;
      }
      if (i == 0) description_problem = check_model(t, model);
      firewall_.run("model close", [&] { t.close(model); });
    }
    add("BE-LIFE-01", "lifecycle", requirement, problem.empty() ? Verdict::pass : Verdict::fail, problem);
    if (problem.empty())
      add("MD-LIFE-02", "lifecycle", label(c) + ": a valid description and enumerable weights",
          description_problem.empty() ? Verdict::pass : Verdict::fail, description_problem);
  }

  std::string check_model(const moecap_model_i& t, moecap_model* model) {
    const moecap_model_desc* desc = nullptr;
    firewall_.run("model describe", [&] { desc = t.describe(model); });
    if (desc == nullptr) return "describe returned NULL";
    if (desc->vocab_size <= 0 || desc->hidden_size <= 0 || desc->n_layers <= 0)
      return "vocab, hidden size and layers must be positive";
    if (desc->attention == nullptr || desc->layer_ffn == nullptr) return "attention or layer_ffn is NULL";
    for (int32_t layer = 0; layer < desc->n_layers; ++layer)
      if (desc->layer_ffn[layer] == nullptr) return "layer_ffn[" + std::to_string(layer) + "] is NULL";
    int64_t count = 0;
    firewall_.run("model weight_count", [&] { count = t.weight_count(model); });
    if (count <= 0) return "weight_count is " + std::to_string(count);
    for (int64_t i = 0; i < count; ++i) {
      moecap_tensor_view view{};
      view.struct_size = sizeof view;
      CallOutcome o;
      firewall_.run("model weight_at", [&] { o = outcome(t.weight_at(model, i, &view)); });
      if (!o.ok()) return "weight_at(" + std::to_string(i) + "): " + o.message;
      if (view.name == nullptr || (view.data == nullptr && view.nbytes != 0) || view.ndim < 0 ||
          view.ndim > MOECAP_MAX_DIMS)
        return "weight_at(" + std::to_string(i) + ") gave an invalid view";
      moecap_tensor_view found{};
      found.struct_size = sizeof found;
      firewall_.run("model weight_find", [&] { o = outcome(t.weight_find(model, view.name, &found)); });
      if (!o.ok() || found.data != view.data)
        return std::string("weight_find('") + view.name + "') disagrees with weight_at";
    }
    return {};
  }

  void task_lifecycle(const ComponentInfo& c, int n) {
    const auto& t = *static_cast<const moecap_task_i*>(c.table);
    const std::string requirement = label(c) + ": open / request_count / close x" + std::to_string(n);
    std::string problem;
    std::vector<std::string> first_order;
    bool deterministic = true;
    for (int i = 0; i < n && problem.empty(); ++i) {
      moecap_task* task = nullptr;
      CallOutcome o;
      firewall_.run("task open", [&] { o = outcome(t.open(c.context, config(), &task)); });
      if (!o.ok()) {
        if (i == 0 && config() == nullptr) {
          add("BE-LIFE-01", "lifecycle", requirement, Verdict::skip, needs_config(c, o));
          return add("TK-LIFE-02", "lifecycle", label(c) + ": deterministic request order", Verdict::skip,
                     "needs an open task");
        }
        problem = "open: " + o.message;
        break;
      }
      int64_t count = -1;
      firewall_.run("task request_count", [&] { count = t.request_count(task); });
      if (count < 0) problem = "request_count is negative";
      if (i < 2) {
        // The first two opens must yield the same documents in the same order (fixed seed).
        std::vector<std::string> order;
        for (int64_t k = 0; k < std::min<int64_t>(count, 16) && problem.empty(); ++k) {
          moecap_task_request request{};
          request.struct_size = sizeof request;
          firewall_.run("task request_get", [&] { o = outcome(t.request_get(task, k, &request)); });
          if (!o.ok())
            problem = "request_get(" + std::to_string(k) + "): " + o.message;
          else
            order.push_back(std::to_string(request.doc_id) + ":" + (request.context ? request.context : ""));
        }
        if (i == 0)
          first_order = order;
        else
          deterministic = order == first_order;
      }
      firewall_.run("task close", [&] { t.close(task); });
    }
    add("BE-LIFE-01", "lifecycle", requirement, problem.empty() ? Verdict::pass : Verdict::fail, problem);
    add("TK-LIFE-02", "lifecycle", label(c) + ": deterministic request order",
        deterministic ? Verdict::pass : Verdict::fail, deterministic ? "" : "two opens gave different documents");
  }

  void backend_lifecycle(const ComponentInfo& c, int n) {
    const auto& t = *static_cast<const moecap_backend_i*>(c.table);
    std::string problem;
    for (int i = 0; i < n && problem.empty(); ++i) {
      int32_t count = -1;
      firewall_.run("backend device_count", [&] { count = t.device_count(c.context); });
      if (count < 0) problem = "device_count is negative";
      for (int32_t d = 0; d < count && problem.empty(); ++d) {
        moecap_device_info info{};
        info.struct_size = sizeof info;
        CallOutcome o;
        firewall_.run("backend device_info", [&] { o = outcome(t.device_info(c.context, d, &info)); });
        if (!o.ok())
          problem = "device_info(" + std::to_string(d) + "): " + o.message;
        else if (info.name == nullptr || *info.name == '\0')
          problem = "device " + std::to_string(d) + " has no name";
      }
    }
    add("BE-LIFE-01", "lifecycle", label(c) + ": device enumeration x" + std::to_string(n),
        problem.empty() ? Verdict::pass : Verdict::fail, problem);

    const std::string requirement = label(c) + ": session create / destroy x" + std::to_string(n);
    if (options_.model_plugin.empty())
      return add("BE-LIFE-01", "lifecycle", requirement, Verdict::skip,
                 "needs a model: pass a model plugin (and its [model] configuration)");
    LoadReport model_report = load_plugin_library(options_.model_plugin);
    const ComponentInfo* model_component =
        model_report.plugin ? model_report.plugin->find_component(PluginKind::model) : nullptr;
    if (model_component == nullptr)
      return add("BE-LIFE-01", "lifecycle", requirement, Verdict::fail,
                 "model plugin unusable: " +
                     (model_report.reason.empty() ? "it has no single model component" : model_report.reason));
    const auto& mt = *static_cast<const moecap_model_i*>(model_component->table);
    moecap_model* model = nullptr;
    CallOutcome o = outcome(mt.open(model_component->context, model_config_ ? model_config_->get() : nullptr, &model));
    if (!o.ok()) return add("BE-LIFE-01", "lifecycle", requirement, Verdict::fail, "model open: " + o.message);
    // A plain forwarding weight source, as the host builds (plugin_proxies.hpp does the same for runs).
    struct Source {
      const moecap_model_i* table;
      moecap_model* model;
    } source{&mt, model};
    moecap_weight_source_i weights{};
    weights.struct_size = sizeof weights;
    weights.context = &source;
    weights.count = [](void* s) {
      return static_cast<Source*>(s)->table->weight_count(static_cast<Source*>(s)->model);
    };
    weights.at = [](void* s, int64_t i, moecap_tensor_view* out) {
      return static_cast<Source*>(s)->table->weight_at(static_cast<Source*>(s)->model, i, out);
    };
    weights.find = [](void* s, const char* name, moecap_tensor_view* out) {
      return static_cast<Source*>(s)->table->weight_find(static_cast<Source*>(s)->model, name, out);
    };
    const moecap_model_desc* desc = mt.describe(model);
    problem.clear();
    for (int i = 0; i < n && problem.empty(); ++i) {
      moecap_session* session = nullptr;
      firewall_.run("backend session_create", [&] {
        o = outcome(
            t.session_create(c.context, desc, &weights, backend_config_ ? backend_config_->get() : nullptr, &session));
      });
      if (!o.ok()) {
        problem = "session_create: " + o.message;
        break;
      }
      moecap_session_info info{};
      info.struct_size = sizeof info;
      firewall_.run("backend session_info", [&] { o = outcome(t.session_info(session, &info)); });
      if (!o.ok()) problem = "session_info: " + o.message;
      firewall_.run("backend session_destroy", [&] { t.session_destroy(session); });
    }
    mt.close(model);
    add("BE-LIFE-01", "lifecycle", requirement, problem.empty() ? Verdict::pass : Verdict::fail, problem);
  }

  // ----------------------------------------------------------------------------------------- errors

  // Each probe is a call with one invalid argument that must come back as INVALID_ARG with a message.
  struct Probe {
    std::string call;
    std::function<moecap_error*()> run;
  };

  void check_errors() {
    for (const ComponentInfo& c : plugin_->components()) {
      std::vector<Probe> probes;
      std::function<void()> cleanup = [] {};
      std::string skipped;
      switch (c.kind) {
        case PluginKind::sink: {
          const auto& t = *static_cast<const moecap_sink_i*>(c.table);
          const moecap_record record = sample_record(nullptr, 0);
          probes.push_back({"open(out = NULL)", [&t, &c, this] { return t.open(c.context, config(), nullptr); }});
          probes.push_back({"write(sink = NULL)", [&t, record] { return t.write(nullptr, &record); }});
          probes.push_back({"flush(sink = NULL)", [&t] { return t.flush(nullptr); }});
          moecap_sink* sink = nullptr;
          if (outcome(t.open(c.context, config(), &sink)).ok()) {
            probes.push_back({"write(record = NULL)", [&t, sink] { return t.write(sink, nullptr); }});
            cleanup = [&t, sink] { ErrorPtr e(t.close(sink)); };
          }
          break;
        }
        case PluginKind::model: {
          const auto& t = *static_cast<const moecap_model_i*>(c.table);
          probes.push_back({"open(out = NULL)", [&t, &c, this] { return t.open(c.context, config(), nullptr); }});
          moecap_model* model = nullptr;
          if (outcome(t.open(c.context, config(), &model)).ok()) {
            probes.push_back({"weight_at(index = -1)", [&t, model] {
                                moecap_tensor_view v{};
                                v.struct_size = sizeof v;
                                return t.weight_at(model, -1, &v);
                              }});
            probes.push_back({"weight_at(out = NULL)", [&t, model] { return t.weight_at(model, 0, nullptr); }});
            probes.push_back({"weight_find(name = NULL)", [&t, model] {
                                moecap_tensor_view v{};
                                v.struct_size = sizeof v;
                                return t.weight_find(model, nullptr, &v);
                              }});
            cleanup = [&t, model] { t.close(model); };
          } else {
            skipped = "the model could not be opened without a configuration; only open was checked";
          }
          break;
        }
        case PluginKind::task: {
          const auto& t = *static_cast<const moecap_task_i*>(c.table);
          probes.push_back({"open(out = NULL)", [&t, &c, this] { return t.open(c.context, config(), nullptr); }});
          moecap_task* task = nullptr;
          if (outcome(t.open(c.context, config(), &task)).ok()) {
            probes.push_back({"request_get(out = NULL)", [&t, task] { return t.request_get(task, 0, nullptr); }});
            probes.push_back({"request_get(index = -1)", [&t, task] {
                                moecap_task_request r{};
                                r.struct_size = sizeof r;
                                return t.request_get(task, -1, &r);
                              }});
            probes.push_back({"score(response = NULL)", [&t, task] { return t.score(task, 0, nullptr); }});
            cleanup = [&t, task] { t.close(task); };
          }
          break;
        }
        case PluginKind::backend: {
          const auto& t = *static_cast<const moecap_backend_i*>(c.table);
          probes.push_back({"device_info(out = NULL)", [&t, &c] { return t.device_info(c.context, 0, nullptr); }});
          probes.push_back({"device_info(index = -1)", [&t, &c] {
                              moecap_device_info d{};
                              d.struct_size = sizeof d;
                              return t.device_info(c.context, -1, &d);
                            }});
          probes.push_back({"session_create(model = NULL)", [&t, &c] {
                              moecap_session* s = nullptr;
                              return t.session_create(c.context, nullptr, nullptr, nullptr, &s);
                            }});
          probes.push_back({"step(session = NULL)", [&t] { return t.step(nullptr, nullptr, nullptr); }});
          probes.push_back({"sequence_release(session = NULL)", [&t] { return t.sequence_release(nullptr, 0); }});
          break;
        }
      }
      std::string problems;
      for (const Probe& probe : probes) {
        CallOutcome o;
        const bool returned = firewall_.run(label(c) + " " + probe.call, [&] { o = outcome(probe.run()); });
        if (!returned) continue;  // reported under BE-ERR-02
        if (o.code != MOECAP_ERR_INVALID_ARG || o.message.empty())
          problems += (problems.empty() ? "" : "; ") + probe.call + " gave " +
                      (o.ok() ? std::string("success") : "code " + std::to_string(o.code) + " '" + o.message + "'");
      }
      firewall_.run(label(c) + " cleanup", cleanup);
      add("BE-ERR-01", "errors", label(c) + ": invalid arguments give INVALID_ARG with a message, never a crash",
          problems.empty() ? Verdict::pass : Verdict::fail,
          problems.empty() ? std::to_string(probes.size()) + " calls" + (skipped.empty() ? "" : "; " + skipped)
                           : problems);
    }
  }

  // --------------------------------------------------------------------------------------- numerics

  std::vector<std::filesystem::path> preset_dirs() const {
    return options_.preset_dirs.empty() ? default_preset_dirs() : options_.preset_dirs;
  }

  // One line per case: family × dtype under the dtype's id, for every backend component of the plugin.
  void check_numerics() {
    std::vector<std::string> ids;  // the requested dtypes' ids, in report order, for lines that cover them all
    for (const numerics::Case& c : numerics_cases_)
      if (std::find(ids.begin(), ids.end(), numerics::requirement_id(c.dtype)) == ids.end())
        ids.push_back(numerics::requirement_id(c.dtype));
    auto all_ids = [&](const std::string& requirement, Verdict verdict, const std::string& detail) {
      for (const std::string& id : ids) add(id, "numerics", requirement, verdict, detail);
    };
    const std::string rule = "logits and routing agree with backend-reference on every family's tiny preset";

    std::vector<const ComponentInfo*> backends;
    for (const ComponentInfo& c : plugin_->components())
      if (c.kind == PluginKind::backend) backends.push_back(&c);
    if (backends.empty())
      return all_ids(rule, Verdict::skip,
                     "not a backend plugin: the level compares a backend's steps with backend-reference");
    if (numerics_cases_.empty()) return all_ids(rule, Verdict::fail, "no model family has a preset in the folders");

    // The oracle and the models come from the same search a run uses (--plugin-path first); the library
    // under test is this one, outside the registry, so a modified copy of backend-reference can be held to
    // the installed one. A missing oracle is a skip unless --reference named it.
    PluginRegistry registry(PluginSearchPaths::standard(options_.plugin_dirs));
    std::optional<BackendProxy> reference;
    try {
      reference.emplace(registry.backend("reference", options_.reference_backend));
      registry.model("synthetic");
    } catch (const HostException& e) {
      const bool named = !options_.reference_backend.empty() && !reference;
      return all_ids(rule, named ? Verdict::fail : Verdict::skip,
                     std::string(e.what()) + (named ? ""
                                                    : " (pass --reference, or --plugin-path to a folder with "
                                                      "libmoecap-backend-reference.so and "
                                                      "libmoecap-model-synthetic.so)"));
    }

    for (const ComponentInfo* backend : backends) {
      const BackendProxy candidate(ComponentRef(plugin_, backend));
      for (const numerics::Case& c : numerics_cases_) {
        const std::string id = numerics::requirement_id(c.dtype);
        char tolerance[16];
        std::snprintf(tolerance, sizeof tolerance, "%.0e", numerics::logits_tolerance(c.dtype));
        const std::string requirement = label(*backend) + ": " + c.family + "-tiny, " + c.dtype +
                                        " weights: logits within " + tolerance +
                                        " of backend-reference, same experts per token";
        if (c.preset.empty()) {
          add(id, "numerics", requirement, Verdict::fail,
              "the presets name family '" + c.family + "' but none is " + c.family + "-tiny.toml");
          continue;
        }
        try {
          const numerics::Comparison found = numerics::run_case(registry, c, candidate, *reference,
                                                                backend_config_ ? backend_config_->get() : nullptr);
          add(id, "numerics", requirement, found.passed() ? Verdict::pass : Verdict::fail, found.summary(),
              found.max_relative_error);
        } catch (const HostException& e) {
          // A backend may leave a model feature out (it must say so by name); that is not a wrong number.
          add(id, "numerics", requirement, e.code() == MOECAP_ERR_UNSUPPORTED ? Verdict::skip : Verdict::fail,
              e.what());
        } catch (const std::exception& e) {
          add(id, "numerics", requirement, Verdict::fail, e.what());
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------------ report

  void print(bool json, std::ostream& out) const {
    int passed = 0, failed = 0, skipped = 0;
    for (const Result& r : results_)
      (r.verdict == Verdict::pass ? passed : r.verdict == Verdict::fail ? failed : skipped)++;
    const std::string sdk_abi = std::to_string(MOECAP_ABI_MAJOR) + "." + std::to_string(MOECAP_ABI_MINOR);
    if (json) {
      nlohmann::ordered_json doc;
      doc["sdk_abi"] = sdk_abi;
      doc["library"] = path_.string();
      if (plugin_)
        doc["plugin"] = {{"name", plugin_->name()},
                         {"version", plugin_->version()},
                         {"vendor", plugin_->vendor()},
                         {"abi", std::to_string(plugin_->abi_major()) + "." + std::to_string(plugin_->abi_minor())}};
      else
        doc["plugin"] = nullptr;
      doc["results"] = nlohmann::ordered_json::array();
      for (const Result& r : results_) {
        doc["results"].push_back({{"id", r.id},
                                  {"level", r.level},
                                  {"requirement", r.requirement},
                                  {"status", verdict_name(r.verdict)},
                                  {"detail", r.detail}});
        if (r.max_relative_error) doc["results"].back()["max_relative_error"] = *r.max_relative_error;
      }
      doc["passed"] = passed;
      doc["failed"] = failed;
      doc["skipped"] = skipped;
      out << doc.dump(2) << "\n";
      return;
    }
    out << "moecap conformance (SDK ABI " << sdk_abi << "): " << path_.string() << "\n";
    if (plugin_)
      out << "plugin '" << plugin_->name() << "' " << plugin_->version() << " (" << plugin_->vendor() << "), ABI "
          << plugin_->abi_major() << "." << plugin_->abi_minor() << "\n";
    for (const Result& r : results_) {
      out << verdict_name(r.verdict) << "  " << r.id << "  " << r.requirement;
      if (!r.detail.empty()) out << "\n      " << r.detail;
      out << "\n";
    }
    out << passed << " passed, " << failed << " failed, " << skipped << " skipped\n";
  }

  std::filesystem::path path_;
  const ConformanceOptions& options_;
  std::shared_ptr<const LoadedPlugin> plugin_;
  Firewall firewall_;
  std::vector<Result> results_;
  toml::table config_table_;
  std::unique_ptr<ConfigView> root_config_, model_config_, backend_config_;
  std::vector<numerics::Case> numerics_cases_;
};

}  // namespace

int run_conformance_command(const std::string& plugin_path, const ConformanceOptions& options, bool json,
                            std::ostream& out) {
  // "all" is the structural levels; numerics runs whole models and needs two more plugins, so it is named.
  static const std::set<std::string> structural = {"load", "metadata", "lifecycle", "errors"};
  std::set<std::string> levels;
  std::stringstream list(options.levels);
  for (std::string level; std::getline(list, level, ',');) {
    if (level == "all")
      levels.insert(structural.begin(), structural.end());
    else if (structural.count(level) || level == "numerics")
      levels.insert(level);
    else {
      out << "unknown conformance level '" << level
          << "' (known: load, metadata, lifecycle, errors, numerics; all = every level but numerics)\n";
      return 1;
    }
  }
  try {
    ConformanceRun run(std::filesystem::absolute(plugin_path), options);
    return run.run(levels, json, out);
  } catch (const HostException& e) {
    out << e.what() << "\n";
    return 1;
  }
}

int run_conformance_command(const std::string& plugin_path, const std::string& levels, bool json, std::ostream& out) {
  ConformanceOptions options;
  options.levels = levels;
  return run_conformance_command(plugin_path, options, json, out);
}

}  // namespace moecap::host
