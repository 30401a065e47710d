#!/usr/bin/env bash
# `make setup`: everything the addons need to run and be tested, built once and kept under
# ${XDG_CACHE_HOME:-$HOME/.cache}/customer-rebate. Safe to run again: each step checks
# what is already there and skips itself.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
fi
APT_UPDATED=0

# Install Debian packages on the system (PostgreSQL, Chromium, build headers).
apt_install() {
    command -v apt-get >/dev/null 2>&1 ||
        die "This step needs the Debian packages: $*; this machine has no apt-get." \
            "Install them with your system's package manager and run make setup again."
    if [ "$(id -u)" != 0 ] && [ -z "$SUDO" ]; then
        die "This step needs the Debian packages: $*; installing them needs root." \
            "Run: sudo apt-get install $*  — then make setup again."
    fi
    if [ "$APT_UPDATED" = 0 ]; then
        say "Refreshing the Debian package lists"
        $SUDO apt-get update ||
            die "apt-get update failed: no network or no reachable Debian mirror." \
                "Check the machine's apt sources and network, then run make setup again."
        APT_UPDATED=1
    fi
    say "Installing Debian packages: $*"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "$@" ||
        die "apt-get could not install: $*" "Install them by hand, then run make setup again."
}

# --- Odoo 19 -------------------------------------------------------------------------------

# The machine's Debian archive (URI and release) from its own apt sources, so that no
# registry host is ever written into this repository. DEBIAN_MIRROR / DEBIAN_SUITE override.
debian_archive() {
    "$PYTHON_BIN" - <<'PY'
import glob, os, re

def entries():
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        with open(path, encoding="utf-8") as handle:
            for stanza in re.split(r"\n\s*\n", handle.read()):
                fields = {}
                for line in stanza.splitlines():
                    if ":" in line and not line.startswith(("#", " ")):
                        key, value = line.split(":", 1)
                        fields[key.strip().lower()] = value.split()
                if fields.get("enabled", ["yes"])[0] == "no" or "deb" not in fields.get("types", []):
                    continue
                for uri in fields.get("uris", []):
                    yield uri, fields.get("suites", [])
    for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                line = re.sub(r"\[[^]]*\]", "", line.split("#", 1)[0]).split()
                if len(line) >= 3 and line[0] == "deb":
                    yield line[1], [line[2]]

mirror = os.environ.get("DEBIAN_MIRROR", "")
suite = os.environ.get("DEBIAN_SUITE", "")
for uri, suites in entries():
    if "security" in uri or not uri.rstrip("/").endswith("/debian"):
        continue
    mirror = mirror or uri
    suite = suite or next((s for s in suites if "-" not in s and "/" not in s), "")
    break
print(mirror, suite or "sid")
PY
}

# Debian's "+dfsg" repack removes a few minified third-party scripts (mail's
# selfie_segmentation, used only to blur video-call backgrounds) that Odoo's asset bundles
# still list; every page would then log an asset error. Put an empty, commented file where
# each missing literal asset path points.
stub_removed_assets() {
    "$PYTHON_BIN" - "$1" <<'PY'
import ast, os, sys

addons = sys.argv[1]
for name in sorted(os.listdir(addons)):
    manifest = os.path.join(addons, name, "__manifest__.py")
    if not os.path.isfile(manifest):
        continue
    with open(manifest, encoding="utf-8") as handle:
        assets = ast.literal_eval(handle.read()).get("assets", {})
    for entries in assets.values():
        for entry in entries:
            path = entry if isinstance(entry, str) else entry[-1]
            if not isinstance(path, str) or "*" in path or not path.endswith((".js", ".css")):
                continue
            target = os.path.join(addons, path)
            if not os.path.lexists(target):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "w", encoding="utf-8") as stub:
                    stub.write("/* Removed by Debian's dfsg repack of Odoo; stub by customer_rebate's make setup. */\n")
                print("    stubbed asset removed by Debian:", path)
PY
}

setup_odoo() {
    if [ -n "${ODOO_PATH:-}" ]; then
        [ -f "$ODOO_PATH/odoo/release.py" ] ||
            die "ODOO_PATH=$ODOO_PATH holds no odoo package (no odoo/release.py there)." \
                "Point ODOO_PATH at the folder that contains Odoo 19's 'odoo' package (an Odoo source checkout)."
        grep -q "^version_info = (19," "$ODOO_PATH/odoo/release.py" ||
            die "ODOO_PATH=$ODOO_PATH is not Odoo 19." "These addons need Odoo 19.0."
        note "Using your Odoo 19 from ODOO_PATH=$ODOO_PATH"
        return
    fi
    local base="$CACHE_DIR/odoo-19"
    if [ -f "$base/.complete" ]; then
        stub_removed_assets "$base/root/usr/lib/python3/dist-packages/odoo/addons"
        note "Odoo 19 already unpacked in $base"
        return
    fi
    say "Fetching Odoo 19 from Debian's odoo-19 package (unpacked into the cache, not installed)"
    command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 ||
        die "This machine has no apt-get/dpkg-deb to fetch Debian's odoo-19 package." \
            "Use your own Odoo 19 instead: ODOO_PATH=/path/to/odoo-19-checkout make setup"
    local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    [ -f "$keyring" ] ||
        die "Debian's archive keyring ($keyring) is missing, so Debian packages cannot be verified." \
            "Install debian-archive-keyring, or use your own Odoo 19: ODOO_PATH=/path/to/odoo make setup"
    local mirror suite
    read -r mirror suite < <(debian_archive)
    [ -n "$mirror" ] ||
        die "No Debian mirror found in this machine's apt sources." \
            "Set DEBIAN_MIRROR to a Debian mirror URI, or use your own Odoo 19 with ODOO_PATH."
    note "Debian mirror from this machine's apt sources; suites: $suite and sid"

    local apt_dir="$base/apt"
    rm -rf "$apt_dir" "$base/debs" "$base/root.partial"
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$base/debs"
    {
        echo "deb [signed-by=$keyring] $mirror $suite main"
        [ "$suite" = sid ] || echo "deb [signed-by=$keyring] $mirror sid main"
    } >"$apt_dir/sources.list"
    local apt_opts=(
        -o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=-"
        -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
        -o "Debug::NoLocking=1" -o "APT::Sandbox::User=$(id -un)"
    )
    apt-get "${apt_opts[@]}" update ||
        die "Could not read Debian's package lists (network or mirror unreachable)." \
            "Check the network, or use your own Odoo 19: ODOO_PATH=/path/to/odoo make setup"
    # Odoo's web assets are symlinks into these packages. The machine's own release comes
    # first because sid's Font Awesome 7 no longer ships the 4.7 files Odoo links to.
    local packages=(odoo-19/sid) pkg
    for pkg in libjs-jquery libjs-underscore libjs-jquery-form fonts-font-awesome \
        fonts-roboto-unhinted fonts-montserrat fonts-inconsolata fonts-ocr-b; do
        if apt-cache "${apt_opts[@]}" madison "$pkg" | grep -q " $suite/main"; then
            packages+=("$pkg/$suite")
        else
            packages+=("$pkg/sid")
        fi
    done
    (cd "$base/debs" && apt-get "${apt_opts[@]}" download "${packages[@]}") ||
        die "Downloading ${packages[*]} failed." \
            "Check the network, or use your own Odoo 19: ODOO_PATH=/path/to/odoo make setup"
    say "Unpacking $(ls "$base/debs" | wc -l) packages"
    mkdir -p "$base/root.partial"
    local deb
    for deb in "$base"/debs/*.deb; do
        note "$(basename "$deb")"
        dpkg-deb -x "$deb" "$base/root.partial"
    done
    rm -rf "$base/root"
    mv "$base/root.partial" "$base/root"
    local dangling
    dangling="$(cd "$base/root" && find . -type l ! -exec test -e {} \; -print | head -5)"
    [ -z "$dangling" ] || note "warning: some Odoo asset links do not resolve: $dangling"
    stub_removed_assets "$base/root/usr/lib/python3/dist-packages/odoo/addons"
    rm -rf "$base/debs" "$apt_dir"
    touch "$base/.complete"
    note "Odoo 19 unpacked in $base/root"
}

# --- Python virtual environment ------------------------------------------------------------

setup_build_deps() {
    local missing=()
    command -v cc >/dev/null 2>&1 || missing+=(gcc)
    command -v pg_config >/dev/null 2>&1 || missing+=(libpq-dev)
    "$PYTHON_BIN" -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' ||
        missing+=(python3-dev)
    "$PYTHON_BIN" -c 'import ctypes.util, sys; sys.exit(not ctypes.util.find_library("magic"))' ||
        missing+=(libmagic1)
    "$PYTHON_BIN" -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
    if [ ${#missing[@]} -gt 0 ]; then
        apt_install "${missing[@]}"
    fi
}

setup_venv() {
    local venv stamp_file wanted
    venv="$(venv_dir)"
    stamp_file="$venv/.customer-rebate-setup"
    wanted="$(cat "$REPO_ROOT/requirements/"*.txt "$REPO_ROOT/setup.py" "$REPO_ROOT/scripts/setup.sh" | sha256sum | cut -c1-16) $(odoo_python_root) $REPO_ROOT"
    if [ -x "$venv/bin/python" ] && [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$wanted" ]; then
        note "Python $PYTHON_VERSION environment ready in $venv"
        return
    fi
    setup_build_deps
    if [ ! -x "$venv/bin/python" ]; then
        say "Creating a Python $PYTHON_VERSION virtual environment in $venv"
        "$PYTHON_BIN" -m venv "$venv" || die "Could not create a virtual environment with $PYTHON_BIN." \
            "On Debian: apt-get install python3-venv"
    fi
    say "Installing Odoo's Python requirements and the test tools (pip)"
    "$venv/bin/python" -m pip install --progress-bar on \
        -r "$REPO_ROOT/requirements/odoo19.txt" -r "$REPO_ROOT/requirements/dev.txt" ||
        die "pip could not install the requirements (see its message above)." \
            "Check the network to PyPI; psycopg2 needs gcc, libpq-dev and the Python headers."
    # Odoo itself is not on PyPI: make the unpacked (or the user's own) package importable.
    local site
    site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    odoo_python_root >"$site/odoo19.pth"
    echo >>"$site/odoo19.pth"
    say "Installing this project (editable) into the environment"
    "$venv/bin/python" -m pip install --no-deps --no-build-isolation \
        --config-settings editable_mode=compat -e "$REPO_ROOT" ||
        die "pip could not install this project in editable mode."
    "$venv/bin/python" -c 'import odoo.release as r; assert r.version_info[0] == 19, r.version' ||
        die "The environment cannot import Odoo 19 from $(odoo_python_root)."
    echo "$wanted" >"$stamp_file"
}

# --- PostgreSQL ----------------------------------------------------------------------------

psql_odoo() {
    PGPASSWORD="$ODOO_DB_PASSWORD" psql -h "$ODOO_DB_HOST" -p "$ODOO_DB_PORT" -U "$ODOO_DB_USER" \
        -d postgres -v ON_ERROR_STOP=1 -qtA "$@"
}

setup_postgres() {
    if [ -n "${PGHOST:-}" ]; then
        command -v pg_isready >/dev/null 2>&1 || apt_install postgresql-client
        pg_isready -q -h "$PGHOST" -p "$ODOO_DB_PORT" ||
            die "PostgreSQL at PGHOST=$PGHOST port $ODOO_DB_PORT does not answer." \
                "Start it, or unset PGHOST to use (or install) the local server."
    else
        if ! command -v pg_ctlcluster >/dev/null 2>&1; then
            apt_install postgresql
        fi
        if ! pg_isready -q -h 127.0.0.1 -p "$ODOO_DB_PORT"; then
            say "Starting the local PostgreSQL server"
            local version cluster port status
            [ -n "$(pg_lsclusters -h 2>/dev/null)" ] || {
                version="$(ls /usr/lib/postgresql | sort -n | tail -1)"
                $SUDO pg_createcluster "$version" main
            }
            while read -r version cluster port status _; do
                if [ "$status" != online ]; then
                    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start ||
                        die "Could not start PostgreSQL $version/$cluster." \
                            "See /var/log/postgresql/postgresql-$version-$cluster.log"
                fi
            done < <(pg_lsclusters -h)
            local tries=0
            until pg_isready -q -h 127.0.0.1 -p "$ODOO_DB_PORT"; do
                tries=$((tries + 1))
                [ $tries -lt 30 ] || die "PostgreSQL does not answer on 127.0.0.1:$ODOO_DB_PORT."
                sleep 1
            done
        fi
    fi
    if psql_odoo -c 'select 1' >/dev/null 2>&1; then
        note "PostgreSQL role '$ODOO_DB_USER' can log in on $ODOO_DB_HOST:$ODOO_DB_PORT"
        return
    fi
    [ "$ODOO_DB_USER" != postgres ] || die "Odoo refuses to run as the 'postgres' role." \
        "Set PGUSER to another role (with CREATEDB), or leave it unset to let make setup create 'odoo'."
    say "Creating the PostgreSQL login role '$ODOO_DB_USER' for Odoo"
    local sql="DO \$\$BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = '$ODOO_DB_USER') THEN
            ALTER ROLE \"$ODOO_DB_USER\" LOGIN CREATEDB PASSWORD '$ODOO_DB_PASSWORD';
        ELSE
            CREATE ROLE \"$ODOO_DB_USER\" LOGIN CREATEDB PASSWORD '$ODOO_DB_PASSWORD';
        END IF; END\$\$;"
    if [ -n "${PGHOST:-}" ]; then
        psql -h "$PGHOST" -p "$ODOO_DB_PORT" -U "${PGUSER:-postgres}" -d postgres -qc "$sql" ||
            die "Could not create the role '$ODOO_DB_USER' on $PGHOST." \
                "Create a login role with CREATEDB and set PGUSER/PGPASSWORD to it."
    elif [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- psql -p "$ODOO_DB_PORT" -d postgres -qc "$sql"
    else
        sudo -u postgres psql -p "$ODOO_DB_PORT" -d postgres -qc "$sql" ||
            die "Could not create the role '$ODOO_DB_USER' (needs sudo to the postgres user)."
    fi
    psql_odoo -c 'select 1' >/dev/null ||
        die "The role '$ODOO_DB_USER' still cannot log in on $ODOO_DB_HOST:$ODOO_DB_PORT." \
            "Allow password (md5/scram) or trust login for it in pg_hba.conf."
}

# --- Chromium, for the browser tests -------------------------------------------------------

setup_chromium() {
    local bin
    for bin in chromium chromium-browser google-chrome google-chrome-stable; do
        if command -v "$bin" >/dev/null 2>&1; then
            note "Browser for the tests: $(command -v "$bin")"
            return
        fi
    done
    apt_install chromium
}

# --- PDF reports (statements), with Chinese text ----------------------------------------------

setup_pdf() {
    local missing=()
    command -v wkhtmltopdf >/dev/null 2>&1 || missing+=(wkhtmltopdf)
    # pdftotext, pdfinfo and pdffonts: the tests read the statement PDF back as a reader would.
    command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
    # msgfmt: make lint checks the translation files with it.
    command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
    if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
        missing+=(fonts-wqy-zenhei)
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        apt_install "${missing[@]}"
    else
        note "PDF reports: $(command -v wkhtmltopdf), with a Chinese font and poppler-utils"
    fi
}

# --- Odoo configuration ----------------------------------------------------------------------

write_config() {
    mkdir -p "$BUILD_DIR" "$CACHE_DIR/data"
    cat >"$ODOO_CONF.tmp" <<CONF
; Written by make setup; edit scripts/setup.sh instead.
[options]
addons_path = $REPO_ROOT
http_interface = 127.0.0.1
data_dir = $CACHE_DIR/data
db_host = $ODOO_DB_HOST
db_port = $ODOO_DB_PORT
db_user = $ODOO_DB_USER
db_password = $ODOO_DB_PASSWORD
CONF
    mv "$ODOO_CONF.tmp" "$ODOO_CONF"
}

main() {
    local started=$SECONDS
    say "Setting up customer_rebate (cache: $CACHE_DIR)"
    mkdir -p "$CACHE_DIR"
    pick_python
    note "Python $PYTHON_VERSION: $PYTHON_BIN"
    setup_odoo
    setup_venv
    setup_postgres
    setup_chromium
    setup_pdf
    write_config
    say "Setup complete in $((SECONDS - started)) s (Odoo config: $ODOO_CONF)"
}

main "$@"
