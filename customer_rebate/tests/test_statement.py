from datetime import date

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import RebateAccountingCase
from .test_security_statement import SIGNATURE

TIERS = [(0, 0, {"threshold": 0.0, "rate": 2.0}), (0, 0, {"threshold": 1000.0, "rate": 4.0})]


@tagged("post_install", "-at_install", "customer_rebate")
class TestStatement(RebateAccountingCase):
    def test_statement_lines_balance_with_the_books(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        self.invoice([(self.product, 50, 10.0)], date(2027, 2, 10))
        with freeze_time("2027-04-05"):
            settlement = agreement.with_user(self.accountant).action_settle()
            settlement.with_user(self.accountant).action_confirm()
            settlement.with_user(self.accountant).action_post()
        self.invoice([(self.product, 30, 10.0)], date(2027, 4, 20))
        Statement = self.env["rebate.statement"]
        first = Statement._generate_statements(date(2027, 1, 1), date(2027, 3, 31))
        self.assertEqual(first.partner_id, self.customer)
        line = first.line_ids
        self.assertEqual(
            (line.opening, line.accrued, line.settled, line.closing), (0.0, 52.0, 0.0, 52.0)
        )
        # Named by its statement and agreement where a reader meets it (trail, breadcrumbs).
        self.assertEqual(line.display_name, f"{first.name} · {agreement.name}")
        self.assertEqual(line.volume, 1300.0)
        self.assertEqual(first.book_balance, 52.0)
        self.assertFalse(first.balance_difference)
        second = Statement._generate_statements(date(2027, 4, 1), date(2027, 6, 30))
        line = second.line_ids
        self.assertEqual(
            (line.opening, line.accrued, line.settled, line.closing), (52.0, 6.0, -52.0, 6.0)
        )
        self.assertIn("Tier 1", line.tier_reached)
        self.assertEqual(second.book_balance, 6.0)
        self.assertFalse(
            Statement._generate_statements(date(2027, 4, 1), date(2027, 6, 30)),
            "a second run makes nothing",
        )

    def test_finance_is_warned_when_the_books_differ(self):
        self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        # Posted by hand to the liability account, outside the rebate journal (which takes
        # the engine's entries only).
        miscellaneous = self.env["account.journal"].search(
            [
                ("type", "=", "general"),
                ("company_id", "=", self.company.id),
                ("id", "!=", self.accounting["journal"].id),
            ],
            limit=1,
        )
        stray = self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": date(2027, 1, 31),
                "journal_id": miscellaneous.id,
                "line_ids": [
                    fields.Command.create(
                        {
                            "account_id": self.accounting["liability"].id,
                            "partner_id": self.customer.id,
                            "balance": -5.0,
                        }
                    ),
                    fields.Command.create(
                        {"account_id": self.accounting["revenue"].id, "balance": 5.0}
                    ),
                ],
            }
        )
        stray.action_post()
        statement = self.env["rebate.statement"]._generate_statements(
            date(2027, 1, 1), date(2027, 1, 31)
        )
        self.assertEqual((statement.closing_balance, statement.book_balance), (16.0, 21.0))
        self.assertEqual(statement.balance_difference, -5.0)
        mismatched = self.env["rebate.statement"].search([("balance_difference", "!=", 0)])
        self.assertIn(statement, mismatched)

    def test_send_confirm_dispute_resolve(self):
        self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        invoicing = self.env["res.partner"].create(
            {
                "name": "Accounts Payable",
                "parent_id": self.customer.id,
                "type": "invoice",
                "email": "ap@customer.example.com",
            }
        )
        portal = new_test_user(
            self.env,
            "rebate.statement.portal",
            groups="base.group_portal",
            name="Wang Fang",
            partner_id=self.customer_contact.id,
        )
        statement = self.env["rebate.statement"]._generate_statements(
            date(2027, 1, 1), date(2027, 1, 31)
        )
        with self.assertRaisesRegex(AccessError, "cannot open"):
            statement.with_user(portal)._portal_confirm("Wang Fang", SIGNATURE)
        with self.assertRaisesRegex(AccessError, "Only rebate accountants and managers"):
            statement.with_user(self.rep).action_send()
        statement.with_user(self.accountant).action_send()
        self.assertEqual(statement.state, "sent")
        self.assertTrue(statement.sent_date)
        mail = statement.message_ids.filtered(lambda m: m.message_type == "comment")[:1]
        self.assertIn(invoicing, mail.partner_ids)
        self.assertTrue(mail.attachment_ids, "the statement goes with its PDF")
        with self.assertRaisesRegex(UserError, "what is wrong"):
            statement.with_user(portal)._portal_dispute("  ")
        statement.with_user(portal)._portal_dispute("January invoice INV-1 missing")
        self.assertEqual(statement.state, "disputed")
        activity = statement.activity_ids
        self.assertEqual(activity.user_id, self.rep, "the responsible person gets an activity")
        with self.assertRaisesRegex(UserError, "resolution note"):
            statement.action_resolve()
        statement.with_user(self.rep).action_resolve(note="INV-1 was posted in February.")
        self.assertEqual(statement.state, "resolved")
        self.assertEqual(statement.resolution_note, "INV-1 was posted in February.")
        statement.with_user(portal)._portal_confirm("Wang Fang", SIGNATURE)
        self.assertEqual(statement.state, "confirmed", "a resolved dispute can be confirmed")
        self.assertEqual(statement.confirmed_by_id, portal)
        self.assertEqual(statement.signed_by, "Wang Fang")
        self.assertTrue(statement.signature)
        self.assertTrue(statement.confirmed_date)

    def test_statement_job_makes_each_company_its_periods_statements(self):
        self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        self.company.rebate_statement_frequency = "monthly"
        Statement = self.env["rebate.statement"]
        with freeze_time("2027-02-03"):
            Statement._cron_generate_statements()
        statement = Statement.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(
            (statement.date_from, statement.date_to), (date(2027, 1, 1), date(2027, 1, 31))
        )
        self.assertEqual(statement.closing_balance, 16.0)

    def test_statement_access_rights(self):
        self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        statement = self.env["rebate.statement"]._generate_statements(
            date(2027, 1, 1), date(2027, 1, 31)
        )
        self.assertTrue(statement.with_user(self.rep).read(["closing_balance"]))
        self.assertFalse(statement.with_user(self.stranger).has_access("read"))
        self.assertFalse(
            statement.line_ids.with_user(self.rep).has_access("write"), "lines are read-only"
        )
        with self.assertRaisesRegex(UserError, "cannot be created by hand"):
            self.env["rebate.statement"].with_user(self.rep).create(
                {
                    "partner_id": self.customer.id,
                    "date_from": date(2027, 2, 1),
                    "date_to": date(2027, 2, 28),
                }
            )
        with self.assertRaisesRegex(UserError, "must not end before"):
            self.env["rebate.statement"]._generate_statements(date(2027, 2, 1), date(2027, 1, 1))
