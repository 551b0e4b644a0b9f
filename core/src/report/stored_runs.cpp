#include "moecap/host/stored_runs.hpp"

#include <fstream>
#include <map>

namespace moecap::host {
namespace {

class Line {
 public:
  Line(const nlohmann::json& record, std::string where) : record_(record), where_(std::move(where)) {}

  [[noreturn]] void fail(const std::string& what, const std::string& expected) const {
    throw StoredRunsError(where_ + ": " + what + "; expected " + expected);
  }

  const nlohmann::json& field(const char* name) const {
    const auto it = record_.find(name);
    if (it == record_.end())
      fail(std::string("no field '") + name + "' in a " + record_.value("record", std::string("?")) + " record",
           "the records `moecap run` writes through sink-jsonl");
    return *it;
  }
  double number(const char* name) const {
    const nlohmann::json& v = field(name);
    if (!v.is_number()) fail(std::string("'") + name + "' is not a number", "a number");
    return v.get<double>();
  }
  int64_t integer(const char* name) const {
    const nlohmann::json& v = field(name);
    if (!v.is_number_integer()) fail(std::string("'") + name + "' is not an integer", "an integer");
    return v.get<int64_t>();
  }
  template <class T>
  std::vector<T> list(const char* name) const {
    const nlohmann::json& v = field(name);
    try {
      return v.get<std::vector<T>>();
    } catch (const nlohmann::json::exception&) {
      fail(std::string("'") + name + "' is not a list of numbers", "a JSON array of numbers");
    }
  }

 private:
  const nlohmann::json& record_;
  std::string where_;
};

StepMode mode_of(const Line& line, const std::string& name) {
  if (name == "prefill") return StepMode::prefill;
  if (name == "decode") return StepMode::decode;
  if (name == "mixed") return StepMode::mixed;
  line.fail("unknown step mode '" + name + "'", "prefill, decode or mixed");
}

StepRecord read_step(const nlohmann::json& r, const Line& line) {
  StepRecord s;
  s.index = line.integer("step");
  s.mode = mode_of(line, line.field("mode").get<std::string>());
  s.n_seqs = static_cast<int32_t>(line.integer("sequences"));
  s.n_tokens = line.integer("tokens");
  s.n_prefill_tokens = line.integer("prefill_tokens");
  s.n_decode_tokens = line.integer("decode_tokens");
  s.context_lengths = line.list<int64_t>("context_lengths");
  s.new_tokens = line.list<int64_t>("new_tokens");
  s.start_s = line.number("start_s");
  s.latency_s = line.number("latency_s");
  s.device_s = line.number("device_s");
  const nlohmann::json& trace = line.field("expert_tokens");
  if (!trace.is_array()) line.fail("'expert_tokens' is not a list", "one list of token counts per layer");
  s.n_layers = static_cast<int32_t>(trace.size());
  for (const nlohmann::json& layer : trace) {
    std::vector<int32_t> counts;
    try {
      counts = layer.get<std::vector<int32_t>>();
    } catch (const nlohmann::json::exception&) {
      line.fail("'expert_tokens' has a layer that is not a list of integers", "one list of token counts per layer");
    }
    if (s.expert_stride == 0) s.expert_stride = static_cast<int32_t>(counts.size());
    if (static_cast<int32_t>(counts.size()) != s.expert_stride)
      line.fail("'expert_tokens' layers differ in length", "the same number of entries per layer");
    s.expert_tokens.insert(s.expert_tokens.end(), counts.begin(), counts.end());
  }
  if (const auto counters = r.find("counters"); counters != r.end() && counters->is_object())
    for (const auto& [name, value] : counters->items())
      s.counters.push_back({name, value.value("unit", std::string()), value.value("value", 0.0)});
  return s;
}

RequestRecord read_request(const Line& line) {
  RequestRecord q;
  q.id = line.integer("request");
  q.prompt_tokens = line.integer("prompt_tokens");
  q.arrival_s = line.number("arrival_s");
  for (double t : line.list<double>("token_times_s")) q.token_times_s.push_back(q.arrival_s + t);
  q.output_tokens = static_cast<int64_t>(q.token_times_s.size());
  if (!q.token_times_s.empty()) {
    q.first_token_s = q.token_times_s.front();
    q.finish_s = q.token_times_s.back();
  }
  q.output_ids = line.list<int32_t>("output_ids");
  return q;
}

}  // namespace

std::vector<StoredRun> read_stored_runs(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw StoredRunsError(file.string() + ": cannot read the results file");
  std::vector<StoredRun> runs;
  std::map<std::string, size_t> index;
  int64_t number = 0;
  for (std::string text; std::getline(in, text);) {
    ++number;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = file.string() + ":" + std::to_string(number);
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      throw StoredRunsError(where + ": not JSON (" + e.what() + "); expected one record per line");
    }
    const Line line(record, where);
    if (!record.is_object() || !record.contains("record") || !record.contains("run_id") ||
        !record["record"].is_string() || !record["run_id"].is_string())
      line.fail("not a moecap record", "an object with \"record\" and \"run_id\"");
    const std::string type = record["record"];
    const std::string run_id = record["run_id"];
    if (type == "run") {
      index[run_id] = runs.size();  // a later RUN of the same id (an appended file) starts over
      runs.push_back({run_id, record, {}, {}, std::nullopt});
      continue;
    }
    if (type != "step" && type != "request" && type != "summary") continue;
    const auto it = index.find(run_id);
    if (it == index.end())
      line.fail("a " + type + " record of run '" + run_id + "' before its run record", "the run record first");
    StoredRun& run = runs[it->second];
    if (type == "step") run.steps.push_back(read_step(record, line));
    if (type == "request") run.requests.push_back(read_request(line));
    if (type == "summary") run.summary = record;
  }
  return runs;
}

}  // namespace moecap::host
