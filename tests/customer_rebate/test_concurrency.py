"""Two invoices of one customer posted at the same time, in two real transactions.

The test cases' own cursor never commits, so this test works with cursors of its own on
the test database: it commits its fixtures, posts in two threads, reads the result and
deletes everything it made (finally, whatever happened)."""

import threading
import time
from contextlib import closing
from datetime import date

from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.service.model import retrying
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install", "customer_rebate")
class TestAccrualConcurrency(TransactionCase):
    def cursor(self):
        return closing(db_connect(self.env.cr.dbname).cursor())

    def make_fixtures(self):
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env.company._rebate_accounting()
            # An established customer: Odoo bumps a new customer's rank on its first invoice
            # with a write that would itself serialize the two postings.
            partner = env["res.partner"].create(
                {"name": "Concurrent Tea Co", "is_company": True, "customer_rank": 5}
            )
            category = env["product.category"].create({"name": "Concurrent Beverages"})
            product = env["product.product"].create(
                {"name": "Concurrent Green Tea", "categ_id": category.id}
            )
            agreement = env["rebate.agreement"].create(
                {
                    "title": "Concurrent volume rebate",
                    "partner_id": partner.id,
                    "date_start": date(2027, 1, 1),
                    "date_end": date(2027, 12, 31),
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
            agreement.write({"state": "approved"})
            agreement._generate_periods()
            # Two sales journals: the invoices share no sequence, so nothing but the rebate
            # ledger makes the two postings wait for each other.
            journals = env["account.journal"].search(
                [("type", "=", "sale"), ("company_id", "=", env.company.id)], limit=1
            )
            journals |= env["account.journal"].create(
                {"name": "Concurrent Sales", "code": "CCSAL", "type": "sale"}
            )
            invoices = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "journal_id": journal.id,
                        "invoice_date": day,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "product_id": product.id,
                                    "quantity": quantity,
                                    "price_unit": 10.0,
                                    "tax_ids": [Command.clear()],
                                }
                            )
                        ],
                    }
                    for journal, day, quantity in zip(
                        journals, (date(2027, 1, 10), date(2027, 1, 20)), (80, 50), strict=True
                    )
                ]
            )
            cr.commit()  # pylint: disable=invalid-commit
            return {
                "partner": partner.id,
                "category": category.id,
                "product": product.id,
                "agreement": agreement.id,
                "journal": journals[1].id,
                "invoices": tuple(invoices.ids),
            }

    def purge(self, made):
        """Delete what make_fixtures and the postings committed (ledger rows and posted
        entries cannot be deleted through the ORM, rightly)."""
        with self.cursor() as cr:
            invoices = made["invoices"]
            cr.execute(
                "DELETE FROM rebate_entry WHERE agreement_id = %s OR invoice_id IN %s",
                [made["agreement"], invoices],
            )
            cr.execute(
                "DELETE FROM account_move WHERE id IN %s OR rebate_source_invoice_id IN %s",
                [invoices, invoices],
            )
            cr.execute("DELETE FROM rebate_agreement WHERE id = %s", [made["agreement"]])
            cr.execute(
                "WITH journal AS (DELETE FROM account_journal WHERE id = %s RETURNING alias_id) "
                "DELETE FROM mail_alias WHERE id IN (SELECT alias_id FROM journal)",
                [made["journal"]],
            )
            cr.execute(
                "DELETE FROM product_template WHERE id IN "
                "(SELECT product_tmpl_id FROM product_product WHERE id = %s)",
                [made["product"]],
            )
            cr.execute("DELETE FROM product_category WHERE id = %s", [made["category"]])
            cr.execute("DELETE FROM res_partner WHERE id = %s", [made["partner"]])
            cr.commit()  # pylint: disable=invalid-commit

    def post_in_thread(self, invoice_id, outcome, name, *, before=None, after=None):
        """Post one invoice in a transaction of its own, run as Odoo runs a request:
        retried on serialization errors, then committed (odoo.service.model.retrying).
        `after` runs once posted, before the commit (to hold the transaction open)."""

        def run():
            try:
                with self.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    attempts = []

                    def post():
                        attempts.append(time.monotonic())
                        env["account.move"].browse(invoice_id).action_post()
                        if after:
                            after()

                    if before:
                        before(cr)
                    retrying(post, env)
                    outcome[name] = len(attempts)
            except Exception as error:  # reported by the test below
                outcome[name] = error

        return threading.Thread(target=run, name=f"rebate-concurrency-{name}")

    def test_invoices_posted_at_once_accrue_as_if_one_after_the_other(self):
        made = self.make_fixtures()
        try:
            first, second = made["invoices"]
            outcome = {}
            first_posted = threading.Event()
            second_started = threading.Event()

            def hold_open():
                # The second transaction has begun (it reads the database as of now, without
                # the first's rows) before the first commits.
                first_posted.set()
                second_started.wait(30)
                time.sleep(0.3)  # most likely it is waiting on the first by now

            def start_second(cr):
                first_posted.wait(30)
                cr.execute("SELECT 1")
                second_started.set()

            threads = [
                self.post_in_thread(first, outcome, "first", after=hold_open),
                self.post_in_thread(second, outcome, "second", before=start_second),
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            self.assertEqual(outcome.get("first"), 1, outcome)
            self.assertIsInstance(outcome.get("second"), int, outcome)
            with self.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                agreement = env["rebate.agreement"].browse(made["agreement"])
                entries = env["rebate.entry"].search([("agreement_id", "=", agreement.id)])
                self.assertEqual(
                    round(sum(entries.mapped("amount")), 2),
                    52.0,
                    "1,300 x 4 %: the second invoice carries the catch-up on the first",
                )
                report = env["rebate.accrual"]._recompute_periods(agreement.period_ids)
                self.assertFalse([row for row in report if row["difference"]])
            self.assertGreaterEqual(
                outcome["second"], 2, "the second posting ran again on the committed ledger"
            )
        finally:
            self.purge(made)
