// A small, portable, seedable normal generator: SplitMix64 for the bits, Box–Muller for the shape.
//
// std::normal_distribution is implementation-defined (libstdc++ and libc++ give different streams), so a
// seed would not mean the same weights everywhere. These few lines do.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <string_view>

namespace moecap::synthetic {

/// SplitMix64 (Steele, Lea, Flood 2014): a full-period 64-bit generator, also a good integer hash.
inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/// FNV-1a of a tensor name: gives each tensor its own stream, so a weight's values depend only on the seed
/// and its name (not on which other weights exist or in which order they are generated).
inline uint64_t name_hash(std::string_view name) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

class NormalStream {
 public:
  NormalStream(uint64_t seed, std::string_view tensor_name) : state_(seed ^ name_hash(tensor_name)) {
    splitmix64(state_);  // decorrelate nearby seeds
  }

  /// Standard normal N(0, 1).
  double next() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    // u1 in (0, 1] so log(u1) is finite; u2 in [0, 1).
    const double u1 = (static_cast<double>(splitmix64(state_) >> 11) + 1.0) * 0x1.0p-53;
    const double u2 = static_cast<double>(splitmix64(state_) >> 11) * 0x1.0p-53;
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double angle = 2.0 * std::numbers::pi * u2;
    spare_ = radius * std::sin(angle);
    has_spare_ = true;
    return radius * std::cos(angle);
  }

 private:
  uint64_t state_;
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace moecap::synthetic
