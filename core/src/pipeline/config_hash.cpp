#include "config_hash.hpp"

#include <cstdint>
#include <cstdio>

namespace moecap::host::pipeline_internal {

std::string config_hash(std::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

}  // namespace moecap::host::pipeline_internal
