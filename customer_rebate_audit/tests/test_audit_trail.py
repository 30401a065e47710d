import json
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.customer_rebate.tests.common import SIGNED_CONTRACT, RebateAccountingCase

from ..models import rebate_audit_log

TIERS = [(0, 0, {"threshold": 0.0, "rate": 2.0}), (0, 0, {"threshold": 1000.0, "rate": 4.0})]


class AuditTrailCase(RebateAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.auditor = new_test_user(
            cls.env,
            "test.rebate.auditor",
            groups="base.group_user,customer_rebate_audit.group_rebate_auditor",
        )
        cls.Log = cls.env["rebate.audit.log"]

    def logs(self, records, operation=None):
        domain = [("res_model", "=", records._name), ("res_id", "in", records.ids)]
        if operation:
            domain.append(("operation", "=", operation))
        return self.Log.sudo().search(domain, order="id")

    def changes(self, log):
        return json.loads(log.changes)

    def settled_agreement(self):
        """An agreement of the rep, approved by a manager, a January and a February invoice
        accrued, the first quarter settled by credit note by the accountant."""
        agreement = self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        self.invoice([(self.product, 50, 10.0)], date(2027, 2, 10))
        with freeze_time("2027-04-05"):
            settlement = agreement.with_user(self.accountant).action_settle()
        with freeze_time("2027-04-06"):
            settlement.with_user(self.accountant).action_confirm()
            settlement.with_user(self.accountant).action_post()
        self.assertEqual(settlement.state, "posted")
        return agreement, settlement


@tagged("post_install", "-at_install", "customer_rebate_audit")
class TestAuditTrail(AuditTrailCase):
    def test_real_flow_is_logged_with_the_real_users_and_verifies(self):
        agreement, settlement = self.settled_agreement()
        (created,) = self.logs(agreement, "create")
        self.assertEqual(created.user_id, self.rep)
        self.assertEqual(created.company_id, self.company)
        self.assertEqual(self.changes(created)["partner_id"][1][0], self.customer.id)
        states = self.logs(agreement, "state")
        # Submitted by the rep, approved by the manager: both write as the system
        # (_guarded_write uses sudo), the trail names the person.
        submitted = states.filtered(lambda log: self.changes(log)["state"][1] == "to_approve")
        approved = states.filtered(lambda log: self.changes(log)["state"][1] == "approved")
        self.assertEqual(submitted.user_id, self.rep)
        self.assertEqual(self.changes(submitted)["state"][0], "draft")
        self.assertEqual(approved.user_id, self.manager)
        self.assertTrue(self.logs(agreement.tier_ids, "create"))
        self.assertTrue(self.logs(agreement.period_ids, "create"))
        self.assertTrue(self.logs(agreement.approval_ids, "create"))
        settlement_states = self.logs(settlement, "state")
        self.assertEqual(
            [self.changes(log)["state"][1] for log in settlement_states], ["confirmed", "posted"]
        )
        self.assertEqual(set(settlement_states.user_id.ids), {self.accountant.id})
        # Every ledger row, invoices' and the settlement's, written with SQL, is in the trail.
        ledger = self.ledger(agreement)
        self.assertEqual(set(self.logs(ledger, "create").mapped("res_id")), set(ledger.ids))
        self.assertEqual(
            self.Log.with_user(self.auditor).verify_chain(),
            {
                "ok": True,
                "first_broken_id": False,
            },
        )

    def test_document_types_read_in_the_readers_language(self):
        """The trail's Document Type column names the model as ir.model does, translated
        (it showed the English description to a Chinese auditor)."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_rebate"], ["zh_CN"])
        labels = dict(
            self.Log.with_context(lang="zh_CN")
            ._fields["res_model"]
            ._description_selection(self.env(context={"lang": "zh_CN"}))
        )
        self.assertEqual(labels["rebate.agreement"], "客户返利协议")
        self.assertEqual(labels["rebate.statement.line"], "客户返利对账单明细")

    def test_posting_an_invoice_logs_its_ledger_rows_in_one_batch(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        last = self.Log.sudo().search([], order="id desc", limit=1).id
        invoice = self.invoice(
            [(self.product, 10, 10.0 + line) for line in range(5)], date(2027, 1, 10), book=False
        )
        rows = self.env["rebate.entry"].search([("invoice_id", "=", invoice.id)])
        self.assertEqual(len(rows), 5)
        logs = self.logs(rows)
        self.assertEqual(len(logs), 5)
        self.assertEqual(set(logs.mapped("operation")), {"create"})
        self.assertEqual(logs.user_id, self.env.user, "whoever posted the invoice")
        self.assertEqual(len(set(logs.mapped("date"))), 1)
        positions = sorted(logs.mapped("sequence"))
        self.assertEqual(
            positions, list(range(positions[0], positions[0] + 5)), "one batch, one after another"
        )
        self.assertTrue(all(log.id > last for log in logs))
        for log, row in zip(logs.sorted("res_id"), rows.sorted("id"), strict=True):
            changes = self.changes(log)
            self.assertEqual(changes["amount"][1], row.amount)
            self.assertEqual(changes["invoice_id"][1], invoice.id)
            self.assertEqual(changes["agreement_id"][1], agreement.id)
            self.assertEqual(changes["company_id"][1], self.company.id)
        self.assertTrue(self.Log.verify_chain()["ok"])

    def test_a_change_made_with_sql_is_named(self):
        agreement, _settlement = self.settled_agreement()
        logs = self.Log.sudo().search(
            [("company_id", "=", self.company.id)], order="sequence desc", limit=6
        )
        middle, tail = logs[3], logs[0]
        self.assertTrue(self.Log.verify_chain()["ok"])
        with self.env.cr.savepoint(flush=False) as savepoint:
            self.env.cr.execute(
                "UPDATE rebate_audit_log SET changes = %s WHERE id = %s",
                [json.dumps({"amount": [0, 1]}), middle.id],
            )
            self.assertEqual(self.Log.verify_chain(), {"ok": False, "first_broken_id": middle.id})
            savepoint.rollback()
        with self.env.cr.savepoint(flush=False) as savepoint:
            # Another user, the same content: the user is part of the hash.
            self.env.cr.execute(
                "UPDATE rebate_audit_log SET user_id = %s WHERE id = %s",
                [self.stranger.id, middle.id],
            )
            self.assertEqual(self.Log.verify_chain()["first_broken_id"], middle.id)
            savepoint.rollback()
        with self.env.cr.savepoint(flush=False) as savepoint:
            # A recomputed hash does not help: the next entry names the previous hash.
            self.env.cr.execute(
                "UPDATE rebate_audit_log SET record_name = 'x', hash = %s WHERE id = %s",
                ["f" * 64, middle.id],
            )
            self.assertEqual(self.Log.verify_chain()["first_broken_id"], middle.id)
            savepoint.rollback()
        with self.env.cr.savepoint(flush=False) as savepoint:
            self.env.cr.execute("DELETE FROM rebate_audit_log WHERE id = %s", [middle.id])
            self.assertEqual(
                self.Log.verify_chain(),
                {"ok": False, "first_broken_id": logs[2].id},
                "the entry after the hole",
            )
            savepoint.rollback()
        with self.env.cr.savepoint(flush=False) as savepoint:
            self.env.cr.execute("DELETE FROM rebate_audit_log WHERE id = %s", [tail.id])
            self.assertEqual(
                self.Log.verify_chain(),
                {"ok": False, "first_broken_id": tail.id},
                "the chain's head still names the entry cut from its end",
            )
            savepoint.rollback()
        self.assertTrue(self.Log.verify_chain()["ok"])
        self.assertTrue(agreement.exists())

    def test_a_sound_verification_anchors_the_chain(self):
        self.settled_agreement()
        action = self.Log.with_user(self.auditor).action_verify_chain()
        self.assertEqual(action["params"]["type"], "success")
        check = self.env["rebate.audit.chain.check"].search(
            [("company_id", "=", self.company.id)], limit=1
        )
        self.assertTrue(check.ok)
        self.assertEqual(check.user_id, self.auditor)
        tail = self.Log.sudo().search(
            [("company_id", "=", self.company.id)], order="sequence desc", limit=1
        )
        self.assertEqual(check.last_sequence, tail.sequence)
        # The end of the chain cut and the head rewritten to match: the anchor still holds
        # the verified position and hash.
        previous = self.Log.sudo().search(
            [("company_id", "=", self.company.id), ("sequence", "=", tail.sequence - 1)]
        )
        self.env.cr.execute("DELETE FROM rebate_audit_log WHERE id = %s", [tail.id])
        self.env.cr.execute(
            "UPDATE rebate_audit_chain SET last_sequence = %s, last_hash = %s, "
            "last_log_id = %s WHERE chain_key = %s",
            [previous.sequence, previous.hash, previous.id, self.company.id],
        )
        result = self.Log.verify_chain()
        self.assertFalse(result["ok"])
        action = self.Log.with_user(self.auditor).action_verify_chain()
        self.assertEqual(action["params"]["type"], "danger")

    def test_daily_job_verifies_every_chain(self):
        self.settled_agreement()
        Check = self.env["rebate.audit.chain.check"]
        Check._cron_verify_chains()
        checks = Check.search([("company_id", "=", self.company.id)], order="id desc", limit=1)
        self.assertTrue(checks.ok)
        self.assertGreater(checks.entries_checked, 0)
        self.env.cr.execute(
            "SELECT id FROM rebate_audit_log WHERE company_id = %s ORDER BY sequence LIMIT 1",
            [self.company.id],
        )
        (first,) = self.env.cr.fetchone()
        self.env.cr.execute(
            "UPDATE rebate_audit_log SET date = date - interval '1 day' WHERE id = %s", [first]
        )
        Check._cron_verify_chains()
        broken = Check.search([("company_id", "=", self.company.id)], order="id desc", limit=1)
        self.assertFalse(broken.ok)
        self.assertEqual(broken.first_broken_id, first)
        self.assertEqual(broken.first_broken_log_id.id, first)

    def test_verification_reads_in_batches(self):
        self.settled_agreement()
        count = self.Log.sudo().search_count([("company_id", "=", self.company.id)])
        self.patch(rebate_audit_log, "VERIFY_BATCH", 3)
        self.assertGreater(count, 6)
        self.assertTrue(self.Log.verify_chain()["ok"])
        self.env.cr.execute(
            "SELECT id FROM rebate_audit_log WHERE company_id = %s ORDER BY sequence DESC "
            "LIMIT 1 OFFSET 1",
            [self.company.id],
        )
        (late,) = self.env.cr.fetchone()
        self.env.cr.execute("UPDATE rebate_audit_log SET res_id = res_id + 1 WHERE id = %s", [late])
        self.assertEqual(self.Log.verify_chain()["first_broken_id"], late)

    def test_nobody_changes_or_deletes_an_entry(self):
        agreement = self.create_agreement()
        (log,) = self.logs(agreement, "create")
        admin = self.env.ref("base.user_admin")
        for env in (self.env, self.env(su=True), self.env(user=admin)):
            with self.assertRaises(UserError):
                log.with_env(env).write({"changes": "{}"})
            with self.assertRaises(UserError if env.su else AccessError):
                log.with_env(env).unlink()
            with self.assertRaises(UserError):
                env["rebate.audit.log"].create({"res_model": "rebate.agreement", "res_id": 1})
            with self.assertRaises(UserError):
                env["rebate.audit.chain"].search([], limit=1).write({"last_sequence": 0})
        for user in (self.auditor, self.manager, self.accountant):
            as_user = log.with_user(user)
            self.assertEqual(as_user.read(["operation"])[0]["operation"], "create")
            with self.assertRaises(UserError):
                as_user.write({"changes": "{}"})
            with self.assertRaises(AccessError):
                as_user.unlink()
        for user in (self.rep, self.stranger):
            with self.assertRaises(AccessError):
                log.with_user(user).read(["changes"])
            with self.assertRaises(AccessError):
                self.Log.with_user(user).verify_chain()
        self.assertTrue(self.Log.verify_chain()["ok"])

    def test_files_are_logged_as_size_and_fingerprint(self):
        agreement = self.create_agreement()
        (log,) = self.logs(agreement, "create")
        logged = self.changes(log)["signed_contract"][1]
        self.assertEqual(set(logged), {"size", "sha256"})
        self.assertEqual(logged["size"], len(b"%PDF-1.4 signed rebate contract"))
        self.assertNotIn(SIGNED_CONTRACT.decode(), log.changes)

    def test_a_change_shows_old_and_new_values(self):
        agreement = self.create_agreement()
        agreement.with_user(self.rep).write({"title": "Renamed rebate"})
        (change,) = self.logs(agreement, "write")
        self.assertEqual(self.changes(change), {"title": ["Test volume rebate", "Renamed rebate"]})
        self.assertEqual(change.user_id, self.rep)
        self.assertIn("Renamed rebate", change.changes_html)
        self.assertIn("Test volume rebate", change.changes_html)
        tier = agreement.tier_ids[0]
        agreement.with_user(self.rep).write({"tier_ids": [(1, tier.id, {"rate": 3.0})]})
        (tier_change,) = self.logs(tier, "write")
        self.assertEqual(self.changes(tier_change)["rate"], [2.0, 3.0])

    def test_deleting_an_agreement_logs_it_and_what_goes_with_it(self):
        agreement = self.create_agreement()
        tiers = agreement.tier_ids
        agreement.with_user(self.manager).unlink()
        (deleted,) = self.logs(agreement, "unlink")
        self.assertEqual(deleted.user_id, self.manager)
        self.assertEqual(self.changes(deleted)["title"], ["Test volume rebate", False])
        self.assertEqual(len(self.logs(tiers, "unlink")), len(tiers))
        self.assertTrue(self.Log.verify_chain()["ok"])

    def test_a_fork_is_refused_by_the_database(self):
        self.create_agreement()
        log = self.Log.sudo().search([("company_id", "=", self.company.id)], limit=1)
        with self.assertRaises(Exception), self.env.cr.savepoint():  # noqa: B017 (psycopg2)
            self.env.cr.execute(
                "INSERT INTO rebate_audit_log (company_id, sequence, hash) VALUES (%s, %s, 'x')",
                [self.company.id, log.sequence],
            )

    def test_rebate_journal_locks_posted_entries_with_a_hash(self):
        journal = self.accounting["journal"]
        self.assertTrue(journal.restrict_mode_hash_table)
        self.approved_agreement(tier_ids=TIERS)
        invoice = self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        (accrual,) = self.accrual_moves(invoice)
        self.assertEqual(accrual.journal_id, journal)
        self.assertTrue(accrual.inalterable_hash, "hashed when posted")
        with self.assertRaises(UserError):
            journal.write({"restrict_mode_hash_table": False})
        # A journal that becomes the rebate journal later is locked as well.
        other = self.env["account.journal"].create(
            {"name": "Rebates 2", "code": "RBT9", "type": "general"}
        )
        self.company.rebate_journal_id = other
        self.assertTrue(other.restrict_mode_hash_table)
        self.company.rebate_journal_id = journal


@tagged("post_install", "-at_install", "customer_rebate_audit")
class TestPayoutBroken(AuditTrailCase):
    def test_credit_note_cannot_be_undone_behind_the_settlement(self):
        _agreement, settlement = self.settled_agreement()
        credit_note = settlement.credit_note_id
        self.assertFalse(settlement.payout_broken)
        admin = self.env.ref("base.user_admin")
        for action in ("button_draft", "button_cancel", "unlink"):
            with self.assertRaisesRegex(UserError, "rebate"):
                getattr(credit_note.with_user(admin), action)()
        self.assertEqual(credit_note.state, "posted")
        # What only the database can still do is flagged for auditors.
        self.env.cr.execute(
            "UPDATE account_move SET state = 'cancel' WHERE id = %s", [credit_note.id]
        )
        self.env.invalidate_all()
        self.assertTrue(settlement.payout_broken)
        self.assertIn(credit_note.display_name, settlement.payout_broken_reason)
        self.assertEqual(
            self.env["rebate.settlement"]
            .with_user(self.auditor)
            .search([("payout_broken", "=", True)]),
            settlement,
        )
        self.env["rebate.audit.chain.check"]._cron_verify_chains()
        check = self.env["rebate.audit.chain.check"].search(
            [("company_id", "=", self.company.id)], limit=1
        )
        self.assertEqual(check.broken_payouts, 1)

    def test_a_payment_rejected_by_the_bank_is_flagged(self):
        agreement = self.approved_agreement(tier_ids=TIERS, payout_method="payment")
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        bank = self.env["res.partner.bank"].create(
            {
                "acc_number": "6222 0000 3333",
                "partner_id": self.customer.id,
                "allow_out_payment": True,
            }
        )
        with freeze_time("2027-04-05"):
            settlement = agreement.with_user(self.accountant).action_settle()
        settlement.with_user(self.accountant).partner_bank_id = bank
        with freeze_time("2027-04-06"):
            settlement.with_user(self.accountant).action_confirm()
            settlement.with_user(self.accountant).action_post()
        payment = settlement.payment_id.with_env(self.env)
        self.assertFalse(settlement.payout_broken)
        for action in ("action_draft", "action_cancel", "unlink"):
            with self.assertRaisesRegex(UserError, "rebate settlement"):
                getattr(payment, action)()
        # The bank may still reject a payout: the rebate is then unpaid.
        payment.action_reject()
        self.assertTrue(settlement.payout_broken)
        self.assertIn(payment.display_name, settlement.payout_broken_reason)
