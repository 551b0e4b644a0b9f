#include "moecap/kernels/cpu/instruction_set.hpp"

#include <cpuid.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace moecap::kernels::cpu {
namespace {

uint64_t read_xcr0() {
  uint32_t eax = 0, edx = 0;
  // xgetbv(0): which register states the OS saves on a context switch.
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

InstructionSet probe() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return InstructionSet::scalar;
  const bool osxsave = (ecx & bit_OSXSAVE) != 0;
  const bool fma = (ecx & bit_FMA) != 0;
  const bool f16c = (ecx & bit_F16C) != 0;
  const bool avx = (ecx & bit_AVX) != 0;
  if (!osxsave || !avx || !fma || !f16c) return InstructionSet::scalar;
  const uint64_t xcr0 = read_xcr0();
  const bool os_saves_ymm = (xcr0 & 0x6) == 0x6;    // SSE + AVX state
  const bool os_saves_zmm = (xcr0 & 0xe6) == 0xe6;  // + opmask, ZMM_Hi256, Hi16_ZMM
  if (!os_saves_ymm || __get_cpuid_max(0, nullptr) < 7) return InstructionSet::scalar;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  const bool avx2 = (ebx & bit_AVX2) != 0;
  const bool avx512 = (ebx & bit_AVX512F) != 0 && (ebx & bit_AVX512BW) != 0 && (ebx & bit_AVX512VL) != 0;
  if (avx2 && avx512 && os_saves_zmm) return InstructionSet::avx512;
  if (avx2) return InstructionSet::avx2;
  return InstructionSet::scalar;
}

InstructionSet lowered_by_environment(InstructionSet detected) {
  const char* requested = std::getenv("MOECAP_CPU_ISA");
  if (requested == nullptr) return detected;
  const std::string value = requested;
  InstructionSet wanted = detected;
  if (value == "scalar") wanted = InstructionSet::scalar;
  if (value == "avx2") wanted = InstructionSet::avx2;
  if (value == "avx512") wanted = InstructionSet::avx512;
  return static_cast<int>(wanted) < static_cast<int>(detected) ? wanted : detected;
}

}  // namespace

std::string_view instruction_set_name(InstructionSet isa) {
  switch (isa) {
    case InstructionSet::avx512:
      return "avx512";
    case InstructionSet::avx2:
      return "avx2";
    default:
      return "scalar";
  }
}

InstructionSet detected_instruction_set() {
  static const InstructionSet detected = probe();
  return detected;
}

InstructionSet active_instruction_set() {
  static const InstructionSet active = lowered_by_environment(detected_instruction_set());
  return active;
}

}  // namespace moecap::kernels::cpu
