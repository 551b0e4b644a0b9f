#!/usr/bin/env bash
# Fresh Debian 12 → installed dependencies, a build, the quickstart run, and the whole test suite.
# GPU tests skip with a reason when no GPU is present. Extra arguments go to ctest (e.g. -L cpu). Then the
# sanitizer stage (scripts/sanitize.sh; MOECAP_SKIP_SANITIZE=1 skips it).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$MOECAP_ROOT"
"$MOECAP_BUILD/bin/moecap" run configs/quickstart.toml
jobs=$(nproc 2>/dev/null || echo 2)
ctest --test-dir "$MOECAP_BUILD" --output-on-failure -j "$jobs" "$@"
if [ "${MOECAP_SKIP_SANITIZE:-0}" != "1" ]; then
  bash "$MOECAP_ROOT/scripts/sanitize.sh"
fi
