from datetime import date

from odoo.tests import new_test_user, tagged

from odoo.addons.customer_rebate.tests.common import RebateAccountingCase


@tagged("post_install", "-at_install", "customer_rebate_audit")
class TestAuditorInvoiceAnalysis(RebateAccountingCase):
    def test_auditor_opens_the_lines_behind_a_period_volume(self):
        """An auditor with read access to accounting opens a period's Invoice Analysis and
        finds exactly the invoice lines, and the volume, the ledger holds."""
        auditor = new_test_user(
            self.env,
            "test.rebate.auditor.analysis",
            groups="base.group_user,account.group_account_readonly,"
            "customer_rebate_audit.group_rebate_auditor",
        )
        agreement = self.approved_agreement(rule_ids=[(0, 0, {"categ_id": self.category.id})])
        self.invoice([(self.product, 80, 10.0), (self.product_other, 5, 5.0)], date(2027, 1, 10))
        self.invoice([(self.product, 3, 10.0)], date(2027, 2, 2), move_type="out_refund")
        self.invoice([(self.product, 9, 10.0)], date(2027, 4, 2))  # the next quarter
        period = agreement.period_ids[0].with_user(auditor)
        action = period.action_view_invoice_analysis()
        rows = self.env["account.invoice.report"].with_user(auditor).search(action["domain"])
        ledger = self.ledger(agreement).filtered(lambda entry: entry.period_id == period)
        self.assertEqual(set(rows.ids), set(ledger.move_line_id.ids))
        self.assertAlmostEqual(sum(rows.mapped("price_subtotal")), 770.0)
        self.assertAlmostEqual(period.accrued_volume, 770.0)
