"""The books stay exact in the cases that used to leave a wrong figure or a liability that no
process clears: expected-basis periods settled on their outcome, foreign-currency
agreements cleared with their exchange difference, documents dated in a settled period,
growth baselines that follow the documents, rebate-balance lines that are not sales, and
the settlement's activities and messages."""

from datetime import date
from unittest import TestCase

from freezegun import freeze_time

from odoo import fields
from odoo.tests import Form, tagged

from odoo.addons.customer_rebate.tools import rebate_math

from .common import RebateAccountingCase

TIERS = [(0, 0, {"threshold": 0.0, "rate": 2.0}), (0, 0, {"threshold": 1000.0, "rate": 4.0})]
FLAT_2 = [(0, 0, {"threshold": 0.0, "rate": 2.0})]


class BooksCase(RebateAccountingCase):
    def setUp(self):
        super().setUp()
        self.company.rebate_settlement_approval_limit = 100000.0

    def settle(self, agreement, day="2027-04-05"):
        """Settle Ended Periods, pressed by finance on `day`: the settlements it made."""
        with freeze_time(day):
            agreement.with_user(self.accountant).action_settle()
        return agreement.settlement_ids.filtered(lambda s: s.state == "draft")

    def post(self, settlement, day="2027-04-06"):
        with freeze_time(day):
            settlement.with_user(self.accountant).action_confirm()
            settlement.with_user(self.accountant).action_post()
        self.assertEqual(settlement.state, "posted")

    def balance_of(self, account, partner=None):
        """Balance (company currency) of the customer's posted items on a rebate account."""
        lines = self.env["account.move.line"].search(
            [
                ("account_id", "=", self.accounting[account].id),
                ("partner_id", "=", (partner or self.customer).id),
                ("parent_state", "=", "posted"),
            ]
        )
        return self.company.currency_id.round(sum(lines.mapped("balance")))

    def period_ledger(self, period):
        rows = self.env["rebate.entry"].search([("period_id", "=", period.id)])
        return period.currency_id.round(sum(rows.mapped("amount")))


class TestPeriodRebate(TestCase):
    """The pure maths of a period's rebate: 2 per unit from 0, 10 per unit from 1,001."""

    TIERS = ((0.0, 2.0), (1001.0, 10.0))

    def test_expected_volume_decides_the_tier_only_while_given(self):
        expected, result = rebate_math.period_rebate(
            "per_unit", self.TIERS, 575.0, 575.0, expected_volume=1200.0
        )
        self.assertEqual((expected, result.rate), (5750.0, 10.0), "575 at the expected tier")
        actual, result = rebate_math.period_rebate("per_unit", self.TIERS, 575.0, 575.0)
        self.assertEqual((actual, result.rate), (1150.0, 2.0), "the outcome: 575 x 2")

    def test_caps_of_the_period_and_of_the_agreement(self):
        amount, _result = rebate_math.period_rebate(
            "per_unit", self.TIERS, 575.0, 575.0, cap_period=1000.0
        )
        self.assertEqual(amount, 1000.0)
        amount, _result = rebate_math.period_rebate(
            "per_unit", self.TIERS, 575.0, 575.0, cap_total=1500.0, other_periods_amount=900.0
        )
        self.assertEqual(amount, 600.0, "what the agreement cap leaves")


@tagged("post_install", "-at_install", "customer_rebate")
class TestExpectedBasisAtSettlement(BooksCase):
    def test_ended_period_settles_on_its_actual_volume(self):
        """Yearly, 2 per unit from 0 and 10 per unit from 1,001 units, expected to end at
        1,200 units: the year accrues 575 x 10 = 5,750. It ended at 575 units, below the
        threshold: it earns 575 x 2 = 1,150, and the accrual is trued up by -4,600."""
        agreement = self.approved_agreement(
            calculation_method="per_unit",
            basis="quantity",
            accrual_basis="expected",
            settlement_frequency="yearly",
            estimated_yearly_quantity=1000.0,
            tier_ids=[
                (0, 0, {"threshold": 0.0, "rate": 2.0}),
                (0, 0, {"threshold": 1001.0, "rate": 10.0}),
            ],
        )
        period = agreement.period_ids
        self.assertEqual(len(period), 1)
        period.with_user(self.accountant).expected_volume = 1200.0
        self.invoice([(self.product, 300, 10.0)], date(2027, 3, 10))
        self.invoice([(self.product, 275, 10.0)], date(2027, 9, 10))
        self.assertEqual(self.accrued(agreement), 5750.0, "575 units at the expected tier")
        self.assertEqual(self.balance_of("liability"), -5750.0)

        settlement = self.settle(agreement, "2028-01-05")
        self.assertEqual(settlement.volume, 575.0)
        self.assertEqual(
            (settlement.amount_accrued, settlement.amount_earned, settlement.amount_difference),
            (5750.0, 1150.0, -4600.0),
        )
        self.post(settlement, "2028-01-06")
        true_up = settlement.entry_ids.filtered(lambda entry: entry.entry_type == "true_up")
        self.assertEqual(true_up.amount, -4600.0)
        self.assert_accrual_move(true_up.move_id, -4600.0, agreement)
        self.assertEqual(settlement.credit_note_id.amount_total, 1150.0)
        self.assertEqual(self.balance_of("liability"), 0.0)
        self.assertEqual(self.balance_of("revenue"), 1150.0, "revenue reduced by what was earned")
        self.assertEqual(self.period_ledger(period), 0.0)


@tagged("post_install", "-at_install", "customer_rebate")
class TestForeignCurrencySettlement(BooksCase):
    """A CNY agreement of a USD company, on USD and EUR invoices.

    Rates (CNY per USD): 7.0 from 1 January, 7.2 from 1 February, 7.5 from 1 April, 8.0
    from 10 April, 8.5 from 1 May 2027; 0.8 EUR per USD. A flat 2 %:

    - 1,000 USD invoice on 10 January: 7,000 CNY, rebate 140 CNY = 20.00 USD;
    - 500 EUR invoice on 10 February: 625 USD = 4,500 CNY, rebate 90 CNY = 12.50 USD;

    230 CNY accrued at 32.50 USD, paid on 6 April at 7.5: 30.67 USD. The 1.83 USD left on
    the liability is an exchange gain (IAS 21), booked by Odoo's exchange journal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.usd = cls.company.currency_id
        cls.eur = cls.env.ref("base.EUR")
        cls.cny = cls.env.ref("base.CNY")
        (cls.eur | cls.cny).active = True
        rates = cls.env["res.currency.rate"]
        rates.search([("currency_id", "in", (cls.eur | cls.cny | cls.usd).ids)]).unlink()
        rates.create(
            [{"currency_id": cls.eur.id, "name": "2027-01-01", "rate": 0.8}]
            + [
                {"currency_id": cls.cny.id, "name": day, "rate": rate}
                for day, rate in (
                    ("2027-01-01", 7.0),
                    ("2027-02-01", 7.2),
                    ("2027-04-01", 7.5),
                    ("2027-04-10", 8.0),
                    ("2027-05-01", 8.5),
                )
            ]
        )

    def cny_agreement(self, **overrides):
        agreement = self.approved_agreement(currency_id=self.cny.id, tier_ids=FLAT_2, **overrides)
        self.invoice([(self.product, 10, 100.0)], date(2027, 1, 10))
        self.invoice([(self.product, 5, 100.0)], date(2027, 2, 10), currency_id=self.eur.id)
        self.assertEqual(self.accrued(agreement), 230.0)
        self.assertEqual(self.balance_of("liability"), -32.5)
        return agreement

    def exchange_lines(self, account):
        journal = self.company.currency_exchange_journal_id
        self.assertTrue(journal)
        return self.env["account.move.line"].search(
            [
                ("journal_id", "=", journal.id),
                ("account_id", "=", account.id),
                ("partner_id", "=", self.customer.id),
                ("parent_state", "=", "posted"),
            ]
        )

    def assert_exchange_gain(self, account, amount):
        """Odoo's exchange journal took `amount` off the customer's items on `account`, into
        the company's exchange gain and loss accounts (a net gain of `amount`)."""
        round_ = self.company.currency_id.round
        lines = self.exchange_lines(account)
        self.assertEqual(round_(sum(lines.mapped("balance"))), amount)
        results = (
            self.company.income_currency_exchange_account_id
            | self.company.expense_currency_exchange_account_id
        )
        other_side = lines.move_id.line_ids.filtered(lambda line: line.account_id in results)
        self.assertEqual(round_(sum(other_side.mapped("balance"))), -amount)

    def settle_and_post(self, agreement):
        settlement = self.settle(agreement)
        self.assertEqual(settlement.amount_earned, 230.0)
        self.post(settlement)
        self.assertEqual(self.balance_of("liability"), 0.0, "nothing left in company currency")
        self.assert_exchange_gain(self.accounting["liability"], 1.83)
        liability = self.env["account.move.line"].search(
            [
                ("account_id", "=", self.accounting["liability"].id),
                ("partner_id", "=", self.customer.id),
                ("parent_state", "=", "posted"),
            ]
        )
        self.assertTrue(all(liability.mapped("reconciled")), "the period's items are matched")
        self.assertEqual(self.period_ledger_company(settlement.period_id), 0.0, "ledger = books")
        return settlement

    def period_ledger_company(self, period):
        rows = self.env["rebate.entry"].search([("period_id", "=", period.id)])
        return self.company.currency_id.round(sum(rows.mapped("amount_company")))

    def test_cancel_reverses_the_exchange_difference_too(self):
        agreement = self.cny_agreement()
        settlement = self.settle_and_post(agreement)
        with freeze_time("2027-04-07"):
            settlement.with_user(self.accountant).action_cancel()
        self.assertEqual(self.balance_of("liability"), -32.5, "owed again, at the accrual rates")
        self.assertEqual(self.period_ledger_company(settlement.period_id), 32.5)
        self.assertEqual(self.period_ledger(settlement.period_id), 230.0)
        again = self.settle(agreement, "2027-04-08")
        self.post(again, "2027-04-09")
        self.assertEqual(self.balance_of("liability"), 0.0)
        self.assertEqual(self.period_ledger_company(again.period_id), 0.0)
        self.assert_exchange_gain(self.accounting["liability"], 1.83)

    def test_credit_note_payout_books_the_exchange_difference(self):
        settlement = self.settle_and_post(self.cny_agreement())
        self.assertEqual(settlement.credit_note_id.currency_id, self.cny)
        self.assertEqual(settlement.credit_note_id.amount_total_signed, -30.67)

    def test_settlement_matches_only_its_own_agreements_items(self):
        """Two CNY agreements of the customer accrue on one invoice, in one entry: 2 % of
        the 7,000 CNY of tea (140 CNY = 20.00 USD) and 10 % of the 700 CNY of crackers
        (70 CNY = 10.00 USD). Settling the tea agreement at 7.5 (18.67 USD) matches its own
        item only: 1.33 USD of exchange gain, the crackers' 10.00 USD stays owed."""
        tea = self.approved_agreement(
            currency_id=self.cny.id,
            tier_ids=FLAT_2,
            rule_ids=[(0, 0, {"categ_id": self.category.id})],
        )
        crackers = self.approved_agreement(
            currency_id=self.cny.id,
            tier_ids=[(0, 0, {"threshold": 0.0, "rate": 10.0})],
            rule_ids=[(0, 0, {"product_id": self.product_other.id})],
        )
        invoice = self.invoice(
            [(self.product, 10, 100.0), (self.product_other, 10, 10.0)], date(2027, 1, 10)
        )
        (move,) = self.accrual_moves(invoice)
        self.assertEqual((self.accrued(tea), self.accrued(crackers)), (140.0, 70.0))
        settlement = self.settle(tea)
        self.post(settlement)
        items = move.line_ids.filtered(lambda line: line.account_id == self.accounting["liability"])
        self.assertEqual(
            sorted((item.amount_currency, item.reconciled) for item in items),
            [(-140.0, True), (-70.0, False)],
        )
        self.assertEqual(self.balance_of("liability"), -10.0, "the crackers' rebate")
        self.assert_exchange_gain(self.accounting["liability"], 1.33)

    def test_payment_payout_books_the_exchange_difference(self):
        agreement = self.cny_agreement(payout_method="payment")
        bank = self.env["res.partner.bank"].create(
            {
                "acc_number": "6222 0000 3333",
                "partner_id": self.customer.id,
                "allow_out_payment": True,
            }
        )
        settlement = self.settle(agreement)
        settlement.with_user(self.accountant).partner_bank_id = bank
        self.post(settlement)
        self.assertEqual(settlement.payment_id.amount, 230.0)
        self.assertEqual(self.balance_of("liability"), 0.0)
        self.assert_exchange_gain(self.accounting["liability"], 1.83)
        self.assertEqual(settlement.payment_id.state, "in_process", "the bank has not paid yet")

    def test_balance_credit_use_and_expiry_leave_nothing_in_company_currency(self):
        """The 230 CNY balance is credited at 7.5 (30.67 USD); 50 CNY of it is used on an
        order invoiced at 8.0 (6.25 USD, 0.42 less than when credited), the 180 CNY left
        (24.00 USD at 7.5) expires at 8.5 (21.18 USD): the 0.42 + 2.82 = 3.24 USD left on
        the balance account is an exchange gain."""
        agreement = self.cny_agreement(
            payout_method="balance", balance_max_order_percent=50.0, balance_validity_days=30
        )
        self.settle_and_post(agreement)
        self.assertEqual(self.balance_of("balance"), -30.67)
        pricelist = self.env["product.pricelist"].create(
            {"name": "CNY customers", "currency_id": self.cny.id}
        )
        with freeze_time("2027-04-12"):
            order = (
                self.env["sale.order"]
                .with_user(self.rep)
                .create(
                    {
                        "partner_id": self.customer_contact.id,
                        "pricelist_id": pricelist.id,
                        "order_line": [
                            fields.Command.create(
                                {
                                    "product_id": self.product.id,
                                    "product_uom_qty": 10,
                                    "price_unit": 10.0,
                                    "tax_ids": [fields.Command.clear()],
                                }
                            )
                        ],
                    }
                )
            )
            self.assertEqual(order.currency_id, self.cny)
            self.assertEqual(order.rebate_balance_usable, 50.0, "50 % of 100 CNY")
            order.with_user(self.rep).action_apply_rebate_balance()
            order.action_confirm()
            invoice = order._create_invoices()
            invoice.action_post()
        self.assertEqual(self.balance_of("balance"), -24.0, "180 CNY left, at 7.5")
        with freeze_time("2027-05-07"):
            self.env["rebate.balance.line"]._cron_expire_balances()
        history = self.env["rebate.balance.line"].search(
            [("partner_id", "=", self.customer.id)], order="id"
        )
        self.assertEqual(history.mapped("amount"), [230.0, -50.0, -180.0])
        self.assertEqual(self.balance_of("balance"), 0.0, "credit, use and expiry cleared")
        self.assert_exchange_gain(self.accounting["balance"], 3.24)


@tagged("post_install", "-at_install", "customer_rebate")
class TestDocumentsInSettledPeriods(BooksCase):
    """The first quarter earned 52 (1,300 of sales at 4 %) and was settled by credit note.
    A document dated in that quarter and posted afterwards is settled by a supplementary
    settlement of the quarter: never a liability that nothing clears."""

    def settled_quarter(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        self.invoice([(self.product, 50, 10.0)], date(2027, 2, 10))
        first = self.settle(agreement)
        self.post(first)
        self.assertEqual(first.amount_earned, 52.0)
        self.assertEqual(first.period_id.state, "closed")
        self.assertEqual(self.balance_of("liability"), 0.0)
        return agreement, first

    def test_late_credit_note_is_recovered_by_a_supplementary_settlement(self):
        """A 400 credit note dated 20 March, posted in April: the quarter now earns 900 x 2 %
        = 18, 34 less than paid. The supplementary settlement invoices the 34 back."""
        agreement, first = self.settled_quarter()
        quarter = first.period_id
        with freeze_time("2027-04-10"):
            self.invoice([(self.product, 40, 10.0)], date(2027, 3, 20), move_type="out_refund")
        self.assertEqual(self.period_ledger(quarter), -34.0, "the quarter was overpaid")
        self.assertEqual(self.balance_of("liability"), 34.0)
        # The daily job finds it, and tells finance in the company's language.
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_rebate"], ["zh_CN"])
        self.company.partner_id.lang = "zh_CN"
        with freeze_time("2027-04-11"):
            self.env["rebate.agreement"]._cron_settle_periods()
        supplementary = agreement.settlement_ids - first
        self.assertEqual(len(supplementary), 1)
        credit_note = supplementary.late_invoice_ids
        self.assertEqual(credit_note.move_type, "out_refund")
        note = supplementary.message_ids.filtered(lambda m: "补充结算" in (m.body or ""))
        self.assertEqual(len(note), 1, "one message, in Chinese")
        self.assertIn(credit_note.name, note.body)
        self.assertEqual(supplementary.period_id, quarter)
        self.assertEqual(
            (supplementary.amount_earned, supplementary.amount_accrued, supplementary.volume),
            (-34.0, -34.0, 900.0),
        )
        self.post(supplementary, "2027-04-12")
        invoice = supplementary.move_ids.filtered(lambda move: move.move_type == "out_invoice")
        self.assertEqual(invoice.partner_id, self.customer)
        self.assertEqual(invoice.amount_total, 34.0)
        self.assertEqual(invoice.invoice_line_ids.account_id, self.accounting["liability"])
        self.assertEqual(self.balance_of("liability"), 0.0)
        self.assertEqual(self.period_ledger(quarter), 0.0)
        self.assertEqual(quarter.state, "closed")
        with freeze_time("2027-04-13"):
            self.env["rebate.agreement"]._cron_settle_periods()
        self.assertEqual(agreement.settlement_ids, first | supplementary, "nothing more to settle")

    def test_late_invoice_is_paid_by_a_supplementary_settlement(self):
        """A 200 invoice dated 25 March, posted in April: 1,500 x 4 % = 60, 8 more."""
        agreement, first = self.settled_quarter()
        with freeze_time("2027-04-10"):
            late = self.invoice([(self.product, 20, 10.0)], date(2027, 3, 25))
        supplementary = self.settle(agreement, "2027-04-11")
        self.assertEqual(supplementary.period_id, first.period_id)
        self.assertEqual(supplementary.amount_earned, 8.0)
        # Finance is told why the settled quarter is settled again, and by which document.
        form = Form(supplementary.with_user(self.accountant))
        self.assertEqual(form.supplementary_of_id, first)
        self.assertEqual(supplementary.late_invoice_ids, late)
        self.assertEqual(first.late_invoice_ids, self.env["account.move"])
        note = supplementary.message_ids.filtered(lambda m: "Supplementary" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertIn(late.name, note.body)
        self.assertIn(first.name, note.body)
        self.assertIn(
            supplementary,
            self.env["rebate.settlement"].search([("supplementary_of_id", "!=", False)]),
        )
        self.post(supplementary, "2027-04-12")
        self.assertEqual(supplementary.credit_note_id.amount_total, 8.0)
        self.assertEqual(self.balance_of("liability"), 0.0)
        self.assertEqual(self.period_ledger(first.period_id), 0.0)

    def test_cancelling_the_first_settlement_keeps_the_books_whole(self):
        """Late credit note recovered (-34), then the first settlement is cancelled: settling
        the quarter again pays 52, so that 52 - 34 = 18 is what the quarter earned."""
        agreement, first = self.settled_quarter()
        with freeze_time("2027-04-10"):
            self.invoice([(self.product, 40, 10.0)], date(2027, 3, 20), move_type="out_refund")
        supplementary = self.settle(agreement, "2027-04-11")
        self.post(supplementary, "2027-04-12")
        with freeze_time("2027-04-13"):
            first.with_user(self.accountant).action_cancel()
        self.assertEqual(first.period_id.state, "open")
        again = self.settle(agreement, "2027-04-14")
        self.assertEqual(again.amount_earned, 52.0)
        self.post(again, "2027-04-15")
        self.assertEqual(self.balance_of("liability"), 0.0)
        self.assertEqual(self.period_ledger(first.period_id), 0.0)


@tagged("post_install", "-at_install", "customer_rebate")
class TestGrowthBaselineFollowsDocuments(BooksCase):
    def test_credit_note_in_the_baseline_year_moves_the_baseline(self):
        """5 % on growth over the same quarter of 2026. 2026: 1,000 invoiced; 2027: 1,500,
        growth 500, rebate 25. A 300 credit note dated February 2026 lowers the baseline to
        700: growth 800, rebate 40, accrued by a 15 true-up and settled at 40."""
        self.invoice([(self.product, 100, 10.0)], date(2026, 1, 15))
        agreement = self.approved_agreement(
            calculation_method="growth",
            baseline_type="previous_year",
            tier_ids=[(0, 0, {"threshold": 0.0, "rate": 5.0})],
        )
        quarter = agreement.period_ids[0]
        self.assertEqual(quarter.baseline_volume, 1000.0)
        self.invoice([(self.product, 150, 10.0)], date(2027, 2, 10))
        self.assertEqual(self.accrued(agreement), 25.0)
        self.invoice([(self.product, 30, 10.0)], date(2026, 2, 20), move_type="out_refund")
        self.assertEqual(quarter.baseline_volume, 700.0)
        self.assertEqual(self.accrued(agreement), 40.0)
        true_up = self.ledger(agreement).filtered(lambda entry: entry.entry_type == "true_up")
        self.assertEqual(true_up.amount, 15.0)
        self.assert_accrual_move(true_up.move_id, 15.0, agreement)
        self.assertEqual(agreement.period_ids[1].baseline_volume, 0.0, "other quarters unmoved")
        settlement = self.settle(agreement)
        self.assertEqual((settlement.amount_earned, settlement.amount_difference), (40.0, 0.0))
        self.post(settlement)
        self.assertEqual(self.balance_of("liability"), 0.0)

    def test_settlement_reads_the_baseline_from_the_documents(self):
        """A baseline document the ledger did not see (posted in the daily batch, not yet
        run) still counts when the period is settled."""
        self.invoice([(self.product, 100, 10.0)], date(2026, 1, 15))
        agreement = self.approved_agreement(
            calculation_method="growth",
            baseline_type="previous_year",
            tier_ids=[(0, 0, {"threshold": 0.0, "rate": 5.0})],
        )
        self.invoice([(self.product, 150, 10.0)], date(2027, 2, 10))
        self.company.rebate_accrual_mode = "batch"
        self.invoice([(self.product, 30, 10.0)], date(2026, 2, 20), move_type="out_refund")
        settlement = self.settle(agreement)
        self.assertEqual(settlement.amount_earned, 40.0)
        self.assertEqual(settlement.period_id.baseline_volume, 700.0)


@tagged("post_install", "-at_install", "customer_rebate")
class TestBalanceLinesAreNotSales(BooksCase):
    def test_negative_line_gets_its_own_negative_share(self):
        """1,000 of tea and a -100 line: 900 of sales at 2 % = 18, split 20 and -2."""
        agreement = self.approved_agreement(calculation_method="flat", tier_ids=FLAT_2)
        invoice = self.invoice(
            [(self.product, 10, 100.0), (self.product_other, 1, -100.0)], date(2027, 2, 1)
        )
        rows = self.ledger(agreement)
        share = {row.move_line_id.product_id: row.amount for row in rows}
        self.assertEqual(share, {self.product: 20.0, self.product_other: -2.0})
        self.assert_accrual_move(self.accrual_moves(invoice), 18.0, agreement)

    def test_used_balance_is_neither_volume_nor_rebate(self):
        """The first quarter's 20 (1,000 at 2 %) is paid as a balance and used on a 500
        order in May: the second quarter's volume is 500, not 480, and its rebate 10 is all
        on the tea line; the balance line has no ledger row."""
        agreement = self.approved_agreement(
            calculation_method="flat", tier_ids=FLAT_2, payout_method="balance"
        )
        self.invoice([(self.product, 10, 100.0)], date(2027, 1, 10))
        self.post(self.settle(agreement))
        with freeze_time("2027-05-05"):
            order = (
                self.env["sale.order"]
                .with_user(self.rep)
                .create(
                    {
                        "partner_id": self.customer_contact.id,
                        "order_line": [
                            fields.Command.create(
                                {
                                    "product_id": self.product.id,
                                    "product_uom_qty": 50,
                                    "price_unit": 10.0,
                                    "tax_ids": [fields.Command.clear()],
                                }
                            )
                        ],
                    }
                )
            )
            order.with_user(self.rep).action_apply_rebate_balance()
            self.assertEqual(order.amount_untaxed, 480.0)
            self.assertEqual(order.rebate_expected_amount, 10.0, "2 % of the 500 of tea")
            balance_line = order.order_line.filtered(lambda line: line.price_unit < 0)
            self.assertEqual(balance_line.rebate_expected_amount, 0.0)
            order.action_confirm()
            invoice = order._create_invoices()
            invoice.action_post()
            self.book()
        quarter = agreement.period_ids[1]
        self.assertEqual(quarter.accrued_volume, 500.0)
        self.assertEqual(quarter.accrued_amount, 10.0)
        rows = self.ledger(agreement).filtered(lambda row: row.invoice_id == invoice)
        self.assertEqual(rows.move_line_id.product_id, self.product)
        self.assertEqual(rows.amount, 10.0)
        report = self.env["rebate.accrual"]._recompute_periods(quarter)
        self.assertEqual((report[0]["volume"], report[0]["difference"]), (500.0, 0.0))


@tagged("post_install", "-at_install", "customer_rebate")
class TestSettlementActivitiesAndMessages(BooksCase):
    def test_review_activities_go_to_finance_and_close_on_posting(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        settlement = self.settle(agreement)
        users = settlement.activity_ids.user_id
        self.assertIn(self.accountant, users)
        self.assertIn(self.manager, users)
        self.assertNotIn(self.rep, users, "the sales rep neither approves nor posts")
        self.assertFalse(
            agreement.activity_ids.filtered(lambda a: settlement.name in (a.summary or "")),
            "nothing for the sales rep on the agreement",
        )
        self.post(settlement)
        self.assertFalse(settlement.activity_ids, "done once posted")

    def test_approval_closes_only_the_approvers_activities(self):
        self.company.rebate_settlement_approval_limit = 10.0
        agreement = self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        settlement = self.settle(agreement)
        with freeze_time("2027-04-06"):
            settlement.with_user(self.manager).action_confirm()
            self.assertNotIn(
                self.manager,
                settlement.activity_ids.filtered(lambda a: "Approve" in a.summary).user_id,
                "never the confirmer",
            )
            settlement.with_user(self.manager_other).action_approve()
            self.assertIn(self.accountant, settlement.activity_ids.user_id, "still to post")
            settlement.with_user(self.accountant).action_post()
        self.assertFalse(settlement.activity_ids)

    def test_cancelled_and_zero_settlements_leave_no_open_activity(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        settlement = self.settle(agreement)
        self.assertTrue(settlement.activity_ids)
        with freeze_time("2027-04-06"):
            settlement.with_user(self.accountant).action_cancel()
        self.assertFalse(settlement.activity_ids, "done once cancelled")
        self.assertTrue(
            settlement.message_ids.filtered(lambda m: m.mail_activity_type_id),
            "marked done, kept in the chatter",
        )
        settlements = self.settle(agreement, "2027-07-05")
        zero = settlements.filtered(lambda s: s.period_id == agreement.period_ids[1])
        self.assertEqual(zero.amount_earned, 0.0)
        self.assertFalse(zero.activity_ids, "nothing to review in a zero settlement")

    def test_nothing_to_settle_says_so(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        with freeze_time("2027-02-05"):
            answer = agreement.with_user(self.accountant).action_settle()
        self.assertEqual(answer["type"], "ir.actions.client")
        self.assertEqual(answer["tag"], "display_notification")
        self.assertIn("Nothing", answer["params"]["message"])
        self.assertFalse(agreement.settlement_ids)

    def test_posted_message_formats_amount_and_dates(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        self.invoice([(self.product, 50, 10.0)], date(2027, 2, 10))
        settlement = self.settle(agreement)
        self.post(settlement)
        message = agreement.message_ids.filtered(lambda m: settlement.name in (m.body or ""))[:1]
        body = str(message.body)
        self.assertIn("$&nbsp;52.00", body)
        self.assertIn("01/01/2027", body)
        self.assertIn("03/31/2027", body)
        self.assertNotIn("2027-01-01", body)
        self.assertNotIn("52.0 ", body)
