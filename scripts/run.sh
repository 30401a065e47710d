#!/usr/bin/env bash
# `make run`: serve Odoo with both addons and their demo data on http://localhost:$PORT.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"

PORT="${PORT:-8069}"
DB="${DB:-rebate_demo}"

bash "$REPO_ROOT/scripts/setup.sh"
pick_python
ODOO_BIN=("$(venv_dir)/bin/python" -m odoo)

"$(venv_dir)/bin/python" - "$PORT" <<'PY' ||
import socket, sys
port = int(sys.argv[1])
with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("0.0.0.0", port))
    except OSError:
        sys.exit(1)
PY
    die "Port $PORT is already taken by another program." \
        "Stop that program, or serve on another port: make run PORT=8070"

db_exists() {
    PGPASSWORD="$ODOO_DB_PASSWORD" psql -h "$ODOO_DB_HOST" -p "$ODOO_DB_PORT" -U "$ODOO_DB_USER" \
        -d postgres -qtAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1
}
addons_installed() {
    PGPASSWORD="$ODOO_DB_PASSWORD" psql -h "$ODOO_DB_HOST" -p "$ODOO_DB_PORT" -U "$ODOO_DB_USER" \
        -d "$DB" -qtAc "SELECT count(*) FROM ir_module_module
                        WHERE name IN ('customer_rebate', 'customer_rebate_audit')
                          AND state = 'installed'" 2>/dev/null | grep -qx 2
}

if ! db_exists; then
    say "Creating the database $DB with both addons and their demo data (about a minute)"
    # l10n_cn: the demo company keeps its books on the Chinese chart of accounts.
    if ! "${ODOO_BIN[@]}" -c "$ODOO_CONF" -d "$DB" -i "l10n_cn,$ADDONS" --with-demo \
        --stop-after-init --log-level=warn; then
        PGPASSWORD="$ODOO_DB_PASSWORD" dropdb -h "$ODOO_DB_HOST" -p "$ODOO_DB_PORT" \
            -U "$ODOO_DB_USER" --if-exists "$DB" || true
        die "Creating the database $DB failed (see the log above); nothing was kept."
    fi
elif ! addons_installed; then
    die "The database $DB exists but does not have both addons installed." \
        "Use another one (make run DB=rebate_demo2) or drop it: dropdb $DB"
fi

say "Serving $DB on http://localhost:$PORT  (logins: admin, rebate.rep, rebate.manager," \
    "rebate.accountant, rebate.auditor, rebate.customer; password = login)"
exec "${ODOO_BIN[@]}" -c "$ODOO_CONF" -d "$DB" --db-filter "^${DB}\$" --http-port "$PORT"
