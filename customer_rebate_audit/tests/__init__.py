# Odoo runs the modules imported here (odoo --test-enable); pytest-odoo collects the files.
from . import (
    test_audit_trail,
    test_audit_trail_concurrency,
    test_audit_trail_rpc,
    test_auditor_access,
    test_auditor_invoice_analysis,
)
