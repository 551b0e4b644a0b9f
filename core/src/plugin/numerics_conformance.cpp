#include "moecap/host/numerics_conformance.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "moecap/host/host_services.hpp"
#include "moecap/host/model_lookup.hpp"

namespace moecap::host::numerics {
namespace {

// More than this many disagreements of one kind add nothing to a report but length.
constexpr size_t kProblemsShown = 5;

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

std::string formatted(const char* format, double value) {
  char text[32];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

std::vector<int32_t> pseudo_random_tokens(int32_t count, int32_t vocab, uint32_t salt) {
  std::vector<int32_t> out;
  uint32_t state = 2463534242u + salt * 7919u;
  for (int32_t i = 0; i < count; ++i) {
    state = state * 1664525u + 1013904223u;
    out.push_back(static_cast<int32_t>((state >> 8) % static_cast<uint32_t>(vocab)));
  }
  return out;
}

}  // namespace

const std::vector<std::string>& weight_dtypes() {
  static const std::vector<std::string> dtypes = {"f32", "bf16", "f16"};
  return dtypes;
}

double logits_tolerance(std::string_view dtype) {
  return dtype == "f32" ? 1e-4 : 1e-2;
}

std::string requirement_id(std::string_view dtype) {
  return dtype == "f32" ? "BE-NUM-01" : dtype == "bf16" ? "BE-NUM-02" : "BE-NUM-03";
}

std::vector<Case> cases(const std::vector<std::filesystem::path>& preset_dirs, const std::vector<std::string>& families,
                        const std::vector<std::string>& dtypes) {
  std::set<std::string> seen_files, known_families;
  std::map<std::string, std::filesystem::path> tiny_of_family;
  for (const std::filesystem::path& dir : preset_dirs) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
      if (entry.path().extension() == ".toml") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const std::filesystem::path& file : files) {
      const std::string name = file.filename().string();
      if (!seen_files.insert(name).second) continue;
      std::string family;
      try {
        family = toml::parse_file(file.string())["family"].value_or(std::string());
      } catch (const toml::parse_error&) {
        continue;  // not this level's business: `moecap describe` reports a broken preset
      }
      if (family.empty()) continue;
      known_families.insert(family);
      if (name == family + "-tiny.toml") tiny_of_family[family] = file;
    }
  }
  const std::vector<std::string> all_families(known_families.begin(), known_families.end());
  for (const std::string& family : families)
    if (!known_families.count(family))
      throw HostException(MOECAP_ERR_INVALID_ARG,
                          "unknown model family '" + family + "' (the presets name: " + joined(all_families) + ")");
  for (const std::string& dtype : dtypes)
    if (std::find(weight_dtypes().begin(), weight_dtypes().end(), dtype) == weight_dtypes().end())
      throw HostException(MOECAP_ERR_INVALID_ARG,
                          "unknown weight dtype '" + dtype + "' (known: " + joined(weight_dtypes()) + ")");

  std::vector<Case> out;
  for (const std::string& family : families.empty() ? all_families : families) {
    const auto tiny = tiny_of_family.find(family);
    for (const std::string& dtype : dtypes.empty() ? weight_dtypes() : dtypes)
      out.push_back({family, tiny == tiny_of_family.end() ? std::filesystem::path() : tiny->second, dtype});
  }
  return out;
}

std::vector<std::vector<SequenceStep>> scenario(int32_t vocab) {
  // Lengths are chosen for the kernels a CPU backend picks: 7 + 12 tokens take the GEMM path, 2 tokens the
  // GEMV one, 5 tokens GEMV chunks of 4 + 1; sequence 3 starts while the others decode.
  auto t = [vocab](int32_t count, uint32_t salt) { return pseudo_random_tokens(count, vocab, salt); };
  return {
      {{1, t(7, 1), MOECAP_LOGITS_ALL}, {2, t(12, 2), MOECAP_LOGITS_LAST}},
      {{1, t(1, 3), MOECAP_LOGITS_LAST}, {2, t(1, 4), MOECAP_LOGITS_LAST}},
      {{1, t(2, 5), MOECAP_LOGITS_ALL}, {2, t(3, 6), MOECAP_LOGITS_ALL}},
      {{1, t(1, 7), MOECAP_LOGITS_LAST}, {3, t(9, 8), MOECAP_LOGITS_ALL}, {2, t(1, 9), MOECAP_LOGITS_NONE}},
      {{3, t(1, 10), MOECAP_LOGITS_LAST}},
      {{1, t(1, 11), MOECAP_LOGITS_LAST}},
      {{1, t(1, 12), MOECAP_LOGITS_LAST}},
  };
}

std::string Comparison::summary() const {
  std::string text = "max relative error " + formatted("%.3g", max_relative_error) + " (tolerance " +
                     formatted("%.0e", tolerance) + ") over " + std::to_string(logits_rows) + " logits rows; " +
                     std::to_string(routing_identical) + "/" + std::to_string(routing_compared) +
                     " routing choices identical";
  for (const std::string& problem : problems) text += "; " + problem;
  return text;
}

Comparison compare(StepRunner& candidate, StepRunner& reference, double tolerance) {
  const moecap_model_desc& d = reference.describe();
  const auto vocab = static_cast<size_t>(d.vocab_size);
  Comparison out;
  out.tolerance = tolerance;
  size_t rows_over = 0, routing_mismatches = 0;
  auto problem = [&out](size_t& counter, const std::string& text) {
    if (++counter <= kProblemsShown) out.problems.push_back(text);
  };
  size_t other_problems = 0;
  int32_t step_index = 0;
  for (const std::vector<SequenceStep>& step : scenario(d.vocab_size)) {
    const std::string where = "step " + std::to_string(step_index++);
    const StepOutput want = reference.step(step);
    const StepOutput got = candidate.step(step);
    if (got.status != want.status) problem(other_problems, where + ": the sequences' status differs");
    for (size_t row = 0; row * vocab < want.logits.size(); ++row) {
      double largest = 0, error = 0;
      for (size_t v = 0; v < vocab; ++v) {
        const double w = want.logits[row * vocab + v];
        largest = std::max(largest, std::fabs(w));
        error = std::max(error, std::fabs(static_cast<double>(got.logits[row * vocab + v]) - w));
      }
      // A NaN must fail, and max() would drop it: count it as an infinite error.
      const double relative = std::isnan(error) ? INFINITY : largest > 0 ? error / largest : error;
      out.max_relative_error = std::max(out.max_relative_error, relative);
      ++out.logits_rows;
      if (relative > tolerance)
        problem(rows_over,
                where + " logits row " + std::to_string(row) + ": relative error " + formatted("%.3g", relative));
    }
    const size_t tokens =
        want.topk_ids.size() / (static_cast<size_t>(d.n_layers) * static_cast<size_t>(reference.topk_stride()));
    for (size_t token = 0; token < tokens; ++token) {
      for (int32_t layer = 0; layer < d.n_layers; ++layer) {
        ++out.routing_compared;
        if (candidate.experts_of(got, token, layer) == reference.experts_of(want, token, layer))
          ++out.routing_identical;
        else
          problem(routing_mismatches, where + " token " + std::to_string(token) + " layer " + std::to_string(layer) +
                                          ": other experts than the reference's");
      }
    }
    // The trace S-MBU is computed from: per-expert token counts, compared layer by layer over the experts the
    // layer has (the candidate's stride equals the reference's: both come from the same description).
    if (got.expert_tokens != want.expert_tokens)
      problem(other_problems, where + ": expert_tokens (per-expert token counts) differ");
  }
  if (rows_over > kProblemsShown)
    out.problems.push_back(std::to_string(rows_over - kProblemsShown) + " more logits rows over the tolerance");
  if (routing_mismatches > kProblemsShown)
    out.problems.push_back(std::to_string(routing_mismatches - kProblemsShown) + " more routing mismatches");
  return out;
}

std::shared_ptr<Model> open_model(PluginRegistry& registry, const Case& c) {
  ModelArgument argument;
  argument.kind = ModelArgument::Kind::preset;
  argument.path = c.preset;
  argument.name = c.preset.stem().string();
  ModelOpenOptions options;
  options.dtype = c.dtype;
  options.seed = static_cast<uint64_t>(kSeed);
  return host::open_model(registry, argument, options);
}

Comparison run_case(PluginRegistry& registry, const Case& c, const BackendProxy& candidate,
                    const BackendProxy& reference, const moecap_config* candidate_config) {
  const std::shared_ptr<const Model> model = open_model(registry, c);
  StepRunner reference_run(reference, model);
  StepRunner candidate_run(candidate, model, candidate_config);
  return compare(candidate_run, reference_run, logits_tolerance(c.dtype));
}

}  // namespace moecap::host::numerics
