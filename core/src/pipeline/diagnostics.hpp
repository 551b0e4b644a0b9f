// How the pipeline loader words its errors: "position: what is wrong; expected what[; hint]".
//
// Internal to core/src/pipeline. Positions come from the node or key that is wrong (toml++ keeps the file
// of every parsed node), so a key merged in from a preset or a --set override names its real origin.
#pragma once

#include <toml++/toml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moecap::host::pipeline_internal {

/// Throws PipelineError("<position>: <problem>; expected <expected>[; <hint>]").
[[noreturn]] void fail(const std::string& position, const std::string& problem, const std::string& expected,
                       const std::string& hint = "");

/// "file:line:col" of a node or key; "file:1:1" when toml++ knows no position (a table made implicitly),
/// so every message can be opened in an editor. A --set value gives "--set <argument>".
std::string position_of(const toml::source_region& region, const std::string& pipeline_file);
std::string position_of(const toml::node& node, const std::string& pipeline_file);
std::string position_of(const toml::key& key, const std::string& pipeline_file);
/// The start of a file, for what is missing altogether (no [model]).
std::string start_of(const std::string& file);

/// "an integer", "a string", "a table" … for "X is <type>; expected …".
std::string type_phrase(const toml::node& node);
/// The node as TOML text: 4, "bf16", [1, 2]. Canonical (decimal integers, double-quoted strings).
std::string toml_literal(const toml::node& node);
/// As toml_literal, but strings without quotes: for tables of results and labels.
std::string display_text(const toml::node& node);

/// The candidate closest to word by edit distance, when close enough to be a likely typo.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);
/// "did you mean 'x'?" or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);
/// "a, b or c".
std::string one_of(const std::vector<std::string>& words);

}  // namespace moecap::host::pipeline_internal
