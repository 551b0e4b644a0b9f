// Decoding the 16-bit storage formats to double, exactly (every bf16 and f16 value is a double).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace moecap::reference {

/// bf16 is the top half of an f32.
inline double bf16_to_double(uint16_t bits) {
  return static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(bits) << 16));
}

/// IEEE binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits.
inline double f16_to_double(uint16_t bits) {
  const double sign = (bits & 0x8000u) != 0 ? -1.0 : 1.0;
  const int exponent = (bits >> 10) & 0x1f;
  const int mantissa = bits & 0x3ff;
  if (exponent == 0) return sign * std::ldexp(static_cast<double>(mantissa), -24);  // zero, subnormal
  if (exponent == 31) return mantissa == 0 ? sign * INFINITY : NAN;
  return sign * std::ldexp(static_cast<double>(mantissa + 1024), exponent - 25);
}

}  // namespace moecap::reference
