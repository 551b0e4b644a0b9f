// Runs the same steps through two backends over one synthetic model, loaded the way the host loads them
// (core's PluginRegistry over the build's plugin folder), and collects what each step returned.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "moecap/host/config_view.hpp"
#include "moecap/host/plugin_registry.hpp"

namespace moecap::numerics {

/// A plugin configuration sub-table with the view the SDK getters read.
class PluginConfig {
 public:
  PluginConfig(toml::table table, std::string source_name);
  const moecap_config* get() const { return view_->get(); }

 private:
  std::unique_ptr<toml::table> table_;
  std::unique_ptr<host::ConfigView> view_;
};

/// {seed, dtype, description = <the preset's table>}, as the host builds it from a pipeline.
PluginConfig synthetic_model_config(const std::string& preset_path, int64_t seed, const std::string& dtype);

/// The registry over the build's plugin folder (loaded once per process).
host::PluginRegistry& registry();

struct SequenceStep {
  int64_t id;
  std::vector<int32_t> tokens;
  int32_t logits_mode;
};

struct StepResult {
  std::vector<float> logits;           ///< rows in batch order
  std::vector<int32_t> expert_tokens;  ///< [layer * expert_stride + expert]
  std::vector<int32_t> topk_ids;       ///< [(token * n_layers + layer) * topk_stride + j]
  std::vector<int32_t> status;
  std::vector<moecap_counter> counters;
};

/// One backend session that tracks each sequence's position itself.
class Runner {
 public:
  Runner(const std::string& backend, std::shared_ptr<const host::Model> model, const std::string& config_toml = "");
  StepResult step(const std::vector<SequenceStep>& sequences);
  int32_t expert_stride() const { return expert_stride_; }
  int32_t topk_stride() const { return topk_stride_; }

 private:
  std::shared_ptr<const host::Model> model_;
  host::Session session_;
  std::vector<std::pair<int64_t, int64_t>> positions_;  ///< (seq id, tokens held)
  int32_t expert_stride_ = 1;
  int32_t topk_stride_ = 1;
};

}  // namespace moecap::numerics
