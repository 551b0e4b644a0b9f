// What the kernel tests share: the instruction sets this CPU can run, and exact 16-bit encodings.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

#include "moecap/kernels/cpu/instruction_set.hpp"

namespace moecap::kernels::cpu::testing {

/// scalar, then every vector set the CPU and OS support.
inline std::vector<InstructionSet> supported_sets() {
  std::vector<InstructionSet> sets{InstructionSet::scalar};
  if (static_cast<int>(detected_instruction_set()) >= static_cast<int>(InstructionSet::avx2))
    sets.push_back(InstructionSet::avx2);
  if (detected_instruction_set() == InstructionSet::avx512) sets.push_back(InstructionSet::avx512);
  return sets;
}

/// f16 bits of a value that f16 holds exactly (the tests use small multiples of 1/64).
inline uint16_t f32_to_f16_bits(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  const uint32_t sign = (bits >> 16) & 0x8000u;
  if (value == 0) return static_cast<uint16_t>(sign);
  const int32_t exponent = static_cast<int32_t>((bits >> 23) & 0xff) - 127 + 15;
  return static_cast<uint16_t>(sign | (static_cast<uint32_t>(exponent) << 10) | ((bits >> 13) & 0x3ff));
}

}  // namespace moecap::kernels::cpu::testing
