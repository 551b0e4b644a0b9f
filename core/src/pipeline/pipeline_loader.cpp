// load_pipeline: read, override, check, expand. The file format is in configs/README.md.
//
// Order of work, so that the first error reported is the most basic one: TOML syntax and --set shapes,
// the top-level shape (known tables, one model, some backend), sinks, the sweep's axes, then each point
// (its [run], [model] with its preset, [workload], plugins). Nothing runs and no plugin is loaded here:
// plugin existence is the injected resolver's business.
#include <cstdio>

#include "cap_tables.hpp"
#include "config_hash.hpp"
#include "diagnostics.hpp"
#include "model_preset.hpp"
#include "moecap/host/pipeline.hpp"
#include "moecap/plugin.h"
#include "pipeline_schema.hpp"
#include "plugin_check.hpp"
#include "set_override.hpp"
#include "sweep_plan.hpp"
#include "toml_nodes.hpp"

namespace moecap::host {
namespace {

using namespace pipeline_internal;

const char* kModelExpected =
    "exactly one [model] table naming a model plugin (plugin = \"<name>\" or path = \"<library>\")";

void require_table(const toml::table& root, const std::string& key, const std::string& file) {
  const toml::node* node = root.get(key);
  if (node == nullptr || node->is_table()) return;
  const std::string expected =
      node->is_array_of_tables() ? "a single [" + key + "] table, not [[" + key + "]]" : "a table [" + key + "]";
  fail(position_of(*node, file), "'" + key + "' is " + type_phrase(*node), expected);
}

void require_entries(const toml::table& root, const std::string& key, const std::string& file) {
  const toml::node* node = root.get(key);
  if (node == nullptr || node->is_table()) return;
  if (const auto* array = node->as_array(); array != nullptr && array->is_array_of_tables() && !array->empty()) return;
  fail(position_of(*node, file), "'" + key + "' is " + type_phrase(*node),
       "a [" + key + "] table or [[" + key + "]] entries");
}

// Everything about the whole file that does not depend on a sweep point.
void check_top_level(const toml::table& root, const std::string& file) {
  check_known_keys(root, "", top_level_keys(), file);
  for (const char* key : {"run", "workload", "sweep", "hardware", "cost", "report"}) require_table(root, key, file);
  for (const char* key : {"backend", "task", "sink"}) require_entries(root, key, file);

  const toml::node* model = root.get("model");
  if (model == nullptr) fail(start_of(file), "no [model] table", kModelExpected);
  if (!model->is_table()) fail(position_of(*model, file), "'model' is " + type_phrase(*model), kModelExpected);
  if (root.get("backend") == nullptr)
    fail(start_of(file), "no [backend] table",
         "at least one [backend] (or [[backend]] entries) naming a backend plugin, e.g. plugin = \"reference\"");
  if (root.get("workload") == nullptr && root.get("task") == nullptr)
    fail(start_of(file), "no [workload] table",
         "a [workload] with batch_size, prompt_tokens and output_tokens (or [[task]] entries)");
}

std::string entry_prefix(const std::string& section, size_t index, size_t count) {
  return count > 1 ? section + "[" + std::to_string(index) + "]" : section;
}

std::string point_id(size_t index, size_t count) {
  int width = 4;
  for (size_t n = count > 0 ? count - 1 : 0; n >= 10000; n /= 10) ++width;
  char id[32];
  std::snprintf(id, sizeof id, "p%0*zu", width, index);
  return id;
}

// Host defaults written out, reporting-only keys removed: the text then identifies what was measured.
std::string resolved_text(toml::table& root, const RunPoint& point) {
  for (const char* reporting : {"sink", "hardware", "cost", "report"}) root.erase(reporting);
  toml::table* run = child_table(root, "run", {});
  run->erase("name");
  run->erase("percentiles");
  run->insert("seed", static_cast<int64_t>(point.run.seed));
  run->insert("warmup_steps", point.run.warmup_steps);
  run->insert("repetitions", point.run.repetitions);
  if (point.workload) {
    toml::table* workload = root.get("workload")->as_table();
    workload->insert("kind", point.workload->kind);
    workload->insert("requests", point.workload->requests);
  }
  return toml_literal(root) + "\n";
}

struct PointBuilder {
  const std::string& file;
  const SweepPlan& plan;
  PresetLibrary& presets;
  PluginChecker& plugins;

  RunPoint build(PointTree&& tree, size_t index) {
    RunPoint point;
    point.id = point_id(index, plan.point_count);
    point.sweep_values = std::move(tree.sweep_values);
    toml::table& root = tree.root;

    const toml::node* run = root.get("run");
    point.run = read_run_settings(run ? run->as_table() : nullptr, file);

    toml::table& model = *root.get("model")->as_table();
    const EntryHostKeys model_keys = read_entry_host_keys(model, MOECAP_KIND_MODEL, "model", model.source(), file);
    if (model_keys.preset != nullptr) {
      merge_description(model, presets.load(*model_keys.preset, file), file);
    } else if (const toml::node* description = model.get("description"); description && !description->is_table()) {
      fail(position_of(*description, file), "'model.description' is " + type_phrase(*description),
           "a table of model description keys (as in configs/models/*.toml)");
    }

    if (toml::node* workload = root.get("workload"))
      point.workload = read_workload(*workload->as_table(), workload->source(), file);

    point.resolved_toml = resolved_text(root, point);
    point.config_hash = config_hash(point.resolved_toml);

    point.model = plugins.make_entry(MOECAP_KIND_MODEL, "model", std::move(model), file);
    point.backend =
        plugins.make_entry(MOECAP_KIND_BACKEND, entry_prefix("backend", tree.backend_entry, plan.backend_entries),
                           std::move(*root.get("backend")->as_table()), file);
    auto tasks = entries_of(root.get("task"));
    for (size_t t = 0; t < tasks.size(); ++t)
      point.tasks.push_back(
          plugins.make_entry(MOECAP_KIND_TASK, entry_prefix("task", t, tasks.size()), std::move(*tasks[t]), file));
    return point;
  }
};

}  // namespace

Pipeline load_pipeline(const std::filesystem::path& file, const std::vector<std::string>& set_overrides,
                       const PipelineOptions& options) {
  const std::string display = file.string();
  const std::string text = read_text_file(display, "pipeline file");
  std::vector<SetOverride> overrides;
  for (const auto& argument : set_overrides) overrides.push_back(parse_set_override(argument));
  auto fresh_parse = [&] {
    toml::table root = parse_toml(text, display);
    for (const auto& o : overrides) apply_set_override(root, o);
    return root;
  };

  toml::table root = fresh_parse();
  check_top_level(root, display);

  Pipeline pipeline;
  pipeline.source_file = file;
  pipeline.overrides = set_overrides;
  const toml::node* run = root.get("run");
  RunReporting reporting = read_run_reporting(run ? run->as_table() : nullptr, file.stem().string(), display);
  pipeline.name = std::move(reporting.name);
  pipeline.percentiles = std::move(reporting.percentiles);

  PluginChecker plugins(options.resolve_plugin);
  {
    // Sinks are shared by every point and cannot be swept: checked once, on a parse of their own.
    toml::table sink_root = fresh_parse();
    auto sinks = entries_of(sink_root.get("sink"));
    for (size_t s = 0; s < sinks.size(); ++s)
      pipeline.sinks.push_back(
          plugins.make_entry(MOECAP_KIND_SINK, entry_prefix("sink", s, sinks.size()), std::move(*sinks[s]), display));
  }

  auto table_of = [&](const char* key) { return root.get(key) ? root.get(key)->as_table() : nullptr; };
  pipeline.hardware = read_hardware_settings(table_of("hardware"), display);
  pipeline.cost = read_cost_parameters(table_of("cost"), display);
  pipeline.report = read_report_settings(table_of("report"), display);

  const SweepPlan plan = plan_sweep(root, display);
  for (const auto& axis : plan.axes) pipeline.sweep_keys.push_back(axis.key);

  PresetLibrary presets(preset_search_dirs(file, options.preset_dirs));
  PointBuilder builder{display, plan, presets, plugins};
  pipeline.points.reserve(plan.point_count);
  for (size_t p = 0; p < plan.point_count; ++p)
    pipeline.points.push_back(builder.build(build_point_tree(fresh_parse, plan, p, display), p));
  return pipeline;
}

}  // namespace moecap::host
