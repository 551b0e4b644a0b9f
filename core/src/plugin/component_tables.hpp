// What the host knows about each component table of ABI 1.x: its size per minor and its required members.
// Private to core/src/plugin (the loader's validation and the conformance kit's table walk share it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "moecap/host/plugin_kind.hpp"

namespace moecap::host::detail {

/// A member that must be non-NULL in every table of the kind (the headers mark them "Required").
struct RequiredMember {
  const char* name;
  size_t offset;
};

std::span<const RequiredMember> required_members(PluginKind kind);

/// The pointer stored at offset in table (function and data pointers have one size on the platforms moecap
/// supports; the layout test pins it).
const void* pointer_at(const void* table, size_t offset);

/// The first two members every table starts with (ABI-3).
struct TableHeader {
  uint32_t struct_size;
  uint32_t abi_minor;
};
TableHeader table_header(const void* table);

}  // namespace moecap::host::detail
