from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.customer_rebate.tests.common import RebateAccountingCase, RebateCase


@tagged("post_install", "-at_install", "customer_rebate_audit")
class TestAuditorAccess(RebateCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.auditor = new_test_user(
            cls.env,
            "test.rebate.auditor",
            groups="base.group_user,customer_rebate_audit.group_rebate_auditor",
        )

    def test_auditor_reads_everything(self):
        agreement = self.approved_agreement()
        as_auditor = agreement.with_user(self.auditor)
        self.assertEqual(as_auditor.read(["name"])[0]["name"], agreement.name)
        self.assertTrue(as_auditor.tier_ids.read(["rate"]))
        self.assertTrue(as_auditor.period_ids.read(["date_from"]))
        self.assertEqual(len(as_auditor.approval_ids.read(["decision"])), 2)
        menu = self.env.ref("customer_rebate.menu_rebate_root")
        visible = self.env["ir.ui.menu"].with_user(self.auditor)._visible_menu_ids()
        self.assertIn(menu.id, visible)

    def test_auditor_changes_nothing(self):
        agreement = self.create_agreement()
        as_auditor = agreement.with_user(self.auditor)
        with self.assertRaises(AccessError):
            as_auditor.write({"note": "<p>audited</p>"})
        with self.assertRaises(AccessError):
            self.env["rebate.agreement"].with_user(self.auditor).create(self.agreement_vals())
        with self.assertRaises(AccessError):
            as_auditor.tier_ids[0].write({"rate": 1.0})
        with self.assertRaises(AccessError):
            as_auditor.action_submit()
        agreement.action_submit()
        with self.assertRaises(UserError):
            agreement.with_user(self.auditor).action_approve()
        self.assertEqual(agreement.state, "to_approve")


@tagged("post_install", "-at_install", "customer_rebate_audit")
class TestAuditorReadsTheBooks(RebateAccountingCase):
    """The auditor group alone (no accounting group given by hand) reads the ledger and the
    rebate journal's items behind it, and changes none of them."""

    def test_auditor_reads_the_accrual_journal_items(self):
        auditor = new_test_user(
            self.env,
            "test.rebate.auditor.books",
            groups="base.group_user,customer_rebate_audit.group_rebate_auditor",
        )
        agreement = self.approved_agreement(
            calculation_method="flat", tier_ids=[(0, 0, {"threshold": 0.0, "rate": 2.0})]
        )
        invoice = self.invoice([(self.product, 10, 100.0)], date(2027, 3, 15))
        move = self.accrual_moves(invoice)
        self.assertTrue(move)
        entries = self.ledger(agreement).with_user(auditor)
        self.assertEqual(entries.move_id, move)
        items = move.with_user(auditor).line_ids
        rows = items.read(["account_id", "debit", "credit", "partner_id"])
        self.assertAlmostEqual(sum(row["debit"] for row in rows), 20.0, places=2)
        self.assertAlmostEqual(sum(row["credit"] for row in rows), 20.0, places=2)
        self.assertTrue(invoice.with_user(auditor).invoice_line_ids.read(["price_subtotal"]))
        # Refused: by access rights, or first by the hash-locked journal.
        with self.assertRaises(UserError):
            items[0].with_user(auditor).write({"name": "audited"})
        with self.assertRaises(UserError):
            move.with_user(auditor).button_draft()
        self.assertEqual(move.state, "posted")
