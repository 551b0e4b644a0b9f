// Helpers shared by the pipeline tests: fixture paths and "this must fail with exactly this message".
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "moecap/host/pipeline.hpp"

namespace moecap::host::testing {

/// The fixture's path as the tests pass it to load_pipeline (and as messages therefore print it).
inline std::string fixture(const std::string& name) {
  return std::string(MOECAP_PIPELINE_FIXTURES) + "/" + name;
}

/// The message of the PipelineError load_pipeline throws, or "" (and a test failure) when it does not.
inline std::string load_error(const std::string& file, const std::vector<std::string>& overrides = {},
                              const PipelineOptions& options = {}) {
  try {
    load_pipeline(file, overrides, options);
  } catch (const PipelineError& error) {
    return error.what();
  }
  ADD_FAILURE() << file << " loaded without the expected error";
  return "";
}

/// The value at a dotted path of an entry's table, as text ("" when absent).
inline std::string value_at(const PluginEntry& entry, const std::string& path) {
  const toml::node* node = entry.table->at_path(path).node();
  if (node == nullptr) return "";
  if (const auto* s = node->as_string()) return s->get();
  std::ostringstream out;
  node->visit([&](const auto& typed) { out << typed; });
  return out.str();
}

}  // namespace moecap::host::testing
