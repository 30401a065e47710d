"""The wheel built from setup.py holds both addons, with every data file, under odoo/addons."""

import os
import subprocess
import sys
import zipfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDONS = ("customer_rebate", "customer_rebate_audit")


def _addon_files(addon):
    root = os.path.join(REPO, addon)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [name for name in dirnames if name != "__pycache__"]
        for name in filenames:
            if not name.endswith(".pyc"):
                relative = os.path.relpath(os.path.join(dirpath, name), REPO)
                yield "odoo/addons/" + relative.replace(os.sep, "/")


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            REPO,
        ],
        check=True,
    )
    (wheel,) = out.glob("customer_rebate-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_wheel_holds_both_manifests(wheel_names):
    for addon in ADDONS:
        assert f"odoo/addons/{addon}/__manifest__.py" in wheel_names


def test_wheel_holds_every_addon_file(wheel_names):
    for addon in ADDONS:
        missing = sorted(set(_addon_files(addon)) - wheel_names)
        assert not missing, f"files of {addon} missing from the wheel: {missing}"


def test_wheel_installs_nothing_outside_odoo_addons(wheel_names):
    payload = {name for name in wheel_names if ".dist-info/" not in name}
    assert payload
    assert all(name.startswith("odoo/addons/customer_rebate") for name in payload)
