#include "diagnostics.hpp"

#include <algorithm>
#include <sstream>

#include "moecap/host/config_view.hpp"
#include "moecap/host/pipeline.hpp"

namespace moecap::host::pipeline_internal {

void fail(const std::string& position, const std::string& problem, const std::string& expected,
          const std::string& hint) {
  std::string message = position + ": " + problem;
  if (!expected.empty()) message += "; expected " + expected;
  if (!hint.empty()) message += "; " + hint;
  throw PipelineError(message);
}

std::string position_of(const toml::source_region& region, const std::string& pipeline_file) {
  const std::string file = region.path ? *region.path : pipeline_file;
  if (region.begin.line == 0 && file.rfind(kOverrideSourcePrefix, 0) != 0) return start_of(file);
  return source_position(pipeline_file, region);
}

std::string position_of(const toml::node& node, const std::string& pipeline_file) {
  return position_of(node.source(), pipeline_file);
}

std::string position_of(const toml::key& key, const std::string& pipeline_file) {
  return position_of(key.source(), pipeline_file);
}

std::string start_of(const std::string& file) {
  return file + ":1:1";
}

std::string type_phrase(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "a list";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "a value";
  }
}

std::string toml_literal(const toml::node& node) {
  std::ostringstream out;
  // No literal strings, no hex/octal/binary integers: one spelling per value, so hashes are stable.
  constexpr auto flags = toml::format_flags::allow_unicode_strings;
  node.visit([&](const auto& typed) { out << toml::toml_formatter(typed, flags); });
  return out.str();
}

std::string display_text(const toml::node& node) {
  if (const auto* s = node.as_string()) return s->get();
  return toml_literal(node);
}

namespace {

// Optimal string alignment distance: a swap of two neighbours ("bacth") counts as one typo.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  size_t best_distance = 0;
  for (const auto& candidate : candidates) {
    const size_t distance = edit_distance(word, candidate);
    if (!best || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  // Up to a third of the longer word may differ (at least 2 edits): "batch_sise", "wrokload", "bf61".
  const size_t allowed = std::max<size_t>(2, std::max(word.size(), best ? best->size() : 0) / 3);
  if (!best || best_distance > allowed || best_distance >= std::max(word.size(), best->size())) return std::nullopt;
  return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  auto match = closest_match(word, candidates);
  return match ? "did you mean '" + *match + "'?" : "";
}

std::string one_of(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

}  // namespace moecap::host::pipeline_internal
