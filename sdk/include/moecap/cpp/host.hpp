// moecap SDK C++ layer — the plugin's view of the host: errors, the exception firewall, logging.
//
// Header-only and never part of the ABI: nothing declared here crosses the boundary. The inline namespace
// abi1 makes a plugin compiled against another major's C++ headers fail to link instead of misbehaving.
#pragma once

#include <cstdarg>
#include <cstdio>
#include <new>
#include <stdexcept>
#include <string>

#include "moecap/moecap.h"

namespace moecap {
inline namespace abi1 {

/// The host table this plugin was initialised with. Set once by the plugin's init (MOECAP_DEFINE_PLUGIN
/// does it) before any other entry point can be called; read-only afterwards, so thread-safe.
inline const moecap_host_api*& host_slot() {
  static const moecap_host_api* host = nullptr;
  return host;
}
inline const moecap_host_api& host() {
  return *host_slot();
}

/// True when a table of the given size holds member (ABI-4): check before calling an optional member or
/// one newer than the minor the reader was built against.
template <class Table, class Member>
bool has_member(const Table* table, Member Table::*member) {
  if (table == nullptr) return false;
  const auto offset = reinterpret_cast<size_t>(&(static_cast<const Table*>(nullptr)->*member));
  return table->struct_size >= offset + sizeof(Member);
}

/// An error a plugin throws inside a MOECAP_TRY block; becomes a moecap_error with its code.
class Error : public std::runtime_error {
 public:
  Error(int32_t code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int32_t code() const { return code_; }

 private:
  int32_t code_;
};

/// Carries an error the host already made (e.g. a config getter's) through C++ code untouched, so its
/// message with the TOML position survives.
class HostError : public std::exception {
 public:
  explicit HostError(moecap_error* error) : error_(error) {}
  HostError(HostError&& other) noexcept : error_(other.error_) { other.error_ = nullptr; }
  HostError(const HostError&) = delete;
  ~HostError() override {
    if (error_ != nullptr) host().error_free(error_);
  }
  const char* what() const noexcept override { return host().error_message(error_); }
  moecap_error* release() {
    moecap_error* e = error_;
    error_ = nullptr;
    return e;
  }

 private:
  moecap_error* error_;
};

/// Throws when a host call returned an error.
inline void check(moecap_error* error) {
  if (error != nullptr) throw HostError(error);
}

inline moecap_error* make_error(int32_t code, const std::string& message) {
  return host().error_new(code, message.c_str());
}

/// Logs through the host (never stdout).
inline void log(moecap_log_level level, const char* component, const std::string& message) {
  host().log(level, component, message.c_str());
}

}  // namespace abi1
}  // namespace moecap

/// The exception firewall around every entry point a plugin implements (ABI: no exception crosses):
///   moecap_error* fn(...) { MOECAP_TRY { ... } MOECAP_CATCH; return nullptr; }
#define MOECAP_TRY try
#define MOECAP_CATCH                                                                 \
  catch (::moecap::HostError & e) {                                                  \
    return e.release();                                                              \
  }                                                                                  \
  catch (const ::moecap::Error& e) {                                                 \
    return ::moecap::make_error(e.code(), e.what());                                 \
  }                                                                                  \
  catch (const std::bad_alloc&) {                                                    \
    return ::moecap::make_error(MOECAP_ERR_OUT_OF_MEMORY, "out of memory");          \
  }                                                                                  \
  catch (const std::exception& e) {                                                  \
    return ::moecap::make_error(MOECAP_ERR_INTERNAL, e.what());                      \
  }                                                                                  \
  catch (...) {                                                                      \
    return ::moecap::make_error(MOECAP_ERR_INTERNAL, "unknown exception in plugin"); \
  }
