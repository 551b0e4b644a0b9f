// Dotted key paths as --set and [sweep] name them: workload.batch_size, sink[1].path, model."odd.key".
//
// Internal to core/src/pipeline. An index ([n], counted from 0 as toml++'s at_path does) picks one entry
// of an array of tables such as [[sink]].
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moecap::host::pipeline_internal {

struct KeySegment {
  std::string name;
  std::optional<size_t> index;
};
using KeyPath = std::vector<KeySegment>;

/// nullopt when text is not a key path (empty segment, unterminated quote, bad index).
std::optional<KeyPath> parse_key_path(std::string_view text);

/// Back to text: bare names where possible, quoted otherwise.
std::string format_key_path(const KeyPath& path);
std::string format_key_path(const KeyPath& path, size_t segments);

}  // namespace moecap::host::pipeline_internal
