#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks (apt), then configures and builds moecap into build/.
# Sourced by scripts/quickstart.sh and scripts/test.sh; safe to run again (does nothing that is done).
set -euo pipefail

MOECAP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MOECAP_BUILD=${MOECAP_BUILD:-"$MOECAP_ROOT/build"}

# Debian packages the build and the tests need. CUDA is optional and never installed here.
MOECAP_PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libboost-dev libtomlplusplus-dev nlohmann-json3-dev libcli11-dev
  libtbb-dev libopenblas-dev libsentencepiece-dev libicu-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang
)

missing=()
for p in "${MOECAP_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "moecap setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S "$MOECAP_ROOT" -B "$MOECAP_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo ${MOECAP_CMAKE_ARGS:-} >&2
cmake --build "$MOECAP_BUILD" -j "$jobs" >&2
