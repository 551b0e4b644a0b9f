#include "sweep_plan.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "diagnostics.hpp"
#include "moecap/host/config_view.hpp"
#include "moecap/plugin.h"
#include "pipeline_schema.hpp"
#include "toml_nodes.hpp"

namespace moecap::host::pipeline_internal {
namespace {

// Beyond this a sweep is almost certainly a mistake (a list where a value was meant).
constexpr size_t kMostPoints = 100000;

const std::vector<std::string> kSweepableSections{"run", "model", "backend", "workload", "task"};

bool from_override(const toml::source_region& where) {
  return where.path && where.path->rfind(kOverrideSourcePrefix, 0) == 0;
}

std::vector<SweepValue> values_of(const toml::array& list, const std::string& key) {
  std::vector<SweepValue> values;
  for (const auto& element : list) values.push_back({key, toml_literal(element), display_text(element)});
  return values;
}

void require_non_empty(const toml::array& list, const std::string& key, const std::string& file) {
  if (list.empty()) fail(position_of(list, file), "'" + key + "' is an empty list", "at least one value to sweep over");
}

std::string entry_prefix(const std::string& section, size_t index, size_t count) {
  return count > 1 ? section + "[" + std::to_string(index) + "]" : section;
}

// The label of a backend variant: its plugin name, else its library's file name.
std::string variant_label(const toml::table& entry, const BackendVariant& variant) {
  auto pick = [&](const std::string& key) -> const toml::node* {
    const toml::node* node = entry.get(key);
    if (node == nullptr) return nullptr;
    if (const auto* list = node->as_array()) {
      for (const auto& [name, index] : variant.picks)
        if (name == key) return list->get(index);
      return nullptr;
    }
    return node;
  };
  if (const toml::node* plugin = pick("plugin")) return display_text(*plugin);
  if (const toml::node* path = pick("path")) return std::filesystem::path(display_text(*path)).filename().string();
  return "backend[" + std::to_string(variant.entry) + "]";
}

void plan_backends(const toml::table& root, const std::string& file, SweepPlan& plan) {
  const auto entries = entries_of(root.get("backend"));
  plan.backend_entries = entries.size();
  for (size_t e = 0; e < entries.size(); ++e) {
    std::vector<std::pair<std::string, size_t>> lists;  // key, length
    for (const auto& rule : entry_host_keys(*entries[e], MOECAP_KIND_BACKEND)) {
      const toml::node* node = entries[e]->get(rule.name);
      if (const auto* list = node ? node->as_array() : nullptr) {
        require_non_empty(*list, entry_prefix("backend", e, entries.size()) + "." + rule.name, file);
        lists.emplace_back(rule.name, list->size());
      }
    }
    // Every combination of the entry's lists, the last list fastest.
    std::vector<size_t> choice(lists.size(), 0);
    while (true) {
      BackendVariant variant;
      variant.entry = e;
      for (size_t l = 0; l < lists.size(); ++l) variant.picks.emplace_back(lists[l].first, choice[l]);
      variant.label = variant_label(*entries[e], variant);
      plan.backend_variants.push_back(std::move(variant));
      size_t l = lists.size();
      while (l > 0 && ++choice[l - 1] == lists[l - 1].second) choice[--l] = 0;
      if (l == 0) break;
    }
  }
  if (plan.backend_variants.size() <= 1) return;

  // Two variants with the same plugin name are told apart by their entry.
  std::vector<std::string> labels;
  for (const auto& v : plan.backend_variants) labels.push_back(v.label);
  for (auto& v : plan.backend_variants)
    if (std::count(labels.begin(), labels.end(), v.label) > 1)
      v.label += " (" + entry_prefix("backend", v.entry, entries.size()) + ")";

  SweepAxis axis;
  axis.kind = SweepAxis::Kind::backend;
  axis.key = "backend";
  axis.where = entries.front()->source();
  for (const auto& v : plan.backend_variants)
    axis.values.push_back({"backend", toml_literal(toml::value<std::string>(v.label)), v.label});
  plan.axes.push_back(std::move(axis));
}

// Host scalars written as lists in one table: run, model, workload or one task entry.
void plan_lists(const toml::table& table, const std::vector<HostKey>& rules, const KeySegment& section,
                const std::string& display_section, const std::string& file, SweepPlan& plan) {
  for (const auto& rule : rules) {
    if (!rule.sweepable) continue;
    const toml::node* node = table.get(rule.name);
    const auto* list = node ? node->as_array() : nullptr;
    if (list == nullptr) continue;
    SweepAxis axis;
    axis.kind = SweepAxis::Kind::list;
    axis.key = display_section + "." + rule.name;
    require_non_empty(*list, axis.key, file);
    axis.where = list->source();
    axis.values = values_of(*list, axis.key);
    axis.target = {section, KeySegment{rule.name, std::nullopt}};
    plan.axes.push_back(std::move(axis));
  }
}

void flatten_sweep(const toml::table& table, std::vector<std::string>& path,
                   std::vector<std::tuple<std::vector<std::string>, const toml::key*, const toml::node*>>& leaves) {
  for (auto&& [key, node] : table) {
    path.emplace_back(key.str());
    if (const auto* sub = node.as_table())
      flatten_sweep(*sub, path, leaves);
    else
      leaves.emplace_back(path, &key, &node);
    path.pop_back();
  }
}

// True when the host scalar at key in any of tables is a list (then it is already an axis).
const toml::node* list_in(const std::vector<const toml::table*>& tables, const std::string& key) {
  for (const auto* table : tables) {
    if (key == "path" && table->get("plugin") != nullptr) continue;  // then path is the plugin's key
    if (const toml::node* node = table->get(key); node != nullptr && node->is_array()) return node;
  }
  return nullptr;
}

void plan_sweep_table(const toml::table& root, const std::string& file, SweepPlan& plan) {
  const toml::node* sweep_node = root.get("sweep");
  if (sweep_node == nullptr) return;
  std::vector<std::tuple<std::vector<std::string>, const toml::key*, const toml::node*>> leaves;
  std::vector<std::string> path;
  flatten_sweep(*sweep_node->as_table(), path, leaves);

  std::set<std::string> seen;
  const size_t task_count = entries_of(root.get("task")).size();
  for (const auto& [sweep_path, key, node] : leaves) {
    std::string text;
    for (const auto& part : sweep_path) text += (text.empty() ? "" : ".") + part;
    const std::string where = position_of(*key, file);
    auto parsed = parse_key_path(text);
    if (!parsed || parsed->size() < 2)
      fail(where, "'" + text + "' in [sweep] does not name a key",
           "section.key, e.g. \"workload.batch_size\" or \"backend.threads\"");
    const KeyPath& target = *parsed;
    const std::string display = format_key_path(target);
    const std::string& section = target[0].name;
    const std::string second = target[1].name;

    if (section == "sink")
      fail(where, "'" + display + "' cannot be swept: sinks are shared by every sweep point",
           "a key under " + one_of(kSweepableSections));
    if (section == "hardware" || section == "cost" || section == "report")
      fail(where,
           "'" + display + "' cannot be swept: [" + section +
               "] judges every point the same way (re-price a run with `moecap analyze`)",
           "a key under " + one_of(kSweepableSections));
    if (std::find(kSweepableSections.begin(), kSweepableSections.end(), section) == kSweepableSections.end())
      fail(where, "unknown section '" + section + "' in sweep key '" + display + "'",
           "a key under " + one_of(kSweepableSections), did_you_mean(section, kSweepableSections));
    if (target[0].index && section != "task")
      fail(where, "'" + display + "' indexes [" + section + "]",
           "'" + section + "." + format_key_path(KeyPath(target.begin() + 1, target.end())) +
               "' (a sweep point has one " + section + ")");
    for (size_t s = 1; s < target.size(); ++s)
      if (target[s].index) fail(where, "'" + display + "' indexes a plugin key", "a key without [n]");

    std::vector<const toml::table*> tables;  // where the value goes, to find lists swept twice
    if (section == "run" || section == "workload") {
      const auto& rules = section == "run" ? run_keys() : workload_keys();
      const HostKey* rule = target.size() == 2 ? find_key(rules, second) : nullptr;
      std::vector<std::string> sweepable;
      for (const auto& r : rules)
        if (r.sweepable) sweepable.push_back(section + "." + r.name);
      if (rule == nullptr)
        fail(where, "unknown key '" + display + "' in [sweep]", "one of " + one_of(sweepable),
             did_you_mean(display, sweepable));
      if (!rule->sweepable) fail(where, "'" + display + "' cannot be swept", "one of " + one_of(sweepable));
    }
    if (section == "task") {
      if (task_count == 0) fail(where, "'" + display + "' sweeps a task, but there is no [[task]]", "a [[task]] entry");
      if (target[0].index && *target[0].index >= task_count)
        fail(where, "'" + display + "': there are " + std::to_string(task_count) + " tasks",
             "an index from 0 to " + std::to_string(task_count - 1));
    }
    if (section == "run" || section == "model" || section == "workload") {
      if (const toml::node* table = root.get(section); table != nullptr && table->is_table())
        tables.push_back(table->as_table());
    } else {
      auto entries = entries_of(root.get(section));
      for (size_t e = 0; e < entries.size(); ++e)
        if (!target[0].index || *target[0].index == e) tables.push_back(entries[e]);
    }
    const bool host_scalar =
        target.size() == 2 &&
        (section == "run" || section == "workload" ||
         find_key(entry_keys(section == "model" ? MOECAP_KIND_MODEL : MOECAP_KIND_BACKEND), second) != nullptr);
    if (host_scalar)
      if (const toml::node* list = list_in(tables, second))
        fail(where, "'" + display + "' is swept twice: here and by the list at " + position_of(*list, file),
             "one of them");
    if (!seen.insert(display).second) fail(where, "'" + display + "' is swept twice in [sweep]", "each key once");

    const auto* list = node->as_array();
    if (list == nullptr)
      fail(position_of(*node, file), "'sweep." + display + "' is " + type_phrase(*node),
           "a list of values to sweep over, e.g. [1, 2, 4]");
    require_non_empty(*list, "sweep." + display, file);

    SweepAxis axis;
    axis.kind = SweepAxis::Kind::sweep;
    axis.key = display;
    axis.where = key->source();
    axis.values = values_of(*list, display);
    axis.target = target;
    axis.sweep_path = sweep_path;
    plan.axes.push_back(std::move(axis));
  }
}

const toml::node& sweep_list_element(const toml::table& root, const SweepAxis& axis, size_t choice) {
  const toml::node* node = root.get("sweep");
  for (const auto& part : axis.sweep_path) node = node->as_table()->get(part);
  return *node->as_array()->get(choice);
}

// Moves element choice of the list at table[key] into table[key].
void pick_element(toml::table& table, const std::string& key, size_t choice) {
  toml::array& list = *table.get(key)->as_array();
  move_into(table, key_at(key, {}), std::move(*list.get(choice)));
}

}  // namespace

std::vector<toml::table*> entries_of(toml::node* section) {
  std::vector<toml::table*> out;
  if (section == nullptr) return out;
  if (auto* table = section->as_table()) return {table};
  if (auto* array = section->as_array())
    for (auto& element : *array)
      if (auto* table = element.as_table()) out.push_back(table);
  return out;
}

std::vector<const toml::table*> entries_of(const toml::node* section) {
  std::vector<const toml::table*> out;
  for (auto* table : entries_of(const_cast<toml::node*>(section))) out.push_back(table);
  return out;
}

SweepPlan plan_sweep(const toml::table& root, const std::string& file) {
  SweepPlan plan;
  plan_backends(root, file, plan);
  if (const toml::node* run = root.get("run"); run && run->is_table())
    plan_lists(*run->as_table(), run_keys(), {"run", std::nullopt}, "run", file, plan);
  if (const toml::node* model = root.get("model"); model && model->is_table())
    plan_lists(*model->as_table(), entry_host_keys(*model->as_table(), MOECAP_KIND_MODEL), {"model", std::nullopt},
               "model", file, plan);
  if (const toml::node* workload = root.get("workload"); workload && workload->is_table())
    plan_lists(*workload->as_table(), workload_keys(), {"workload", std::nullopt}, "workload", file, plan);
  const auto tasks = entries_of(root.get("task"));
  for (size_t t = 0; t < tasks.size(); ++t)
    plan_lists(*tasks[t], entry_host_keys(*tasks[t], MOECAP_KIND_TASK), {"task", t},
               entry_prefix("task", t, tasks.size()), file, plan);
  plan_sweep_table(root, file, plan);

  std::stable_sort(plan.axes.begin(), plan.axes.end(), [](const SweepAxis& a, const SweepAxis& b) {
    auto rank = [](const SweepAxis& axis) {
      return std::make_tuple(from_override(axis.where), axis.where.begin.line, axis.where.begin.column);
    };
    return rank(a) < rank(b);
  });

  for (const auto& axis : plan.axes) {
    if (plan.point_count > kMostPoints / axis.values.size())
      fail(position_of(axis.where, file), "the sweep has more than " + std::to_string(kMostPoints) + " points",
           "fewer values (a list where one value was meant?)");
    plan.point_count *= axis.values.size();
  }
  return plan;
}

PointTree build_point_tree(const std::function<toml::table()>& fresh_parse, const SweepPlan& plan, size_t point_index,
                           const std::string& file) {
  std::vector<size_t> choice(plan.axes.size(), 0);
  for (size_t a = plan.axes.size(); a-- > 0;) {
    choice[a] = point_index % plan.axes[a].values.size();
    point_index /= plan.axes[a].values.size();
  }

  PointTree point;
  toml::table& root = point.root;
  root = fresh_parse();
  size_t variant = 0;
  for (size_t a = 0; a < plan.axes.size(); ++a) {
    const SweepAxis& axis = plan.axes[a];
    point.sweep_values.push_back(axis.values[choice[a]]);
    if (axis.kind == SweepAxis::Kind::backend) variant = choice[a];
    if (axis.kind != SweepAxis::Kind::list) continue;
    const KeySegment& section = axis.target[0];
    auto entries = entries_of(root.get(section.name));
    pick_element(*entries[section.index.value_or(0)], axis.target[1].name, choice[a]);
  }

  // The chosen backend becomes the only [backend].
  const BackendVariant& chosen = plan.backend_variants[variant];
  point.backend_entry = chosen.entry;
  {
    toml::table& entry = *entries_of(root.get("backend"))[chosen.entry];
    for (const auto& [key, element] : chosen.picks) pick_element(entry, key, element);
    toml::table backend(std::move(entry));
    root.insert_or_assign("backend", std::move(backend));
  }

  for (size_t a = 0; a < plan.axes.size(); ++a) {
    const SweepAxis& axis = plan.axes[a];
    if (axis.kind != SweepAxis::Kind::sweep) continue;
    const KeySegment& section = axis.target[0];
    const toml::source_region& where = axis.where;
    std::vector<toml::table*> targets;
    if (section.name == "run" || section.name == "model" || section.name == "workload") {
      toml::table* table = child_table(root, section.name, where);
      if (table == nullptr)
        fail(position_of(where, file), "'" + section.name + "' is not a table, so '" + axis.key + "' cannot be set",
             "a [" + section.name + "] table");
      targets.push_back(table);
    } else {
      auto entries = entries_of(root.get(section.name));
      for (size_t e = 0; e < entries.size(); ++e)
        if (!section.index || *section.index == e) targets.push_back(entries[e]);
    }
    // Each target gets its own copy of the value, moved out of its own parse to keep its position.
    std::optional<toml::table> extra;
    for (size_t t = 0; t < targets.size(); ++t) {
      toml::table* table = targets[t];
      for (size_t s = 1; s + 1 < axis.target.size(); ++s) {
        toml::table* next = child_table(*table, axis.target[s].name, where);
        if (next == nullptr)
          fail(position_of(where, file),
               "'" + format_key_path(axis.target, s + 1) + "' is " + type_phrase(*table->get(axis.target[s].name)) +
                   ", so '" + axis.key + "' cannot be set",
               "a table");
        table = next;
      }
      if (t > 0) extra = fresh_parse();
      toml::table& source = t == 0 ? root : *extra;
      auto& element = const_cast<toml::node&>(sweep_list_element(source, axis, choice[a]));
      const std::string& leaf = axis.target.back().name;
      move_into(*table, table->get(leaf) ? key_at(leaf, {}) : key_at(leaf, where), std::move(element));
    }
  }
  root.erase("sweep");
  return point;
}

}  // namespace moecap::host::pipeline_internal
