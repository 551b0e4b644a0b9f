#include "reference_session.hpp"

#include <cmath>
#include <cstddef>
#include <limits>
#include <set>
#include <string>

namespace moecap::reference {

ReferenceSession::ReferenceSession(const moecap_model_desc& desc, const moecap_weight_source_i& weights,
                                   SessionLimits limits)
    : decoder_(desc, weights), limits_(limits) {
  for (const moecap_ffn_desc& ffn : decoder_.description().layer_ffn) {
    if (ffn.kind != MOECAP_FFN_MOE) continue;
    expert_stride_needed_ = std::max(expert_stride_needed_, ffn.n_experts);
    topk_stride_needed_ = std::max(topk_stride_needed_, ffn.top_k);
  }
}

void ReferenceSession::info(moecap_session_info& out) {
  if (out.struct_size < sizeof(moecap_session_info))
    throw Error(MOECAP_ERR_ABI, "reference backend: session_info struct_size is smaller than ABI 1.0's");
  out.abi_minor = MOECAP_ABI_MINOR;
  out.compute_dtype = MOECAP_DTYPE_F64;
  out.kv_dtype = MOECAP_DTYPE_F64;
  out.weight_dtype = decoder_.description().model.weight_dtype;
  out.max_sequences = limits_.max_sequences;
  out.max_context = limits_.max_context;
}

void ReferenceSession::release(int64_t seq_id) {
  if (sequences_.erase(seq_id) == 0)
    throw Error(MOECAP_ERR_NOT_FOUND, "reference backend: no sequence " + std::to_string(seq_id));
}

ReferenceSession::Layout ReferenceSession::check_step(const moecap_batch& batch,
                                                      const moecap_step_result& result) const {
  return moecap::check_step(batch, result, {expert_stride_needed_, topk_stride_needed_, decoder_.vocab_size()},
                            "reference");
}

int32_t ReferenceSession::check_sequence(const moecap_batch& batch, int32_t s, const Layout& layout) const {
  const int64_t id = batch.seq_ids[s];
  auto reject = [&](int32_t code, const std::string& why) {
    log(MOECAP_LOG_WARN, "backend-reference", "sequence " + std::to_string(id) + " not run: " + why);
    return code;
  };
  const auto it = sequences_.find(id);
  const SequenceCheck check = moecap::check_sequence(batch, s, layout, it == sequences_.end() ? 0 : it->second.length(),
                                                     limits_.max_context, decoder_.vocab_size());
  if (check.code != MOECAP_OK) return reject(check.code, check.reason);
  if (it == sequences_.end() && limits_.max_sequences > 0 &&
      static_cast<int64_t>(sequences_.size()) >= limits_.max_sequences)
    return reject(MOECAP_ERR_UNAVAILABLE,
                  "the session already holds max_sequences = " + std::to_string(limits_.max_sequences) + " sequences");
  return MOECAP_OK;
}

void ReferenceSession::run_sequence(const moecap_batch& batch, int32_t s, const Layout& layout,
                                    moecap_step_result& result, std::vector<int32_t>& expert_tokens,
                                    StepCounters& counters) {
  const int64_t id = batch.seq_ids[s];
  const bool is_new = sequences_.find(id) == sequences_.end();
  SequenceCache& cache = is_new ? sequences_.emplace(id, decoder_.new_cache()).first->second : sequences_.at(id);
  const int64_t held = cache.length();
  const int32_t n_new = batch.n_new[s];
  const int32_t mode = batch.logits_mode[s];
  const int32_t n_layers = decoder_.n_layers();
  const auto vocab = static_cast<size_t>(decoder_.vocab_size());
  std::vector<int32_t> trace(expert_tokens.size(), 0);  // merged only when the whole sequence succeeds
  std::vector<std::vector<RoutedExpert>> routed;
  std::vector<double> logits;
  try {
    for (int32_t t = 0; t < n_new; ++t) {
      const int64_t token_index = layout.first_token[static_cast<size_t>(s)] + t;
      const bool want_logits = mode == MOECAP_LOGITS_ALL || (mode == MOECAP_LOGITS_LAST && t == n_new - 1);
      decoder_.forward(batch.token_ids[token_index], cache, routed, want_logits ? &logits : nullptr, counters);
      for (int32_t layer = 0; layer < n_layers; ++layer) {
        const auto& chosen = routed[static_cast<size_t>(layer)];
        for (size_t j = 0; j < chosen.size(); ++j) {
          ++trace[static_cast<size_t>(layer) * static_cast<size_t>(result.expert_stride) +
                  static_cast<size_t>(chosen[j].expert)];
          if (result.topk_ids != nullptr)
            result.topk_ids[(token_index * n_layers + layer) * result.topk_stride + static_cast<int64_t>(j)] =
                chosen[j].expert;
        }
      }
      if (want_logits) {
        const int64_t row = layout.first_row[static_cast<size_t>(s)] + (mode == MOECAP_LOGITS_ALL ? t : 0);
        float* out = result.logits + static_cast<size_t>(row) * vocab;
        for (size_t v = 0; v < vocab; ++v) out[v] = static_cast<float>(logits[v]);
      }
    }
  } catch (...) {
    // A failed sequence keeps its previous state (backend.h): drop what this step appended.
    if (is_new)
      sequences_.erase(id);
    else
      cache.truncate(held);
    throw;
  }
  for (size_t i = 0; i < trace.size(); ++i) expert_tokens[i] += trace[i];
}

void ReferenceSession::write_counters(const StepCounters& counters, moecap_step_result& result) const {
  const moecap_counter all[] = {
      {"flops", "flop", counters.flops},
      {"weight_bytes_read", "bytes", counters.weight_bytes_read()},
      {"kv_bytes_read", "bytes", counters.kv_bytes_read},
  };
  result.counters_count = 0;
  if (result.counters == nullptr) return;
  for (const moecap_counter& c : all)
    if (result.counters_count < result.counters_capacity) result.counters[result.counters_count++] = c;
}

void ReferenceSession::step(const moecap_batch& batch, moecap_step_result& result) {
  const double start = host().now_seconds();
  const Layout layout = check_step(batch, result);
  const int32_t n_layers = decoder_.n_layers();
  const auto vocab = static_cast<size_t>(decoder_.vocab_size());

  std::vector<int32_t> expert_tokens(static_cast<size_t>(n_layers) * static_cast<size_t>(result.expert_stride), 0);
  if (result.topk_ids != nullptr)
    std::fill_n(result.topk_ids, static_cast<size_t>(batch.n_tokens) * n_layers * result.topk_stride, -1);
  StepCounters counters;
  for (int32_t s = 0; s < batch.n_seqs; ++s) {
    int32_t status = check_sequence(batch, s, layout);
    if (status == MOECAP_OK) {
      try {
        run_sequence(batch, s, layout, result, expert_tokens, counters);
      } catch (const Error& e) {
        status = e.code();
        log(MOECAP_LOG_ERROR, "backend-reference", e.what());
      } catch (const std::bad_alloc&) {
        status = MOECAP_ERR_OUT_OF_MEMORY;
      } catch (const std::exception& e) {
        status = MOECAP_ERR_INTERNAL;
        log(MOECAP_LOG_ERROR, "backend-reference", e.what());
      }
    }
    result.seq_status[s] = status;
    if (status != MOECAP_OK) {
      // The rows stay in place so later sequences keep their offsets; NaN makes accidental use loud.
      const size_t first = static_cast<size_t>(layout.first_row[static_cast<size_t>(s)]) * vocab;
      std::fill_n(result.logits + first, static_cast<size_t>(layout.rows[static_cast<size_t>(s)]) * vocab,
                  std::numeric_limits<float>::quiet_NaN());
      if (result.topk_ids != nullptr)
        std::fill_n(result.topk_ids + layout.first_token[static_cast<size_t>(s)] * n_layers * result.topk_stride,
                    static_cast<size_t>(batch.n_new[s]) * n_layers * result.topk_stride, -1);
    }
  }
  std::copy(expert_tokens.begin(), expert_tokens.end(), result.expert_tokens);
  write_counters(counters, result);
  result.device_seconds = host().now_seconds() - start;
}

}  // namespace moecap::reference
