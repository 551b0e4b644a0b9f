// Where commands that take a model preset or the hardware catalog look when the user names no folder:
// first relative to the working directory (a checkout), then the source tree the binary was built from,
// then the install prefix's share/moecap/.
#pragma once

#include <filesystem>
#include <vector>

namespace moecap::host {

/// configs/models, <source>/configs/models, <prefix>/share/moecap/models.
std::vector<std::filesystem::path> default_model_preset_dirs();

/// The first of configs/hardware, <source>/configs/hardware, <prefix>/share/moecap/hardware that exists;
/// configs/hardware when none does (loading it then reports the missing folder).
std::filesystem::path default_hardware_catalog_dir();

}  // namespace moecap::host
