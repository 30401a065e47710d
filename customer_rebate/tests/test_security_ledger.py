"""The rebate ledger and the engine's flags, attacked over real RPC: one door into the
ledger (the engine's private writer), `create` only for manual adjustments, no context key
that opens anything."""

from datetime import date

from odoo.tests import tagged

from .rpc import RebateRpcCase

TIERS = [(0, 0, {"threshold": 0.0, "rate": 2.0}), (0, 0, {"threshold": 1000.0, "rate": 4.0})]
# Context keys a client might try: none of them opens the ledger.
FORGED_CONTEXT = {"rebate_ledger_write": True, "install_mode": True, "module": "customer_rebate"}


@tagged("post_install", "-at_install", "customer_rebate")
class TestLedgerSecurity(RebateRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agreement = cls.create_agreement(tier_ids=TIERS)
        cls.agreement.action_submit()
        cls.agreement.with_user(cls.manager).action_approve()
        cls.period = cls.agreement.period_ids[0]

    def setUp(self):
        super().setUp()
        self.posted = self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))

    def ledger_state(self):
        entries = self.env["rebate.entry"].search([("agreement_id", "=", self.agreement.id)])
        return sorted(
            (e.id, e.entry_type, e.amount, e.amount_company, e.move_id.id, e.booking_pending)
            for e in entries
        )

    def adjustment(self, **overrides):
        return {
            "agreement_id": self.agreement.id,
            "period_id": self.period.id,
            "date": "2027-03-31",
            "amount": 12.5,
            "reason": "Promotion agreed in the contract annex",
            **overrides,
        }

    def test_forged_accrual_rows_refused_whatever_the_context(self):
        """A rebate manager sends the old internal context key and an accrual row of 99,999
        with no journal entry: refused over both protocols, nothing written."""
        for label, call in self.both():
            with self.subTest(protocol=label):
                for forged in (
                    {"entry_type": "accrual", "amount": 99999.0},
                    {"entry_type": "true_up", "amount": 99999.0},
                    {"entry_type": "settlement", "amount": -99999.0},
                ):
                    self.assertRefused(
                        call,
                        self.manager,
                        "rebate.entry",
                        "create",
                        [self.adjustment(**forged)],
                        context=FORGED_CONTEXT,
                        unchanged=self.ledger_state,
                    )

    def test_manual_adjustment_cannot_carry_book_fields(self):
        """The journal entry, booking state, company amount and sources of a ledger row are
        filled by the books, never by the client."""
        other_move = self.posted
        for field, value in (
            ("move_id", other_move.id),
            ("booking_pending", True),
            ("amount_company", 99999.0),
            ("invoice_id", other_move.id),
            ("move_line_id", other_move.invoice_line_ids[0].id),
            ("volume", 50000.0),
            ("sales_amount", 50000.0),
            ("tier_index", 3),
            ("rate", 40.0),
        ):
            with self.subTest(field=field):
                self.assertRefused(
                    self.jsonrpc,
                    self.manager,
                    "rebate.entry",
                    "create",
                    [self.adjustment(**{field: value})],
                    unchanged=self.ledger_state,
                )

    def test_manual_adjustment_is_booked_like_an_accrual(self):
        """The legitimate door: a rebate manager enters an adjustment with a reason over
        RPC; it lands in the ledger with its journal entry, on the agreement's customer."""
        ids = self.xmlrpc(
            self.manager,
            "rebate.entry",
            "create",
            [self.adjustment(partner_id=self.customer_b.id)],
        )
        self.env.invalidate_all()
        entry = self.env["rebate.entry"].browse(ids)
        self.assertEqual(entry.entry_type, "adjustment")
        self.assertEqual(entry.partner_id, self.customer, "the agreement's customer, always")
        self.assertEqual(entry.move_id.state, "posted")
        self.assert_accrual_move(entry.move_id, 12.5, self.agreement)

    def test_adjustment_refused_to_other_roles(self):
        for user in (self.rep, self.accountant, self.auditor, self.stranger, self.portal_a):
            with self.subTest(user=user.login):
                self.assertRefused(
                    self.xmlrpc,
                    user,
                    "rebate.entry",
                    "create",
                    [self.adjustment()],
                    unchanged=self.ledger_state,
                )

    def test_ledger_rows_never_change_nor_disappear(self):
        row = self.env["rebate.entry"].search([("agreement_id", "=", self.agreement.id)], limit=1)
        for label, call in self.both():
            for user in (self.manager, self.accountant):
                for vals in (
                    {"amount": 0.0},
                    {"move_id": False},
                    {"booking_pending": True},
                    {"note": "edited"},
                ):
                    with self.subTest(protocol=label, user=user.login, vals=vals):
                        self.assertRefused(
                            call,
                            user,
                            "rebate.entry",
                            "write",
                            row.ids,
                            vals,
                            context=FORGED_CONTEXT,
                            unchanged=self.ledger_state,
                        )
                with self.subTest(protocol=label, user=user.login, op="unlink"):
                    self.assertRefused(
                        call, user, "rebate.entry", "unlink", row.ids, unchanged=self.ledger_state
                    )

    def test_engine_flags_on_invoices_are_the_engines(self):
        """An accountant clearing 'held by the ledger' on a posted invoice would have it
        accrued twice at its next posting; pointing an entry at another invoice would hide
        where an accrual came from. Refused."""

        def flags():
            return (self.posted.rebate_accrued, self.posted.rebate_accrual_pending)

        for label, call in self.both():
            for vals in ({"rebate_accrued": False}, {"rebate_accrual_pending": True}):
                with self.subTest(protocol=label, vals=vals):
                    self.assertRefused(
                        call,
                        self.accountant,
                        "account.move",
                        "write",
                        self.posted.ids,
                        vals,
                        unchanged=flags,
                    )
        accrual_move = self.accrual_moves(self.posted)
        self.assertRefused(
            self.xmlrpc,
            self.accountant,
            "account.move",
            "write",
            accrual_move.ids,
            {"rebate_source_invoice_id": False},
            unchanged=lambda: accrual_move.rebate_source_invoice_id.id,
        )

    def test_booking_is_for_accountants(self):
        for user in (self.rep, self.auditor, self.stranger):
            with self.subTest(user=user.login):
                self.assertRefused(self.xmlrpc, user, "rebate.entry", "action_book_now", [])
        self.xmlrpc(self.accountant, "rebate.entry", "action_book_now", [])

    def test_private_engine_methods_are_not_reachable(self):
        """The ledger's writer and the engine's methods are private: RPC refuses them."""
        for model, method, args in (
            ("rebate.entry", "_insert_rows", [[self.adjustment(entry_type="accrual")]]),
            ("rebate.entry", "_update_rows", [[], {"amount": 1.0}]),
            ("rebate.accrual", "_recompute_periods", [[], self.period.ids]),
        ):
            with self.subTest(method=method):
                self.assertRefused(
                    self.xmlrpc, self.manager, model, method, *args, unchanged=self.ledger_state
                )

    def test_recompute_wizard_for_finance_only(self):
        for user in (self.rep, self.auditor, self.stranger, self.portal_a):
            with self.subTest(user=user.login):
                self.assertRefused(
                    self.xmlrpc,
                    user,
                    "rebate.accrual.recompute.wizard",
                    "create",
                    [{"period_ids": [(6, 0, self.period.ids)]}],
                )
