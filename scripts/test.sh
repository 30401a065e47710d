#!/usr/bin/env bash
# `make test`: a fresh test database with both addons (no demo data), then pytest-odoo over
# each addon's tests/ and the project's tests/ (pure maths, packaging) with the HTTP server
# on, so browser tests run in Chromium; then a fresh database
# with the demo data and the UI robustness suite of tests/customer_rebate_demo over it
# (every menu, view, button and field as every demo role, and Odoo's click-everywhere bot).
# Extra pytest arguments, passed to both runs: PYTEST_ARGS="-k agreement".
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"

TEST_DB="${TEST_DB:-rebate_test}"
TEST_DEMO_DB="${TEST_DEMO_DB:-rebate_test_demo}"

bash "$REPO_ROOT/scripts/setup.sh"
pick_python
VENV="$(venv_dir)"

# A fresh database: drop, then install the addons and l10n_cn (the accruals are tested on the
# Chinese chart of accounts as well); extra arguments go to Odoo (--with-demo).
build_db() {
    local db="$1"
    shift
    PGPASSWORD="$ODOO_DB_PASSWORD" dropdb -h "$ODOO_DB_HOST" -p "$ODOO_DB_PORT" \
        -U "$ODOO_DB_USER" --if-exists --force "$db"
    local started=$SECONDS
    "$VENV/bin/python" -m odoo -c "$ODOO_CONF" -d "$db" -i "$ADDONS,l10n_cn" --stop-after-init \
        --log-level=warn "$@" ||
        die "Installing the addons into $db failed (see the log above)."
    note "installed in $((SECONDS - started)) s"
}

# pytest over a database; 0 when every selected test passed. Exit status 5 (no test
# selected, e.g. by a PYTEST_ARGS filter that matches none in this run) counts as a pass.
run_pytest() {
    local db="$1" status=0 started=$SECONDS
    shift
    # shellcheck disable=SC2086
    "$VENV/bin/pytest" --odoo-config "$ODOO_CONF" --odoo-database "$db" --odoo-http \
        ${PYTEST_ARGS:-} "$@" || status=$?
    note "ran in $((SECONDS - started)) s"
    if [ "$status" -eq 5 ]; then
        note "no test selected in this run"
        status=0
    fi
    return "$status"
}

cd "$REPO_ROOT"

say "Building a fresh test database $TEST_DB with both addons (no demo data)"
build_db "$TEST_DB"
say "Running the tests"
# tests/customer_rebate_demo is not collected here: its conftest needs the demo data.
main_status=0
run_pytest "$TEST_DB" tests customer_rebate/tests customer_rebate_audit/tests || main_status=$?

say "Building a fresh database $TEST_DEMO_DB with both addons and their demo data"
build_db "$TEST_DEMO_DB" --with-demo
say "Running the UI robustness suite on the demo data (tests/customer_rebate_demo)"
demo_status=0
run_pytest "$TEST_DEMO_DB" tests/customer_rebate_demo || demo_status=$?

if [ "$main_status" -ne 0 ] || [ "$demo_status" -ne 0 ]; then
    die "Tests failed: main run exit status $main_status, demo UI run exit status $demo_status" \
        "(see the pytest summaries above)."
fi
say "All tests passed."
