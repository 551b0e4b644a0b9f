#include "component_tables.hpp"

#include <cstring>

#include "moecap/host/plugin_loader.hpp"
#include "moecap/moecap.h"

namespace moecap::host {
namespace detail {
namespace {

#define MOECAP_REQUIRED(Table, member) \
  RequiredMember {                     \
#member, offsetof(Table, member)   \
  }

constexpr RequiredMember kBackendRequired[] = {
    MOECAP_REQUIRED(moecap_backend_i, name),
    MOECAP_REQUIRED(moecap_backend_i, device_count),
    MOECAP_REQUIRED(moecap_backend_i, device_info),
    MOECAP_REQUIRED(moecap_backend_i, session_create),
    MOECAP_REQUIRED(moecap_backend_i, session_info),
    MOECAP_REQUIRED(moecap_backend_i, step),
    MOECAP_REQUIRED(moecap_backend_i, sequence_release),
    MOECAP_REQUIRED(moecap_backend_i, session_destroy),
};
// tokenize and detokenize are optional.
constexpr RequiredMember kModelRequired[] = {
    MOECAP_REQUIRED(moecap_model_i, name),      MOECAP_REQUIRED(moecap_model_i, open),
    MOECAP_REQUIRED(moecap_model_i, describe),  MOECAP_REQUIRED(moecap_model_i, weight_count),
    MOECAP_REQUIRED(moecap_model_i, weight_at), MOECAP_REQUIRED(moecap_model_i, weight_find),
    MOECAP_REQUIRED(moecap_model_i, close),
};
constexpr RequiredMember kTaskRequired[] = {
    MOECAP_REQUIRED(moecap_task_i, name),          MOECAP_REQUIRED(moecap_task_i, open),
    MOECAP_REQUIRED(moecap_task_i, request_count), MOECAP_REQUIRED(moecap_task_i, request_get),
    MOECAP_REQUIRED(moecap_task_i, score),         MOECAP_REQUIRED(moecap_task_i, summary),
    MOECAP_REQUIRED(moecap_task_i, close),
};
constexpr RequiredMember kSinkRequired[] = {
    MOECAP_REQUIRED(moecap_sink_i, name),  MOECAP_REQUIRED(moecap_sink_i, open),  MOECAP_REQUIRED(moecap_sink_i, write),
    MOECAP_REQUIRED(moecap_sink_i, flush), MOECAP_REQUIRED(moecap_sink_i, close),
};

#undef MOECAP_REQUIRED

}  // namespace

std::span<const RequiredMember> required_members(PluginKind kind) {
  switch (kind) {
    case PluginKind::backend:
      return kBackendRequired;
    case PluginKind::model:
      return kModelRequired;
    case PluginKind::task:
      return kTaskRequired;
    case PluginKind::sink:
      return kSinkRequired;
  }
  return {};
}

const void* pointer_at(const void* table, size_t offset) {
  const void* pointer = nullptr;
  std::memcpy(&pointer, static_cast<const unsigned char*>(table) + offset, sizeof pointer);
  return pointer;
}

TableHeader table_header(const void* table) {
  TableHeader header{};
  std::memcpy(&header, table, sizeof header);
  return header;
}

}  // namespace detail

size_t table_size_for_minor(PluginKind kind, uint32_t minor) {
  // ABI 1.0 is the only released minor, so each table's 1.0 size is its sizeof. When 1.1 appends members,
  // 1.0 keeps the size pinned in tests/abi/layout_test.c and `minor >= 1` returns the new sizeof.
  (void)minor;
  switch (kind) {
    case PluginKind::backend:
      return sizeof(moecap_backend_i);
    case PluginKind::model:
      return sizeof(moecap_model_i);
    case PluginKind::task:
      return sizeof(moecap_task_i);
    case PluginKind::sink:
      return sizeof(moecap_sink_i);
  }
  return 0;
}

}  // namespace moecap::host
