# Odoo runs the modules imported here (odoo --test-enable); pytest-odoo collects the files.
from . import (
    test_audit_access,
    test_audit_campaign,
    test_audit_controls,
    test_audit_dashboard,
    test_audit_tour,
    test_audit_trail,
    test_audit_trail_concurrency,
    test_audit_trail_rpc,
    test_auditor_access,
    test_auditor_invoice_analysis,
    test_due_diligence,
    test_policy,
)
