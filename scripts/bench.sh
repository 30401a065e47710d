#!/usr/bin/env bash
# `make bench`: the benchmarks under bench/, each printing one JSON object of ratios
# measured against a baseline in the same run. LINES= sets the size (default 100000).
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"

bash "$REPO_ROOT/scripts/setup.sh" >/dev/null
pick_python
export LINES="${LINES:-100000}"
for bench in "$REPO_ROOT"/bench/bench_*.py; do
    say "$(basename "$bench") (LINES=$LINES)" >&2
    "$(venv_dir)/bin/python" "$bench"
done
