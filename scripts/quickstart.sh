#!/usr/bin/env bash
# Fresh Debian 12 → installed dependencies, a build, and the quickstart pipeline run:
#   prints the summary and writes results/quickstart.jsonl.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$MOECAP_ROOT"
"$MOECAP_BUILD/bin/moecap" run configs/quickstart.toml "$@"
