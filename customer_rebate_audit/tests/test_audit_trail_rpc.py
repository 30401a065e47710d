from odoo.tests import tagged

from odoo.addons.customer_rebate.tests.rpc import RebateRpcCase


@tagged("post_install", "-at_install", "customer_rebate_audit")
class TestAuditTrailRpc(RebateRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.password = cls.password(cls.admin)

    def test_nobody_changes_the_trail_over_rpc(self):
        agreement = self.create_agreement()
        log = (
            self.env["rebate.audit.log"]
            .sudo()
            .search(
                [("res_model", "=", "rebate.agreement"), ("res_id", "=", agreement.id)], limit=1
            )
        )
        self.assertTrue(log)
        Log = "rebate.audit.log"

        def unchanged():
            return (
                log.read(["changes", "hash", "user_id"]),
                self.env[Log].sudo().search_count([]),
            )

        for _name, call in self.both():
            for user in (self.admin, self.manager, self.accountant, self.auditor):
                self.assertRefused(
                    call, user, Log, "write", [log.id], {"changes": "{}"}, unchanged=unchanged
                )
                self.assertRefused(call, user, Log, "unlink", [log.id], unchanged=unchanged)
                self.assertRefused(
                    call,
                    user,
                    Log,
                    "create",
                    {"res_model": "rebate.agreement", "res_id": agreement.id},
                    unchanged=unchanged,
                )
                self.assertRefused(
                    call,
                    user,
                    Log,
                    "_append",
                    [
                        {
                            "company_id": False,
                            "res_model": "rebate.agreement",
                            "res_id": 1,
                            "record_name": "forged",
                            "operation": "write",
                            "changes": {},
                        }
                    ],
                    unchanged=unchanged,
                )
            self.assertRefused(
                call, self.admin, "rebate.audit.chain", "write", [1], {"last_sequence": 0}
            )

    def test_readers_verify_the_chain_over_rpc(self):
        self.create_agreement()
        for _name, call in self.both():
            for user in (self.auditor, self.manager, self.accountant):
                self.assertEqual(
                    call(user, "rebate.audit.log", "verify_chain"),
                    {"ok": True, "first_broken_id": False},
                )
            rows = call(
                self.auditor,
                "rebate.audit.log",
                "search_read",
                [("res_model", "=", "rebate.agreement")],
                ["operation", "user_id", "changes"],
            )
            self.assertTrue(rows)
            for user in (self.rep, self.stranger, self.portal_a):
                self.assertRefused(call, user, "rebate.audit.log", "verify_chain")
                self.assertRefused(call, user, "rebate.audit.log", "search_read", [], ["changes"])
