#include "moecap/host/plugin_discovery.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <system_error>

#include "moecap/host/host_services.hpp"

namespace moecap::host {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPrefix = "libmoecap-";
constexpr std::string_view kSuffix = ".so";

// A name or variant word: non-empty, and free of characters that would make file names ambiguous.
bool is_plain_word(std::string_view word) {
  if (word.empty()) return false;
  return std::all_of(word.begin(), word.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

fs::path executable_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return exe.parent_path();
}

std::string PluginFileName::file_name() const {
  std::string result(kPrefix);
  result += kind_name(kind);
  result += '-';
  result += name;
  if (!variant.empty()) result += "-" + variant;
  result += kSuffix;
  return result;
}

std::optional<PluginFileName> parse_plugin_file_name(const fs::path& file) {
  std::string base = file.filename().string();
  std::string_view view(base);
  if (!view.starts_with(kPrefix) || !view.ends_with(kSuffix)) return std::nullopt;
  view.remove_prefix(kPrefix.size());
  view.remove_suffix(kSuffix.size());
  size_t dash = view.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::optional<PluginKind> kind = parse_kind(view.substr(0, dash));
  if (!kind) return std::nullopt;
  view.remove_prefix(dash + 1);
  dash = view.find('-');
  std::string_view name = view.substr(0, dash);
  std::string_view variant = dash == std::string_view::npos ? std::string_view{} : view.substr(dash + 1);
  if (!is_plain_word(name)) return std::nullopt;
  if (dash != std::string_view::npos) {
    // A variant may itself contain '-' (cpu-x86-64-v3), but no empty words.
    size_t start = 0;
    while (start <= variant.size()) {
      size_t end = variant.find('-', start);
      if (!is_plain_word(variant.substr(start, end == std::string_view::npos ? variant.npos : end - start)))
        return std::nullopt;
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
  }
  return PluginFileName{*kind, std::string(name), std::string(variant)};
}

std::string_view origin_name(SearchOrigin origin) {
  switch (origin) {
    case SearchOrigin::command_line:
      return "--plugin-path";
    case SearchOrigin::environment:
      return "MOECAP_PLUGIN_PATH";
    case SearchOrigin::executable_relative:
      return "next to the executable";
    case SearchOrigin::install:
      return "install folder";
  }
  return "unknown";
}

void PluginSearchPaths::add(const fs::path& dir, SearchOrigin origin) {
  fs::path normal = dir.lexically_normal();
  // "dir/" and "dir" name the same folder; compare without a trailing separator.
  if (!normal.has_filename() && normal.has_parent_path() && normal != normal.root_path()) normal = normal.parent_path();
  for (const SearchDirectory& existing : directories)
    if (existing.path == normal) return;
  directories.push_back({normal, origin});
}

bool environment_is_untrusted() {
  return getuid() != geteuid() || getgid() != getegid();
}

std::vector<fs::path> split_plugin_path_variable(const std::string& value) {
  std::vector<fs::path> dirs;
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(':', start);
    std::string entry = value.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (entry.empty()) {
      // An empty entry conventionally means the current directory, which is never searched.
    } else if (!fs::path(entry).is_absolute()) {
      log(MOECAP_LOG_WARN, "plugins",
          "MOECAP_PLUGIN_PATH entry '" + entry + "' is relative and ignored (the current directory is never searched)");
    } else {
      dirs.emplace_back(entry);
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return dirs;
}

PluginSearchPaths PluginSearchPaths::standard(const std::vector<fs::path>& cli_dirs, const fs::path& exe_dir) {
  PluginSearchPaths paths;
  for (const fs::path& dir : cli_dirs) {
    // An explicit command-line argument is the user's choice, so a relative one is taken relative to where
    // the user typed it; only implicit sources must never depend on the current directory.
    std::error_code ec;
    fs::path absolute = fs::absolute(dir, ec);
    paths.add(ec ? dir : absolute, SearchOrigin::command_line);
  }
  if (const char* variable = std::getenv("MOECAP_PLUGIN_PATH"); variable != nullptr && *variable != '\0') {
    if (environment_is_untrusted()) {
      log(MOECAP_LOG_WARN, "plugins", "MOECAP_PLUGIN_PATH is ignored in a setuid/setgid process");
    } else {
      for (const fs::path& dir : split_plugin_path_variable(variable)) paths.add(dir, SearchOrigin::environment);
    }
  }
  fs::path exe = exe_dir.empty() ? executable_dir() : exe_dir;
  if (!exe.empty()) {
    paths.add(exe / ".." / "lib" / "moecap" / "plugins", SearchOrigin::executable_relative);
    paths.add(exe / "plugins", SearchOrigin::executable_relative);
  }
#ifdef MOECAP_INSTALL_PLUGIN_DIR
  paths.add(MOECAP_INSTALL_PLUGIN_DIR, SearchOrigin::install);
#endif
  return paths;
}

PluginSearchPaths PluginSearchPaths::only(const std::vector<fs::path>& dirs) {
  PluginSearchPaths paths;
  for (const fs::path& dir : dirs) paths.add(fs::absolute(dir), SearchOrigin::command_line);
  return paths;
}

std::vector<PluginCandidate> list_candidates(const PluginSearchPaths& paths) {
  std::vector<PluginCandidate> candidates;
  for (const SearchDirectory& dir : paths.directories) {
    std::error_code ec;
    fs::directory_iterator it(dir.path, ec);
    if (ec) continue;  // a missing folder is normal (e.g. no install next to a build-tree binary)
    std::vector<PluginCandidate> here;
    for (const fs::directory_entry& entry : it) {
      std::error_code type_ec;
      if (!entry.is_regular_file(type_ec)) continue;
      std::optional<PluginFileName> name = parse_plugin_file_name(entry.path());
      if (name) here.push_back({entry.path(), *name, dir});
    }
    std::sort(here.begin(), here.end(),
              [](const PluginCandidate& a, const PluginCandidate& b) { return a.path < b.path; });
    candidates.insert(candidates.end(), here.begin(), here.end());
  }
  return candidates;
}

}  // namespace moecap::host
