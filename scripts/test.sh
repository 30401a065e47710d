#!/usr/bin/env bash
# `make test`: a fresh test database with both addons (no demo data), then pytest-odoo over
# tests/ with the HTTP server on, so browser tests run in Chromium. Extra pytest arguments
# can be passed with PYTEST_ARGS="-k agreement".
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"

TEST_DB="${TEST_DB:-rebate_test}"

bash "$REPO_ROOT/scripts/setup.sh"
pick_python
VENV="$(venv_dir)"

say "Building a fresh test database $TEST_DB with both addons (no demo data)"
PGPASSWORD="$ODOO_DB_PASSWORD" dropdb -h "$ODOO_DB_HOST" -p "$ODOO_DB_PORT" -U "$ODOO_DB_USER" \
    --if-exists --force "$TEST_DB"
started=$SECONDS
# l10n_cn too: the accruals are tested on the Chinese chart of accounts as well.
"$VENV/bin/python" -m odoo -c "$ODOO_CONF" -d "$TEST_DB" -i "$ADDONS,l10n_cn" --stop-after-init \
    --log-level=warn ||
    die "Installing the addons into $TEST_DB failed (see the log above)."
note "installed in $((SECONDS - started)) s"

say "Running the tests"
cd "$REPO_ROOT"
# shellcheck disable=SC2086
exec "$VENV/bin/pytest" --odoo-config "$ODOO_CONF" --odoo-database "$TEST_DB" --odoo-http \
    ${PYTEST_ARGS:-} tests
