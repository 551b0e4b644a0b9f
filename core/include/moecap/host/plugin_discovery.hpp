// Where the host looks for plugin libraries, and what their file names say.
//
// Search order (DESIGN.md §2, plugin-abi.md §4.6); an explicit `path` from the pipeline comes before all of
// these and is handled by the registry:
//   1. --plugin-path directories, in the order given;
//   2. MOECAP_PLUGIN_PATH (':'-separated; ignored when the process runs setuid/setgid, and relative entries
//      are ignored because they would depend on the current directory);
//   3. <exe_dir>/../lib/moecap/plugins, then <exe_dir>/plugins;
//   4. the compile-time install folder MOECAP_INSTALL_PLUGIN_DIR.
// The current working directory is never searched.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "moecap/host/plugin_kind.hpp"

namespace moecap::host {

/// The folder of the running executable (from /proc/self/exe); empty when it cannot be determined.
std::filesystem::path executable_dir();

/// What a file name libmoecap-<kind>-<name>[-<variant>].so says. The name is the first '-'-free word after
/// the kind; everything after the next '-' is the variant (e.g. libmoecap-backend-cpu-haswell.so).
struct PluginFileName {
  PluginKind kind;
  std::string name;
  std::string variant;  ///< empty for the plain library

  /// libmoecap-<kind>-<name>[-<variant>].so
  std::string file_name() const;
};

/// Parses a file name (a path's last component); nullopt when it does not follow the pattern.
std::optional<PluginFileName> parse_plugin_file_name(const std::filesystem::path& file);

/// Where a search directory came from; shown by `moecap plugins`.
enum class SearchOrigin { command_line, environment, executable_relative, install };
std::string_view origin_name(SearchOrigin origin);

struct SearchDirectory {
  std::filesystem::path path;  ///< absolute
  SearchOrigin origin;
};

/// The directories searched for plugins, in priority order.
struct PluginSearchPaths {
  std::vector<SearchDirectory> directories;

  /// The standard order for this process: cli_dirs (made absolute), MOECAP_PLUGIN_PATH, the folders next to
  /// the executable (exe_dir, default executable_dir()) and the compile-time install folder. Duplicates
  /// are dropped, keeping the first occurrence.
  static PluginSearchPaths standard(const std::vector<std::filesystem::path>& cli_dirs = {},
                                    const std::filesystem::path& exe_dir = {});
  /// Only the given directories (tests, the conformance kit); no environment, no install folders.
  static PluginSearchPaths only(const std::vector<std::filesystem::path>& dirs);

  /// Appends a directory unless it is already present.
  void add(const std::filesystem::path& dir, SearchOrigin origin);
};

/// Splits a MOECAP_PLUGIN_PATH value into absolute directories; empty and relative entries are dropped
/// (each would mean "the current directory"), with a warning.
std::vector<std::filesystem::path> split_plugin_path_variable(const std::string& value);

/// True when environment overrides must be ignored (setuid/setgid process, as the Vulkan loader does).
bool environment_is_untrusted();

/// A library file found in a search directory.
struct PluginCandidate {
  std::filesystem::path path;
  PluginFileName file_name;
  SearchDirectory directory;
};

/// Every plugin library in the search directories, in search order, sorted by file name within a directory.
/// Missing directories are skipped silently; files whose names do not follow the pattern are ignored.
std::vector<PluginCandidate> list_candidates(const PluginSearchPaths& paths);

}  // namespace moecap::host
