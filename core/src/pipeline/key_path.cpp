#include "key_path.hpp"

#include <cctype>

namespace moecap::host::pipeline_internal {
namespace {

bool is_bare_key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

}  // namespace

std::optional<KeyPath> parse_key_path(std::string_view text) {
  KeyPath path;
  size_t i = 0;
  auto skip_spaces = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  };
  while (true) {
    skip_spaces();
    KeySegment segment;
    if (i < text.size() && (text[i] == '"' || text[i] == '\'')) {
      const char quote = text[i++];
      const size_t end = text.find(quote, i);
      if (end == std::string_view::npos) return std::nullopt;
      segment.name = std::string(text.substr(i, end - i));
      i = end + 1;
    } else {
      const size_t start = i;
      while (i < text.size() && is_bare_key_char(text[i])) ++i;
      if (i == start) return std::nullopt;
      segment.name = std::string(text.substr(start, i - start));
    }
    if (i < text.size() && text[i] == '[') {
      const size_t start = ++i;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0) ++i;
      if (i == start || i >= text.size() || text[i] != ']' || i - start > 9) return std::nullopt;
      segment.index = std::stoul(std::string(text.substr(start, i - start)));
      ++i;
    }
    path.push_back(std::move(segment));
    skip_spaces();
    if (i == text.size()) return path;
    if (text[i] != '.') return std::nullopt;
    ++i;
  }
}

std::string format_key_path(const KeyPath& path, size_t segments) {
  std::string out;
  for (size_t s = 0; s < segments && s < path.size(); ++s) {
    if (s > 0) out += '.';
    const auto& name = path[s].name;
    bool bare = !name.empty();
    for (char c : name) bare = bare && is_bare_key_char(c);
    out += bare ? name : "\"" + name + "\"";
    if (path[s].index) out += "[" + std::to_string(*path[s].index) + "]";
  }
  return out;
}

std::string format_key_path(const KeyPath& path) {
  return format_key_path(path, path.size());
}

}  // namespace moecap::host::pipeline_internal
