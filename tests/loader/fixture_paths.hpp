// Where the fixture plugins are, and a scratch folder that cleans up after itself.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

#include "moecap/host/plugin_discovery.hpp"

namespace moecap::test {

/// The folder tests/fixtures/plugins builds into (a compile definition from the CMakeLists).
inline std::filesystem::path fixture_dir() {
  return MOECAP_FIXTURE_PLUGIN_DIR;
}

/// libmoecap-<kind>-<name>.so in the fixture folder.
inline std::filesystem::path fixture(const std::string& kind, const std::string& name) {
  return fixture_dir() / ("libmoecap-" + kind + "-" + name + ".so");
}
inline std::filesystem::path sink_fixture(const std::string& name) {
  return fixture("sink", name);
}

/// A fresh folder under the system temp dir, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::random_device seed;
    path_ = std::filesystem::temp_directory_path() /
            ("moecap-loader-" + std::to_string(getpid()) + "-" + std::to_string(seed()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  /// Copies a library into sub/ under this folder with a new file name; returns the new path.
  std::filesystem::path copy(const std::filesystem::path& library, const std::string& sub,
                             const std::string& file_name) const {
    std::filesystem::create_directories(path_ / sub);
    std::filesystem::path target = path_ / sub / file_name;
    std::filesystem::copy_file(library, target, std::filesystem::copy_options::overwrite_existing);
    return target;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace moecap::test
