// A cpu session: the forward pass, one f32 KV cache per live sequence and the thread arena, driven a step at
// a time. Sequences that cannot run (wrong pos, token out of the vocabulary, over max_context, too many
// sequences) are reported in seq_status and left out; the others run together as one batch.
#pragma once

#include <cstdint>
#include <map>

#include "forward_pass.hpp"
#include "moecap/cpp/plugin.hpp"
#include "moecap/cpp/step_checks.hpp"
#include "moecap/kernels/cpu/compute_threads.hpp"

namespace moecap::cpu_backend {

struct SessionSettings {
  int32_t threads = 0;        ///< 0 = every hardware thread
  int32_t max_sequences = 0;  ///< 0 = unbounded
  int64_t max_context = 0;    ///< longest sequence (pos + n_new); 0 = unbounded
  WeightPlacement weights = WeightPlacement::automatic;
  /// How copied weights are laid out (in-place weights keep the checkpoint's row-major layout).
  kernels::cpu::MatrixLayout weight_layout = kernels::cpu::MatrixLayout::panels;
};

class CpuSession final : public Session {
 public:
  CpuSession(const moecap_model_desc& desc, const moecap_weight_source_i& weights, SessionSettings settings);

  void info(moecap_session_info& out) override;
  void step(const moecap_batch& batch, moecap_step_result& result) override;
  void release(int64_t seq_id) override;
  /// moecap_ext_moecap_session_read_rate_v1: one pass of the bandwidth probe's read loop over the memory the
  /// weights lie in, on as many threads as a step uses.
  void read_rate(moecap_read_rate& out) override;

 private:
  using Layout = StepLayout;
  Layout check_step(const moecap_batch& batch, const moecap_step_result& result) const;
  int32_t check_sequence(const moecap_batch& batch, int32_t s, const Layout& layout) const;
  void write_results(const moecap_batch& batch, const StepPlan& plan, const StepOutputs& outputs,
                     moecap_step_result& result) const;

  kernels::cpu::ComputeThreads threads_;
  ForwardPass forward_;
  SessionSettings settings_;
  std::map<int64_t, SequenceCache> sequences_;
};

}  // namespace moecap::cpu_backend
