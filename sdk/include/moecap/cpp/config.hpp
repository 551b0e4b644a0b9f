// moecap SDK C++ layer — typed reads of a plugin's own TOML sub-table through the host getters.
//
// Every failure throws HostError carrying the host's message, which names the pipeline file:line:col.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moecap/cpp/host.hpp"

namespace moecap {
inline namespace abi1 {

/// A borrowed view of a moecap_config; valid for the call that received it.
class Config {
 public:
  explicit Config(const moecap_config* config) : config_(config) {}

  bool has(const char* key) const { return config_ != nullptr && host().config_has(config_, key); }

  std::string string(const char* key) const { return get<std::string>(key); }
  int64_t integer(const char* key) const { return get<int64_t>(key); }
  double number(const char* key) const { return get<double>(key); }
  bool boolean(const char* key) const { return get<bool>(key); }
  /// A path resolved against the pipeline file's folder.
  std::string path(const char* key) const {
    const char* out = nullptr;
    check(host().config_get_path(config_, key, &out));
    return out;
  }

  std::string string_or(const char* key, std::string fallback) const { return has(key) ? string(key) : fallback; }
  int64_t integer_or(const char* key, int64_t fallback) const { return has(key) ? integer(key) : fallback; }
  double number_or(const char* key, double fallback) const { return has(key) ? number(key) : fallback; }
  bool boolean_or(const char* key, bool fallback) const { return has(key) ? boolean(key) : fallback; }

  std::vector<std::string> strings(const char* key) const {
    std::vector<std::string> out(array_length(key));
    for (size_t i = 0; i < out.size(); ++i) {
      const char* s = nullptr;
      check(host().config_get_string_at(config_, key, i, &s));
      out[i] = s;
    }
    return out;
  }
  std::vector<double> numbers(const char* key) const {
    std::vector<double> out(array_length(key));
    for (size_t i = 0; i < out.size(); ++i) check(host().config_get_double_at(config_, key, i, &out[i]));
    return out;
  }
  std::vector<int64_t> integers(const char* key) const {
    std::vector<int64_t> out(array_length(key));
    for (size_t i = 0; i < out.size(); ++i) {
      int64_t v = 0;
      check(host().config_get_int_at(config_, key, i, &v));
      out[i] = v;
    }
    return out;
  }

  /// Throws an INVALID_ARG error that points at key's position in the pipeline.
  [[noreturn]] void fail(const char* key, const std::string& message) const {
    throw HostError(host().config_error(config_, key, message.c_str()));
  }

  const moecap_config* raw() const { return config_; }

 private:
  size_t array_length(const char* key) const {
    size_t n = 0;
    check(host().config_get_array_len(config_, key, &n));
    return n;
  }
  template <class T>
  T get(const char* key) const {
    if constexpr (std::is_same_v<T, std::string>) {
      const char* out = nullptr;
      check(host().config_get_string(config_, key, &out));
      return out;
    } else if constexpr (std::is_same_v<T, int64_t>) {
      int64_t out = 0;
      check(host().config_get_int(config_, key, &out));
      return out;
    } else if constexpr (std::is_same_v<T, double>) {
      double out = 0;
      check(host().config_get_double(config_, key, &out));
      return out;
    } else {
      bool out = false;
      check(host().config_get_bool(config_, key, &out));
      return out;
    }
  }

  const moecap_config* config_;
};

}  // namespace abi1
}  // namespace moecap
