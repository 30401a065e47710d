"""Shared fixtures for customer_rebate tests; the audit addon's tests reuse them."""

import base64
from datetime import date
from unittest.mock import patch

from odoo import fields
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import TransactionCase, new_test_user

SIGNED_CONTRACT = base64.b64encode(b"%PDF-1.4 signed rebate contract")
# The auditor's group belongs to customer_rebate_audit. Where that addon is not installed (an
# integrator's `odoo --test-enable -i customer_rebate`), the auditor of these tests is a
# plain employee: what they assert an auditor cannot do holds for one too, and the
# auditor's own rights are asserted only where the group exists.
AUDITOR_GROUP = "customer_rebate_audit.group_rebate_auditor"


def run_threads(threads, timeout):
    """Start the threads and wait for each (at most `timeout` seconds).

    A thread opens its environments on the loaded registry; `odoo --test-enable -i ...`
    runs the post-install tests while the main thread holds the registry lock, where
    `Registry(db)` would wait for ever. The registry is loaded: its lookup needs no lock,
    as in Odoo's own test mode."""
    with patch.object(Registry, "_lock", DummyRLock()):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout)


def audit_installed(env):
    """Whether customer_rebate_audit (the auditor's group) is installed."""
    return bool(env.ref(AUDITOR_GROUP, raise_if_not_found=False))


def auditor_groups(env):
    """The groups of a test auditor: the auditor's, or a plain employee's without the addon."""
    return f"base.group_user,{AUDITOR_GROUP}" if audit_installed(env) else "base.group_user"


class RebateCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write(
            {"rebate_approval_rate_limit": 10.0, "rebate_approval_amount_limit": 100000.0}
        )
        sales = "base.group_user,sales_team.group_sale_salesman"
        cls.rep = new_test_user(
            cls.env, "test.rebate.rep", groups=f"{sales},customer_rebate.group_rebate_user"
        )
        cls.rep_other = new_test_user(
            cls.env, "test.rebate.rep2", groups=f"{sales},customer_rebate.group_rebate_user"
        )
        cls.manager = new_test_user(
            cls.env, "test.rebate.manager", groups=f"{sales},customer_rebate.group_rebate_manager"
        )
        cls.manager_other = new_test_user(
            cls.env,
            "test.rebate.manager2",
            groups=f"{sales},customer_rebate.group_rebate_manager",
        )
        cls.accountant = new_test_user(
            cls.env,
            "test.rebate.accountant",
            groups="base.group_user,customer_rebate.group_rebate_accountant",
        )
        cls.stranger = new_test_user(cls.env, "test.rebate.stranger", groups="base.group_user")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Hangzhou Test Customer Co., Ltd.", "is_company": True, "user_id": cls.rep.id}
        )
        cls.customer_contact = cls.env["res.partner"].create(
            {"name": "Wang Fang", "parent_id": cls.customer.id}
        )

    @classmethod
    def agreement_vals(cls, **overrides):
        vals = {
            "title": "Test volume rebate",
            "partner_id": cls.customer.id,
            "date_start": date(2027, 1, 1),
            "date_end": date(2027, 12, 31),
            "calculation_method": "retroactive",
            "basis": "amount",
            "settlement_frequency": "quarterly",
            "payout_method": "credit_note",
            "estimated_yearly_amount": 200000.0,
            "signed_contract": SIGNED_CONTRACT,
            "signed_contract_filename": "contract.pdf",
            "tier_ids": [
                (0, 0, {"threshold": 0.0, "rate": 2.0}),
                (0, 0, {"threshold": 100000.0, "rate": 4.0}),
            ],
        }
        vals.update(overrides)
        return vals

    @classmethod
    def create_agreement(cls, user=None, **overrides):
        user = user or cls.rep
        return cls.env["rebate.agreement"].with_user(user).create(cls.agreement_vals(**overrides))

    def approved_agreement(self, **overrides):
        agreement = self.create_agreement(**overrides)
        agreement.action_submit()
        agreement.with_user(self.manager).action_approve()
        self.assertEqual(agreement.state, "approved")
        return agreement


class RebateAccountingCase(RebateCase):
    """Adds products, invoices and ledger helpers for accrual and settlement tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.category = cls.env["product.category"].create({"name": "Rebate Beverages"})
        cls.other_category = cls.env["product.category"].create({"name": "Rebate Snacks"})
        cls.product = cls.env["product.product"].create(
            {"name": "Green Tea 500ml", "categ_id": cls.category.id, "list_price": 10.0}
        )
        cls.product_other = cls.env["product.product"].create(
            {"name": "Rice Crackers", "categ_id": cls.other_category.id, "list_price": 5.0}
        )
        cls.accounting = cls.company._rebate_accounting()

    def invoice(  # noqa: PLR0917 (tests read better with positional lines and day)
        self, lines, day, move_type="out_invoice", partner=None, post=True, book=True, **vals
    ):
        """lines: [(product, quantity, price_unit)] or dicts of extra line values. Posted,
        then (book=True) the booking job runs, as it does moments after a real posting."""
        line_vals = []
        for line in lines:
            if isinstance(line, dict):
                line_vals.append(fields.Command.create(line))
                continue
            product, quantity, price = line
            line_vals.append(
                fields.Command.create(
                    {
                        "product_id": product.id,
                        "quantity": quantity,
                        "price_unit": price,
                        "tax_ids": [fields.Command.clear()],
                    }
                )
            )
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": (partner or self.customer_contact).id,
                "invoice_date": day,
                "invoice_line_ids": line_vals,
                **vals,
            }
        )
        if post:
            move.action_post()
            if book:
                self.book()
        return move

    def scoped_agreements(self, snacks_treatment="revenue_reduction"):
        """Two flat agreements of the customer: 2 % on the beverages category, 10 % on the
        rice crackers."""
        beverages = self.approved_agreement(
            calculation_method="flat",
            tier_ids=[(0, 0, {"threshold": 0.0, "rate": 2.0})],
            rule_ids=[(0, 0, {"categ_id": self.category.id})],
        )
        snacks = self.approved_agreement(
            calculation_method="flat",
            accounting_treatment=snacks_treatment,
            tier_ids=[(0, 0, {"threshold": 0.0, "rate": 10.0})],
            rule_ids=[(0, 0, {"product_id": self.product_other.id})],
        )
        return beverages, snacks

    def assert_booked_on_first_open_date(self, invoice, agreement, amount):
        """The January accrual of a period locked to 31 January went to 1 February."""
        entry = self.ledger(agreement)
        self.assertEqual(entry.period_id, agreement.period_ids[0], "still the January period")
        move = self.accrual_moves(invoice)
        self.assertEqual(move.date, date(2027, 2, 1), "the first open date")
        self.assertIn("locked", move.narration)
        self.assertIn("locked", entry.note)
        self.assert_accrual_move(move, amount, agreement)

    def book(self):
        """Run the background job that books the accrual journal entries."""
        self.env["rebate.accrual"]._cron_book_pending()

    def ledger(self, agreement):
        return self.env["rebate.entry"].search([("agreement_id", "=", agreement.id)])

    def accrued(self, agreement):
        return sum(
            self.ledger(agreement)
            .filtered(lambda entry: entry.entry_type in ("accrual", "true_up", "reversal"))
            .mapped("amount")
        )

    def accrual_moves(self, invoices):
        return self.env["account.move"].search(
            [("rebate_source_invoice_id", "in", invoices.ids)], order="id"
        )

    def assert_accrual_move(self, move, amount, agreement=None, account=None):
        """A balanced entry: debit the rebate account, credit the liability, customer as
        partner, net rebate `amount` (company currency; negative for a reversal)."""
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.journal_id, self.accounting["journal"])
        self.assertAlmostEqual(sum(move.line_ids.mapped("balance")), 0.0, places=2)
        account = account or self.accounting["revenue"]
        debit_side = move.line_ids.filtered(lambda line: line.account_id == account)
        liability = move.line_ids.filtered(
            lambda line: line.account_id == self.accounting["liability"]
        )
        self.assertTrue(debit_side and liability)
        self.assertAlmostEqual(sum(debit_side.mapped("balance")), amount, places=2)
        self.assertAlmostEqual(sum(liability.mapped("balance")), -amount, places=2)
        if agreement:
            self.assertEqual(liability.partner_id, agreement.partner_id)
        self.assertEqual(set(liability.partner_id.ids), {self.customer.id})
