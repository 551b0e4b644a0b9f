// Sweeps: which keys vary, over which values, and how one point's configuration is assembled.
//
// Internal to core/src/pipeline. Three things make axes: several [[backend]] entries (one axis, "backend";
// lists in a backend's own host keys multiply its entries), a host-owned scalar written as a list (the
// shorthand: batch_size = [1, 2, 4]) and every key of [sweep]. Axes are ordered by where they are written
// (--set lists after the file's); the last axis varies fastest. A point is built from a fresh parse of the
// pipeline, moving the chosen values into place, so every value keeps its source position.
#pragma once

#include <toml++/toml.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "key_path.hpp"
#include "moecap/host/pipeline.hpp"

namespace moecap::host::pipeline_internal {

struct SweepAxis {
  enum class Kind { backend, list, sweep };
  Kind kind = Kind::list;
  std::string key;                      ///< as reported in RunPoint::sweep_values
  toml::source_region where;            ///< where the axis is written (its order)
  std::vector<SweepValue> values;       ///< one per choice
  KeyPath target;                       ///< list and sweep: where the chosen value goes
  std::vector<std::string> sweep_path;  ///< sweep: the toml keys leading to the list inside [sweep]
};

/// One way to run one [[backend]] entry: its index and, for each list in its host keys, the element.
struct BackendVariant {
  size_t entry = 0;
  std::vector<std::pair<std::string, size_t>> picks;
  std::string label;
};

struct SweepPlan {
  std::vector<SweepAxis> axes;
  std::vector<BackendVariant> backend_variants;  ///< at least one
  size_t backend_entries = 1;
  size_t point_count = 1;
};

/// The table entries of a section written as a table or as an array of tables (empty otherwise).
std::vector<toml::table*> entries_of(toml::node* section);
std::vector<const toml::table*> entries_of(const toml::node* section);

/// Finds the axes of a structurally checked pipeline; throws PipelineError for a malformed [sweep], an
/// empty list, a key swept twice, or more points than anyone should run.
SweepPlan plan_sweep(const toml::table& root, const std::string& file);

struct PointTree {
  toml::table root;  ///< [backend] a single table, no [sweep]
  size_t backend_entry = 0;
  std::vector<SweepValue> sweep_values;
};

/// Assembles point point_index (0 ≤ point_index < plan.point_count). fresh_parse returns the pipeline
/// freshly parsed with overrides applied.
PointTree build_point_tree(const std::function<toml::table()>& fresh_parse, const SweepPlan& plan, size_t point_index,
                           const std::string& file);

}  // namespace moecap::host::pipeline_internal
