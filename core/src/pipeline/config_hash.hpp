// The hash that identifies a point's resolved configuration in every record it produces.
#pragma once

#include <string>
#include <string_view>

namespace moecap::host::pipeline_internal {

/// FNV-1a 64 of text as 16 lowercase hex digits. Not cryptographic: it tells configurations apart in
/// results, it does not defend against anyone.
std::string config_hash(std::string_view text);

}  // namespace moecap::host::pipeline_internal
