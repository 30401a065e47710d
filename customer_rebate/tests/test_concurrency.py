"""Two invoices of one customer posted at the same time, in two real transactions; two
approvals of one agreement given at the same time.

The test cases' own cursor never commits, so this test works with cursors of its own on
the test database: it commits its fixtures, posts in two threads, reads the result and
deletes everything it made (finally, whatever happened)."""

import threading
import time
from contextlib import closing
from datetime import date

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.service.model import retrying
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged

from .common import SIGNED_CONTRACT, run_threads


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
                    "signed_contract": SIGNED_CONTRACT,
                    "signed_contract_filename": "contract.pdf",
                    "tier_ids": [
                        Command.create({"threshold": 0.0, "rate": 2.0}),
                        Command.create({"threshold": 1000.0, "rate": 4.0}),
                    ],
                }
            )
            # Through the real workflow, by two people: the system submits, the
            # administrator (a rebate manager) approves, which makes the periods.
            agreement.action_submit()
            agreement.with_user(env.ref("base.user_admin")).action_approve()
            assert agreement.state == "approved" and agreement.period_ids, agreement.state
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
            # The approval's activities, chatter and followers name the agreement by id.
            agreement_ref = ["rebate.agreement", made["agreement"]]
            cr.execute(
                "DELETE FROM mail_activity WHERE res_model = %s AND res_id = %s", agreement_ref
            )
            cr.execute("DELETE FROM mail_message WHERE model = %s AND res_id = %s", agreement_ref)
            cr.execute(
                "DELETE FROM mail_followers WHERE res_model = %s AND res_id = %s", agreement_ref
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
            run_threads(threads, 60)
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


@tagged("post_install", "-at_install", "customer_rebate")
class TestApprovalConcurrency(TransactionCase):
    """The approval is judged on the approval history; two approvals given at once must not
    both read it before the other's decision: the agreement row is locked while deciding."""

    def cursor(self):
        return closing(db_connect(self.env.cr.dbname).cursor())

    def make_fixtures(self):
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner = env["res.partner"].create(
                {"name": "Concurrent Approval Co", "is_company": True}
            )
            agreement = env["rebate.agreement"].create(
                {
                    "title": "Concurrent approval",
                    "partner_id": partner.id,
                    "date_start": date(2027, 1, 1),
                    "date_end": date(2027, 12, 31),
                    "estimated_yearly_amount": 5000.0,
                    "signed_contract": SIGNED_CONTRACT,
                    "signed_contract_filename": "contract.pdf",
                    "tier_ids": [Command.create({"threshold": 0.0, "rate": 2.0})],
                }
            )
            agreement.action_submit()  # by the system: the administrator may approve
            cr.commit()  # pylint: disable=invalid-commit
            return {"partner": partner.id, "agreement": agreement.id}

    def purge(self, made):
        with self.cursor() as cr:
            agreement_ref = ["rebate.agreement", made["agreement"]]
            cr.execute(
                "DELETE FROM mail_activity WHERE res_model = %s AND res_id = %s", agreement_ref
            )
            cr.execute("DELETE FROM mail_message WHERE model = %s AND res_id = %s", agreement_ref)
            cr.execute(
                "DELETE FROM mail_followers WHERE res_model = %s AND res_id = %s", agreement_ref
            )
            cr.execute("DELETE FROM rebate_agreement WHERE id = %s", [made["agreement"]])
            cr.execute("DELETE FROM res_partner WHERE id = %s", [made["partner"]])
            cr.commit()  # pylint: disable=invalid-commit

    def approve_in_thread(self, agreement_id, outcome, name, *, before=None, after=None):
        """Approve as the administrator in a transaction of its own, run as Odoo runs a
        request: retried on serialization errors, then committed."""

        def run():
            try:
                with self.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    admin = env.ref("base.user_admin")
                    attempts = []

                    def approve():
                        attempts.append(time.monotonic())
                        env["rebate.agreement"].with_user(admin).browse(
                            agreement_id
                        ).action_approve(comment=name)
                        if after:
                            after()

                    if before:
                        before(cr)
                    retrying(approve, env)
                    outcome[name] = len(attempts)
            except Exception as error:  # reported by the test below
                outcome[name] = error

        return threading.Thread(target=run, name=f"rebate-approval-{name}")

    def test_two_approvals_at_once_one_passes(self):
        made = self.make_fixtures()
        try:
            outcome = {}
            first_done = threading.Event()
            second_started = threading.Event()

            def hold_open():
                first_done.set()
                second_started.wait(30)
                time.sleep(0.3)  # the second is most likely waiting on the row by now

            def start_second(cr):
                first_done.wait(30)
                cr.execute("SELECT 1")  # its snapshot: without the first's decision
                second_started.set()

            threads = [
                self.approve_in_thread(made["agreement"], outcome, "first", after=hold_open),
                self.approve_in_thread(made["agreement"], outcome, "second", before=start_second),
            ]
            run_threads(threads, 60)
            self.assertEqual(outcome.get("first"), 1, outcome)
            self.assertIsInstance(outcome.get("second"), UserError, outcome)
            self.assertIn("not waiting for approval", str(outcome["second"]))
            with self.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                agreement = env["rebate.agreement"].browse(made["agreement"])
                self.assertEqual(agreement.state, "approved")
                approvals = agreement.approval_ids.filtered(lambda a: a.decision == "approved")
                self.assertEqual(approvals.mapped("comment"), ["first"], "one decision only")
                self.assertEqual(len(agreement.period_ids), 4)
        finally:
            self.purge(made)
