#!/usr/bin/env bash
# The sanitizer stage of the test suite: the compute kernels and both backends, built with AddressSanitizer and
# UndefinedBehaviorSanitizer (Debug, no CUDA, no benchmarks) into build-sanitize/, and run: the kernel tests
# (every instruction set, both weight layouts), the numerics conformance of backend-cpu against
# backend-reference on every family, backend-cpu's extensions through the host (the read pass over its weight
# memory), and the pipeline and cost tests. Any report fails the stage
# (-fno-sanitize-recover). Needs what scripts/setup.sh installs; scripts/test.sh runs it last.
set -euo pipefail

MOECAP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SANITIZE_BUILD=${MOECAP_SANITIZE_BUILD:-"$MOECAP_ROOT/build-sanitize"}
targets=(test_kernels numerics_conformance_tests backend_cpu_extension_tests test_pipeline test_cost)

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S "$MOECAP_ROOT" -B "$SANITIZE_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMOECAP_SANITIZE=address,undefined \
  -DMOECAP_CUDA=OFF -DMOECAP_BUILD_BENCHMARKS=OFF >&2
cmake --build "$SANITIZE_BUILD" -j "$jobs" --target "${targets[@]}" >&2
# OpenBLAS and oneTBB are not instrumented; their allocations are still checked at the boundary.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
for t in "${targets[@]}"; do
  echo "moecap sanitize: $t" >&2
  "$SANITIZE_BUILD/bin/$t" --gtest_brief=1
done
