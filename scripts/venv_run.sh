#!/usr/bin/env bash
# Run a tool from the project's venv (make setup): scripts/venv_run.sh ruff check FILES...
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"
pick_python
VENV="$(venv_dir)"
[ -x "$VENV/bin/$1" ] || die "$1 is not in $VENV: run make setup first."
tool="$1"
shift
exec "$VENV/bin/$tool" "$@"
