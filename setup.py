"""Installs the customer_rebate addons into the ``odoo.addons`` namespace.

``pip install .`` puts ``customer_rebate`` and ``customer_rebate_audit`` under
``site-packages/odoo/addons/`` with every data file, so an existing Odoo 19 finds them
without an addons path. Odoo itself is not on PyPI and is not declared as a dependency.
"""

import ast
import os

from setuptools import setup

ADDONS = ("customer_rebate", "customer_rebate_audit")
HERE = os.path.dirname(os.path.abspath(__file__))


def _manifest(addon):
    with open(os.path.join(HERE, addon, "__manifest__.py"), encoding="utf-8") as handle:
        return ast.literal_eval(handle.read())


def _packages():
    """Every Python package of the addons, mapped to its folder in this repository."""
    package_dir = {}
    for addon in ADDONS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(HERE, addon)):
            dirnames[:] = [name for name in dirnames if name != "__pycache__"]
            if "__init__.py" in filenames:
                relative = os.path.relpath(dirpath, HERE)
                package_dir["odoo.addons." + relative.replace(os.sep, ".")] = relative
    return package_dir


def _data_files(addon):
    """Every file of an addon that is not a module of one of its packages (XML, CSV,
    static, i18n, demo, and the migration scripts Odoo runs from folders that are not
    packages), relative to it."""
    root = os.path.join(HERE, addon)
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [name for name in dirnames if name != "__pycache__"]
        package = "__init__.py" in filenames
        found.extend(
            os.path.relpath(os.path.join(dirpath, name), root)
            for name in filenames
            if not name.endswith(".pyc") and not (package and name.endswith(".py"))
        )
    return sorted(found)


PACKAGE_DIR = _packages()
with open(os.path.join(HERE, "README.md"), encoding="utf-8") as _readme:
    LONG_DESCRIPTION = _readme.read()

setup(
    name="customer-rebate",
    version=_manifest("customer_rebate")["version"],
    description="Odoo 19 addons: customer rebate agreements, accruals, settlement, "
    "statements, portal and audit",
    long_description=LONG_DESCRIPTION,
    long_description_content_type="text/markdown",
    license="LGPL-3",
    python_requires=">=3.10",
    packages=sorted(PACKAGE_DIR),
    package_dir=PACKAGE_DIR,
    package_data={"odoo.addons." + addon: _data_files(addon) for addon in ADDONS},
    include_package_data=False,
    zip_safe=False,
    extras_require={"test": ["pytest-odoo>=2.2", "websocket-client", "hypothesis"]},
    classifiers=[
        "Framework :: Odoo",
        "Framework :: Odoo :: 19.0",
        "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)",
        "Programming Language :: Python :: 3",
    ],
)
