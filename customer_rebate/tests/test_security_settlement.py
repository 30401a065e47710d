"""Settlements, payouts and rebate balances attacked over real RPC (XML-RPC and the web
client's JSON-RPC), logged in as each role: the state, the approval, the confirmer and the
payout change only through the settlement's own actions; a settlement is posted once;
payouts go only to the customer company's own trusted account; the rebate-balance product
is used only by the balance flow. Every refusal is a clear error and writes nothing."""

from datetime import date

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from .rpc import RebateRpcCase

TIERS = [(0, 0, {"threshold": 0.0, "rate": 2.0}), (0, 0, {"threshold": 1000.0, "rate": 4.0})]
# One quarter, already over: its settlement can be created today without moving the clock
# (the HTTP server answers the RPC calls in real time).
PAST_QUARTER = {"date_start": date(2025, 1, 1), "date_end": date(2025, 3, 31)}


class SettlementRpcCase(RebateRpcCase):
    def setUp(self):
        super().setUp()
        self.company.rebate_settlement_approval_limit = 1000.0

    def earned_settlement(self, **overrides):
        """The settlement of a quarter that earned 52 (1,300 of sales at 4 %)."""
        agreement = self.approved_agreement(tier_ids=TIERS, **PAST_QUARTER, **overrides)
        self.invoice([(self.product, 80, 10.0)], date(2025, 1, 10))
        self.invoice([(self.product, 50, 10.0)], date(2025, 2, 10))
        settlement = agreement.with_user(self.accountant).action_settle()
        self.assertEqual(len(settlement), 1)
        self.assertEqual(settlement.amount_earned, 52.0)
        return settlement.with_env(self.env)

    def payouts(self, settlement):
        """(credit notes, payments, settlement rows in the ledger) of a settlement."""
        return (
            self.env["account.move"].search_count(
                [("move_type", "=", "out_refund"), ("ref", "=", settlement.name)]
            ),
            self.env["account.payment"].search_count([("memo", "=", settlement._payout_label())]),
            self.env["rebate.entry"].search_count(
                [("settlement_id", "=", settlement.id), ("entry_type", "=", "settlement")]
            ),
        )

    def snapshot(self, settlement):
        self.env.invalidate_all()
        return (
            settlement.state,
            settlement.confirmed_by_id.id,
            settlement.approved_by_id.id,
            settlement.amount_earned,
            settlement.payout_method,
            settlement.partner_bank_id.id,
            settlement.credit_note_id.id,
            settlement.payment_id.id,
            settlement.period_id.state,
            self.payouts(settlement),
        )


@tagged("post_install", "-at_install", "customer_rebate")
class TestSettlementSecurity(SettlementRpcCase):
    def test_posted_settlement_cannot_be_posted_again(self):
        """An accountant writes a posted settlement back to confirmed and posts it again:
        refused over both protocols; one credit note, one settlement row in the ledger."""
        settlement = self.earned_settlement()
        self.xmlrpc(self.accountant, "rebate.settlement", "action_confirm", [settlement.id])
        # The same id twice in one call posts once.
        self.jsonrpc(
            self.accountant, "rebate.settlement", "action_post", [settlement.id, settlement.id]
        )
        self.env.invalidate_all()
        self.assertEqual(settlement.state, "posted")
        self.assertEqual(self.payouts(settlement), (1, 0, 1))
        for label, call in self.both():
            with self.subTest(protocol=label):
                for user in (self.accountant, self.manager):
                    self.assertRefused(
                        call,
                        user,
                        "rebate.settlement",
                        "write",
                        [settlement.id],
                        {"state": "confirmed"},
                        unchanged=lambda: self.snapshot(settlement),
                    )
                    refusal = self.assertRefused(
                        call,
                        user,
                        "rebate.settlement",
                        "action_post",
                        [settlement.id],
                        unchanged=lambda: self.snapshot(settlement),
                    )
                    self.assertIn("already posted", refusal.message)
                    self.assertRefused(
                        call,
                        user,
                        "rebate.settlement",
                        "action_confirm",
                        [settlement.id],
                        unchanged=lambda: self.snapshot(settlement),
                    )
        self.assertEqual(self.payouts(settlement), (1, 0, 1), "one payout, ever")

    def test_accountant_cannot_forge_the_approval(self):
        """Above the approval limit, an accountant writes the state or the approver to post
        alone: refused; posting stays refused until another manager approves."""
        self.company.rebate_settlement_approval_limit = 40.0
        settlement = self.earned_settlement()
        self.xmlrpc(self.accountant, "rebate.settlement", "action_confirm", [settlement.id])
        self.env.invalidate_all()
        self.assertTrue(settlement.needs_approval)
        for label, call in self.both():
            with self.subTest(protocol=label):
                for forged in (
                    {"state": "approved"},
                    {"approved_by_id": self.manager.id},
                    {"state": "approved", "approved_by_id": self.manager_other.id},
                    {"confirmed_by_id": self.manager.id},
                ):
                    self.assertRefused(
                        call,
                        self.accountant,
                        "rebate.settlement",
                        "write",
                        [settlement.id],
                        forged,
                        unchanged=lambda: self.snapshot(settlement),
                    )
                refusal = self.assertRefused(
                    call,
                    self.accountant,
                    "rebate.settlement",
                    "action_post",
                    [settlement.id],
                    unchanged=lambda: self.snapshot(settlement),
                )
                self.assertIn("approval limit", refusal.message)
                self.assertRefused(
                    call,
                    self.accountant,
                    "rebate.settlement",
                    "action_approve",
                    [settlement.id],
                    unchanged=lambda: self.snapshot(settlement),
                )
        self.assertEqual(self.payouts(settlement), (0, 0, 0))
        self.xmlrpc(self.manager, "rebate.settlement", "action_approve", [settlement.id])
        self.jsonrpc(self.accountant, "rebate.settlement", "action_post", [settlement.id])
        self.env.invalidate_all()
        self.assertEqual((settlement.state, settlement.approved_by_id), ("posted", self.manager))

    def test_manager_cannot_rewrite_the_confirmer_then_approve(self):
        """A manager confirms, rewrites the confirmer to another manager, then approves his
        own confirmation: each step refused; the other manager approves."""
        self.company.rebate_settlement_approval_limit = 40.0
        settlement = self.earned_settlement()
        self.jsonrpc(self.manager, "rebate.settlement", "action_confirm", [settlement.id])
        self.env.invalidate_all()
        self.assertEqual(settlement.confirmed_by_id, self.manager)
        for label, call in self.both():
            with self.subTest(protocol=label):
                self.assertRefused(
                    call,
                    self.manager,
                    "rebate.settlement",
                    "write",
                    [settlement.id],
                    {"confirmed_by_id": self.manager_other.id},
                    unchanged=lambda: self.snapshot(settlement),
                )
                refusal = self.assertRefused(
                    call,
                    self.manager,
                    "rebate.settlement",
                    "action_approve",
                    [settlement.id],
                    unchanged=lambda: self.snapshot(settlement),
                )
                self.assertIn("You confirmed", refusal.message)
        self.xmlrpc(self.manager_other, "rebate.settlement", "action_approve", [settlement.id])
        self.env.invalidate_all()
        self.assertEqual(settlement.approved_by_id, self.manager_other)
        for label, call in self.both():
            with self.subTest(protocol=label):
                self.assertRefused(
                    call,
                    self.manager,
                    "rebate.settlement",
                    "write",
                    [settlement.id],
                    {"approved_by_id": self.manager.id, "state": "confirmed"},
                    unchanged=lambda: self.snapshot(settlement),
                )

    def test_confirmer_never_approves(self):
        """The manager who confirmed cannot approve, over either protocol, even below the
        limit; nor can an accountant, a rep or a plain employee."""
        settlement = self.earned_settlement()
        self.xmlrpc(self.manager, "rebate.settlement", "action_confirm", [settlement.id])
        for label, call in self.both():
            with self.subTest(protocol=label):
                for user in (self.manager, self.accountant, self.rep, self.stranger):
                    self.assertRefused(
                        call,
                        user,
                        "rebate.settlement",
                        "action_approve",
                        [settlement.id],
                        unchanged=lambda: self.snapshot(settlement),
                    )

    def test_settlements_are_created_by_the_settlement_code_only(self):
        settlement = self.earned_settlement()
        vals = {
            "agreement_id": settlement.agreement_id.id,
            "period_id": settlement.period_id.id,
            "payout_method": "credit_note",
            "amount_earned": 99999.0,
            "state": "approved",
        }
        count = self.env["rebate.settlement"].search_count
        for label, call in self.both():
            with self.subTest(protocol=label):
                for user in (self.manager, self.accountant, self.rep, self.auditor):
                    self.assertRefused(
                        call,
                        user,
                        "rebate.settlement",
                        "create",
                        [vals],
                        unchanged=lambda: count([]),
                    )
                    self.assertRefused(
                        call,
                        user,
                        "rebate.settlement",
                        "copy",
                        [settlement.id],
                        unchanged=lambda: count([]),
                    )
                for user in (self.rep, self.stranger, self.auditor, self.portal_a):
                    self.assertRefused(
                        call,
                        user,
                        "rebate.agreement",
                        "action_settle",
                        [settlement.agreement_id.id],
                        unchanged=lambda: count([]),
                    )
                for user in (self.manager, self.accountant):
                    for private in ("_create_for_periods", "_post", "_compute_amounts"):
                        self.assertRefused(
                            call,
                            user,
                            "rebate.settlement",
                            private,
                            [settlement.id],
                            unchanged=lambda: (count([]), self.snapshot(settlement)),
                        )
        # Nor by server code that bypasses the access rights: the guard holds for sudo.
        for forged in (vals, {"agreement_id": settlement.agreement_id.id}):
            with self.assertRaisesRegex(UserError, "own buttons"):
                self.env["rebate.settlement"].sudo().create(forged)

    def test_outsiders_neither_read_nor_act(self):
        """The customer's portal users and plain employees see no settlement and run none of
        its actions; a sales rep reads but acts on nothing."""
        settlement = self.earned_settlement()
        for label, call in self.both():
            with self.subTest(protocol=label):
                for user in (self.portal_a, self.portal_b, self.stranger):
                    self.assertRefused(
                        call, user, "rebate.settlement", "read", [settlement.id], ["state"]
                    )
                for user in (self.portal_a, self.stranger, self.rep):
                    for method in ("action_confirm", "action_post", "action_cancel"):
                        self.assertRefused(
                            call,
                            user,
                            "rebate.settlement",
                            method,
                            [settlement.id],
                            unchanged=lambda: self.snapshot(settlement),
                        )
                    self.assertRefused(
                        call,
                        user,
                        "rebate.settlement",
                        "write",
                        [settlement.id],
                        {"payout_method": "balance"},
                        unchanged=lambda: self.snapshot(settlement),
                    )

    def test_payout_method_and_account_change_only_while_draft(self):
        settlement = self.earned_settlement()
        self.xmlrpc(
            self.accountant,
            "rebate.settlement",
            "write",
            [settlement.id],
            {"payout_method": "balance"},
        )
        self.env.invalidate_all()
        self.assertEqual(settlement.payout_method, "balance", "a draft is finance's to prepare")
        for label, call in self.both():
            with self.subTest(protocol=label):
                for wrong in (
                    {"payout_method": "cash_in_envelope"},
                    {"partner_bank_id": "6222 0000 9999"},
                    {"partner_bank_id": [1, 2]},
                ):
                    self.assertRefused(
                        call,
                        self.accountant,
                        "rebate.settlement",
                        "write",
                        [settlement.id],
                        wrong,
                        unchanged=lambda: self.snapshot(settlement),
                    )
        self.xmlrpc(self.accountant, "rebate.settlement", "action_confirm", [settlement.id])
        for label, call in self.both():
            with self.subTest(protocol=label):
                refusal = self.assertRefused(
                    call,
                    self.accountant,
                    "rebate.settlement",
                    "write",
                    [settlement.id],
                    {"payout_method": "credit_note"},
                    unchanged=lambda: self.snapshot(settlement),
                )
                self.assertIn("no longer a draft", refusal.message)

    def test_wrong_ids_answer_a_clear_error(self):
        settlement = self.earned_settlement()
        for label, call in self.both():
            with self.subTest(protocol=label):
                for ids in (["abc"], [999999999], [True], [[1]]):
                    self.assertRefused(
                        call,
                        self.accountant,
                        "rebate.agreement",
                        "action_settle",
                        ids,
                        unchanged=lambda: self.env["rebate.settlement"].search_count([]),
                    )
                for ids in (["abc"], [settlement.id, "x"], [999999999], [True]):
                    for method in ("action_confirm", "action_post", "action_cancel"):
                        self.assertRefused(
                            call,
                            self.accountant,
                            "rebate.settlement",
                            method,
                            ids,
                            unchanged=lambda: self.snapshot(settlement),
                        )

    def test_every_guarded_field_refused_to_every_writer(self):
        """One write per guarded field, by the roles that may write settlements: each
        refused with nothing written."""
        settlement = self.earned_settlement()
        Settlement = self.env["rebate.settlement"]
        invoice = self.env["account.move"].search([("move_type", "=", "out_invoice")], limit=1)
        values = {
            "name": "FORGED-0001",
            "agreement_id": self.create_agreement(tier_ids=TIERS).id,
            "period_id": self.env["rebate.agreement.period"]
            .search([("id", "!=", settlement.period_id.id)], limit=1)
            .id,
            "period_date_to": "2020-01-01",
            "partner_id": self.customer_b.id,
            "company_id": self.company.id,
            "currency_id": self.env.ref("base.USD").id,
            "amount_earned": 99999.0,
            "amount_accrued": 99999.0,
            "amount_difference": 99999.0,
            "volume": 99999.0,
            "state": "posted",
            "confirmed_by_id": self.manager_other.id,
            "approved_by_id": self.manager_other.id,
            "posted_date": "2020-01-01",
            "move_ids": [[6, 0, invoice.ids]],
            "credit_note_id": invoice.id,
            "payment_id": 1,
            "entry_ids": [[6, 0, self.ledger(settlement.agreement_id).ids]],
            "balance_line_ids": [[6, 0, []]],
            "supplementary_of_id": settlement.id,
        }
        self.assertEqual(set(values), set(Settlement._guarded_fields), "a value per field")
        for label, call in self.both():
            for name in Settlement._guarded_fields:
                with self.subTest(protocol=label, field=name):
                    for user in (self.manager, self.accountant):
                        self.assertRefused(
                            call,
                            user,
                            "rebate.settlement",
                            "write",
                            [settlement.id],
                            {name: values[name]},
                            unchanged=lambda: (
                                self.snapshot(settlement),
                                settlement.name,
                                settlement.agreement_id.id,
                                settlement.period_id.id,
                                settlement.volume,
                                settlement.posted_date,
                                settlement.move_ids.ids,
                                settlement.entry_ids.ids,
                            ),
                        )


@tagged("post_install", "-at_install", "customer_rebate")
class TestPayoutTargetSecurity(SettlementRpcCase):
    def bank(self, partner, number, trusted=True, holder=None):
        bank = self.env["res.partner.bank"].create({"acc_number": number, "partner_id": partner.id})
        bank.write({"allow_out_payment": trusted, "acc_holder_name": holder or partner.name})
        return bank

    def test_payouts_only_to_the_customers_own_trusted_account(self):
        settlement = self.earned_settlement(payout_method="payment")
        forbidden = {
            "not trusted for outgoing payments": self.bank(
                self.customer, "6222 1000 0001", trusted=False
            ),
            "held in the name of": self.bank(
                self.customer, "6222 1000 0002", holder="Zhang San Trading"
            ),
            "belongs to": self.bank(self.customer_b, "6222 1000 0003"),
        }
        for label, call in self.both():
            for message, bank in forbidden.items():
                with self.subTest(protocol=label, refusal=message):
                    call(
                        self.accountant,
                        "rebate.settlement",
                        "write",
                        [settlement.id],
                        {"partner_bank_id": bank.id},
                    )
                    refusal = self.assertRefused(
                        call,
                        self.accountant,
                        "rebate.settlement",
                        "action_confirm",
                        [settlement.id],
                        unchanged=lambda: self.snapshot(settlement),
                    )
                    self.assertIn(message, refusal.message)
        own = self.bank(self.customer, "6222 1000 0004", holder=False)
        self.xmlrpc(
            self.accountant,
            "rebate.settlement",
            "write",
            [settlement.id],
            {"partner_bank_id": own.id},
        )
        self.xmlrpc(self.accountant, "rebate.settlement", "action_confirm", [settlement.id])
        # The account changes between confirmation and posting: checked again at post.
        own.write({"acc_holder_name": "Zhang San Trading"})
        for label, call in self.both():
            with self.subTest(protocol=label):
                refusal = self.assertRefused(
                    call,
                    self.accountant,
                    "rebate.settlement",
                    "action_post",
                    [settlement.id],
                    unchanged=lambda: self.snapshot(settlement),
                )
                self.assertIn("held in the name of", refusal.message)
                self.assertRefused(
                    call,
                    self.accountant,
                    "rebate.settlement",
                    "write",
                    [settlement.id],
                    {"partner_bank_id": forbidden["belongs to"].id},
                    unchanged=lambda: self.snapshot(settlement),
                )
        own.write({"acc_holder_name": self.customer.name, "allow_out_payment": False})
        refusal = self.assertRefused(
            self.jsonrpc,
            self.accountant,
            "rebate.settlement",
            "action_post",
            [settlement.id],
            unchanged=lambda: self.snapshot(settlement),
        )
        self.assertIn("not trusted", refusal.message)
        own.allow_out_payment = True
        self.jsonrpc(self.accountant, "rebate.settlement", "action_post", [settlement.id])
        self.env.invalidate_all()
        self.assertEqual(settlement.state, "posted")
        self.assertEqual(settlement.payment_id.partner_bank_id, own)
        self.assertEqual(self.payouts(settlement), (0, 1, 1))


@tagged("post_install", "-at_install", "customer_rebate")
class TestRebateBalanceSecurity(SettlementRpcCase):
    def setUp(self):
        super().setUp()
        settlement = self.earned_settlement(payout_method="balance")
        settlement.with_user(self.accountant).action_confirm()
        settlement.with_user(self.accountant).action_post()
        self.credit = settlement.balance_line_ids
        self.assertEqual(self.credit.amount, 52.0)
        self.balance_product = self.env.ref("customer_rebate.product_rebate_balance")

    def quotation(self):
        return (
            self.env["sale.order"]
            .with_user(self.rep)
            .create(
                {
                    "partner_id": self.customer_contact.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "product_uom_qty": 20,
                                "price_unit": 10.0,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
            .with_env(self.env)
        )

    def state_of(self, order):
        self.env.invalidate_all()
        return (
            self.credit.remaining,
            order.amount_untaxed,
            sorted(
                (line.product_id.id, line.product_uom_qty, line.price_unit, line.discount)
                for line in order.order_line
            ),
        )

    def test_balance_product_only_through_the_balance_flow(self):
        order = self.quotation()
        other = self.quotation()
        product_line = other.order_line
        line_vals = {
            "order_id": order.id,
            "product_id": self.balance_product.id,
            "name": "Rebate balance used",
            "product_uom_qty": 1.0,
            "price_unit": -150.0,
            "tax_ids": [[5, 0, 0]],
        }
        for label, call in self.both():
            with self.subTest(protocol=label):
                for user in (self.rep, self.manager):
                    self.assertRefused(
                        call,
                        user,
                        "sale.order.line",
                        "create",
                        [line_vals],
                        unchanged=lambda: self.state_of(order),
                    )
                    self.assertRefused(
                        call,
                        user,
                        "sale.order",
                        "write",
                        [order.id],
                        {
                            "order_line": [
                                [0, 0, {k: v for k, v in line_vals.items() if k != "order_id"}]
                            ]
                        },
                        unchanged=lambda: self.state_of(order),
                    )
                    self.assertRefused(
                        call,
                        user,
                        "sale.order.line",
                        "write",
                        [product_line.id],
                        {"product_id": self.balance_product.id, "price_unit": -150.0},
                        unchanged=lambda: self.state_of(other),
                    )
                    # The product sent in another form than an id: refused all the same.
                    for product in (
                        str(self.balance_product.id),
                        {"id": self.balance_product.id},
                        [self.balance_product.id],
                    ):
                        self.assertRefused(
                            call,
                            user,
                            "sale.order.line",
                            "create",
                            [{**line_vals, "product_id": product}],
                            unchanged=lambda: self.state_of(order),
                        )
                        self.assertRefused(
                            call,
                            user,
                            "sale.order.line",
                            "write",
                            [product_line.id],
                            {"product_id": product},
                            unchanged=lambda: self.state_of(other),
                        )
                    self.assertRefused(
                        call,
                        user,
                        "sale.order.line",
                        "write",
                        [product_line.id],
                        {"product_template_id": self.balance_product.product_tmpl_id.id},
                        unchanged=lambda: self.state_of(other),
                    )
        call_apply = self.jsonrpc(self.rep, "sale.order", "action_apply_rebate_balance", [order.id])
        self.assertTrue(call_apply)
        self.env.invalidate_all()
        balance_line = order.order_line.filtered(
            lambda line: line.product_id == self.balance_product
        )
        self.assertEqual(balance_line.price_unit, -52.0, "no cap: the whole balance")
        self.assertEqual(self.credit.remaining, 0.0)
        for label, call in self.both():
            with self.subTest(protocol=label):
                for forged in (
                    {"price_unit": -500.0},
                    {"product_uom_qty": 10.0},
                    {"discount": -100.0},
                    {"product_id": self.product.id},
                    {"order_id": other.id},
                    {"tax_ids": [[6, 0, []]]},
                ):
                    self.assertRefused(
                        call,
                        self.rep,
                        "sale.order.line",
                        "write",
                        [balance_line.id],
                        forged,
                        unchanged=lambda: (self.state_of(order), self.state_of(other)),
                    )
                    self.assertRefused(
                        call,
                        self.rep,
                        "sale.order",
                        "write",
                        [order.id],
                        {"order_line": [[1, balance_line.id, forged]]},
                        unchanged=lambda: self.state_of(order),
                    )
        # The balance does not follow the quotation to another customer.
        for label, call in self.both():
            with self.subTest(protocol=label):
                self.assertRefused(
                    call,
                    self.rep,
                    "sale.order",
                    "write",
                    [order.id],
                    {"partner_id": self.customer_b.id},
                    unchanged=lambda: (self.state_of(order), order.partner_id.id),
                )
        # The description may change; deleting the line gives the balance back.
        self.xmlrpc(
            self.rep, "sale.order.line", "write", [balance_line.id], {"name": "Rebate 2025 Q1"}
        )
        self.xmlrpc(self.rep, "sale.order.line", "unlink", [balance_line.id])
        self.env.invalidate_all()
        self.assertEqual(self.credit.remaining, 52.0)

    def test_every_guarded_balance_field_refused(self):
        """Balance history is written by the balance flow only: refused over RPC to every
        role, and to server code running as the superuser outside the flow."""
        Balance = self.env["rebate.balance.line"]
        values = {
            "partner_id": self.customer_b.id,
            "company_id": self.company.id,
            "currency_id": self.env.ref("base.USD").id,
            "agreement_id": self.credit.agreement_id.id,
            "settlement_id": self.credit.settlement_id.id,
            "kind": "use",
            "amount": 99999.0,
            "date": "2020-01-01",
            "expiry_date": "2099-12-31",
            "credit_id": self.credit.id,
            "use_line_ids": [[6, 0, []]],
            "sale_line_id": 1,
            "order_id": 1,
            "move_id": self.credit.move_id.id,
        }
        self.assertEqual(set(values), set(Balance._guarded_fields), "a value per field")

        def history():
            self.env.invalidate_all()
            lines = Balance.search([("partner_id", "in", (self.customer | self.customer_b).ids)])
            return sorted((line.id, line.kind, line.amount, line.expiry_date) for line in lines)

        for label, call in self.both():
            for name, value in values.items():
                with self.subTest(protocol=label, field=name):
                    for user in (self.manager, self.accountant, self.rep):
                        self.assertRefused(
                            call,
                            user,
                            "rebate.balance.line",
                            "write",
                            [self.credit.id],
                            {name: value},
                            unchanged=history,
                        )
        for name in ("amount", "expiry_date", "kind"):
            with self.subTest(field=name), self.assertRaisesRegex(UserError, "own buttons"):
                self.credit.sudo().write({name: values[name]})
        with self.assertRaisesRegex(UserError, "own buttons"):
            Balance.sudo().create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "currency_id": self.company.currency_id.id,
                    "kind": "credit",
                    "amount": 99999.0,
                }
            )
        self.assertEqual(self.credit.remaining, 52.0)

    def test_copy_and_cancel_give_the_balance_back(self):
        order = self.quotation()
        order.with_user(self.rep).action_apply_rebate_balance()
        self.assertEqual(self.credit.remaining, 0.0)
        copy_ids = self.xmlrpc(self.rep, "sale.order", "copy", [order.id])
        copy = self.env["sale.order"].browse(copy_ids)
        self.env.invalidate_all()
        self.assertEqual(copy.order_line.product_id, self.product)
        self.assertEqual(self.credit.remaining, 0.0, "a copy does not spend again")
        self.xmlrpc(self.rep, "sale.order", "action_cancel", [order.id])
        self.env.invalidate_all()
        self.assertEqual(self.credit.remaining, 52.0)
        # Back to a quotation, the line the balance no longer backs cannot be confirmed.
        self.xmlrpc(self.rep, "sale.order", "action_draft", [order.id])
        refusal = self.assertRefused(
            self.jsonrpc,
            self.rep,
            "sale.order",
            "action_confirm",
            [order.id],
            unchanged=lambda: (self.state_of(order), order.state),
        )
        self.assertIn("no longer backed", refusal.message)
        balance_line = order.order_line.filtered(
            lambda line: line.product_id == self.balance_product
        )
        self.xmlrpc(self.rep, "sale.order.line", "unlink", balance_line.ids)
        self.xmlrpc(self.rep, "sale.order", "action_apply_rebate_balance", [order.id])
        self.xmlrpc(self.rep, "sale.order", "action_confirm", [order.id])
        self.env.invalidate_all()
        self.assertEqual((order.state, order.amount_untaxed), ("sale", 148.0))
        self.assertEqual(self.credit.remaining, 0.0)

    def test_apply_balance_refused_to_others_and_on_bad_ids(self):
        order = self.quotation()
        second = self.quotation()
        for label, call in self.both():
            with self.subTest(protocol=label):
                for user, ids in (
                    (self.rep, [order.id, second.id]),
                    (self.rep, ["abc"]),
                    (self.rep, []),
                    (self.rep, [999999999]),
                    (self.stranger, [order.id]),
                    (self.portal_a, [order.id]),
                ):
                    self.assertRefused(
                        call,
                        user,
                        "sale.order",
                        "action_apply_rebate_balance",
                        ids,
                        unchanged=lambda: self.state_of(order),
                    )
        self.assertEqual(self.credit.remaining, 52.0)
