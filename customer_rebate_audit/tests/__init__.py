# Odoo runs the modules imported here (odoo --test-enable); pytest-odoo collects the files.
# Controls, findings and campaigns
from . import test_audit_controls, test_auditor_access, test_auditor_invoice_analysis
from . import test_audit_campaign
from . import test_audit_access, test_audit_tour
