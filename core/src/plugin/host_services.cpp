#include "moecap/host/host_services.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <new>

#include "moecap/host/config_view.hpp"

// The definition of the opaque error type. Only the host creates and frees these.
struct moecap_error {
  int32_t code;
  std::string message;
};

namespace moecap::host {
namespace {

// Returned when even allocating an error fails; never freed.
moecap_error g_out_of_memory{MOECAP_ERR_OUT_OF_MEMORY, "out of memory (while reporting an error)"};

moecap_error* api_error_new(int32_t code, const char* message) {
  try {
    return new moecap_error{code, message != nullptr ? message : ""};
  } catch (...) {
    return &g_out_of_memory;
  }
}
void api_error_free(moecap_error* error) {
  if (error != nullptr && error != &g_out_of_memory) delete error;
}
int32_t api_error_code(const moecap_error* error) { return error == nullptr ? MOECAP_OK : error->code; }
const char* api_error_message(const moecap_error* error) {
  return error == nullptr ? "" : error->message.c_str();
}

void api_log(int32_t level, const char* component, const char* message) {
  log(level, component != nullptr ? component : "plugin", message != nullptr ? message : "");
}

void* api_alloc_host(size_t size, size_t alignment) {
  if (alignment == 0) alignment = 64;
  if ((alignment & (alignment - 1)) != 0) return nullptr;
  if (alignment < sizeof(void*)) alignment = sizeof(void*);
  size_t rounded = (size + alignment - 1) / alignment * alignment;
  if (rounded == 0) rounded = alignment;
  return std::aligned_alloc(alignment, rounded);
}
void api_free_host(void* pointer) { std::free(pointer); }
double api_now_seconds() { return now_seconds(); }

moecap_host_api make_table() {
  moecap_host_api api{};
  api.struct_size = sizeof(moecap_host_api);
  api.abi_minor = MOECAP_ABI_MINOR;
  api.error_new = &api_error_new;
  api.error_free = &api_error_free;
  api.error_code = &api_error_code;
  api.error_message = &api_error_message;
  api.log = &api_log;
  fill_config_getters(api);
  api.alloc_host = &api_alloc_host;
  api.free_host = &api_free_host;
  api.now_seconds = &api_now_seconds;
  return api;
}

std::mutex g_log_mutex;
int32_t g_log_threshold = MOECAP_LOG_INFO;

}  // namespace

const moecap_host_api* host_api() {
  static const moecap_host_api table = make_table();
  return &table;
}

void ErrorDeleter::operator()(moecap_error* error) const { api_error_free(error); }
int32_t error_code(const moecap_error* error) { return api_error_code(error); }
std::string error_message(const moecap_error* error) { return api_error_message(error); }
moecap_error* make_error(int32_t code, std::string_view message) {
  return api_error_new(code, std::string(message).c_str());
}

void throw_if_error(moecap_error* error, std::string_view context) {
  if (error == nullptr) return;
  ErrorPtr owned(error);
  std::string text = context.empty() ? error->message : std::string(context) + ": " + error->message;
  throw HostException(error->code, text);
}

const char* log_level_name(int32_t level) {
  switch (level) {
    case MOECAP_LOG_TRACE: return "trace";
    case MOECAP_LOG_DEBUG: return "debug";
    case MOECAP_LOG_INFO: return "info";
    case MOECAP_LOG_WARN: return "warning";
    case MOECAP_LOG_ERROR: return "error";
    default: return "log";
  }
}

void set_log_threshold(int32_t level) {
  std::lock_guard lock(g_log_mutex);
  g_log_threshold = level;
}
int32_t log_threshold() {
  std::lock_guard lock(g_log_mutex);
  return g_log_threshold;
}

void log(int32_t level, std::string_view component, std::string_view message) {
  std::lock_guard lock(g_log_mutex);
  if (level < g_log_threshold) return;
  std::fprintf(stderr, "[%s] %.*s: %.*s\n", log_level_name(level), static_cast<int>(component.size()),
               component.data(), static_cast<int>(message.size()), message.data());
}

double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

}  // namespace moecap::host
