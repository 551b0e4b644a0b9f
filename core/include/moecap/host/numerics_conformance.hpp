// Numerics conformance (sdk/docs/CONFORMANCE.md, BE-NUM-01..03): a backend against backend-reference, the
// scalar double-precision oracle, on the scaled-down preset (<family>-tiny.toml) of every model family, with
// f32, bf16 and f16 synthetic weights, through prefill, decode and mixed steps of several sequences.
//
// Logits: the relative error of a row is max_v |candidate − reference| / max_v |reference| (per row, so a logit
// near zero does not turn rounding noise into an infinite ratio); the largest over all rows must stay within
// 1e-4 with f32 weights and 1e-2 with 16-bit ones. Both backends read the same stored weights, so the
// tolerance only covers the candidate's arithmetic (f32 or narrower accumulation, another summation order);
// 16-bit weights get more because a backend may keep activations in the weights' precision.
// Routing: every token must reach the same set of experts in every layer, and each step's per-expert token
// counts must be equal. Ties are kept out of the inputs rather than allowed for: the seed is fixed and the
// presets' routers are decisive, so no recorded choice sits on a near-tie of router scores (plugin-abi.md
// §4.11 reads the OPS level the same way). One implementation serves `moecap conformance --level numerics`
// and the numerics ctest suite.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "moecap/host/plugin_registry.hpp"
#include "moecap/host/step_runner.hpp"

namespace moecap::host::numerics {

/// The synthetic weights' seed: fixed, so every run compares the same model.
inline constexpr int64_t kSeed = 7;

/// The weight dtypes the level covers, in report order.
const std::vector<std::string>& weight_dtypes();
/// 1e-4 for f32, 1e-2 for bf16 and f16.
double logits_tolerance(std::string_view dtype);
/// BE-NUM-01 (f32), BE-NUM-02 (bf16), BE-NUM-03 (f16).
std::string requirement_id(std::string_view dtype);

/// One family's tiny preset with one weight dtype. preset is empty when the preset folders describe the
/// family (some preset names it) but hold no <family>-tiny.toml: such a case fails, so adding a family
/// without its miniature cannot pass silently.
struct Case {
  std::string family;
  std::filesystem::path preset;
  std::string dtype;
};

/// Every family named by a preset (its `family` key) in preset_dirs × dtypes, families sorted. An earlier
/// folder's file shadows a later one of the same name. families / dtypes restrict the cases (empty: all);
/// an unknown family or dtype throws HostException(INVALID_ARG) naming the known ones.
std::vector<Case> cases(const std::vector<std::filesystem::path>& preset_dirs,
                        const std::vector<std::string>& families = {}, const std::vector<std::string>& dtypes = {});

/// The steps both backends run: prefill of two sequences (GEMM-sized), decode of both, a 5-token step, a
/// mixed step that starts a third sequence (one sequence wanting no logits), then single-sequence decode.
/// Token ids are pseudo-random below vocab_size, the same on every call.
std::vector<std::vector<SequenceStep>> scenario(int32_t vocab_size);

/// What comparing one case found.
struct Comparison {
  double tolerance = 0;
  double max_relative_error = 0;
  size_t logits_rows = 0;
  size_t routing_compared = 0;  ///< (token, MoE or dense layer) pairs
  size_t routing_identical = 0;
  std::vector<std::string> problems;  ///< the first few disagreements, each located (step, row, token, layer)

  bool passed() const { return problems.empty() && max_relative_error <= tolerance; }
  /// "max relative error 3.1e-06 (tolerance 1e-04) over 40 logits rows; 96/96 routing choices identical",
  /// followed by the problems when there are any.
  std::string summary() const;
};

/// Runs scenario() through both sessions (fresh ones, over the same model) and compares every step.
Comparison compare(StepRunner& candidate, StepRunner& reference, double tolerance);

/// Opens the case's synthetic model (seed kSeed, the case's dtype) through registry's "synthetic" plugin.
std::shared_ptr<Model> open_model(PluginRegistry& registry, const Case& c);

/// The whole case: opens the model, creates a session of candidate (configured by candidate_config) and one
/// of reference, compares. Plugin errors propagate as HostException.
Comparison run_case(PluginRegistry& registry, const Case& c, const BackendProxy& candidate,
                    const BackendProxy& reference, const moecap_config* candidate_config = nullptr);

}  // namespace moecap::host::numerics
