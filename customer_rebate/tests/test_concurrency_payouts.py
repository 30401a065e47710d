"""Payouts under concurrency, in real transactions: one rebate balance applied by three
quotations at the same moment, one settlement posted from two sessions at once.

The test cases' own cursor never commits, so these tests work with cursors of their own on
the test database: they commit their fixtures, act in threads (each run as Odoo runs a
request: retried on serialization errors, then committed), read the result and delete
everything they made (finally, whatever happened)."""

import threading
from contextlib import closing
from datetime import date

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.service.model import retrying
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged

from odoo.addons.customer_rebate.tools import guard

from .common import run_threads


@tagged("post_install", "-at_install", "customer_rebate")
class TestPayoutConcurrency(TransactionCase):
    def cursor(self):
        return closing(db_connect(self.env.cr.dbname).cursor())

    def run_at_once(self, calls):
        """Run each `call(env)` in a thread of its own, all starting together (each has
        read the database before any commits). Returns {name: attempts or exception}."""
        outcome = {}
        barrier = threading.Barrier(len(calls), timeout=30)

        def run(name, call):
            try:
                with self.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    attempts = []
                    cr.execute("SELECT 1")  # the transaction's snapshot, before anyone commits
                    barrier.wait()

                    def act():
                        attempts.append(name)
                        call(env)

                    retrying(act, env)
                    outcome[name] = len(attempts)
            except Exception as error:  # reported by the tests
                outcome[name] = error

        threads = [
            threading.Thread(target=run, args=(name, call), name=f"rebate-payout-{name}")
            for name, call in calls.items()
        ]
        run_threads(threads, 90)
        return outcome

    def purge(self, made):
        """Delete what the fixtures and the threads committed (ledger rows and posted
        entries cannot be deleted through the ORM, rightly)."""
        with self.cursor() as cr:
            partner = made["partner"]
            cr.execute("DELETE FROM rebate_balance_line WHERE partner_id = %s", [partner])
            cr.execute("DELETE FROM sale_order WHERE partner_id = %s", [partner])
            if made.get("agreement"):
                cr.execute("DELETE FROM rebate_entry WHERE agreement_id = %s", [made["agreement"]])
                cr.execute(
                    "DELETE FROM mail_activity WHERE res_model = 'rebate.settlement' AND res_id IN "
                    "(SELECT id FROM rebate_settlement WHERE agreement_id = %s)",
                    [made["agreement"]],
                )
                cr.execute(
                    "DELETE FROM rebate_settlement WHERE agreement_id = %s", [made["agreement"]]
                )
            cr.execute(
                "DELETE FROM account_move WHERE id IN "
                "(SELECT move_id FROM account_move_line WHERE partner_id = %s)",
                [partner],
            )
            if made.get("agreement"):
                cr.execute("DELETE FROM rebate_agreement WHERE id = %s", [made["agreement"]])
            cr.execute(
                "DELETE FROM product_template WHERE id IN "
                "(SELECT product_tmpl_id FROM product_product WHERE id = %s)",
                [made["product"]],
            )
            cr.execute("DELETE FROM product_category WHERE id = %s", [made["category"]])
            cr.execute("DELETE FROM res_partner WHERE id = %s", [partner])
            cr.commit()  # pylint: disable=invalid-commit

    def make_customer(self, env, name):
        env.company._rebate_accounting()
        # An established customer: Odoo bumps a new customer's rank on its first invoice
        # with a write that would itself serialize the transactions.
        partner = env["res.partner"].create({"name": name, "is_company": True, "customer_rank": 5})
        category = env["product.category"].create({"name": f"{name} Beverages"})
        product = env["product.product"].create({"name": f"{name} Tea", "categ_id": category.id})
        return partner, category, product

    # ------------------------------------------------------------------ balance

    def make_balance_fixtures(self):
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner, category, product = self.make_customer(env, "Concurrent Balance Co")
            credit = env["rebate.balance.line"]._guarded_create(
                {
                    "partner_id": partner.id,
                    "company_id": env.company.id,
                    "currency_id": env.company.currency_id.id,
                    "kind": "credit",
                    "amount": 1000.0,
                }
            )
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": product.id,
                                    "product_uom_qty": 1,
                                    "price_unit": 2000.0,
                                    "tax_ids": [Command.clear()],
                                }
                            )
                        ],
                    }
                    for _i in range(3)
                ]
            )
            self.assertEqual(orders.mapped("rebate_balance_usable"), [1000.0] * 3)
            cr.commit()  # pylint: disable=invalid-commit
            return {
                "partner": partner.id,
                "category": category.id,
                "product": product.id,
                "credit": credit.id,
                "orders": orders.ids,
            }

    def test_one_balance_applied_by_three_quotations_at_once(self):
        """Three sessions apply the customer's 1,000 balance to three quotations at the same
        moment: one applies it, the two others are told nothing is left; never below zero."""
        made = self.make_balance_fixtures()
        try:

            def apply(order_id):
                return lambda env: env["sale.order"].browse(order_id).action_apply_rebate_balance()

            outcome = self.run_at_once({order: apply(order) for order in made["orders"]})
            applied = [name for name, result in outcome.items() if isinstance(result, int)]
            refused = [result for result in outcome.values() if isinstance(result, UserError)]
            self.assertEqual(len(applied), 1, outcome)
            self.assertEqual(len(refused), 2, outcome)
            for error in refused:
                self.assertIn("no rebate balance usable", str(error))
            with self.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                history = env["rebate.balance.line"].search([("partner_id", "=", made["partner"])])
                self.assertEqual(sorted(history.mapped("amount")), [-1000.0, 1000.0])
                self.assertEqual(env["rebate.balance.line"].browse(made["credit"]).remaining, 0.0)
                orders = env["sale.order"].browse(made["orders"])
                self.assertEqual(sorted(orders.mapped("amount_untaxed")), [1000.0, 2000.0, 2000.0])
                self.assertEqual(orders.browse(applied).amount_untaxed, 1000.0)
        finally:
            self.purge(made)

    # ------------------------------------------------------------------ settlement

    def make_settlement_fixtures(self):
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner, category, product = self.make_customer(env, "Concurrent Payout Co")
            agreement = env["rebate.agreement"].create(
                {
                    "title": "Concurrent payout rebate",
                    "partner_id": partner.id,
                    "date_start": date(2025, 1, 1),
                    "date_end": date(2025, 3, 31),
                    "calculation_method": "retroactive",
                    "basis": "amount",
                    "settlement_frequency": "quarterly",
                    "payout_method": "credit_note",
                    "estimated_yearly_amount": 5000.0,
                    "tier_ids": [
                        Command.create({"threshold": 0.0, "rate": 2.0}),
                        Command.create({"threshold": 1000.0, "rate": 4.0}),
                    ],
                }
            )
            # Approval is not what this test is about: the agreement is put in force as the
            # approval action would.
            with guard.internal_writes("rebate.agreement"):
                agreement.sudo().write({"state": "approved"})
            agreement._generate_periods()
            invoice = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": date(2025, 2, 10),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "quantity": 130,
                                "price_unit": 10.0,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
            invoice.action_post()
            env["rebate.accrual"]._cron_book_pending()
            settlement = env["rebate.settlement"]._create_for_periods(agreement.period_ids)
            settlement.action_confirm()
            self.assertEqual((settlement.state, settlement.amount_earned), ("confirmed", 52.0))
            cr.commit()  # pylint: disable=invalid-commit
            return {
                "partner": partner.id,
                "category": category.id,
                "product": product.id,
                "agreement": agreement.id,
                "settlement": settlement.id,
            }

    def test_one_settlement_posted_from_two_sessions_at_once(self):
        """Two sessions post the same settlement at the same moment: one posts it, the other
        is refused; one credit note, one settlement row in the ledger."""
        made = self.make_settlement_fixtures()
        try:

            def post(env):
                env["rebate.settlement"].browse(made["settlement"]).action_post()

            outcome = self.run_at_once({"first": post, "second": post})
            posted = [result for result in outcome.values() if isinstance(result, int)]
            refused = [result for result in outcome.values() if isinstance(result, UserError)]
            self.assertEqual((len(posted), len(refused)), (1, 1), outcome)
            self.assertIn("already posted", str(refused[0]))
            with self.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                settlement = env["rebate.settlement"].browse(made["settlement"])
                self.assertEqual(settlement.state, "posted")
                credit_notes = env["account.move"].search(
                    [("move_type", "=", "out_refund"), ("partner_id", "=", made["partner"])]
                )
                self.assertEqual(credit_notes, settlement.credit_note_id)
                self.assertEqual(credit_notes.amount_total, 52.0)
                rows = env["rebate.entry"].search(
                    [("settlement_id", "=", settlement.id), ("entry_type", "=", "settlement")]
                )
                self.assertEqual(rows.mapped("amount"), [-52.0], "one payout in the ledger")
        finally:
            self.purge(made)
