// moecap SDK C++ layer — the checks every backend makes on a step (backend.h, "step"), written once.
//
//   const moecap::StepLayout layout = moecap::check_step(batch, result, {max_experts, max_top_k, vocab}, "my");
//   for (int32_t s = 0; s < batch.n_seqs; ++s) {
//     const moecap::SequenceCheck c = moecap::check_sequence(batch, s, layout, held_tokens(s), max_context, vocab);
//     if (c.code != MOECAP_OK) { /* log c.reason; result.seq_status[s] = c.code; skip the sequence */ }
//   }
//
// check_step rejects what makes the whole step malformed (the step then returns MOECAP_ERR_INVALID_ARG and
// writes nothing); check_sequence what only one sequence did wrong (it is not run, the others are).
// @since 1.0. Header-only; pure functions of their arguments, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "moecap/backend.h"
#include "moecap/cpp/host.hpp"

namespace moecap {
inline namespace abi1 {

/// Where each sequence's new tokens start in batch.token_ids, and where its logits rows start in
/// result.logits (rows of vocab_size floats): the step's layout, in batch order. @since 1.0
struct StepLayout {
  std::vector<int64_t> first_token;  ///< per sequence: index of its first new token in token_ids
  std::vector<int64_t> first_row;    ///< per sequence: its first logits row
  std::vector<int64_t> rows;         ///< per sequence: logits rows it asked for (0, 1 or n_new)
  int64_t total_rows = 0;
};

/// What the model needs of a step result. @since 1.0
struct StepNeeds {
  int32_t expert_stride = 1;  ///< most routed experts of any layer (1 for a dense model)
  int32_t topk_stride = 1;    ///< largest top-k of any layer
  int64_t vocab_size = 0;
};

/// Logits rows a sequence asks for: logits_mode ALL → n_new, LAST → 1, NONE → 0. @since 1.0
inline int64_t logits_rows(int32_t logits_mode, int32_t n_new) {
  return logits_mode == MOECAP_LOGITS_ALL ? n_new : logits_mode == MOECAP_LOGITS_LAST ? 1 : 0;
}

/// Checks a step's batch and result arrays against the contract: struct sizes, NULL arrays, n_seqs, n_new,
/// logits modes, n_tokens, the routing-trace strides and the logits capacity. Throws moecap::Error
/// (MOECAP_ERR_INVALID_ARG) with "<who> backend: step: <what is wrong>"; returns the layout otherwise.
/// @since 1.0
inline StepLayout check_step(const moecap_batch& batch, const moecap_step_result& result, const StepNeeds& needs,
                             const std::string& who) {
  auto bad = [&](const std::string& message) {
    throw Error(MOECAP_ERR_INVALID_ARG, who + " backend: step: " + message);
  };
  if (batch.struct_size < offsetof(moecap_batch, token_ids) + sizeof(batch.token_ids))
    bad("batch struct_size " + std::to_string(batch.struct_size) + " is smaller than ABI 1.0's");
  if (result.struct_size < sizeof(moecap_step_result))
    bad("result struct_size " + std::to_string(result.struct_size) + " is smaller than ABI 1.0's");
  if (batch.n_seqs < 1) bad("n_seqs = " + std::to_string(batch.n_seqs) + "; expected >= 1");
  if (batch.seq_ids == nullptr || batch.n_new == nullptr || batch.pos == nullptr || batch.logits_mode == nullptr)
    bad("seq_ids, n_new, pos and logits_mode must not be NULL");
  if (result.seq_status == nullptr) bad("result.seq_status must not be NULL");
  if (result.expert_tokens == nullptr) bad("result.expert_tokens must not be NULL (the routing trace is mandatory)");
  if (result.expert_stride < needs.expert_stride)
    bad("result.expert_stride = " + std::to_string(result.expert_stride) + "; the model needs " +
        std::to_string(needs.expert_stride));
  if (result.topk_ids != nullptr && result.topk_stride < needs.topk_stride)
    bad("result.topk_stride = " + std::to_string(result.topk_stride) + "; the model needs " +
        std::to_string(needs.topk_stride));
  StepLayout layout;
  int64_t tokens = 0;
  for (int32_t s = 0; s < batch.n_seqs; ++s) {
    const int32_t n_new = batch.n_new[s];
    const int32_t mode = batch.logits_mode[s];
    if (n_new < 1) bad("sequence " + std::to_string(batch.seq_ids[s]) + " has n_new = " + std::to_string(n_new));
    if (mode != MOECAP_LOGITS_NONE && mode != MOECAP_LOGITS_LAST && mode != MOECAP_LOGITS_ALL)
      bad("sequence " + std::to_string(batch.seq_ids[s]) + " has logits_mode = " + std::to_string(mode));
    layout.first_token.push_back(tokens);
    layout.first_row.push_back(layout.total_rows);
    layout.rows.push_back(logits_rows(mode, n_new));
    tokens += n_new;
    layout.total_rows += layout.rows.back();
  }
  if (tokens != batch.n_tokens)
    bad("n_tokens = " + std::to_string(batch.n_tokens) + " but n_new sums to " + std::to_string(tokens));
  if (batch.token_ids == nullptr) bad("token_ids must not be NULL");
  const auto floats_needed = static_cast<size_t>(layout.total_rows) * static_cast<size_t>(needs.vocab_size);
  if (floats_needed > 0 && (result.logits == nullptr || result.logits_capacity < floats_needed))
    bad("logits need " + std::to_string(floats_needed) + " floats; capacity is " +
        std::to_string(result.logits == nullptr ? 0 : result.logits_capacity));
  return layout;
}

/// One sequence's verdict: MOECAP_OK, or the status to report for it and why. @since 1.0
struct SequenceCheck {
  int32_t code = MOECAP_OK;
  std::string reason;
};

/// Checks sequence s of a step that passed check_step: its id is not repeated earlier in the batch, pos
/// equals the tokens the backend holds for it (held_tokens, 0 for a new sequence), it fits max_context
/// (0 = no limit) and its token ids are in [0, vocab_size). Every failure is MOECAP_ERR_INVALID_ARG.
/// @since 1.0
inline SequenceCheck check_sequence(const moecap_batch& batch, int32_t s, const StepLayout& layout, int64_t held_tokens,
                                    int64_t max_context, int64_t vocab_size) {
  const int64_t id = batch.seq_ids[s];
  for (int32_t earlier = 0; earlier < s; ++earlier)
    if (batch.seq_ids[earlier] == id) return {MOECAP_ERR_INVALID_ARG, "it appears twice in the batch"};
  if (batch.pos[s] != held_tokens)
    return {MOECAP_ERR_INVALID_ARG, "pos = " + std::to_string(batch.pos[s]) + " but the cache holds " +
                                        std::to_string(held_tokens) + " tokens"};
  if (max_context > 0 && held_tokens + batch.n_new[s] > max_context)
    return {MOECAP_ERR_INVALID_ARG, "it would hold " + std::to_string(held_tokens + batch.n_new[s]) +
                                        " tokens; max_context is " + std::to_string(max_context)};
  for (int32_t t = 0; t < batch.n_new[s]; ++t) {
    const int32_t token = batch.token_ids[layout.first_token[static_cast<size_t>(s)] + t];
    if (token < 0 || token >= vocab_size)
      return {MOECAP_ERR_INVALID_ARG, "token id " + std::to_string(token) + " is outside the vocabulary [0, " +
                                          std::to_string(vocab_size) + ")"};
  }
  return {};
}

}  // namespace abi1
}  // namespace moecap
