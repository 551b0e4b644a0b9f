// `moecap bench`: a backend (backend-cpu by default) end to end on a Mixtral-shape model of >= 1 GB, every
// figure a ratio to a ceiling measured in this process (DESIGN §7).
//
//   moecap bench [--dtype f32,bf16] [--threads 1,2] [--runs R] [--decode-steps D] [--prefill-tokens P]
//                [--compare-plugin-path DIR] [--backend cpu] [--variant NAME:KEY=VALUE[,…]]…      (plugins: the global
//                --plugin-path search)
//
// Lists are measured interleaved (run 0 of every configuration, then run 1 …), so drift on a shared machine
// hits every configuration alike; --compare-plugin-path adds the same backend built elsewhere (A/B of a change).
// Each run of a configuration: sgemm ceiling → prefill of P tokens (one sequence) → sgemm ceiling → read ceiling
// → D decode steps at batch 1 → read ceiling → (triad) → the paired steps, a read pass before and after each.
// Printed per run and as medians over runs:
//   decode tokens/s; S-MBU-full = bytes a decode step reads (attention, activated experts, shared/dense FFN,
//   router, norms, embedding row, LM head, KV cache: core's step_bytes) / step time / read ceiling, the
//   ceiling being the mean of the probes before and after, taken as their best pass (strict, STREAM's
//   convention) and as their median pass (like for like: the probe measured under the same contention as
//   the decode); paired: more decode steps, each between two single probe passes, the median over steps of
//   the step's rate over the mean of its two passes; own: the same pairing with passes of the probe's loop over
//   the backend's own weight memory (when it offers moecap/ext_session_read_rate.h; backend-cpu does), so a step is
//   set against the very bytes it reads from, in the same places — memory here does not read at one rate
//   everywhere, and the probe's buffer and the weights can lie on memory of different speed; weights/probe: such a
//   pass over a probe pass right before it (1.0 where the two memories read alike); and per CPU-second (decode bytes
//   per CPU-second its threads got / the probe's median pass per CPU-second: the efficiency while scheduled, which a
//   loaded machine does not distort); prefill tokens/s and the routed-expert GEMM rate (the backend's expert_flops /
//   expert_seconds counters) over the sgemm ceiling (the mean of its best passes right before and right after the
//   prefill); host overhead = (host-timed step − the backend's device_seconds) /
//   host-timed step; cpu share = process CPU time / (wall time × threads) during the decode, i.e. how much of the
//   requested cores the machine gave us (1.0 on an idle machine).
#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "app_command.hpp"
#include "moecap/ceilings/machine_ceilings.hpp"
#include "moecap/host/config_view.hpp"
#include "moecap/host/host_services.hpp"
#include "moecap/host/model_accounting.hpp"
#include "moecap/host/plugin_discovery.hpp"
#include "moecap/host/plugin_registry.hpp"
#include "moecap/host/step_utilisation.hpp"
#include "moecap/kernels/cpu/compute_threads.hpp"
#include "moecap/kernels/cpu/page_arena.hpp"

namespace {

using namespace moecap;

/// Memory the runs need beyond the sessions: the bandwidth probe (512 MB read buffer, a 768 MB triad) and
/// the sgemm ceiling's matrices.
constexpr size_t kRunMemoryBytes = size_t{1536} << 20;

struct Options {
  std::vector<std::string> dtypes{"f32"};
  std::vector<int> threads;
  int runs = 3;
  int decode_steps = 16;
  int prefill_tokens = 512;
  int paired_steps = -1;  ///< decode steps paired with probe passes; -1: as many as decode_steps
  std::string backend = "cpu";
  std::vector<std::filesystem::path> plugin_dirs;  ///< the global --plugin-path
  std::filesystem::path compare_plugin_dir;
  std::vector<std::string> variants;  ///< "NAME:KEY=VALUE[,KEY=VALUE…]", each another configuration
};

/// A set of backend keys measured as its own configuration (e.g. "copy:weights=copy").
struct Variant {
  std::string name;
  std::vector<std::pair<std::string, std::string>> keys;
};

Variant parse_variant(const std::string& text) {
  Variant v;
  const size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0)
    throw std::runtime_error("--variant '" + text + "': expected NAME:KEY=VALUE[,KEY=VALUE…]");
  v.name = text.substr(0, colon);
  std::string rest = text.substr(colon + 1);
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string pair = rest.substr(0, comma);
    const size_t equals = pair.find('=');
    if (equals == std::string::npos || equals == 0)
      throw std::runtime_error("--variant '" + text + "': '" + pair + "' is not KEY=VALUE");
    v.keys.emplace_back(pair.substr(0, equals), pair.substr(equals + 1));
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
  }
  return v;
}

/// A variant's value as `moecap run --set` reads one: a TOML literal (8, true, 0.5, "bf16"), else a bare word
/// taken as a string.
void insert_value(toml::table& table, const std::string& key, const std::string& value) {
  try {
    toml::table document = toml::parse("v = " + value);
    if (toml::node* node = document.get("v")) {
      table.insert_or_assign(key, *node);
      return;
    }
  } catch (const toml::parse_error&) {
  }
  table.insert_or_assign(key, value);
}

// The issue's scaled Mixtral: hidden 1024, 8 layers, 8 experts top-2 of width 3584, vocabulary 32000,
// GQA 8 query heads of 128 over 2 KV heads (Mixtral's 4:1), untied head: 0.79 G parameters.
constexpr const char* kModelDescription = R"(
name = "mixtral-bench-1b"
family = "mixtral"
vocab_size = 32000
hidden_size = 1024
n_layers = 8
norm = "rms"
norm_eps = 1e-5
max_position_embeddings = 8192
[attention]
kind = "gqa"
n_heads = 8
n_kv_heads = 2
head_dim = 128
rope_theta = 1e6
[ffn]
n_experts = 8
top_k = 2
expert_intermediate_size = 3584
router_scoring = "softmax"
renormalize_topk = true
activation = "silu"
gated = true
)";

class OwnedConfig {
 public:
  explicit OwnedConfig(toml::table table)
      : table_(std::make_unique<toml::table>(std::move(table))),
        view_(std::make_unique<host::ConfigView>(table_.get(), "moecap bench", "")) {}
  const moecap_config* get() const { return view_->get(); }

 private:
  std::unique_ptr<toml::table> table_;
  std::unique_ptr<host::ConfigView> view_;
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// A ratio as the tables print it, "-" when there is none (a backend without the read-rate extension).
std::string ratio_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", value);
  return text;
}

std::string median_text(const std::vector<double>& values) {
  return values.empty() ? "-" : ratio_text(median(values));
}

double counter(const std::vector<moecap_counter>& counters, const char* name) {
  for (const moecap_counter& c : counters)
    if (std::strcmp(c.name, name) == 0) return c.value;
  return 0;
}

/// One step of one sequence, timed by the host around the plugin call.
struct StepRun {
  double host_seconds = 0;
  double device_seconds = 0;
  std::vector<int32_t> expert_tokens;
  std::vector<moecap_counter> counters;
};

class SequenceDriver {
 public:
  SequenceDriver(host::Session& session, const moecap_model_desc& desc) : session_(session), desc_(desc) {
    for (int32_t l = 0; l < desc.n_layers; ++l)
      if (desc.layer_ffn[l]->kind == MOECAP_FFN_MOE) stride_ = std::max(stride_, desc.layer_ffn[l]->n_experts);
    logits_.resize(static_cast<size_t>(desc.vocab_size));
    counters_.resize(16);
  }

  StepRun step(int64_t seq_id, int64_t pos, const std::vector<int32_t>& tokens) {
    const int32_t n_new = static_cast<int32_t>(tokens.size());
    const int32_t mode = MOECAP_LOGITS_LAST;
    int32_t status = -1;
    StepRun run;
    run.expert_tokens.assign(static_cast<size_t>(desc_.n_layers) * static_cast<size_t>(stride_), 0);
    moecap_batch batch{};
    batch.struct_size = sizeof batch;
    batch.abi_minor = MOECAP_ABI_MINOR;
    batch.n_seqs = 1;
    batch.n_tokens = n_new;
    batch.seq_ids = &seq_id;
    batch.n_new = &n_new;
    batch.pos = &pos;
    batch.logits_mode = &mode;
    batch.token_ids = tokens.data();
    moecap_step_result result{};
    result.struct_size = sizeof result;
    result.abi_minor = MOECAP_ABI_MINOR;
    result.logits = logits_.data();
    result.logits_capacity = logits_.size();
    result.expert_tokens = run.expert_tokens.data();
    result.expert_stride = stride_;
    result.seq_status = &status;
    result.counters = counters_.data();
    result.counters_capacity = static_cast<int32_t>(counters_.size());
    const double begin = host::now_seconds();
    session_.step(batch, result);
    run.host_seconds = host::now_seconds() - begin;
    if (status != MOECAP_OK) throw std::runtime_error("the backend did not run the sequence");
    run.device_seconds = result.device_seconds;
    run.counters.assign(counters_.begin(), counters_.begin() + result.counters_count);
    return run;
  }

  /// The next token: the argmax of the last logits (a real decode loop, not a replayed id).
  int32_t argmax() const {
    return static_cast<int32_t>(std::max_element(logits_.begin(), logits_.end()) - logits_.begin());
  }
  int32_t expert_stride() const { return stride_; }

 private:
  host::Session& session_;
  const moecap_model_desc& desc_;
  int32_t stride_ = 1;
  std::vector<float> logits_;
  std::vector<moecap_counter> counters_;
};

host::StepRecord decode_record(const moecap_model_desc& desc, int32_t stride, int64_t context, const StepRun& run) {
  host::StepRecord r;
  r.mode = host::StepMode::decode;
  r.n_seqs = 1;
  r.n_tokens = 1;
  r.n_decode_tokens = 1;
  r.context_lengths = {context};
  r.new_tokens = {1};
  r.latency_s = run.host_seconds;
  r.device_s = run.device_seconds;
  r.n_layers = desc.n_layers;
  r.expert_stride = stride;
  r.expert_tokens = run.expert_tokens;
  return r;
}

/// One configuration measured in every run: a model dtype, a backend build, a thread count.
struct Configuration {
  std::string label;
  std::shared_ptr<const host::Model> model;
  const host::ModelAccounting* accounting;
  int threads;
  std::unique_ptr<host::Session> session;
  std::unique_ptr<SequenceDriver> driver;
  std::vector<double> decode_rates, smbu_strict, smbu_like, smbu_paired, overheads, cpu_shares, prefill_rates,
      expert_ratios, reads_best, reads_median, sgemms, smbu_cpu, expert_cpu_ratios, gemm_only_ratios;
  /// The backend reports the read rate of its own weight memory (moecap/ext_session_read_rate.h): then each run
  /// also pairs decode steps with passes over that memory (smbu_own) and compares those passes with the probe's
  /// (own_over_probe: how fast the weights' memory reads against the probe's buffer).
  bool reads_own_memory = false;
  std::vector<double> smbu_own, own_over_probe;
  /// Decode step time split by the backend's counters (seconds per step): attention, routed experts, LM head,
  /// the rest (norms, router, shared/dense FFN, residual adds, host).
  std::vector<double> split_attention, split_experts, split_expert_products, split_head, split_rest, split_step;
  /// The attend kernel alone (attend_seconds, part of attention) and the KV bytes/s it read (kv_bytes_read over it).
  std::vector<double> split_attend, attend_kv_rates;
};

void measure_run(Configuration& c, ceilings::BandwidthProbe& probe, const Options& o, int run) {
  const moecap_model_desc& desc = c.model->describe();
  std::vector<int32_t> prompt(static_cast<size_t>(o.prefill_tokens));
  for (size_t i = 0; i < prompt.size(); ++i)
    prompt[i] = static_cast<int32_t>((i * 7919 + 13 * static_cast<size_t>(run)) % static_cast<size_t>(desc.vocab_size));
  const int64_t seq = run + 1;
  // Prefill against the sgemm ceiling measured right before and right after it, their mean (each the best of
  // its passes): the compute rate drifts on a shared machine as the memory bandwidth does, and one ceiling
  // before a 2-4 s prefill read 54-83 GFLOP/s across the runs of one invocation here while the prefill held
  // 130-171 tok/s.
  const ceilings::GemmCeiling gemm_before = ceilings::measure_sgemm(c.threads);
  const StepRun prefill = c.driver->step(seq, 0, prompt);
  const ceilings::GemmCeiling gemm_after = ceilings::measure_sgemm(c.threads);
  const double sgemm_rate = 0.5 * (gemm_before.flops_per_second + gemm_after.flops_per_second);
  const double sgemm_cpu_rate = 0.5 * (gemm_before.flops_per_cpu_second + gemm_after.flops_per_cpu_second);
  const double expert_rate = counter(prefill.counters, "expert_flops") / counter(prefill.counters, "expert_seconds");
  // Decode between two read-bandwidth probes.
  const ceilings::ProbeResult before = probe.read(c.threads);
  double bytes = 0, host_time = 0, device_time = 0, attention = 0, experts = 0, expert_products = 0, head = 0;
  double attend = 0, kv_bytes = 0;
  int64_t pos = o.prefill_tokens;
  // One greedy decode step of the sequence and the bytes S-MBU-full counts for it.
  auto decode_step = [&](double& step_bytes) {
    const StepRun step = c.driver->step(seq, pos, {c.driver->argmax()});
    ++pos;
    step_bytes = host::step_bytes(decode_record(desc, c.driver->expert_stride(), pos, step), *c.accounting)
                     .s_mbu_full_numerator();
    return step;
  };
  const double cpu_start = ceilings::process_cpu_seconds();
  for (int s = 0; s < o.decode_steps; ++s) {
    double step_bytes = 0;
    const StepRun step = decode_step(step_bytes);
    bytes += step_bytes;
    host_time += step.host_seconds;
    device_time += step.device_seconds;
    attention += counter(step.counters, "attention_seconds");
    attend += counter(step.counters, "attend_seconds");
    kv_bytes += counter(step.counters, "kv_bytes_read");
    experts += counter(step.counters, "expert_seconds");
    expert_products += counter(step.counters, "expert_gemm_seconds");
    head += counter(step.counters, "lm_head_seconds");
  }
  const double cpu_time = ceilings::process_cpu_seconds() - cpu_start;
  const ceilings::ProbeResult after = probe.read(c.threads);
  const ceilings::ProbeResult triad = probe.triad(c.threads);
  // Then steps paired with the probe: one read pass before every step and after it (the next step's before),
  // each step's bytes/s over the mean of the two passes around it. A pass reads 512 MB, about what a step reads,
  // so both sample the machine over the same ~30-60 ms: the drift between a probe and the decode that the
  // before/after probes leave (their passes varied by 10-30% within one probe here) is taken out step by step.
  std::vector<double> paired;
  double previous = o.paired_steps > 0 ? probe.read_pass(c.threads) : 0;
  for (int s = 0; s < o.paired_steps; ++s) {
    double step_bytes = 0;
    const StepRun step = decode_step(step_bytes);
    const double next = probe.read_pass(c.threads);
    paired.push_back(step_bytes / step.host_seconds / (0.5 * (previous + next)));
    previous = next;
  }
  c.smbu_paired.push_back(median(paired));
  // The same pairing with passes over the backend's own weight memory instead of the probe's buffer: the step's
  // rate against a plain read of the very bytes it reads from, in the same places, so where memory lies (some
  // of it reads slower here, benchmarks/README.md) cancels out. Each such pass is also set against a probe
  // pass right before it.
  const bool pairs_own = c.reads_own_memory && o.paired_steps > 0;
  if (pairs_own) {
    std::vector<double> own, own_probe;
    auto own_pass = [&] {
      const double probe_rate = probe.read_pass(c.threads);
      const double rate = c.session->read_rate().value().bytes_per_second;
      own_probe.push_back(rate / probe_rate);
      return rate;
    };
    double own_previous = own_pass();
    for (int s = 0; s < o.paired_steps; ++s) {
      double step_bytes = 0;
      const StepRun step = decode_step(step_bytes);
      const double next = own_pass();
      own.push_back(step_bytes / step.host_seconds / (0.5 * (own_previous + next)));
      own_previous = next;
    }
    c.smbu_own.push_back(median(own));
    c.own_over_probe.push_back(median(own_probe));
  }
  c.session->release(seq);
  const double strict = 0.5 * (before.best + after.best);
  const double like = 0.5 * (before.median + after.median);
  c.decode_rates.push_back(o.decode_steps / host_time);
  c.smbu_strict.push_back(bytes / host_time / strict);
  c.smbu_like.push_back(bytes / host_time / like);
  c.overheads.push_back((host_time - device_time) / host_time);
  c.cpu_shares.push_back(cpu_time / (host_time * c.threads));
  // Both sides per CPU-second of their threads: the decode's bytes over the CPU time it got, against the read
  // probe's median pass normalised the same way — the efficiency while scheduled, whatever the machine's load.
  c.smbu_cpu.push_back(bytes / (cpu_time / c.threads) /
                       (0.5 * (before.median_per_cpu_second + after.median_per_cpu_second)));
  c.prefill_rates.push_back(o.prefill_tokens / prefill.host_seconds);
  c.expert_ratios.push_back(expert_rate / sgemm_rate);
  c.gemm_only_ratios.push_back(counter(prefill.counters, "expert_flops") /
                               counter(prefill.counters, "expert_gemm_seconds") / sgemm_rate);
  c.expert_cpu_ratios.push_back(counter(prefill.counters, "expert_flops") /
                                (counter(prefill.counters, "expert_cpu_seconds") / c.threads) / sgemm_cpu_rate);
  const double steps = o.decode_steps;
  c.split_attention.push_back(attention / steps);
  c.split_attend.push_back(attend / steps);
  c.attend_kv_rates.push_back(attend > 0 ? kv_bytes / attend : 0);
  c.split_experts.push_back(experts / steps);
  c.split_expert_products.push_back(expert_products / steps);
  c.split_head.push_back(head / steps);
  c.split_rest.push_back((host_time - attention - experts - head) / steps);
  c.split_step.push_back(host_time / steps);
  c.reads_best.push_back(strict);
  c.reads_median.push_back(like);
  c.sgemms.push_back(sgemm_rate);
  std::printf(
      "%-22s %3d %6.2f/%6.2f %6.2f/%6.2f %6.2f %7.1f %8.2f %7.3f %7.3f %7.3f %7s %7s %7.3f %7.3f%% %5.2f %8.1f %7.3f "
      "%7.3f %7.3f  %.0f MB/step\n",
      c.label.c_str(), run, before.best / 1e9, before.median / 1e9, after.best / 1e9, after.median / 1e9,
      triad.best / 1e9, sgemm_rate / 1e9, c.decode_rates.back(), c.smbu_strict.back(), c.smbu_like.back(),
      c.smbu_paired.back(), pairs_own ? ratio_text(c.smbu_own.back()).c_str() : "-",
      pairs_own ? ratio_text(c.own_over_probe.back()).c_str() : "-", c.smbu_cpu.back(), 100 * c.overheads.back(),
      c.cpu_shares.back(), c.prefill_rates.back(), c.expert_ratios.back(), c.expert_cpu_ratios.back(),
      c.gemm_only_ratios.back(), bytes / o.decode_steps / 1e6);
  std::fflush(stdout);
}

int run(const Options& o) {
  host::PluginRegistry registry(host::PluginSearchPaths::standard(o.plugin_dirs));
  std::unique_ptr<host::PluginRegistry> compare;
  if (!o.compare_plugin_dir.empty())
    compare = std::make_unique<host::PluginRegistry>(
        host::PluginSearchPaths::only({std::filesystem::absolute(o.compare_plugin_dir)}));
  std::vector<std::shared_ptr<const host::Model>> models;
  std::vector<std::unique_ptr<host::ModelAccounting>> accountings;
  std::vector<Configuration> configurations;
  for (const std::string& dtype : o.dtypes) {
    toml::table model_table;
    model_table.insert("seed", 1);
    model_table.insert("dtype", dtype);
    model_table.insert("description",
                       toml::parse(std::string_view(kModelDescription), std::string_view("moecap bench")));
    const OwnedConfig model_config(std::move(model_table));
    const double build_start = host::now_seconds();
    models.push_back(registry.model("synthetic").open(model_config.get()));
    const moecap_model_desc& desc = models.back()->describe();
    host::AccountingOptions accounting_options;
    accounting_options.weight_bytes_per_element = host::dtype_bytes(desc.weight_dtype);
    accounting_options.kv_bytes_per_element = 4;  // backend-cpu keeps an f32 cache
    accountings.push_back(std::make_unique<host::ModelAccounting>(desc, accounting_options));
    const host::ModelAccounting& accounting = *accountings.back();
    std::printf("model: %s, %s weights, %.3f GB, %.2f G parameters (synthetic, built in %.1f s)\n", desc.name,
                dtype.c_str(), accounting.weight_bytes(accounting.total_params()) / 1e9,
                accounting.total_params() / 1e9, host::now_seconds() - build_start);
    std::vector<Variant> variants;
    for (const std::string& text : o.variants) variants.push_back(parse_variant(text));
    if (variants.empty()) variants.push_back({});
    for (int variant = 0; variant < (compare ? 2 : 1); ++variant) {
      for (const Variant& keys : variants)
        for (int threads : o.threads) {
          toml::table backend_table;
          backend_table.insert("threads", threads);
          for (const auto& [key, value] : keys.keys) insert_value(backend_table, key, value);
          const OwnedConfig backend_config(std::move(backend_table));
          host::PluginRegistry& source = variant == 0 ? registry : *compare;
          Configuration c;
          c.label = dtype + " t" + std::to_string(threads) + (keys.name.empty() ? "" : " " + keys.name) +
                    (compare ? (variant == 0 ? " A" : " B") : "");
          c.model = models.back();
          c.accounting = &accounting;
          c.threads = threads;
          c.session =
              std::make_unique<host::Session>(source.backend(o.backend).create_session(c.model, backend_config.get()));
          c.driver = std::make_unique<SequenceDriver>(*c.session, desc);
          c.reads_own_memory = c.session->read_rate().has_value();  // one pass; also the weights' first read
          configurations.push_back(std::move(c));
        }
    }
  }
  // Every configuration keeps its session (with its copy of the weights) for the interleaved runs, and the
  // probes then allocate ~1.3 GB more: stop here with the reason rather than be killed mid-run by the kernel.
  const size_t available = kernels::cpu::available_memory_bytes();
  if (available != 0 && available < kRunMemoryBytes)
    throw std::runtime_error(
        "after creating " + std::to_string(configurations.size()) + " configurations, " +
        std::to_string(available >> 20) + " MiB of memory are left and the runs need about " +
        std::to_string(kRunMemoryBytes >> 20) +
        " MiB (the ceiling probes' buffers): measure fewer configurations at once (--dtype, --threads, --variant) "
        "or read the weights in place (--variant NAME:weights=in-place)");
  if (compare) std::printf("A = the standard plugin search, B = %s\n", o.compare_plugin_dir.c_str());
  std::printf("backend %s, prefill %d tokens, %d decode steps per run, %d runs, interleaved\n", o.backend.c_str(),
              o.prefill_tokens, o.decode_steps, o.runs);
  std::printf("%-22s %3s %13s %13s %6s %7s %8s %7s %7s %7s %7s %7s %7s %8s %5s %8s %7s %7s %7s\n", "configuration",
              "run", "read0 GB/s", "read1 GB/s", "triad", "sgemm", "decode", "S-MBU-f", "S-MBU-f", "S-MBU-f", "S-MBU-f",
              "weights", "S-MBU-f", "host", "cpu", "prefill", "expert", "expert", "GEMMs");
  std::printf("%-22s %3s %13s %13s %6s %7s %8s %7s %7s %7s %7s %7s %7s %8s %5s %8s %7s %7s %7s\n", "", "",
              "best/median", "best/median", "GB/s", "GFLOP/s", "tok/s", "strict", "like", "paired", "own", "/probe",
              "per-cpu", "overhead", "share", "tok/s", "/sgemm", "per-cpu", "/sgemm");
  ceilings::BandwidthProbe probe;
  for (int r = 0; r < o.runs; ++r)
    for (Configuration& c : configurations) measure_run(c, probe, o, r);
  std::printf("\nmedians over %d runs\n%-22s %8s %8s %8s %8s %8s %8s %8s %8s %9s %6s %9s %8s %9s %9s %9s\n", o.runs,
              "configuration", "read", "sgemm", "decode", "S-MBU-f", "S-MBU-f", "S-MBU-f", "S-MBU-f", "weights",
              "S-MBU-f", "cpu", "host", "prefill", "expert", "expert", "GEMMs");
  std::printf("%-22s %8s %8s %8s %8s %8s %8s %8s %8s %9s %6s %9s %8s %9s %9s %9s\n", "", "GB/s(m)", "GFLOP/s", "tok/s",
              "strict", "like", "paired", "own", "/probe", "per-cpu", "share", "overhead", "tok/s", "/sgemm", "per-cpu",
              "/sgemm");
  for (const Configuration& c : configurations)
    std::printf("%-22s %8.2f %8.1f %8.2f %8.3f %8.3f %8.3f %8s %8s %9.3f %6.2f %8.3f%% %8.1f %9.3f %9.3f %9.3f\n",
                c.label.c_str(), median(c.reads_median) / 1e9, median(c.sgemms) / 1e9, median(c.decode_rates),
                median(c.smbu_strict), median(c.smbu_like), median(c.smbu_paired), median_text(c.smbu_own).c_str(),
                median_text(c.own_over_probe).c_str(), median(c.smbu_cpu), median(c.cpu_shares),
                100 * median(c.overheads), median(c.prefill_rates), median(c.expert_ratios),
                median(c.expert_cpu_ratios), median(c.gemm_only_ratios));
  std::printf(
      "\ndecode step split, ms per step (medians; the backend's attention_seconds, expert_seconds and "
      "lm_head_seconds counters, 0 where it has none; attend = attend_seconds, the attention kernel over the KV cache "
      "alone, and KV GB/s = kv_bytes_read over it; products = expert_gemm_seconds, the experts' matrix products "
      "alone)\n%-22s %8s %9s %8s %7s %8s %9s %8s %8s\n",
      "configuration", "step", "attention", "attend", "KV GB/s", "experts", "products", "lm head", "rest");
  for (const Configuration& c : configurations)
    std::printf("%-22s %8.2f %9.2f %8.2f %7.2f %8.2f %9.2f %8.2f %8.2f\n", c.label.c_str(), 1e3 * median(c.split_step),
                1e3 * median(c.split_attention), 1e3 * median(c.split_attend), median(c.attend_kv_rates) / 1e9,
                1e3 * median(c.split_experts), 1e3 * median(c.split_expert_products), 1e3 * median(c.split_head),
                1e3 * median(c.split_rest));
  return 0;
}

}  // namespace

namespace moecap::app {

Command add_bench_command(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "bench",
      "Measure a backend end to end on a Mixtral-shape model of 3.2 GB (f32): decode tokens/s and S-MBU-full over the "
      "read bandwidth probed right before and after (and over the backend's own weight memory, step by step, where "
      "it offers that), prefill tokens/s and expert GEMMs over the sgemm rate probed right before and after, host "
      "overhead; configurations interleaved, medians over runs (benchmarks/README.md)");
  sub->add_option("--dtype", o->dtypes, "Weight dtypes, e.g. f32,bf16")->delimiter(',')->type_name("DT[,DT…]");
  sub->add_option("--threads", o->threads, "Thread counts, e.g. 1,2 (default: every logical CPU)")
      ->delimiter(',')
      ->check(CLI::PositiveNumber)
      ->type_name("N[,N…]");
  sub->add_option("--runs", o->runs, "Runs of every configuration (default 3)")->check(CLI::PositiveNumber);
  sub->add_option("--decode-steps", o->decode_steps, "Decode steps per run (default 16)")->check(CLI::PositiveNumber);
  sub->add_option("--prefill-tokens", o->prefill_tokens,
                  "Prompt length of the prefill (default 512; at least 16: below that backend-cpu runs no matrix "
                  "products and reads no CPU time, so there is no expert-GEMM rate to set against sgemm)")
      ->check(CLI::Range(16, 1 << 20));
  sub->add_option("--paired-steps", o->paired_steps,
                  "Decode steps per run each taken between two passes of the read probe, for the paired S-MBU-full "
                  "(default: as many as --decode-steps; 0 skips them)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--backend", o->backend, "Backend plugin (default cpu)");
  sub->add_option("--compare-plugin-path", o->compare_plugin_dir,
                  "A second plugin folder with the same backend built otherwise: every configuration runs as A and B")
      ->type_name("DIR");
  sub->add_option("--variant", o->variants,
                  "Backend keys measured as another configuration, NAME:KEY=VALUE[,KEY=VALUE…]; repeatable (e.g. "
                  "--variant copy:weights=copy --variant mapped:weights=in-place)")
      ->type_name("SPEC");
  return {sub, [o](const GlobalOptions& global) {
            Options options = *o;
            options.plugin_dirs = global.plugin_dirs;
            if (options.threads.empty()) options.threads.push_back(kernels::cpu::available_hardware_threads());
            if (options.paired_steps < 0) options.paired_steps = options.decode_steps;
            return run(options);
          }};
}

}  // namespace moecap::app
