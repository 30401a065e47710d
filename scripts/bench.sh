#!/usr/bin/env bash
# `make bench`: the benchmarks under bench/, each printing one JSON object of ratios
# measured against a baseline in the same run. LINES= sets the size (default 100000).
# The database benchmarks use their own database (BENCH_DB, default rebate_bench), created
# the first time; see bench/README.md.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"

bash "$REPO_ROOT/scripts/setup.sh" >/dev/null
pick_python
export LINES="${LINES:-100000}"
export ODOO_CONF

# The editable install only puts the repository on sys.path: `odoo.addons.customer_rebate`
# exists once Odoo has read its config (addons_path), so each script runs after that.
run_bench() {
    "$(venv_dir)/bin/python" -c '
import runpy, sys
from odoo.tools import config
config.parse_config(["-c", sys.argv[1]], setup_logging=False)
runpy.run_path(sys.argv[2], run_name="__main__")
' "$ODOO_CONF" "$1"
}

failed=()
for bench in "$REPO_ROOT"/bench/bench_*.py; do
    say "$(basename "$bench") (LINES=$LINES)" >&2
    run_bench "$bench" || failed+=("$(basename "$bench")")
done
# The accrual benchmark again with the audit addon installed (its own database): posting
# with the audit trail against the same run with the trail switched off (trail_* figures).
say "bench_accrual.py with customer_rebate_audit (LINES=$LINES)" >&2
BENCH_ADDONS=customer_rebate,customer_rebate_audit \
    BENCH_DB="${BENCH_DB_AUDIT:-rebate_bench_audit}" \
    run_bench "$REPO_ROOT/bench/bench_accrual.py" || failed+=("bench_accrual.py (audit)")
[ ${#failed[@]} -eq 0 ] || die "Benchmarks failed: ${failed[*]} (see above)."
