#include "cpu_session.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "moecap/ceilings/machine_ceilings.hpp"

namespace moecap::cpu_backend {
namespace {}  // namespace

CpuSession::CpuSession(const moecap_model_desc& desc, const moecap_weight_source_i& weights, SessionSettings settings)
    : threads_(settings.threads),
      forward_(desc, weights, threads_, settings.weights, settings.weight_layout),
      settings_(settings) {
  kernels::cpu::use_single_threaded_blas();
  if (settings.weights == WeightPlacement::automatic && !forward_.weights_copied())
    log(MOECAP_LOG_WARN, "backend-cpu",
        "the weights (" + std::to_string(forward_.weights().matrix_bytes() >> 20) +
            " MiB) do not fit twice in the available memory: reading them in place (weights = \"in-place\"), "
            "which decodes slower");
}

void CpuSession::info(moecap_session_info& out) {
  if (out.struct_size < sizeof(moecap_session_info))
    throw Error(MOECAP_ERR_ABI, "cpu backend: session_info struct_size is smaller than ABI 1.0's");
  out.abi_minor = MOECAP_ABI_MINOR;
  out.compute_dtype = MOECAP_DTYPE_F32;
  out.kv_dtype = MOECAP_DTYPE_F32;
  out.weight_dtype = forward_.description().model.weight_dtype;
  out.max_sequences = settings_.max_sequences;
  out.max_context = settings_.max_context;
}

void CpuSession::read_rate(moecap_read_rate& out) {
  const ceilings::ReadPass pass = ceilings::read_pass_over(forward_.weights().memory_extents(), threads_.count());
  out.bytes_per_second = pass.bytes_per_second();
  out.seconds = pass.seconds;
  out.bytes = static_cast<uint64_t>(pass.bytes);
  out.threads = threads_.count();
}

void CpuSession::release(int64_t seq_id) {
  if (sequences_.erase(seq_id) == 0)
    throw Error(MOECAP_ERR_NOT_FOUND, "cpu backend: no sequence " + std::to_string(seq_id));
}

CpuSession::Layout CpuSession::check_step(const moecap_batch& batch, const moecap_step_result& result) const {
  return moecap::check_step(batch, result, {forward_.max_experts(), forward_.max_top_k(), forward_.vocab_size()},
                            "cpu");
}

int32_t CpuSession::check_sequence(const moecap_batch& batch, int32_t s, const Layout& layout) const {
  const int64_t id = batch.seq_ids[s];
  const auto it = sequences_.find(id);
  const SequenceCheck check = moecap::check_sequence(batch, s, layout, it == sequences_.end() ? 0 : it->second.length(),
                                                     settings_.max_context, forward_.vocab_size());
  if (check.code != MOECAP_OK)
    log(MOECAP_LOG_WARN, "backend-cpu", "sequence " + std::to_string(id) + " not run: " + check.reason);
  return check.code;
}

void CpuSession::write_results(const moecap_batch& batch, const StepPlan& plan, const StepOutputs& outputs,
                               moecap_step_result& result) const {
  const int32_t n_layers = forward_.n_layers();
  std::copy(outputs.expert_tokens.begin(), outputs.expert_tokens.end(), result.expert_tokens);
  if (result.topk_ids != nullptr) {
    std::fill_n(result.topk_ids, static_cast<size_t>(batch.n_tokens) * n_layers * result.topk_stride, -1);
    for (int32_t t = 0; t < plan.n_tokens(); ++t)
      for (int32_t layer = 0; layer < n_layers; ++layer)
        for (int32_t j = 0; j < outputs.topk_stride; ++j)
          result.topk_ids[(int64_t{plan.batch_token_index[static_cast<size_t>(t)]} * n_layers + layer) *
                              result.topk_stride +
                          j] = outputs.topk_ids[(static_cast<size_t>(t) * n_layers + layer) * outputs.topk_stride + j];
  }
  std::vector<moecap_counter> all = {
      {"weight_bytes_read", "bytes", outputs.weight_bytes_read},
      {"kv_bytes_read", "bytes", outputs.kv_bytes_read},
      {"expert_flops", "flop", outputs.expert_flops},
      {"expert_seconds", "seconds", outputs.expert_seconds},
  };
  if (outputs.expert_cpu_measured) all.push_back({"expert_cpu_seconds", "seconds", outputs.expert_cpu_seconds});
  all.insert(all.end(), {
                            {"expert_gemm_seconds", "seconds", outputs.expert_gemm_seconds},
                            {"attention_seconds", "seconds", outputs.attention_seconds},
                            {"attend_seconds", "seconds", outputs.attend_seconds},
                            {"lm_head_seconds", "seconds", outputs.lm_head_seconds},
                            {"threads", "count", static_cast<double>(threads_.count())},
                        });
  result.counters_count = 0;
  if (result.counters == nullptr) return;
  for (const moecap_counter& c : all)
    if (result.counters_count < result.counters_capacity) result.counters[result.counters_count++] = c;
}

void CpuSession::step(const moecap_batch& batch, moecap_step_result& result) {
  const double start = host().now_seconds();
  const Layout layout = check_step(batch, result);
  const auto vocab = static_cast<size_t>(forward_.vocab_size());

  // Admit the sequences that can run; new ones get a cache (removed again if the step fails).
  StepPlan plan;
  std::vector<int64_t> created;
  std::vector<std::pair<SequenceCache*, int64_t>> commits;
  int64_t live = static_cast<int64_t>(sequences_.size());
  for (int32_t s = 0; s < batch.n_seqs; ++s) {
    int32_t status = check_sequence(batch, s, layout);
    const int64_t id = batch.seq_ids[s];
    const bool is_new = sequences_.find(id) == sequences_.end();
    if (status == MOECAP_OK && is_new && settings_.max_sequences > 0 && live >= settings_.max_sequences) {
      log(MOECAP_LOG_WARN, "backend-cpu",
          "sequence " + std::to_string(id) + " not run: the session already holds " +
              "max_sequences = " + std::to_string(settings_.max_sequences));
      status = MOECAP_ERR_UNAVAILABLE;
    }
    result.seq_status[s] = status;
    if (status != MOECAP_OK) {
      // The rows stay in place so later sequences keep their offsets; NaN makes accidental use loud.
      std::fill_n(result.logits + static_cast<size_t>(layout.first_row[static_cast<size_t>(s)]) * vocab,
                  static_cast<size_t>(layout.rows[static_cast<size_t>(s)]) * vocab,
                  std::numeric_limits<float>::quiet_NaN());
      continue;
    }
    if (is_new) {
      sequences_.emplace(id, forward_.new_cache());
      created.push_back(id);
      ++live;
    }
    SequenceCache& cache = sequences_.at(id);
    const int32_t n_new = batch.n_new[s];
    cache.reserve(cache.length() + n_new);
    commits.emplace_back(&cache, cache.length() + n_new);
    const int32_t mode = batch.logits_mode[s];
    for (int32_t t = 0; t < n_new; ++t) {
      const int64_t batch_index = layout.first_token[static_cast<size_t>(s)] + t;
      if (mode == MOECAP_LOGITS_ALL || (mode == MOECAP_LOGITS_LAST && t == n_new - 1)) {
        plan.logits_tokens.push_back(plan.n_tokens());
        plan.logits_rows.push_back(layout.first_row[static_cast<size_t>(s)] + (mode == MOECAP_LOGITS_ALL ? t : 0));
      }
      plan.token_ids.push_back(batch.token_ids[batch_index]);
      plan.positions.push_back(cache.length() + t);
      plan.caches.push_back(&cache);
      plan.batch_token_index.push_back(static_cast<int32_t>(batch_index));
    }
  }

  StepOutputs outputs;
  outputs.expert_stride = result.expert_stride;
  outputs.expert_tokens.assign(static_cast<size_t>(forward_.n_layers()) * static_cast<size_t>(result.expert_stride), 0);
  outputs.topk_stride = forward_.max_top_k();
  outputs.topk_ids.assign(static_cast<size_t>(plan.n_tokens()) * forward_.n_layers() * outputs.topk_stride, -1);
  if (plan.n_tokens() > 0) {
    try {
      threads_.run([&] { forward_.run(plan, result.logits, outputs); });
    } catch (...) {
      // The step as a whole failed: no sequence advanced, and the ones it created are forgotten again.
      for (int64_t id : created) sequences_.erase(id);
      throw;
    }
    for (auto& [cache, length] : commits) cache->commit(length);
  }
  write_results(batch, plan, outputs, result);
  result.device_seconds = host().now_seconds() - start;
}

}  // namespace moecap::cpu_backend
