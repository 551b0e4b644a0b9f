// One backend session driven step by step by code that compares what backends return (the numerics
// conformance level, the golden-logits tests): it tracks each sequence's position itself and allocates every
// array of the step result from the model description (StepArrays), so a caller only says which tokens each
// sequence adds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "moecap/host/plugin_proxies.hpp"
#include "moecap/host/step_arrays.hpp"

namespace moecap::host {

/// One sequence's part of a step: the tokens it adds and which logits it wants (moecap_logits_mode).
struct SequenceStep {
  int64_t id;
  std::vector<int32_t> tokens;
  int32_t logits_mode;
};

class StepRunner {
 public:
  /// A session of backend over model; config is the backend's configuration sub-table (nullptr: empty).
  StepRunner(const BackendProxy& backend, std::shared_ptr<const Model> model, const moecap_config* config = nullptr);

  /// Runs one step. A sequence seen for the first time starts at position 0; a sequence advances only when
  /// its status is MOECAP_OK (a failed sequence keeps its previous state, as the step contract says).
  StepOutput step(const std::vector<SequenceStep>& sequences);

  const moecap_model_desc& describe() const { return model_->describe(); }
  int32_t expert_stride() const { return expert_stride_; }
  int32_t topk_stride() const { return topk_stride_; }

  /// The experts token (in batch order) was routed to at layer, sorted ascending: the top-k slots carry no
  /// meaningful order, so comparisons are of sets. Unused slots (-1) are dropped: empty for a dense layer.
  std::vector<int32_t> experts_of(const StepOutput& output, size_t token, int32_t layer) const;

 private:
  std::shared_ptr<const Model> model_;
  Session session_;
  std::vector<std::pair<int64_t, int64_t>> positions_;  ///< (sequence id, tokens it holds)
  int32_t expert_stride_ = 1;
  int32_t topk_stride_ = 1;
};

}  // namespace moecap::host
