"""The UI robustness suite runs on a database with the demo data (`make test` builds
`rebate_test_demo` for it): on any other database, such as the main test database, its
modules are not collected."""

import functools

from odoo import sql_db
from odoo.tests.common import get_db_name


@functools.cache
def _installed_with_demo():
    with sql_db.db_connect(get_db_name()).cursor() as cr:
        cr.execute("SELECT demo FROM ir_module_module WHERE name = 'customer_rebate'")
        row = cr.fetchone()
    return bool(row and row[0])


def pytest_ignore_collect(collection_path, config):
    if collection_path.name.startswith("test_") and not _installed_with_demo():
        return True
    return None
