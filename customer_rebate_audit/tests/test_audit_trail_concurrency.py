"""Two transactions appending to the same audit trail chain at the same time.

The test cases' own cursor never commits: this test works with cursors of its own, on the
chain of the records without a company, and puts that chain back as it found it."""

import threading
import time
from contextlib import closing

from odoo import SUPERUSER_ID, api
from odoo.service.model import retrying
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged

from odoo.addons.customer_rebate.tests.common import run_threads

PROBE = "audit trail concurrency probe"


@tagged("post_install", "-at_install", "customer_rebate_audit")
class TestAuditTrailConcurrency(TransactionCase):
    def cursor(self):
        return closing(db_connect(self.env.cr.dbname).cursor())

    def head(self, cr):
        cr.execute(
            "SELECT last_sequence, last_hash, last_log_id FROM rebate_audit_chain "
            "WHERE chain_key = 0"
        )
        return cr.fetchone()

    def append_in_thread(self, outcome, name, *, before=None, after=None):
        def run():
            try:
                with self.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    attempts = []

                    def append():
                        attempts.append(time.monotonic())
                        env["rebate.audit.log"]._append(
                            [
                                {
                                    "company_id": False,
                                    "res_model": "rebate.agreement",
                                    "res_id": 0,
                                    "record_name": f"{PROBE} {name}",
                                    "operation": "write",
                                    "changes": {"note": [name, name]},
                                }
                            ]
                        )
                        if after:
                            after()

                    if before:
                        before(cr)
                    retrying(append, env)
                    cr.commit()  # pylint: disable=invalid-commit
                    outcome[name] = len(attempts)
            except Exception as error:  # reported by the test below
                outcome[name] = error

        return threading.Thread(target=run, name=f"rebate-audit-{name}")

    def test_two_writers_never_fork_the_chain(self):
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["rebate.audit.chain"]._ensure_heads(env["res.company"])
            cr.commit()  # pylint: disable=invalid-commit
            saved = self.head(cr)
        try:
            outcome = {}
            first_appended = threading.Event()
            second_started = threading.Event()

            def hold_open():
                first_appended.set()
                second_started.wait(30)
                time.sleep(0.3)  # the second is most likely waiting on the head by now

            def start_second(cr):
                first_appended.wait(30)
                cr.execute("SELECT 1")  # its snapshot predates the first's commit
                second_started.set()

            threads = [
                self.append_in_thread(outcome, "first", after=hold_open),
                self.append_in_thread(outcome, "second", before=start_second),
            ]
            run_threads(threads, 60)
            self.assertEqual(outcome.get("first"), 1, outcome)
            self.assertIsInstance(outcome.get("second"), int, outcome)
            self.assertGreaterEqual(outcome["second"], 2, "waited, then ran again")
            with self.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                cr.execute(
                    "SELECT sequence, record_name FROM rebate_audit_log "
                    "WHERE company_id IS NULL AND sequence > %s ORDER BY sequence",
                    [saved[0]],
                )
                rows = cr.fetchall()
                self.assertEqual(
                    rows,
                    [(saved[0] + 1, f"{PROBE} first"), (saved[0] + 2, f"{PROBE} second")],
                )
                (result,) = env["rebate.audit.log"]._verify_chains([0])
                self.assertTrue(result["ok"], result)
        finally:
            with self.cursor() as cr:
                cr.execute(
                    "DELETE FROM rebate_audit_log WHERE company_id IS NULL AND sequence > %s",
                    [saved[0]],
                )
                cr.execute(
                    "UPDATE rebate_audit_chain SET last_sequence = %s, last_hash = %s, "
                    "last_log_id = %s WHERE chain_key = 0",
                    list(saved),
                )
                cr.commit()  # pylint: disable=invalid-commit
