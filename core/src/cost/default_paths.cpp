#include "moecap/host/default_paths.hpp"

namespace moecap::host {
namespace {

std::vector<std::filesystem::path> candidates(const char* leaf) {
  std::vector<std::filesystem::path> dirs{std::filesystem::path("configs") / leaf};
#ifdef MOECAP_SOURCE_CONFIGS_DIR
  dirs.push_back(std::filesystem::path(MOECAP_SOURCE_CONFIGS_DIR) / leaf);
#endif
#ifdef MOECAP_INSTALL_DATA_DIR
  dirs.push_back(std::filesystem::path(MOECAP_INSTALL_DATA_DIR) / leaf);
#endif
  return dirs;
}

}  // namespace

std::vector<std::filesystem::path> default_model_preset_dirs() {
  return candidates("models");
}

std::filesystem::path default_hardware_catalog_dir() {
  for (const auto& dir : candidates("hardware")) {
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec)) return dir;
  }
  return std::filesystem::path("configs") / "hardware";
}

}  // namespace moecap::host
