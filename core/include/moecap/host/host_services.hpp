// The host's side of moecap_host_api: errors, logging, scratch memory, the clock.
//
// host_api() is the one table every plugin receives. Errors created through it are moecap_error objects the
// host owns; core code holds them in ErrorPtr and turns them into HostException where C++ flow is simpler.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "moecap/moecap.h"

namespace moecap::host {

/// The table handed to every plugin's init. Static storage; valid for the whole process.
const moecap_host_api* host_api();

struct ErrorDeleter {
  void operator()(moecap_error* error) const;
};
using ErrorPtr = std::unique_ptr<moecap_error, ErrorDeleter>;

int32_t error_code(const moecap_error* error);
std::string error_message(const moecap_error* error);
/// Makes a host-owned error (what a plugin would get from error_new).
moecap_error* make_error(int32_t code, std::string_view message);

/// A failure inside the host, carrying a moecap_error_code. what() is the full user-facing message.
class HostException : public std::runtime_error {
 public:
  HostException(int32_t code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int32_t code() const { return code_; }

 private:
  int32_t code_;
};

/// Takes ownership of error; when non-NULL throws HostException("<context>: <message>").
void throw_if_error(moecap_error* error, std::string_view context);

/// Log lines go to stderr as "[level] component: message". Lines below the threshold are dropped.
void set_log_threshold(int32_t level);
int32_t log_threshold();
void log(int32_t level, std::string_view component, std::string_view message);
const char* log_level_name(int32_t level);

/// Monotonic seconds (steady_clock), the clock of every latency moecap reports.
double now_seconds();

}  // namespace moecap::host
