#include "moecap/kernels/cpu/vector_kernels.hpp"

namespace moecap::kernels::cpu {

const VectorKernels& vector_kernels(InstructionSet isa) {
  switch (isa) {
    case InstructionSet::avx512:
      return avx512_vector_kernels();
    case InstructionSet::avx2:
      return avx2_vector_kernels();
    default:
      return scalar_vector_kernels();
  }
}

const VectorKernels& vector_kernels() {
  static const VectorKernels& active = vector_kernels(active_instruction_set());
  return active;
}

}  // namespace moecap::kernels::cpu
