#!/usr/bin/env bash
# `make lint`: ruff (check and format) and pylint-odoo with the OCA mandatory checks.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"

pick_python
VENV="$(venv_dir)"
[ -x "$VENV/bin/ruff" ] || bash "$REPO_ROOT/scripts/setup.sh"
cd "$REPO_ROOT"
PATHS=(customer_rebate customer_rebate_audit tests bench scripts setup.py)
status=0
say "ruff check"
"$VENV/bin/ruff" check "${PATHS[@]}" || status=1
say "ruff format --check"
"$VENV/bin/ruff" format --check "${PATHS[@]}" || status=1
say "pylint-odoo (OCA mandatory checks)"
"$VENV/bin/pylint" --rcfile=.pylintrc-mandatory customer_rebate customer_rebate_audit tests ||
    status=1
say "XML, PO and manifest checks"
"$VENV/bin/python" scripts/check_addons.py || status=1
say "generated addon READMEs up to date (readme/ fragments)"
"$VENV/bin/python" scripts/gen_addon_readme.py --check || status=1
[ $status = 0 ] && say "lint clean" || die "lint found problems (see above)."
