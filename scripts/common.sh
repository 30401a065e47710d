# Shared settings for the make targets; sourced, never run.
# shellcheck shell=bash

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/customer-rebate"
BUILD_DIR="$REPO_ROOT/.build"
ODOO_CONF="$BUILD_DIR/odoo.conf"
ADDONS="customer_rebate,customer_rebate_audit"

# Odoo connects with this role; `make setup` creates it on a local server.
ODOO_DB_HOST="${PGHOST:-127.0.0.1}"
ODOO_DB_PORT="${PGPORT:-5432}"
if [ -n "${PGUSER:-}" ] && [ "${PGUSER}" != "postgres" ]; then
    ODOO_DB_USER="$PGUSER"
    ODOO_DB_PASSWORD="${PGPASSWORD:-}"
else
    ODOO_DB_USER="${ODOO_DB_USER:-odoo}"
    ODOO_DB_PASSWORD="${ODOO_DB_PASSWORD:-odoo}"
fi

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() {
    printf '\033[1;31merror:\033[0m %s\n' "$1" >&2
    shift
    for line in "$@"; do printf '       %s\n' "$line" >&2; done
    exit 1
}

# The Python that runs Odoo: $PYTHON, else the first of python3, python3.12/3.11/3.10
# whose version Odoo 19 supports.
pick_python() {
    local candidate version
    for candidate in ${PYTHON:-} python3 python3.12 python3.11 python3.10; do
        command -v "$candidate" >/dev/null 2>&1 || continue
        version="$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" || continue
        case "$version" in
            3.10 | 3.11 | 3.12)
                PYTHON_BIN="$(command -v "$candidate")"
                PYTHON_VERSION="$version"
                return 0
                ;;
        esac
        if [ -n "${PYTHON:-}" ] && [ "$candidate" = "$PYTHON" ]; then
            die "PYTHON=$PYTHON is Python $version; Odoo 19 needs Python 3.10, 3.11 or 3.12." \
                "Point PYTHON at a supported interpreter, e.g. PYTHON=python3.11 make setup."
        fi
    done
    die "No Python 3.10, 3.11 or 3.12 found on PATH; Odoo 19 needs one of them." \
        "Install one (Debian: apt-get install python3 python3-venv python3-dev) or set PYTHON=/path/to/python3.11."
}

venv_dir() { printf '%s/venv-py%s' "$CACHE_DIR" "$PYTHON_VERSION"; }

# Where Odoo's `odoo` package lives: $ODOO_PATH (the user's own Odoo 19: a source checkout
# or any folder holding the `odoo` package), else the unpacked Debian package in the cache.
odoo_python_root() {
    if [ -n "${ODOO_PATH:-}" ]; then
        printf '%s' "$ODOO_PATH"
    else
        printf '%s/odoo-19/root/usr/lib/python3/dist-packages' "$CACHE_DIR"
    fi
}
