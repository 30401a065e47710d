"""The ledger's running totals: each period keeps the sums of its accrual rows, written by
the ledger's one writer in the same statement batch, so posting reads a handful of period
rows instead of the agreement's whole history (issue 11). They must equal the ledger's own
sums after every kind of row: accruals, credit notes, reversals (reset to draft),
recomputation true-ups, settlement true-ups and their cancellation."""

from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .common import RebateAccountingCase

TIERS = [(0, 0, {"threshold": 0.0, "rate": 2.0}), (0, 0, {"threshold": 1000.0, "rate": 4.0})]
TOTALS = ("ledger_volume", "ledger_sales_amount", "ledger_sales_quantity", "ledger_amount")


@tagged("post_install", "-at_install", "customer_rebate")
class TestLedgerRunningTotals(RebateAccountingCase):
    def ledger_sums(self, periods):
        groups = self.env["rebate.entry"]._read_group(
            [
                ("period_id", "in", periods.ids),
                ("entry_type", "in", ("accrual", "true_up", "reversal")),
            ],
            ["period_id"],
            ["volume:sum", "sales_amount:sum", "sales_quantity:sum", "amount:sum"],
        )
        sums = {period.id: (0.0, 0.0, 0.0, 0.0) for period in periods}
        for period, *values in groups:
            sums[period.id] = tuple(values)
        return sums

    def running_totals(self, periods):
        periods.invalidate_recordset(list(TOTALS))
        return {period.id: tuple(period[name] for name in TOTALS) for period in periods}

    def settle(self, agreement):
        with freeze_time("2027-04-05"):
            return agreement.with_user(self.accountant).action_settle()

    def assert_totals_match(self, agreement):
        periods = agreement.period_ids
        self.assertEqual(self.running_totals(periods), self.ledger_sums(periods))

    def test_running_totals_follow_every_kind_of_row(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        first = self.invoice([(self.product, 30, 10.0), (self.product, 3, 0.1)], date(2027, 1, 5))
        self.assert_totals_match(agreement)
        self.invoice([(self.product, 90, 10.0)], date(2027, 2, 5))
        self.assert_totals_match(agreement)
        refund = self.invoice([(self.product, 7, 10.0)], date(2027, 2, 20), move_type="out_refund")
        self.assert_totals_match(agreement)
        # Reset to draft and posted again: reversal rows, then accruals.
        first.button_draft()
        self.assert_totals_match(agreement)
        first.action_post()
        refund.button_cancel()
        self.assert_totals_match(agreement)
        # Recompute Accruals after the ledger lost a row (a restore from an older backup):
        # the repair rebuilds the totals from the rows and books the true-up.
        self.env.flush_all()
        self.env.cr.execute(
            "DELETE FROM rebate_entry WHERE id = (SELECT max(id) FROM rebate_entry "
            "WHERE agreement_id = %s AND entry_type = 'accrual')",
            [agreement.id],
        )
        self.env.invalidate_all()
        action = agreement.with_user(self.accountant).action_recompute_accruals()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(self.accountant)
            .with_context(**action["context"])
        ).save()
        self.assertTrue(wizard.difference_count)
        wizard.action_post()
        self.assert_totals_match(agreement)
        # A settlement, posted, then cancelled (true-up rows and their reversal).
        action = self.settle(agreement)
        settlement = self.env["rebate.settlement"].search([("agreement_id", "=", agreement.id)])
        self.assertTrue(settlement, action)
        settlement = settlement[:1]
        settlement.with_user(self.accountant).action_confirm()
        if settlement.needs_approval:
            settlement.with_user(self.manager).action_approve()
        settlement.with_user(self.accountant).action_post()
        self.assert_totals_match(agreement)
        settlement.with_user(self.accountant).action_cancel()
        self.assert_totals_match(agreement)
        # The upgrade path rebuilds the same figures from the ledger.
        before = self.running_totals(agreement.period_ids)
        self.env["rebate.entry"]._recompute_running_totals()
        self.assertEqual(self.running_totals(agreement.period_ids), before)

    def test_posting_reads_the_totals_not_the_history(self):
        """What posting reads of the ledger is the period's running totals: a row added
        behind the writer's back (SQL) is not seen until the totals are rebuilt."""
        agreement = self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 10, 10.0)], date(2027, 1, 5))
        states, totals = self.env["rebate.entry"]._period_states(agreement)
        period = agreement.period_ids.filtered(lambda p: p.date_from <= date(2027, 1, 5))[:1]
        self.assertEqual(states[period.id].volume, 100.0)
        self.assertEqual(states[period.id].amount, 2.0)
        self.assertEqual(totals[agreement.id], 2.0)
