"""The books behind the ledger, attacked over real RPC by an accountant with Odoo's own
accounting rights (Billing Administrator): the accrual entries in the rebate journal and
the credit note or payment a posted settlement paid out cannot be reset to draft, edited,
cancelled, reversed, copied or deleted from the accounting screens, and nothing else is
posted into the rebate journal; only the engine and the settlement's own Cancel change
them. A settlement paid by bank can be cancelled, and its payment is kept, cancelled."""

from datetime import date

from odoo.tests import new_test_user, tagged

from .test_security_settlement import SettlementRpcCase


@tagged("post_install", "-at_install", "customer_rebate")
class TestBooksSecurity(SettlementRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bookkeeper = new_test_user(
            cls.env,
            "test.rebate.bookkeeper",
            groups="base.group_user,account.group_account_manager,"
            "customer_rebate.group_rebate_accountant",
        )

    def own_bank(self):
        bank = self.env["res.partner.bank"].create(
            {"acc_number": "6222 3000 0001", "partner_id": self.customer.id}
        )
        bank.write({"allow_out_payment": True, "acc_holder_name": self.customer.name})
        return bank

    def posted(self, payout_method):
        """A settlement of 52 posted with this payout by the bookkeeper."""
        settlement = self.earned_settlement(payout_method=payout_method)
        if payout_method == "payment":
            settlement.partner_bank_id = self.own_bank()
        self.xmlrpc(self.bookkeeper, "rebate.settlement", "action_confirm", [settlement.id])
        self.xmlrpc(self.bookkeeper, "rebate.settlement", "action_post", [settlement.id])
        self.env.invalidate_all()
        self.assertEqual(settlement.state, "posted")
        return settlement

    def move_state(self, moves):
        self.env.invalidate_all()
        return sorted(
            (
                move.id,
                move.state,
                move.date,
                move.partner_id.id,
                tuple(sorted((line.account_id.id, line.balance) for line in move.line_ids)),
            )
            for move in moves
        )

    def payment_state(self, payment):
        self.env.invalidate_all()
        return (
            payment.state,
            payment.amount,
            payment.partner_id.id,
            payment.partner_bank_id.id,
            payment.move_id.state,
        )

    def test_settlement_payment_cannot_be_reopened_or_changed(self):
        """The critical attack: reset the posted payout to draft, raise it or send it to
        another account, post again. Every step refused; the payment stays as approved."""
        settlement = self.posted("payment")
        payment = settlement.payment_id
        self.assertTrue(payment)
        other_bank = self.env["res.partner.bank"].create(
            {"acc_number": "6222 9999 0001", "partner_id": self.customer_b.id}
        )
        unchanged = lambda: self.payment_state(payment)  # noqa: E731
        for label, call in self.both():
            with self.subTest(protocol=label):
                for method in ("action_draft", "action_cancel", "unlink"):
                    refusal = self.assertRefused(
                        call,
                        self.bookkeeper,
                        "account.payment",
                        method,
                        [payment.id],
                        unchanged=unchanged,
                    )
                    self.assertIn("pays out a rebate settlement", refusal.message)
                for values in (
                    {"amount": 5200.0},
                    {"partner_bank_id": other_bank.id},
                    {"partner_id": self.customer_b.id},
                    {"state": "draft"},
                    {"state": "canceled"},
                ):
                    self.assertRefused(
                        call,
                        self.bookkeeper,
                        "account.payment",
                        "write",
                        [payment.id],
                        values,
                        unchanged=unchanged,
                    )
                for method in ("button_draft", "button_cancel", "unlink"):
                    self.assertRefused(
                        call,
                        self.bookkeeper,
                        "account.move",
                        method,
                        [payment.move_id.id],
                        unchanged=unchanged,
                    )
        # The bank may still confirm the payout.
        self.jsonrpc(self.bookkeeper, "account.payment", "action_validate", [payment.id])
        self.env.invalidate_all()
        self.assertEqual(payment.state, "paid")

    def test_bank_paid_settlement_can_be_cancelled(self):
        """The settlement's own Cancel takes the payout back: the payment and its entry are
        cancelled, not deleted (the ledger row keeps pointing at them), the ledger nets to
        zero and the period opens again."""
        settlement = self.posted("payment")
        payment = settlement.payment_id
        move = payment.move_id
        self.xmlrpc(self.bookkeeper, "rebate.settlement", "action_cancel", [settlement.id])
        self.env.invalidate_all()
        self.assertEqual(settlement.state, "cancelled")
        self.assertEqual((payment.state, move.state), ("canceled", "cancel"))
        self.assertTrue(move.exists())
        rows = self.env["rebate.entry"].search([("settlement_id", "=", settlement.id)])
        self.assertAlmostEqual(sum(rows.mapped("amount")), 0.0)
        self.assertIn(move, rows.move_id)
        self.assertEqual(settlement.period_id.state, "open")

    def test_credit_note_of_a_settlement_is_locked(self):
        settlement = self.posted("credit_note")
        credit_note = settlement.credit_note_id
        unchanged = lambda: (  # noqa: E731
            self.move_state(credit_note),
            # A duplicate would be a second credit note of the same payout (issue 10).
            self.env["account.move"].search_count([("move_type", "=", "out_refund")]),
        )
        for label, call in self.both():
            with self.subTest(protocol=label):
                for method in ("button_draft", "button_cancel", "unlink", "copy"):
                    refusal = self.assertRefused(
                        call,
                        self.bookkeeper,
                        "account.move",
                        method,
                        [credit_note.id],
                        unchanged=unchanged,
                    )
                    self.assertIn("posted rebate settlement", refusal.message)
                self.assertRefused(
                    call,
                    self.bookkeeper,
                    "account.move",
                    "write",
                    [credit_note.id],
                    {"partner_id": self.customer_b.id},
                    unchanged=unchanged,
                )
                line = credit_note.line_ids.filtered(
                    lambda line: line.account_id == self.accounting["liability"]
                )
                self.assertRefused(
                    call,
                    self.bookkeeper,
                    "account.move.line",
                    "write",
                    line.ids,
                    {"account_id": self.accounting["revenue"].id},
                    unchanged=unchanged,
                )

    def test_accrual_entries_cannot_be_edited_reversed_or_copied(self):
        """The accrual entry of an invoice is the ledger's: reset, cancel, delete, edit a
        line, reverse it with Odoo's wizard or duplicate it, all refused."""
        agreement = self.approved_agreement(
            tier_ids=[(0, 0, {"threshold": 0.0, "rate": 2.0})],
            date_start=date(2027, 1, 1),
            date_end=date(2027, 12, 31),
        )
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        accrual = self.env["rebate.entry"].search([("agreement_id", "=", agreement.id)]).move_id
        self.assertEqual(len(accrual), 1)
        self.assertEqual(accrual.journal_id, self.accounting["journal"])
        unchanged = lambda: self.move_state(  # noqa: E731
            self.env["account.move"].search([("journal_id", "=", accrual.journal_id.id)])
        )
        liability = accrual.line_ids.filtered(
            lambda line: line.account_id == self.accounting["liability"]
        )
        for label, call in self.both():
            with self.subTest(protocol=label):
                for method in ("button_draft", "button_cancel", "unlink", "copy"):
                    self.assertRefused(
                        call,
                        self.bookkeeper,
                        "account.move",
                        method,
                        [accrual.id],
                        unchanged=unchanged,
                    )
                for values in ({"date": "2027-02-01"}, {"partner_id": self.customer_b.id}):
                    self.assertRefused(
                        call,
                        self.bookkeeper,
                        "account.move",
                        "write",
                        [accrual.id],
                        values,
                        unchanged=unchanged,
                    )
                for values in (
                    {"account_id": self.accounting["revenue"].id},
                    {"partner_id": self.customer_b.id},
                ):
                    self.assertRefused(
                        call,
                        self.bookkeeper,
                        "account.move.line",
                        "write",
                        liability.ids,
                        values,
                        unchanged=unchanged,
                    )
                wizard = call(
                    self.bookkeeper,
                    "account.move.reversal",
                    "create",
                    [{"move_ids": [[6, 0, accrual.ids]], "journal_id": accrual.journal_id.id}],
                    context={"active_model": "account.move", "active_ids": accrual.ids},
                )
                wizard_id = wizard[0] if isinstance(wizard, list) else wizard
                self.assertRefused(
                    call,
                    self.bookkeeper,
                    "account.move.reversal",
                    "refund_moves",
                    [wizard_id],
                    unchanged=unchanged,
                )
                # Nor is anything else posted into the rebate journal.
                refusal = self.assertRefused(
                    call,
                    self.bookkeeper,
                    "account.move",
                    "create",
                    [
                        {
                            "move_type": "entry",
                            "journal_id": accrual.journal_id.id,
                            "line_ids": [
                                [
                                    0,
                                    0,
                                    {"account_id": self.accounting["liability"].id, "debit": 10},
                                ],
                                [0, 0, {"account_id": self.accounting["revenue"].id, "credit": 10}],
                            ],
                        }
                    ],
                    unchanged=unchanged,
                )
                self.assertIn("holds only the entries the rebate engine books", refusal.message)

    def test_customer_invoice_reset_still_reverses_its_accrual(self):
        """What accountants do every day still works: the customer invoice (not the
        accrual) is reset to draft, and the engine books the reversal itself."""
        agreement = self.approved_agreement(
            tier_ids=[(0, 0, {"threshold": 0.0, "rate": 2.0})],
            date_start=date(2027, 1, 1),
            date_end=date(2027, 12, 31),
        )
        invoice = self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        self.jsonrpc(self.bookkeeper, "account.move", "button_draft", [invoice.id])
        self.book()
        self.env.invalidate_all()
        entries = self.env["rebate.entry"].search([("agreement_id", "=", agreement.id)])
        self.assertAlmostEqual(sum(entries.mapped("amount")), 0.0)
        booked = entries.move_id
        self.assertEqual(len(booked), 2, "the accrual and its reversal, both booked")
        self.assertEqual(set(booked.mapped("state")), {"posted"})
