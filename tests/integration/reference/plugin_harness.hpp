// Test harness around the synthetic model and the reference backend, loaded straight from their .so files:
// configurations from TOML text, an opened model with its weight source, a session that runs steps.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "moecap/host/config_view.hpp"
#include "moecap/host/step_arrays.hpp"
#include "moecap/moecap.h"

namespace moecap::test {

/// A plugin configuration sub-table parsed from TOML text (or a preset file nested under `description`).
class PluginConfig {
 public:
  /// source_name is what error messages cite as the file.
  explicit PluginConfig(const std::string& toml_text, const std::string& source_name = "test-model.toml");
  /// {seed, dtype, description = <the preset file's table>}, as the host builds it from a pipeline.
  static PluginConfig from_preset(const std::string& preset_path, int64_t seed, const std::string& dtype = "f32");

  const moecap_config* get() const { return view_->get(); }

 private:
  PluginConfig(toml::table table, const std::string& source_name);
  std::unique_ptr<toml::table> table_;
  std::unique_ptr<host::ConfigView> view_;
};

/// The path of a preset under configs/models of the source tree.
std::string model_preset(const std::string& file_name);

/// A model opened by the synthetic plugin.
class SyntheticModel {
 public:
  explicit SyntheticModel(const PluginConfig& config);
  ~SyntheticModel();
  SyntheticModel(const SyntheticModel&) = delete;
  SyntheticModel& operator=(const SyntheticModel&) = delete;

  const moecap_model_desc& desc() const;
  /// Throws when absent.
  moecap_tensor_view weight(const std::string& name) const;
  std::vector<moecap_tensor_view> all_weights() const;
  const moecap_weight_source_i& source() const { return source_; }

  /// Opens and returns "" on success, else the error message (and its code in *code).
  static std::string open_error(const PluginConfig& config, int32_t* code = nullptr);

 private:
  moecap_model* model_ = nullptr;
  moecap_weight_source_i source_{};
};

/// A sequence's part of a step at an explicit position, and what a step returned: core's, which StepRunner
/// uses too.
using SequenceInput = host::PositionedSequence;
using StepOutput = host::StepOutput;

/// A reference backend session over a model.
class ReferenceSession {
 public:
  explicit ReferenceSession(const SyntheticModel& model, const std::string& config_toml = "");
  /// Over any model's description and weights (e.g. one the hf plugin opened).
  ReferenceSession(const moecap_model_desc& desc, const moecap_weight_source_i& weights,
                   const std::string& config_toml = "");
  ~ReferenceSession();
  ReferenceSession(const ReferenceSession&) = delete;
  ReferenceSession& operator=(const ReferenceSession&) = delete;

  /// Runs one step; throws when the step as a whole fails.
  StepOutput step(const std::vector<SequenceInput>& sequences);
  /// The error code of sequence_release.
  int32_t release(int64_t seq_id);
  moecap_session_info info();

  int32_t expert_stride() const { return expert_stride_; }
  int32_t topk_stride() const { return topk_stride_; }

  /// Creates and returns "" on success, else the error message (and its code in *code).
  static std::string create_error(const SyntheticModel& model, int32_t* code = nullptr,
                                  const std::string& config_toml = "");

 private:
  const moecap_backend_i& backend_;
  const moecap_model_desc& desc_;
  moecap_session* session_ = nullptr;
  int32_t expert_stride_ = 0;
  int32_t topk_stride_ = 0;
};

}  // namespace moecap::test
