// Which vector instruction set the kernels run with, chosen once at run time.
//
// The library is compiled for baseline x86-64; the AVX2 and AVX-512 kernels live in their own translation
// units compiled with those flags and are only called after cpuid says the CPU has the instructions AND
// xgetbv says the OS saves the wider registers (a hypervisor can hide the latter).
#pragma once

#include <string_view>

namespace moecap::kernels::cpu {

enum class InstructionSet { scalar, avx2, avx512 };

std::string_view instruction_set_name(InstructionSet isa);

/// The best set this CPU and OS support: avx512 (F+BW+VL, F16C, FMA), avx2 (AVX2+FMA+F16C) or scalar.
InstructionSet detected_instruction_set();

/// The set the kernels use: the detected one, lowered (never raised) by the environment variable
/// MOECAP_CPU_ISA=scalar|avx2|avx512 — for A/B measurements and for testing the fallbacks.
InstructionSet active_instruction_set();

}  // namespace moecap::kernels::cpu
