"""What the attack pass found after the first round of server-side controls, attacked
again over real RPC: values that are not what a field holds (NaN, text for numbers, ids
that are not ids, fields that do not exist), moving a term line or a period to another
company, reading another company's figures through the recompute wizard, approving
another company's agreement, adjusting a settled period, posting in a customer's name,
and the Periods tab of the agreement form, which must keep working."""

from datetime import date

from odoo.fields import Command
from odoo.tests import tagged

from odoo.addons.customer_rebate.tools import guard

from .rpc import RebateRpcCase

AGREEMENT = "rebate.agreement"
PERIOD = "rebate.agreement.period"
TIER = "rebate.agreement.tier"
TIERS = [(0, 0, {"threshold": 0.0, "rate": 2.0}), (0, 0, {"threshold": 1000.0, "rate": 4.0})]


@tagged("post_install", "-at_install", "customer_rebate")
class TestInputSecurity(RebateRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.elsewhere = cls.env["res.company"].create({"name": "Rebate Elsewhere Trading Ltd"})

    def terms(self, agreement):
        self.env.invalidate_all()
        agreement = agreement.sudo()
        return (
            agreement.state,
            [(tier.threshold, tier.rate, tier.company_id.id) for tier in agreement.tier_ids],
            [
                (period.company_id.id, period.partner_id.id, period.expected_volume)
                for period in agreement.period_ids
            ],
        )

    def test_values_that_are_not_what_the_field_holds(self):
        agreement = self.create_agreement()
        tier = agreement.tier_ids[0]
        unchanged = lambda: self.terms(agreement)  # noqa: E731
        bad_writes = (
            (AGREEMENT, agreement, {"minimum_volume": float("nan")}, "finite number"),
            (AGREEMENT, agreement, {"cap_total": float("inf")}, "finite number"),
            (AGREEMENT, agreement, {"minimum_volume": "lots"}, "must be a number"),
            (AGREEMENT, agreement, {"no_such_field": 1}, "has no field"),
            (AGREEMENT, agreement, {"partner_id": "7"}, "record's id"),
            (AGREEMENT, agreement, {"tier_ids": [[4, "x"]]}, "list of record ids"),
            (AGREEMENT, agreement, {"date_end": "next year"}, "a date"),
            (AGREEMENT, agreement, {"basis": "gold"}, "one of"),
            (AGREEMENT, agreement, {"title": ["x"]}, "must be text"),
            (TIER, tier, {"rate": float("nan")}, "finite number"),
            (TIER, tier, {"threshold": "1e9"}, "must be a number"),
        )
        for protocol, call in self.both():
            for model, record, vals, message in bad_writes:
                with self.subTest(protocol=protocol, model=model, vals=repr(vals)):
                    refusal = self.assertRefused(
                        call, self.rep, model, "write", [record.id], vals, unchanged=unchanged
                    )
                    self.assertIn(message, refusal.message)
            with self.subTest(protocol=protocol, call="write with a list"):
                self.assertRefused(
                    call, self.rep, AGREEMENT, "write", [agreement.id], [["title", "x"]]
                )
            with self.subTest(protocol=protocol, call="create with NaN"):
                count = lambda: self.env[AGREEMENT].search_count([])  # noqa: E731
                self.assertRefused(
                    call,
                    self.rep,
                    AGREEMENT,
                    "create",
                    [
                        {
                            "title": "NaN cap",
                            "partner_id": self.customer.id,
                            "date_start": "2027-01-01",
                            "date_end": "2027-12-31",
                            "cap_total": float("nan"),
                        }
                    ],
                    unchanged=count,
                )

    def test_one_record_actions_on_several_or_none(self):
        agreement = self.approved_agreement()
        other = self.approved_agreement(title="Second")
        for protocol, call in self.both():
            for model, method, ids in (
                (AGREEMENT, "action_view_entries", [agreement.id, other.id]),
                (AGREEMENT, "action_view_settlements", []),
                (PERIOD, "action_view_entries", []),
                (PERIOD, "action_view_entries", agreement.period_ids[:2].ids),
            ):
                with self.subTest(protocol=protocol, method=method, ids=ids):
                    refusal = self.assertRefused(call, self.manager, model, method, ids)
                    self.assertIn("one record at a time", refusal.message)

    def test_lines_and_periods_stay_with_their_agreements_company(self):
        draft = self.create_agreement()
        approved = self.approved_agreement(title="In force")
        self.manager.write({"company_ids": [Command.link(self.elsewhere.id)]})
        for protocol, call in self.both():
            with self.subTest(protocol=protocol, model=TIER):
                self.assertRefused(
                    call,
                    self.manager,
                    TIER,
                    "write",
                    draft.tier_ids[:1].ids,
                    {"company_id": self.elsewhere.id},
                    unchanged=lambda: self.terms(draft),
                )
                self.assertRefused(
                    call,
                    self.manager,
                    TIER,
                    "create",
                    [
                        {
                            "agreement_id": draft.id,
                            "threshold": 5000.0,
                            "rate": 5.0,
                            "company_id": self.elsewhere.id,
                        }
                    ],
                    unchanged=lambda: self.terms(draft),
                )
            for vals in ({"company_id": self.elsewhere.id}, {"partner_id": self.customer_b.id}):
                with self.subTest(protocol=protocol, model=PERIOD, vals=vals):
                    self.assertRefused(
                        call,
                        self.manager,
                        PERIOD,
                        "write",
                        approved.period_ids[:1].ids,
                        vals,
                        unchanged=lambda: self.terms(approved),
                    )

    def test_periods_tab_of_the_agreement_form(self):
        """The agreement form edits a period's expected volume through the agreement;
        the period's own guard still refuses what it refuses."""
        agreement = self.approved_agreement(accrual_basis="expected")
        first = agreement.period_ids[0]
        for protocol, call in self.both():
            with self.subTest(protocol=protocol):
                call(
                    self.manager,
                    AGREEMENT,
                    "write",
                    [agreement.id],
                    {"period_ids": [[1, first.id, {"expected_volume": 12345.0}]]},
                )
                self.env.invalidate_all()
                self.assertEqual(first.expected_volume, 12345.0)
                for commands in (
                    [[1, first.id, {"state": "closed"}]],
                    [[1, first.id, {"date_to": "2027-01-15"}]],
                    [[2, first.id]],
                    [[0, 0, {"date_from": "2028-01-01", "date_to": "2028-03-31"}]],
                ):
                    self.assertRefused(
                        call,
                        self.manager,
                        AGREEMENT,
                        "write",
                        [agreement.id],
                        {"period_ids": commands},
                        unchanged=lambda: self.terms(agreement),
                    )

    def test_another_companys_agreement_and_figures(self):
        """The approver and the recompute wizard stay inside the user's companies."""
        with guard.internal_writes(AGREEMENT):
            foreign = self.create_agreement().sudo()
            foreign.write({"company_id": self.elsewhere.id, "state": "to_approve"})
        self.assertNotIn(self.elsewhere, self.manager.company_ids)
        for protocol, call in self.both():
            for method in ("action_approve", "action_reject"):
                with self.subTest(protocol=protocol, method=method):
                    refusal = self.assertRefused(
                        call,
                        self.manager,
                        AGREEMENT,
                        method,
                        [foreign.id],
                        "ok",
                        unchanged=lambda: foreign.read(["state", "approval_ids"]),
                    )
                    self.assertNotIn(foreign.name, refusal.message)
        # A period of another company, asked for in the recompute wizard's form.
        approved = self.approved_agreement()
        with guard.internal_writes(PERIOD):
            hidden = approved.period_ids[0].sudo()
            hidden.write({"company_id": self.elsewhere.id})
        for protocol, call in self.both():
            with self.subTest(protocol=protocol, call="recompute wizard"):
                self.assertRefused(
                    call,
                    self.manager,
                    "rebate.accrual.recompute.wizard",
                    "onchange",
                    [],
                    {"period_ids": [[6, 0, hidden.ids]]},
                    ["period_ids"],
                    {
                        "period_ids": {},
                        "line_ids": {"fields": {"amount": {}, "held_amount": {}}},
                        "difference_count": {},
                    },
                )

    def test_no_adjustment_into_a_settled_period(self):
        agreement = self.approved_agreement(
            tier_ids=TIERS, date_start=date(2025, 1, 1), date_end=date(2025, 3, 31)
        )
        self.invoice([(self.product, 80, 10.0)], date(2025, 1, 10))
        settlement = agreement.with_user(self.accountant).action_settle()
        settlement.with_user(self.accountant).action_confirm()
        settlement.with_user(self.accountant).action_post()
        period = settlement.period_id
        self.assertEqual(period.state, "closed")
        ledger = lambda: self.env["rebate.entry"].search_count([])  # noqa: E731
        for protocol, call in self.both():
            with self.subTest(protocol=protocol):
                refusal = self.assertRefused(
                    call,
                    self.manager,
                    "rebate.entry",
                    "create",
                    [
                        {
                            "agreement_id": agreement.id,
                            "period_id": period.id,
                            "date": "2025-03-31",
                            "amount": 500.0,
                            "reason": "Late promotion",
                        }
                    ],
                    unchanged=ledger,
                )
                self.assertIn("settled and closed", refusal.message)

    def test_staff_post_only_in_their_own_name(self):
        agreement = self.approved_agreement()
        messages = lambda: agreement.sudo().message_ids.ids  # noqa: E731
        for protocol, call in self.both():
            with self.subTest(protocol=protocol):
                refusal = self.assertRefused(
                    call,
                    self.manager,
                    AGREEMENT,
                    "message_post",
                    [agreement.id],
                    body="We accept the statement and waive the rebate.",
                    author_id=self.customer_contact.id,
                    message_type="comment",
                    unchanged=messages,
                )
                self.assertIn("own name", refusal.message)
                call(
                    self.manager,
                    AGREEMENT,
                    "message_post",
                    [agreement.id],
                    body="Called the customer.",
                    message_type="comment",
                )
        posted = agreement.message_ids.filtered(
            lambda m: "Called the customer" in str(m.body) or "waive" in str(m.body)
        )
        self.assertEqual(len(posted), 2, "one legitimate message per protocol, no forged one")
        self.assertEqual(posted.author_id, self.manager.partner_id)
