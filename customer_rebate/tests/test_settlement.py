from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import RebateAccountingCase

TIERS = [(0, 0, {"threshold": 0.0, "rate": 2.0}), (0, 0, {"threshold": 1000.0, "rate": 4.0})]


@tagged("post_install", "-at_install", "customer_rebate")
class TestSettlement(RebateAccountingCase):
    def setUp(self):
        super().setUp()
        self.company.rebate_settlement_approval_limit = 1000.0

    def earned_agreement(self, **overrides):
        agreement = self.approved_agreement(tier_ids=TIERS, **overrides)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        self.invoice([(self.product, 50, 10.0)], date(2027, 2, 10))
        self.assertEqual(self.accrued(agreement), 52.0)
        return agreement

    def settle(self, agreement):
        with freeze_time("2027-04-05"):
            return agreement.with_user(self.accountant).action_settle()

    def liability_balance(self, account="liability"):
        lines = self.env["account.move.line"].search(
            [
                ("account_id", "=", self.accounting[account].id),
                ("partner_id", "=", self.customer.id),
                ("parent_state", "=", "posted"),
            ]
        )
        return round(sum(lines.mapped("balance")), 2)

    def period_ledger(self, period):
        return round(
            sum(self.env["rebate.entry"].search([("period_id", "=", period.id)]).mapped("amount")),
            2,
        )

    def test_posting_books_waiting_accruals_first(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10), book=False)
        self.invoice([(self.product, 50, 10.0)], date(2027, 2, 10), book=False)
        waiting = self.env["rebate.entry"].search([("booking_pending", "=", True)])
        self.assertEqual(len(waiting), 2, "the job has not run yet")
        settlement = self.settle(agreement)
        with freeze_time("2027-04-06"):
            settlement.with_user(self.accountant).action_confirm()
            settlement.with_user(self.accountant).action_post()
        self.assertFalse(waiting.filtered("booking_pending"))
        self.assertEqual(len(waiting.move_id), 2)
        self.assertEqual(self.liability_balance(), 0.0, "accrued, then cleared by the payout")

    def test_no_posting_while_accruals_cannot_be_booked(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10), book=False)
        settlement = self.settle(agreement)
        self.accounting["revenue"].active = False
        with freeze_time("2027-04-06"):
            settlement.with_user(self.accountant).action_confirm()
            with self.assertRaisesRegex(UserError, "could not be booked"):
                settlement.with_user(self.accountant).action_post()
        self.assertNotEqual(settlement.state, "posted")
        self.accounting["revenue"].active = True
        with freeze_time("2027-04-06"):
            settlement.with_user(self.accountant).action_post()
        self.assertEqual(settlement.state, "posted")
        self.assertEqual(self.liability_balance(), 0.0)

    def test_credit_note_clears_the_liability_and_runs_once(self):
        agreement = self.earned_agreement()
        settlement = self.settle(agreement)
        self.assertEqual(len(settlement), 1, "only the ended first quarter")
        self.assertEqual(settlement.period_id, agreement.period_ids[0])
        self.assertEqual(
            (settlement.amount_earned, settlement.amount_accrued, settlement.amount_difference),
            (52.0, 52.0, 0.0),
        )
        self.settle(agreement)
        self.assertEqual(agreement.settlement_ids, settlement, "a second run changes nothing")
        self.assertEqual(len(agreement.settlement_ids), 1)
        with freeze_time("2027-04-06"):
            settlement.with_user(self.accountant).action_confirm()
            settlement.with_user(self.accountant).action_post()
        self.assertEqual(settlement.state, "posted")
        credit_note = settlement.credit_note_id
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(credit_note.partner_id, self.customer)
        self.assertEqual(credit_note.amount_total, 52.0)
        rebate_line = credit_note.invoice_line_ids
        self.assertEqual(rebate_line.account_id, self.accounting["liability"])
        self.assertEqual(rebate_line.balance, 52.0, "debits the accrued liability")
        self.assertEqual(self.liability_balance(), 0.0, "liability cleared")
        revenue = self.env["account.move.line"].search(
            [("account_id", "=", self.accounting["revenue"].id), ("parent_state", "=", "posted")]
        )
        self.assertEqual(round(sum(revenue.mapped("balance")), 2), 52.0, "revenue reduced once")
        self.assertEqual(self.period_ledger(settlement.period_id), 0.0)
        self.assertEqual(settlement.period_id.state, "closed")
        self.settle(agreement)
        self.assertEqual(
            agreement.settlement_ids, settlement, "a settled period is never settled again"
        )
        self.assertEqual(credit_note.amount_residual, 52.0, "ready to reconcile")

    def test_payment_only_to_the_customer_companys_own_account(self):
        agreement = self.earned_agreement(payout_method="payment")
        settlement = self.settle(agreement)
        stranger_bank = self.env["res.partner.bank"].create(
            {"acc_number": "6222 0000 1111", "partner_id": self.customer_contact.id}
        )
        settlement.with_user(self.accountant).partner_bank_id = stranger_bank
        with self.assertRaisesRegex(UserError, "own account"):
            settlement.with_user(self.accountant).action_confirm()
        self.assertEqual(settlement.state, "draft")
        own_bank = self.env["res.partner.bank"].create(
            {"acc_number": "6222 0000 2222", "partner_id": self.customer.id}
        )
        settlement.with_user(self.accountant).partner_bank_id = own_bank
        with self.assertRaisesRegex(UserError, "not trusted for outgoing payments"):
            settlement.with_user(self.accountant).action_confirm()
        own_bank.write({"allow_out_payment": True, "acc_holder_name": "Zhang San"})
        with self.assertRaisesRegex(UserError, "held in the name of Zhang San"):
            settlement.with_user(self.accountant).action_confirm()
        own_bank.acc_holder_name = self.customer.name
        with freeze_time("2027-04-06"):
            settlement.with_user(self.accountant).action_confirm()
            own_bank.acc_holder_name = "Zhang San"
            with self.assertRaisesRegex(UserError, "held in the name of Zhang San"):
                settlement.with_user(self.accountant).action_post()
            self.assertEqual(settlement.state, "confirmed")
            self.assertFalse(settlement.payment_id)
            own_bank.acc_holder_name = False
            settlement.with_user(self.accountant).action_post()
        payment = settlement.payment_id
        self.assertEqual(payment.state, "in_process")
        self.assertEqual(payment.payment_type, "outbound")
        self.assertEqual(payment.partner_bank_id, own_bank)
        self.assertEqual(payment.amount, 52.0)
        self.assertIn(self.accounting["liability"], payment.move_id.line_ids.account_id)
        self.assertEqual(self.liability_balance(), 0.0)
        self.assertEqual(self.period_ledger(settlement.period_id), 0.0)

    def test_true_up_to_the_earned_amount_before_payout(self):
        agreement = self.earned_agreement()
        self.env["rebate.entry"].search(
            [("agreement_id", "=", agreement.id)], limit=1, order="id desc"
        )._update_rows({"amount": 10.0, "amount_company": 10.0})
        settlement = self.settle(agreement)
        self.assertEqual(settlement.amount_difference, 26.0, "earned 52, ledger held 26")
        with freeze_time("2027-04-06"):
            settlement.with_user(self.accountant).action_confirm()
            settlement.with_user(self.accountant).action_post()
        true_up = settlement.entry_ids.filtered(lambda e: e.entry_type == "true_up")
        self.assertEqual(true_up.amount, 26.0)
        self.assert_accrual_move(true_up.move_id, 26.0, agreement)
        self.assertEqual(self.period_ledger(settlement.period_id), 0.0)

    def test_approval_above_the_limit_never_by_the_confirmer(self):
        self.company.rebate_settlement_approval_limit = 40.0
        agreement = self.earned_agreement()
        settlement = self.settle(agreement)
        self.assertTrue(settlement.needs_approval)
        settlement.with_user(self.manager).action_confirm()
        with self.assertRaisesRegex(UserError, "approval limit"):
            settlement.with_user(self.accountant).action_post()
        with self.assertRaises(AccessError):
            settlement.with_user(self.accountant).action_approve()
        with self.assertRaisesRegex(UserError, "You confirmed"):
            settlement.with_user(self.manager).action_approve()
        self.assertEqual(settlement.state, "confirmed")
        self.assertFalse(settlement.credit_note_id)
        settlement.with_user(self.manager_other).action_approve()
        self.assertEqual(settlement.approved_by_id, self.manager_other)
        with freeze_time("2027-04-06"):
            settlement.with_user(self.accountant).action_post()
        self.assertEqual(settlement.state, "posted")

    def test_settle_many_agreements_from_the_list(self):
        first = self.earned_agreement()
        other = self.env["res.partner"].create({"name": "Second Co", "is_company": True})
        second = self.approved_agreement(tier_ids=TIERS, partner_id=other.id)
        action = self.env.ref("customer_rebate.action_server_rebate_agreement_settle")
        with freeze_time("2027-04-05"):
            action.with_user(self.accountant).with_context(
                active_model="rebate.agreement", active_ids=(first | second).ids
            ).run()
        settlements = self.env["rebate.settlement"].search(
            [("agreement_id", "in", (first | second).ids)]
        )
        self.assertEqual(settlements.agreement_id, first | second)

    def test_daily_job_settles_as_the_system_once(self):
        agreement = self.earned_agreement()
        with freeze_time("2027-04-05"):
            self.env["rebate.agreement"].with_user(self.stranger)._cron_settle_periods()
            self.env["rebate.agreement"]._cron_settle_periods()
        self.assertEqual(len(agreement.settlement_ids), 1)
        self.assertEqual(agreement.settlement_ids.amount_earned, 52.0)

    def test_reps_cannot_settle(self):
        agreement = self.earned_agreement()
        with self.assertRaises(AccessError), freeze_time("2027-04-05"):
            agreement.with_user(self.rep).action_settle()
        settlement = self.settle(agreement)
        with self.assertRaises(AccessError):
            settlement.with_user(self.rep).action_confirm()
        with self.assertRaises(AccessError):
            settlement.with_user(self.rep).write({"payout_method": "payment"})

    def test_cancel_reverses_everything_then_settles_again(self):
        agreement = self.earned_agreement()
        settlement = self.settle(agreement)
        with freeze_time("2027-04-06"):
            settlement.with_user(self.accountant).action_confirm()
            settlement.with_user(self.accountant).action_post()
            settlement.with_user(self.accountant).action_cancel()
        self.assertEqual(settlement.state, "cancelled")
        self.assertEqual(self.liability_balance(), -52.0, "the accrual is owed again")
        self.assertEqual(self.period_ledger(settlement.period_id), 52.0)
        self.assertEqual(settlement.period_id.state, "open")
        credit_note = settlement.credit_note_id
        self.assertEqual(credit_note.amount_residual, 0.0)
        self.assertEqual(credit_note.reversal_move_ids.state, "posted")
        with self.assertRaisesRegex(UserError, "was posted once"):
            settlement.with_user(self.manager).unlink()
        again = self.settle(agreement)
        self.assertEqual(len(again), 1)
        self.assertNotEqual(again, settlement)

    def test_balance_used_within_cap_then_expires(self):
        agreement = self.earned_agreement(
            payout_method="balance",
            balance_max_order_percent=10.0,
            balance_max_order_amount=30.0,
            balance_validity_days=30,
        )
        settlement = self.settle(agreement)
        with freeze_time("2027-04-06"):
            settlement.with_user(self.accountant).action_confirm()
            settlement.with_user(self.accountant).action_post()
        self.assertEqual(self.liability_balance(), 0.0)
        self.assertEqual(self.liability_balance("balance"), -52.0, "owed as a balance")
        credit = settlement.balance_line_ids
        self.assertEqual(
            (credit.kind, credit.amount, credit.expiry_date), ("credit", 52.0, date(2027, 5, 6))
        )
        with freeze_time("2027-04-10"):
            order = (
                self.env["sale.order"]
                .with_user(self.rep)
                .create(
                    {
                        "partner_id": self.customer_contact.id,
                        "order_line": [
                            (
                                0,
                                0,
                                {
                                    "product_id": self.product.id,
                                    "product_uom_qty": 20,
                                    "price_unit": 10.0,
                                    "tax_ids": [(5, 0, 0)],
                                },
                            )
                        ],
                    }
                )
            )
            self.assertEqual(order.rebate_balance_available, 52.0)
            self.assertEqual(order.rebate_balance_usable, 20.0, "10 % of 200, under 30 and 52")
            order.with_user(self.rep).action_apply_rebate_balance()
            self.assertEqual(order.amount_untaxed, 180.0)
            with self.assertRaisesRegex(UserError, "already been used"):
                settlement.with_user(self.accountant).action_cancel()
            self.assertEqual(settlement.state, "posted")
            self.assertEqual(order.rebate_balance_usable, 0.0, "the cap is per order")
            order.action_confirm()
            invoice = order._create_invoices()
            balance_line = invoice.invoice_line_ids.filtered(
                lambda line: (
                    line.product_id == self.env.ref("customer_rebate.product_rebate_balance")
                )
            )
            self.assertEqual(balance_line.account_id, self.accounting["balance"])
            invoice.action_post()
        self.assertEqual(self.liability_balance("balance"), -32.0)
        self.assertEqual(credit.remaining, 32.0)
        with freeze_time("2027-05-07"):
            self.env["rebate.balance.line"]._cron_expire_balances()
            self.env["rebate.balance.line"]._cron_expire_balances()
        history = self.env["rebate.balance.line"].search(
            [("partner_id", "=", self.customer.id)], order="id"
        )
        self.assertEqual(history.mapped("kind"), ["credit", "use", "expiry"])
        self.assertEqual(history.mapped("amount"), [52.0, -20.0, -32.0])
        expiry = history[-1]
        self.assertEqual(self.liability_balance("balance"), 0.0, "released with its entry")
        revenue = expiry.move_id.line_ids.filtered(
            lambda line: line.account_id == self.accounting["revenue"]
        )
        self.assertEqual(revenue.balance, -32.0)

    def test_amount_changed_after_confirmation_is_not_posted(self):
        """A late credit note dated in the period changes what it earns after finance
        confirmed: posting refuses the amount nobody signed off; settling again works."""
        agreement = self.earned_agreement()
        settlement = self.settle(agreement)
        with freeze_time("2027-04-06"):
            settlement.with_user(self.accountant).action_confirm()
        self.assertEqual(settlement.amount_earned, 52.0)
        self.invoice([(self.product, 40, 10.0)], date(2027, 3, 20), move_type="out_refund")
        with freeze_time("2027-04-07"), self.assertRaisesRegex(UserError, "settle the period"):
            settlement.with_user(self.accountant).action_post()
        self.assertEqual(settlement.state, "confirmed")
        self.assertFalse(settlement.credit_note_id)
        with freeze_time("2027-04-07"):
            settlement.with_user(self.accountant).action_cancel()
            again = self.settle(agreement)
            again.with_user(self.accountant).action_confirm()
            again.with_user(self.accountant).action_post()
        self.assertEqual(again.amount_earned, 18.0, "900 of sales, back to 2 %")
        self.assertEqual(again.state, "posted")
        self.assertEqual(self.period_ledger(again.period_id), 0.0)
