#include <algorithm>
#include <deque>
#include <random>
#include <string>

#include "moecap/host/host_services.hpp"
#include "moecap/host/workload.hpp"

namespace moecap::host {

const char* step_mode_name(StepMode mode) {
  switch (mode) {
    case StepMode::prefill:
      return "prefill";
    case StepMode::decode:
      return "decode";
    case StepMode::mixed:
      return "mixed";
  }
  return "unknown";
}

namespace {

constexpr int32_t kCounterCapacity = 32;
constexpr int64_t kWarmupSeqBase = int64_t{1} << 40;  // warm-up sequence ids never collide with requests

struct LiveSequence {
  int64_t seq_id = 0;
  size_t request = 0;  // index into requests (unused for warm-up)
  std::vector<int32_t> prompt;
  int64_t generated = 0;  // tokens produced so far
  int32_t last_token = 0;
  bool prefilled = false;
};

int32_t argmax(const float* row, int32_t n) {
  return static_cast<int32_t>(std::max_element(row, row + n) - row);
}

// Buffers for one step, sized once from the shape and reused.
class StepBuffers {
 public:
  StepBuffers(const StepShape& shape, int64_t max_seqs)
      : shape_(shape),
        logits_(static_cast<size_t>(max_seqs) * shape.vocab_size),
        expert_tokens_(static_cast<size_t>(shape.n_layers) * shape.expert_stride),
        seq_status_(static_cast<size_t>(max_seqs)),
        counters_(kCounterCapacity) {}

  moecap_step_result& reset() {
    std::fill(expert_tokens_.begin(), expert_tokens_.end(), 0);
    std::fill(seq_status_.begin(), seq_status_.end(), MOECAP_OK);
    result_ = moecap_step_result{};
    result_.struct_size = sizeof(moecap_step_result);
    result_.abi_minor = MOECAP_ABI_MINOR;
    result_.logits = logits_.data();
    result_.logits_capacity = logits_.size();
    result_.expert_tokens = expert_tokens_.data();
    result_.expert_stride = shape_.expert_stride;
    result_.topk_stride = 0;
    result_.topk_ids = nullptr;
    result_.seq_status = seq_status_.data();
    result_.counters = counters_.data();
    result_.counters_capacity = kCounterCapacity;
    return result_;
  }
  const float* logits_row(size_t i) const { return logits_.data() + i * shape_.vocab_size; }
  const std::vector<int32_t>& expert_tokens() const { return expert_tokens_; }
  const std::vector<int32_t>& seq_status() const { return seq_status_; }
  const moecap_step_result& result() const { return result_; }

 private:
  const StepShape& shape_;
  std::vector<float> logits_;
  std::vector<int32_t> expert_tokens_;
  std::vector<int32_t> seq_status_;
  std::vector<moecap_counter> counters_;
  moecap_step_result result_{};
};

// Checks the trace: every MoE layer must have routed exactly n_tokens × top_k assignments.
void check_trace(const StepShape& shape, const std::vector<int32_t>& expert_tokens, int64_t n_tokens,
                 int64_t step_index) {
  for (int32_t layer = 0; layer < shape.n_layers; ++layer) {
    int64_t assigned = 0;
    for (int32_t e = 0; e < shape.expert_stride; ++e) {
      const int32_t count = expert_tokens[static_cast<size_t>(layer) * shape.expert_stride + e];
      if (count < 0)
        throw HostException(MOECAP_ERR_INTERNAL, "step " + std::to_string(step_index) +
                                                     ": backend reported a negative token count at layer " +
                                                     std::to_string(layer));
      assigned += count;
    }
    const int64_t expected = n_tokens * shape.layer_top_k[layer];
    if (assigned != expected)
      throw HostException(MOECAP_ERR_INTERNAL, "step " + std::to_string(step_index) + ": the routing trace of layer " +
                                                   std::to_string(layer) + " holds " + std::to_string(assigned) +
                                                   " token assignments; " + std::to_string(n_tokens) +
                                                   " tokens x top-k " + std::to_string(shape.layer_top_k[layer]) +
                                                   " = " + std::to_string(expected) +
                                                   " expected (a backend must report the trace of every step)");
  }
}

class Driver {
 public:
  Driver(StepTarget& target, const WorkloadSpec& spec)
      : target_(target), spec_(spec), shape_(target.shape()), buffers_(shape_, spec.batch_size) {
    if (static_cast<int32_t>(shape_.layer_top_k.size()) != shape_.n_layers)
      throw HostException(MOECAP_ERR_INTERNAL, "step shape: layer_top_k has the wrong length");
  }

  // Runs one step over live; returns its record and advances every sequence by its new tokens.
  StepRecord step(std::vector<LiveSequence>& live, int64_t step_index) {
    const size_t n = live.size();
    seq_ids_.assign(n, 0);
    n_new_.assign(n, 0);
    pos_.assign(n, 0);
    logits_mode_.assign(n, MOECAP_LOGITS_LAST);
    tokens_.clear();
    StepRecord record;
    record.index = step_index;
    record.n_seqs = static_cast<int32_t>(n);
    for (size_t i = 0; i < n; ++i) {
      LiveSequence& s = live[i];
      seq_ids_[i] = s.seq_id;
      if (!s.prefilled) {
        n_new_[i] = static_cast<int32_t>(s.prompt.size());
        pos_[i] = 0;
        tokens_.insert(tokens_.end(), s.prompt.begin(), s.prompt.end());
        record.n_prefill_tokens += n_new_[i];
      } else {
        n_new_[i] = 1;
        pos_[i] = static_cast<int64_t>(s.prompt.size()) + s.generated - 1;
        tokens_.push_back(s.last_token);
        record.n_decode_tokens += 1;
      }
      record.context_lengths.push_back(pos_[i] + n_new_[i]);
      record.new_tokens.push_back(n_new_[i]);
    }
    record.n_tokens = static_cast<int64_t>(tokens_.size());
    record.mode = record.n_decode_tokens == 0    ? StepMode::prefill
                  : record.n_prefill_tokens == 0 ? StepMode::decode
                                                 : StepMode::mixed;

    moecap_batch batch{};
    batch.struct_size = sizeof(moecap_batch);
    batch.abi_minor = MOECAP_ABI_MINOR;
    batch.n_seqs = static_cast<int32_t>(n);
    batch.n_tokens = static_cast<int32_t>(tokens_.size());
    batch.seq_ids = seq_ids_.data();
    batch.n_new = n_new_.data();
    batch.pos = pos_.data();
    batch.logits_mode = logits_mode_.data();
    batch.token_ids = tokens_.data();

    moecap_step_result& result = buffers_.reset();
    record.start_s = now_seconds();
    target_.step(batch, result);
    const double end = now_seconds();
    record.latency_s = end - record.start_s;
    record.device_s = result.device_seconds;

    for (size_t i = 0; i < n; ++i) {
      if (buffers_.seq_status()[i] != MOECAP_OK)
        throw HostException(buffers_.seq_status()[i], "step " + std::to_string(step_index) +
                                                          ": the backend failed sequence " +
                                                          std::to_string(seq_ids_[i]) + " with error code " +
                                                          std::to_string(buffers_.seq_status()[i]));
    }
    check_trace(shape_, buffers_.expert_tokens(), record.n_tokens, step_index);
    record.n_layers = shape_.n_layers;
    record.expert_stride = shape_.expert_stride;
    record.expert_tokens = buffers_.expert_tokens();
    const int32_t n_counters = std::clamp(result.counters_count, 0, kCounterCapacity);
    for (int32_t c = 0; c < n_counters; ++c) {
      const moecap_counter& counter = result.counters[c];
      record.counters.push_back(
          {counter.name != nullptr ? counter.name : "", counter.unit != nullptr ? counter.unit : "", counter.value});
    }

    for (size_t i = 0; i < n; ++i) {
      LiveSequence& s = live[i];
      s.last_token = argmax(buffers_.logits_row(i), shape_.vocab_size);
      s.prefilled = true;
      s.generated += 1;
    }
    last_step_end_ = end;
    return record;
  }

  double last_step_end() const { return last_step_end_; }
  const StepShape& shape() const { return shape_; }

 private:
  StepTarget& target_;
  const WorkloadSpec& spec_;
  StepShape shape_;
  StepBuffers buffers_;
  std::vector<int64_t> seq_ids_;
  std::vector<int32_t> n_new_;
  std::vector<int64_t> pos_;
  std::vector<int32_t> logits_mode_;
  std::vector<int32_t> tokens_;
  double last_step_end_ = 0;
};

void validate(const WorkloadSpec& spec) {
  auto require = [](bool ok, const char* what) {
    if (!ok) throw HostException(MOECAP_ERR_INVALID_ARG, std::string("workload: ") + what);
  };
  require(spec.batch_size >= 1, "batch_size must be at least 1");
  require(spec.prompt_tokens >= 1, "prompt_tokens must be at least 1");
  require(spec.output_tokens >= 1, "output_tokens must be at least 1");
  require(spec.requests >= 0, "requests must not be negative");
  require(spec.warmup_steps >= 0, "warmup_steps must not be negative");
}

std::vector<int32_t> random_prompt(std::mt19937_64& rng, int64_t length, int32_t vocab) {
  std::uniform_int_distribution<int32_t> token(0, vocab - 1);
  std::vector<int32_t> prompt(static_cast<size_t>(length));
  for (auto& t : prompt) t = token(rng);
  return prompt;
}

}  // namespace

WorkloadResult run_fixed_workload(StepTarget& target, const WorkloadSpec& spec,
                                  const std::function<void(const StepRecord&)>& on_step) {
  validate(spec);
  Driver driver(target, spec);
  const StepShape& shape = driver.shape();
  if (shape.vocab_size < 1) throw HostException(MOECAP_ERR_INVALID_ARG, "workload: the model has no vocabulary");
  std::mt19937_64 rng(spec.seed);
  const int64_t n_requests = spec.requests > 0 ? spec.requests : spec.batch_size;

  // Warm-up: the same shape of work on throw-away sequences, then released; nothing is recorded.
  if (spec.warmup_steps > 0) {
    std::vector<LiveSequence> warm(static_cast<size_t>(std::min(spec.batch_size, n_requests)));
    for (size_t i = 0; i < warm.size(); ++i) {
      warm[i].seq_id = kWarmupSeqBase + static_cast<int64_t>(i);
      warm[i].prompt = random_prompt(rng, spec.prompt_tokens, shape.vocab_size);
    }
    for (int64_t s = 0; s < spec.warmup_steps; ++s) driver.step(warm, -1 - s);
    for (const auto& w : warm) target.release(w.seq_id);
  }

  WorkloadResult out;
  out.requests.resize(static_cast<size_t>(n_requests));
  std::deque<size_t> pending;
  for (int64_t r = 0; r < n_requests; ++r) {
    RequestRecord& req = out.requests[static_cast<size_t>(r)];
    req.id = r;
    req.prompt_tokens = spec.prompt_tokens;
    req.output_tokens = spec.output_tokens;
    pending.push_back(static_cast<size_t>(r));
  }
  std::vector<std::vector<int32_t>> prompts;
  prompts.reserve(static_cast<size_t>(n_requests));
  for (int64_t r = 0; r < n_requests; ++r) prompts.push_back(random_prompt(rng, spec.prompt_tokens, shape.vocab_size));

  out.start_s = now_seconds();
  for (auto& req : out.requests) req.arrival_s = out.start_s;

  std::vector<LiveSequence> live;
  int64_t step_index = 0;
  while (!pending.empty() || !live.empty()) {
    while (static_cast<int64_t>(live.size()) < spec.batch_size && !pending.empty()) {
      LiveSequence s;
      s.request = pending.front();
      s.seq_id = static_cast<int64_t>(s.request);
      s.prompt = prompts[s.request];
      live.push_back(std::move(s));
      pending.pop_front();
    }
    StepRecord record = driver.step(live, step_index++);
    const double end = driver.last_step_end();
    for (auto& s : live) {
      RequestRecord& req = out.requests[s.request];
      req.token_times_s.push_back(end);
      req.output_ids.push_back(s.last_token);
      if (s.generated == 1) req.first_token_s = end;
      if (s.generated >= spec.output_tokens) req.finish_s = end;
    }
    if (on_step) on_step(record);
    out.steps.push_back(std::move(record));
    // Retire finished sequences (their KV is released at once so the backend can reuse it).
    for (auto it = live.begin(); it != live.end();) {
      if (it->generated >= spec.output_tokens) {
        target.release(it->seq_id);
        it = live.erase(it);
      } else {
        ++it;
      }
    }
  }
  out.end_s = now_seconds();
  return out;
}

}  // namespace moecap::host
