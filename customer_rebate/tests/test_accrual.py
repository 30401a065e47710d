from datetime import date

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.customer_rebate.tools import guard

from .common import RebateAccountingCase

TIERS = [(0, 0, {"threshold": 0.0, "rate": 2.0}), (0, 0, {"threshold": 1000.0, "rate": 4.0})]


@tagged("post_install", "-at_install", "customer_rebate")
class TestAccrual(RebateAccountingCase):
    def test_flat_rate_accrues_on_posting(self):
        agreement = self.approved_agreement(
            calculation_method="flat", tier_ids=[(0, 0, {"threshold": 0.0, "rate": 3.0})]
        )
        invoice = self.invoice(
            [(self.product, 10, 50.0), (self.product_other, 4, 25.0)], date(2027, 2, 10)
        )
        entries = self.ledger(agreement)
        self.assertEqual(len(entries), 2, "one row per invoice line")
        self.assertEqual(sorted(entries.mapped("amount")), [3.0, 15.0])
        self.assertEqual(set(entries.mapped("entry_type")), {"accrual"})
        self.assertEqual(entries.period_id, agreement.period_ids[0])
        self.assertEqual(entries.move_line_id, invoice.invoice_line_ids)
        self.assertEqual(sum(entries.mapped("volume")), 600.0)
        (move,) = self.accrual_moves(invoice)
        self.assert_accrual_move(move, 18.0, agreement)
        self.assertEqual(entries.move_id, move)
        self.assertIn(invoice.name, move.ref)
        self.assertTrue(invoice.rebate_accrued)
        self.assertIn(agreement.name, invoice.invoice_line_ids[0].rebate_accrual_info)
        self.assertEqual(agreement.period_ids[0].accrued_amount, 18.0)

    def test_retroactive_threshold_crossed_by_second_invoice(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        first = self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        self.assertEqual(self.accrued(agreement), 16.0)
        second = self.invoice([(self.product, 50, 10.0)], date(2027, 1, 20))
        self.assertEqual(self.accrued(agreement), 52.0, "1,300 x 4 %")
        second_entry = self.ledger(agreement).filtered(lambda e: e.invoice_id == second)
        self.assertEqual(second_entry.amount, 36.0, "includes the catch-up on the first 800")
        self.assertEqual(second_entry.tier_index, 2)
        self.assertEqual(second_entry.rate, 4.0)
        self.assert_accrual_move(self.accrual_moves(first), 16.0, agreement)
        self.assert_accrual_move(self.accrual_moves(second), 36.0, agreement)

    def test_incremental_tiers_keep_each_slice_rate(self):
        agreement = self.approved_agreement(calculation_method="incremental", tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        second = self.invoice([(self.product, 50, 10.0)], date(2027, 1, 20))
        self.assertEqual(self.accrued(agreement), 32.0, "1,000 x 2 % + 300 x 4 %")
        self.assert_accrual_move(self.accrual_moves(second), 16.0, agreement)

    def test_credit_note_drops_volume_below_threshold(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        self.invoice([(self.product, 50, 10.0)], date(2027, 1, 20))
        refund = self.invoice([(self.product, 40, 10.0)], date(2027, 1, 25), "out_refund")
        self.assertEqual(self.accrued(agreement), 18.0, "900 x 2 %")
        entry = self.ledger(agreement).filtered(lambda e: e.invoice_id == refund)
        self.assertEqual(entry.entry_type, "reversal")
        self.assertEqual(entry.amount, -34.0)
        self.assertEqual(entry.volume, -400.0)
        self.assert_accrual_move(self.accrual_moves(refund), -34.0, agreement)

    def test_reset_to_draft_and_repost_never_duplicates(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        first = self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        second = self.invoice([(self.product, 50, 10.0)], date(2027, 1, 20))
        first.button_draft()
        self.book()
        self.assertFalse(first.rebate_accrued)
        self.assertEqual(self.accrued(agreement), 10.0, "only the second's 500 x 2 % is left")
        self.assertEqual(agreement.period_ids[0].accrued_volume, 500.0)
        first.action_post()
        self.book()
        self.assertEqual(self.accrued(agreement), 52.0)
        self.env["rebate.accrual"]._sync_invoices(first | second)
        self.assertEqual(self.accrued(agreement), 52.0, "syncing again changes nothing")
        self.assertEqual(agreement.period_ids[0].accrued_volume, 1300.0)
        moves = self.accrual_moves(first)
        revenue = self.accounting["revenue"]
        self.assertEqual(
            [
                sum(
                    move.line_ids.filtered(lambda line: line.account_id == revenue).mapped(
                        "balance"
                    )
                )
                for move in moves
            ],
            [16.0, -42.0, 42.0],
            "accrual; reversal down to the second's 10; accrual back up to 52",
        )
        liability = self.env["account.move.line"].search(
            [("account_id", "=", self.accounting["liability"].id), ("parent_state", "=", "posted")]
        )
        self.assertAlmostEqual(-sum(liability.mapped("balance")), 52.0, places=2)

    def test_cancellation_reverses(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        invoice = self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        invoice.button_cancel()
        self.book()
        self.assertEqual(invoice.state, "cancel")
        self.assertEqual(self.accrued(agreement), 0.0)
        self.assertEqual(agreement.period_ids[0].accrued_volume, 0.0)
        reversal = self.accrual_moves(invoice)[-1]
        self.assert_accrual_move(reversal, -16.0, agreement)

    def test_invoice_in_a_third_currency(self):
        usd = self.company.currency_id
        eur = self.env.ref("base.EUR")
        cny = self.env.ref("base.CNY")
        (eur | cny).active = True
        rates = self.env["res.currency.rate"]
        rates.search([("currency_id", "in", (eur | cny | usd).ids)]).unlink()
        rates.create(
            [
                {"currency_id": eur.id, "name": "2027-01-01", "rate": 0.8},
                {"currency_id": cny.id, "name": "2027-01-01", "rate": 7.0},
            ]
        )
        agreement = self.approved_agreement(
            calculation_method="flat",
            currency_id=cny.id,
            tier_ids=[(0, 0, {"threshold": 0.0, "rate": 2.0})],
        )
        invoice = self.invoice([(self.product, 10, 100.0)], date(2027, 3, 1), currency_id=eur.id)
        entry = self.ledger(agreement)
        self.assertAlmostEqual(entry.sales_amount, 8750.0, places=2, msg="1,000 EUR = 1,250 USD")
        self.assertEqual(entry.amount, 175.0)
        self.assertEqual(entry.currency_id, cny)
        self.assertAlmostEqual(entry.amount_company, 25.0, places=2)
        move = self.accrual_moves(invoice)
        self.assert_accrual_move(move, 25.0, agreement)
        debit = move.line_ids.filtered(lambda line: line.account_id == self.accounting["revenue"])
        self.assertEqual(debit.currency_id, cny)
        self.assertAlmostEqual(debit.amount_currency, 175.0, places=2)

    def test_locked_period_books_on_first_open_date(self):
        agreement = self.approved_agreement(
            calculation_method="flat", tier_ids=[(0, 0, {"threshold": 0.0, "rate": 5.0})]
        )
        self.company.fiscalyear_lock_date = date(2027, 1, 31)
        invoice = self.invoice([(self.product, 10, 10.0)], date(2027, 1, 15), date=date(2027, 2, 1))
        self.assertEqual(invoice.invoice_date, date(2027, 1, 15))
        self.assert_booked_on_first_open_date(invoice, agreement, 5.0)

    def test_two_agreements_with_different_scopes(self):
        beverages, snacks = self.scoped_agreements(snacks_treatment="selling_expense")
        invoice = self.invoice(
            [(self.product, 10, 100.0), (self.product_other, 10, 10.0)], date(2027, 5, 5)
        )
        self.assertEqual(self.ledger(beverages).move_line_id.product_id, self.product)
        self.assertEqual(self.accrued(beverages), 20.0)
        self.assertEqual(self.ledger(snacks).move_line_id.product_id, self.product_other)
        self.assertEqual(self.accrued(snacks), 10.0)
        (move,) = self.accrual_moves(invoice)
        revenue = move.line_ids.filtered(lambda line: line.account_id == self.accounting["revenue"])
        expense = move.line_ids.filtered(lambda line: line.account_id == self.accounting["expense"])
        self.assertEqual(revenue.balance, 20.0)
        self.assertEqual(expense.balance, 10.0)
        self.assertAlmostEqual(sum(move.line_ids.mapped("balance")), 0.0)

    def test_exclusion_and_other_customer_and_company(self):
        agreement = self.approved_agreement(
            calculation_method="flat",
            tier_ids=[(0, 0, {"threshold": 0.0, "rate": 2.0})],
            rule_ids=[(0, 0, {"rule_type": "exclude", "categ_id": self.other_category.id})],
        )
        other = self.env["res.partner"].create({"name": "Other Co", "is_company": True})
        self.invoice([(self.product, 1, 100.0)], date(2027, 5, 5), partner=other)
        self.invoice([(self.product_other, 1, 100.0)], date(2027, 5, 5))
        self.assertFalse(self.ledger(agreement), "other customer, excluded category")
        other_company = self.env["res.company"].create({"name": "Rebate Elsewhere Co"})
        self.env["account.chart.template"].try_loading(
            "generic_coa", company=other_company, install_demo=False
        )
        invoice = (
            self.env["account.move"]
            .with_company(other_company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": date(2027, 5, 5),
                    "invoice_line_ids": [
                        fields.Command.create(
                            {"product_id": self.product.id, "quantity": 1, "price_unit": 100}
                        )
                    ],
                }
            )
        )
        invoice.action_post()
        self.assertFalse(self.ledger(agreement), "never on another company's invoices")

    def test_analytic_distribution_carried_to_the_rebate_line(self):
        plan = self.env["account.analytic.plan"].create({"name": "Regions"})
        east = self.env["account.analytic.account"].create({"name": "East", "plan_id": plan.id})
        agreement = self.approved_agreement(
            calculation_method="flat", tier_ids=[(0, 0, {"threshold": 0.0, "rate": 5.0})]
        )
        invoice = self.invoice(
            [
                {
                    "product_id": self.product.id,
                    "quantity": 10,
                    "price_unit": 20.0,
                    "tax_ids": [fields.Command.clear()],
                    "analytic_distribution": {str(east.id): 100},
                }
            ],
            date(2027, 6, 1),
        )
        move = self.accrual_moves(invoice)
        debit = move.line_ids.filtered(lambda line: line.account_id == self.accounting["revenue"])
        self.assertEqual(debit.analytic_distribution, {str(east.id): 100})
        self.assertEqual(len(debit.analytic_line_ids), 1, "the cost lands in the East account")
        self.assertAlmostEqual(debit.analytic_line_ids.amount, -10.0)
        self.assert_accrual_move(move, 10.0, agreement)

    def test_expected_volume_change_posts_a_true_up(self):
        agreement = self.approved_agreement(tier_ids=TIERS, accrual_basis="expected")
        period = agreement.period_ids[0]
        period.with_user(self.accountant).expected_volume = 1500.0
        self.invoice([(self.product, 50, 10.0)], date(2027, 2, 1))
        self.assertEqual(self.accrued(agreement), 20.0, "500 at the expected tier's 4 %")
        period.with_user(self.accountant).expected_volume = 800.0
        true_up = self.ledger(agreement).filtered(lambda e: e.entry_type == "true_up")
        self.assertEqual(true_up.amount, -10.0)
        self.assertEqual(true_up.date, fields.Date.today())
        self.assertEqual(self.accrued(agreement), 10.0)
        self.assert_accrual_move(true_up.move_id, -10.0, agreement)

    def test_manual_adjustment_by_manager_with_reason(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        vals = {
            "agreement_id": agreement.id,
            "period_id": agreement.period_ids[0].id,
            "date": date(2027, 3, 31),
            "amount": 12.5,
        }
        with self.assertRaisesRegex(UserError, "rebate manager"):
            self.env["rebate.entry"].with_user(self.rep).create(dict(vals, reason="x"))
        with self.assertRaisesRegex(ValidationError, "needs a reason"):
            self.env["rebate.entry"].with_user(self.manager).create(vals)
        with self.assertRaisesRegex(UserError, "only enter a manual adjustment"):
            self.env["rebate.entry"].with_user(self.manager).create(
                dict(vals, reason="x", entry_type="accrual")
            )
        entry = (
            self.env["rebate.entry"]
            .with_user(self.manager)
            .create(dict(vals, reason="Promotion agreed in the contract annex"))
        )
        self.assertEqual(entry.entry_type, "adjustment")
        self.assertEqual(entry.partner_id, self.customer)
        self.assert_accrual_move(entry.move_id, 12.5, agreement)
        self.assertEqual(agreement.period_ids[0].adjusted_amount, 12.5)
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            entry.with_user(self.manager).amount = 1.0
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            entry.sudo().unlink()

    def test_recompute_dry_run_then_post_difference(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        invoice = self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        period = agreement.period_ids[0]
        report = self.env["rebate.accrual"]._recompute_periods(agreement.period_ids)
        self.assertFalse(any(row["difference"] for row in report), "ledger matches the books")
        # Simulate a ledger that missed an invoice (e.g. posted before the agreement existed).
        with guard.internal_writes("account.move"):
            invoice.rebate_accrued = False
        self.env["rebate.entry"].search([("invoice_id", "=", invoice.id)])._update_rows(
            {"amount": 0.0, "volume": 0.0, "sales_amount": 0.0}
        )
        wizard = (
            self.env["rebate.accrual.recompute.wizard"]
            .with_user(self.accountant)
            .create({"period_ids": [fields.Command.set(period.ids)]})
        )
        line = wizard.line_ids
        self.assertEqual((line.held_amount, line.amount, line.difference), (0.0, 16.0, 16.0))
        self.assertEqual(self.accrued(agreement), 0.0, "the dry run writes nothing")
        wizard.action_post()
        self.assertEqual(self.accrued(agreement), 16.0)
        true_up = self.ledger(agreement).filtered(lambda e: e.entry_type == "true_up")
        self.assert_accrual_move(true_up.move_id, 16.0, agreement)
        report = self.env["rebate.accrual"]._recompute_periods(agreement.period_ids)
        self.assertFalse(any(row["difference"] for row in report))

    def test_recompute_wizard_from_the_agreement_button(self):
        """As a user presses it: the agreement's button opens the wizard, which shows the
        periods before anything is saved, then posts the difference."""
        agreement = self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        action = agreement.with_user(self.accountant).action_recompute_accruals()
        Wizard = (
            self.env[action["res_model"]]
            .with_user(self.accountant)
            .with_context(**action["context"])
        )
        form = Form(Wizard)
        self.assertEqual(len(form.line_ids), len(agreement.period_ids))
        self.assertEqual(form.difference_count, 0, "the ledger matches the posted invoices")
        wizard = form.save()
        wizard.action_post()
        self.assertEqual(self.accrued(agreement), 16.0, "nothing to true up, nothing posted")

    def test_every_mode_gives_the_same_ledger_and_journal_entries(self):
        """background (the default), realtime and batch: per invoice, the same rebate in
        the ledger and in the books (the daily batch never sees an invoice posted and reset
        between two runs, the others record and reverse it)."""
        self.assertEqual(self.company.rebate_accrual_mode, "background")
        results = {}
        for mode in ("background", "realtime", "batch"):
            self.company.rebate_accrual_mode = mode
            partner = self.env["res.partner"].create({"name": f"{mode} Co", "is_company": True})
            agreement = self.approved_agreement(tier_ids=TIERS, partner_id=partner.id)
            first = self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10), partner=partner)
            second = self.invoice([(self.product, 50, 10.0)], date(2027, 1, 20), partner=partner)
            second.button_draft()
            self.book()
            if mode == "batch":
                self.assertFalse(self.ledger(agreement), "nothing until the daily job runs")
                self.env["rebate.accrual"]._cron_process_pending()
            moves = self.accrual_moves(first) | self.accrual_moves(second)
            self.assertTrue(all(move.state == "posted" for move in moves))
            revenue = self.accounting["revenue"]
            results[mode] = [
                (
                    sum(
                        self.ledger(agreement)
                        .filtered(lambda e, i=invoice: e.invoice_id == i)
                        .mapped("amount")
                    ),
                    sum(
                        self.accrual_moves(invoice)
                        .line_ids.filtered(lambda line, r=revenue: line.account_id == r)
                        .mapped("balance")
                    ),
                )
                for invoice in (first, second)
            ]
            self.assertFalse(any(self.ledger(agreement).mapped("booking_pending")))
        self.assertEqual(results["background"], [(16.0, 16.0), (0.0, 0.0)])
        self.assertEqual(results["realtime"], results["background"])
        self.assertEqual(results["batch"], results["background"])
        self.assertFalse(self.env["account.move"].search([("rebate_accrual_pending", "=", True)]))

    def test_cap_per_period_is_never_exceeded(self):
        agreement = self.approved_agreement(tier_ids=TIERS, cap_period=30.0)
        self.invoice([(self.product, 200, 10.0)], date(2027, 1, 10))
        self.assertEqual(self.accrued(agreement), 30.0)
        self.invoice([(self.product, 200, 10.0)], date(2027, 4, 10))
        self.assertEqual(self.accrued(agreement), 60.0, "the cap is per period")

    def test_ledger_is_read_only_for_reps(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        entry = self.ledger(agreement)
        self.assertTrue(entry.with_user(self.rep).read(["amount"]))
        with self.assertRaises(UserError):
            entry.with_user(self.rep).write({"amount": 1.0})
        self.assertFalse(entry.with_user(self.stranger).has_access("read"))

    def test_readme_worked_example(self):
        agreement = self.approved_agreement(
            tier_ids=[
                (0, 0, {"threshold": 0.0, "rate": 2.0}),
                (0, 0, {"threshold": 500000.0, "rate": 3.5}),
                (0, 0, {"threshold": 1000000.0, "rate": 5.0}),
            ],
            estimated_yearly_amount=1000.0,
        )
        january = self.invoice([(self.product, 20000, 15.0)], date(2027, 1, 15))
        february = self.invoice([(self.product, 16000, 15.0)], date(2027, 2, 20))
        refund = self.invoice([(self.product, 10000, 10.0)], date(2027, 3, 5), "out_refund")
        amounts = [
            self.ledger(agreement).filtered(lambda e, move=move: e.invoice_id == move).amount
            for move in (january, february, refund)
        ]
        self.assertEqual(amounts, [6000.0, 12900.0, -10100.0])
        self.assertEqual(self.accrued(agreement), 8800.0)
        self.assert_accrual_move(self.accrual_moves(refund), -10100.0, agreement)


@tagged("post_install", "-at_install", "customer_rebate")
class TestAccrualBooking(RebateAccountingCase):
    """The default 'background' mode: ledger rows as the invoice posts, the journal entry
    booked by a job triggered at commit."""

    def waiting(self):
        return self.env["rebate.entry"].search([("booking_pending", "=", True)])

    def test_ledger_at_once_journal_entry_by_the_job(self):
        cron = self.env.ref("customer_rebate.ir_cron_rebate_book_accruals")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        agreement = self.approved_agreement(tier_ids=TIERS)
        first = self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10), book=False)
        second = self.invoice([(self.product, 50, 10.0)], date(2027, 1, 20), book=False)
        self.assertEqual(self.accrued(agreement), 52.0, "the ledger is exact at once")
        self.assertEqual(self.waiting(), self.ledger(agreement))
        self.assertFalse(self.accrual_moves(first | second))
        self.env.cr.flush()  # what a commit runs: the job is triggered, once
        new_triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]) - triggers
        self.assertEqual(len(new_triggers), 1)
        self.book()
        self.assertFalse(self.waiting())
        self.assert_accrual_move(self.accrual_moves(first), 16.0, agreement)
        self.assert_accrual_move(self.accrual_moves(second), 36.0, agreement)
        both = self.accrual_moves(first) | self.accrual_moves(second)
        self.assertEqual(self.ledger(agreement).move_id, both)
        self.book()
        self.assertEqual(self.accrual_moves(first) | self.accrual_moves(second), both, "once")

    def test_posting_costs_a_bounded_number_of_queries(self):
        """The engine's SQL does not grow with the invoice's lines or the agreements."""
        self.company.rebate_accrual_mode = "batch"  # post now, accrue below
        other = self.env["res.partner"].create({"name": "Small Co", "is_company": True})
        self.approved_agreement(
            tier_ids=TIERS, partner_id=other.id, rule_ids=[(0, 0, {"categ_id": self.category.id})]
        )
        small = self.invoice([(self.product, 1, 10.0)], date(2027, 1, 10), partner=other)
        self.approved_agreement(tier_ids=TIERS, rule_ids=[(0, 0, {"categ_id": self.category.id})])
        for _index in range(2):
            self.approved_agreement(tier_ids=TIERS)
        large = self.invoice(
            [(self.product, 1, 10.0 + n) for n in range(6)]
            + [(self.product_other, 1, 10.0 + n) for n in range(6)],
            date(2027, 1, 11),
        )
        warm = self.invoice([(self.product, 1, 10.0)], date(2027, 1, 12), partner=other)
        self.company.rebate_accrual_mode = "background"
        self.env["rebate.accrual"]._sync_invoices(warm)  # one-time look-ups, caches
        counts = []
        for invoice in (large, small):
            self.env.invalidate_all()
            queries = self.env.cr.sql_log_count
            self.env["rebate.accrual"]._sync_invoices(invoice)
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - queries)
        self.assertEqual(len(self.ledger_rows(small)), 1)
        self.assertEqual(len(self.ledger_rows(large)), 6 + 12 + 12)
        self.assertLessEqual(counts[0], counts[1], f"queries, 12 lines x 3 agreements: {counts}")

    def ledger_rows(self, invoice):
        return self.env["rebate.entry"].search([("invoice_id", "=", invoice.id)])

    def test_realtime_mode_books_on_posting(self):
        self.company.rebate_accrual_mode = "realtime"
        agreement = self.approved_agreement(tier_ids=TIERS)
        invoice = self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10), book=False)
        self.assertFalse(self.waiting())
        self.assert_accrual_move(self.accrual_moves(invoice), 16.0, agreement)

    def test_posted_and_reset_before_the_job_books_nothing(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        invoice = self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10), book=False)
        invoice.button_draft()
        self.assertEqual(len(self.waiting()), 2)
        self.book()
        self.assertFalse(self.waiting())
        self.assertFalse(self.accrual_moves(invoice), "the two rows cancel out")
        self.assertEqual(self.accrued(agreement), 0.0)
        invoice.action_post()
        self.book()
        self.assert_accrual_move(self.accrual_moves(invoice), 16.0, agreement)

    def test_a_failed_booking_stays_waiting_and_holds_no_one_back(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        other = self.env["res.partner"].create({"name": "Other Co", "is_company": True})
        self.approved_agreement(
            tier_ids=TIERS, partner_id=other.id, accounting_treatment="selling_expense"
        )
        invoice = self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10), book=False)
        fine = self.invoice(
            [(self.product, 80, 10.0)], date(2027, 1, 10), partner=other, book=False
        )
        self.accounting["revenue"].active = False
        self.book()
        self.assertEqual(self.waiting(), self.ledger(agreement))
        self.assertIn("Not booked yet", self.ledger(agreement).note)
        self.assertFalse(self.accrual_moves(invoice))
        self.assertEqual(len(self.accrual_moves(fine)), 1, "the other invoice is booked")
        self.accounting["revenue"].active = True
        self.book()
        self.assertFalse(self.waiting())
        self.assertFalse(self.ledger(agreement).note)
        self.assert_accrual_move(self.accrual_moves(invoice), 16.0, agreement)

    def test_booking_one_agreement_first_keeps_one_entry_per_invoice(self):
        beverages, snacks = self.scoped_agreements()
        invoice = self.invoice(
            [(self.product, 10, 100.0), (self.product_other, 10, 10.0)],
            date(2027, 5, 5),
            book=False,
        )
        self.env["rebate.booking"]._book_pending_for(beverages)
        self.assertFalse(self.waiting())
        (move,) = self.accrual_moves(invoice)
        self.assertEqual((self.ledger(beverages) | self.ledger(snacks)).move_id, move)
        self.assert_accrual_move(move, 30.0)

    def test_period_locked_between_posting_and_booking(self):
        agreement = self.approved_agreement(
            calculation_method="flat", tier_ids=[(0, 0, {"threshold": 0.0, "rate": 5.0})]
        )
        invoice = self.invoice([(self.product, 10, 10.0)], date(2027, 1, 15), book=False)
        self.company.fiscalyear_lock_date = date(2027, 1, 31)
        self.book()
        self.assert_booked_on_first_open_date(invoice, agreement, 5.0)

    def test_book_now_button_for_accountants(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        invoice = self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10), book=False)
        Entry = self.env["rebate.entry"]
        with self.assertRaisesRegex(UserError, "Only rebate accountants"):
            Entry.with_user(self.rep).action_book_now()
        self.assertTrue(self.waiting())
        action = Entry.with_user(self.accountant).action_book_now()
        self.assertEqual(action["params"]["type"], "success")
        self.assertFalse(self.waiting())
        self.assert_accrual_move(self.accrual_moves(invoice), 16.0, agreement)

    def test_statements_and_settlements_book_waiting_rows_first(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10), book=False)
        statement = self.env["rebate.statement"]._generate_statements(
            date(2027, 1, 1), date(2027, 1, 31)
        )
        self.assertFalse(self.waiting())
        self.assertEqual((statement.closing_balance, statement.book_balance), (16.0, 16.0))
        invoice = self.invoice([(self.product, 50, 10.0)], date(2027, 2, 10), book=False)
        self.assertTrue(self.waiting())
        self.env["rebate.booking"]._book_pending_for(agreement)
        self.assertFalse(self.waiting())
        self.assert_accrual_move(self.accrual_moves(invoice), 36.0, agreement)


@tagged("post_install", "-at_install", "customer_rebate")
class TestAccrualChineseChart(RebateAccountingCase):
    def test_accrual_on_the_chinese_chart_of_accounts(self):
        # `make test` installs l10n_cn; a database without it (an integrator's `odoo
        # --test-enable -i customer_rebate`) would install it in the middle of the test.
        if self.env["ir.module.module"]._get("l10n_cn").state != "installed":
            self.skipTest("l10n_cn (the Chinese chart of accounts) is not installed")
        company = self.env["res.company"].create(
            {"name": "上海返利测试有限公司", "country_id": self.env.ref("base.cn").id}
        )
        self.env["account.chart.template"].try_loading("cn", company=company, install_demo=False)
        for user in (self.rep, self.manager):
            user.company_ids |= company
        # Its books are kept in Chinese: what the engine stores there is in that language,
        # whoever posts the invoice (issue 10).
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_rebate"], ["zh_CN"])
        company.partner_id.lang = "zh_CN"
        self.rep.lang = self.manager.lang = "en_US"
        accounting = company._rebate_accounting()
        # The chart brought them (account.chart.template), with the chart's own xml ids: a
        # current, reconcilable liability under 2241 other payables (Issue 11).
        chart = self.env["account.chart.template"].with_company(company)
        self.assertEqual(accounting["liability"], chart.ref("customer_rebate_liability"))
        self.assertEqual(accounting["journal"], chart.ref("customer_rebate_journal"))
        self.assertEqual(accounting["liability"].account_type, "liability_current")
        self.assertTrue(accounting["liability"].reconcile)
        self.assertTrue(accounting["balance"].reconcile)
        self.assertEqual(accounting["liability"].with_company(company).code[:4], "2241")
        self.assertEqual(accounting["revenue"].with_company(company).code[:4], "6001")
        self.assertEqual(accounting["expense"].with_company(company).code[:4], "6601")
        agreement = (
            self.env["rebate.agreement"]
            .with_user(self.rep)
            .with_company(company)
            .create(
                self.agreement_vals(
                    company_id=company.id,
                    currency_id=company.currency_id.id,
                    calculation_method="flat",
                    tier_ids=[(0, 0, {"threshold": 0.0, "rate": 3.0})],
                )
            )
        )
        agreement.action_submit()
        agreement.with_user(self.manager).with_company(company).action_approve()
        invoice = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": date(2027, 4, 1),
                    "invoice_line_ids": [
                        fields.Command.create(
                            {
                                "product_id": self.product.id,
                                "quantity": 10,
                                "price_unit": 1000.0,
                                "tax_ids": [fields.Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        invoice.action_post()
        self.book()
        move = self.accrual_moves(invoice)
        self.assertEqual(move.company_id, company)
        self.assertEqual(move.journal_id, accounting["journal"])
        debit = move.line_ids.filtered(lambda line: line.account_id == accounting["revenue"])
        credit = move.line_ids.filtered(lambda line: line.account_id == accounting["liability"])
        self.assertEqual((debit.balance, credit.balance), (300.0, -300.0))
        self.assertEqual(credit.partner_id, self.customer)
        self.assertEqual(move.ref, f"返利计提：{invoice.name}")  # noqa: RUF001
        self.assertEqual(credit.name, f"返利 {agreement.name}")
        self.assertFalse(self.ledger(agreement).filtered(lambda e: e.company_id != company))


@tagged("post_install", "-at_install", "customer_rebate")
class TestAccrualSetupOnInstall(RebateAccountingCase):
    def test_install_created_the_accounting_settings(self):
        company = self.env.ref("base.main_company")
        self.assertTrue(company.rebate_journal_id)
        self.assertEqual(company.rebate_journal_id.type, "general")
        self.assertEqual(company.rebate_liability_account_id.account_type, "liability_current")
        self.assertTrue(company.rebate_liability_account_id.reconcile)
        self.assertEqual(company.rebate_revenue_account_id.account_type, "income")
        self.assertEqual(company.rebate_expense_account_id.account_type, "expense")
