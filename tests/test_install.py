"""The test database `make test` builds: both addons installed, without demo data (the
project's own check; an integrator's database may hold either addon alone)."""

from odoo.tests import TransactionCase, tagged

ADDONS = ("customer_rebate", "customer_rebate_audit")


@tagged("post_install", "-at_install", "customer_rebate_project")
class TestInstall(TransactionCase):
    def test_both_addons_installed(self):
        modules = self.env["ir.module.module"].search([("name", "in", ADDONS)])
        self.assertEqual(sorted(modules.mapped("name")), sorted(ADDONS))
        self.assertEqual(set(modules.mapped("state")), {"installed"})

    def test_audit_addon_depends_on_rebate_addon(self):
        audit = self.env["ir.module.module"].search([("name", "=", "customer_rebate_audit")])
        self.assertIn("customer_rebate", audit.dependencies_id.mapped("name"))

    def test_rebate_addon_depends_on_sales_invoicing_and_portal(self):
        rebate = self.env["ir.module.module"].search([("name", "=", "customer_rebate")])
        self.assertLessEqual(
            {"sale", "account", "portal"},
            set(rebate.dependencies_id.mapped("name")),
        )

    def test_test_database_has_no_demo_data(self):
        self.assertFalse(self.env.ref("customer_rebate.user_rebate_rep_demo", False))
