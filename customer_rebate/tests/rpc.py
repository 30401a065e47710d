"""Attacks over real RPC: every call goes through the HTTP server, as a client would send it.

`RebateRpcCase` logs in as each demo-like role (sales rep, second rep, rebate manager, a
second manager, accountant, a second accountant, auditor, plain employee, portal users of
two customers) and calls models with XML-RPC (`/xmlrpc/2/object`) or JSON-RPC (the web
client's `/web/dataset/call_kw`). `assertRefused` checks that a call fails with one of
Odoo's user-facing errors (never a traceback of a Python error) and, given a check,
that nothing was written."""

import json
import xmlrpc.client

from odoo.tests import HttpCase, new_test_user

from .common import RebateAccountingCase, auditor_groups

# What a refused call may answer: Odoo's clear, user-facing errors.
CLEAR_ERRORS = (
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.AccessError",
    "odoo.exceptions.MissingError",
)
# /xmlrpc/2 fault codes of those errors (odoo/addons/rpc/controllers/xmlrpc.py).
XMLRPC_CODES = {
    2: "odoo.exceptions.UserError",  # UserError and its subclasses (ValidationError, ...)
    4: "odoo.exceptions.AccessError",  # AccessError and MissingError
}


class RpcRefused(Exception):
    """A call the server refused: `kind` is the exception's class path, `message` its text."""

    def __init__(self, kind, message):
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


class RebateRpcCase(HttpCase, RebateAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant_other = new_test_user(
            cls.env,
            "test.rebate.accountant2",
            groups="base.group_user,customer_rebate.group_rebate_accountant",
        )
        cls.auditor = new_test_user(
            cls.env,
            "test.rebate.auditor",
            groups=auditor_groups(cls.env),
        )
        cls.customer_b = cls.env["res.partner"].create(
            {"name": "Suzhou Other Customer Co., Ltd.", "is_company": True}
        )
        cls.customer_b_contact = cls.env["res.partner"].create(
            {"name": "Li Lei", "parent_id": cls.customer_b.id, "email": "li.lei@example.com"}
        )
        cls.portal_a = new_test_user(
            cls.env,
            "test.rebate.portal.a",
            groups="base.group_portal",
            partner_id=cls.customer_contact.id,
        )
        cls.portal_b = new_test_user(
            cls.env,
            "test.rebate.portal.b",
            groups="base.group_portal",
            partner_id=cls.customer_b_contact.id,
        )

    # ------------------------------------------------------------------ calls

    @staticmethod
    def password(user):
        # new_test_user's password: the login, padded to eight characters
        return user.login + "x" * (8 - len(user.login))

    def xmlrpc(self, user, model, method, *args, **kwargs):
        """Call a model method over XML-RPC as `user`; raise RpcRefused when refused."""
        try:
            return self.xmlrpc_object.execute_kw(
                self.env.cr.dbname, user.id, self.password(user), model, method, list(args), kwargs
            )
        except xmlrpc.client.Fault as fault:
            # /xmlrpc/2 answers Odoo's user-facing errors with their own codes and the
            # message; anything else with code 1 and the traceback.
            text = str(fault.faultString)
            kind = XMLRPC_CODES.get(fault.faultCode) or (
                text.strip().splitlines()[-1] if text.strip() else "unknown"
            )
            raise RpcRefused(kind, text) from None

    def jsonrpc(self, user, model, method, *args, **kwargs):
        """Call a model method as the web client does (JSON-RPC, `call_kw`), logged in as
        `user`; raise RpcRefused when refused."""
        self.authenticate(user.login, self.password(user))
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(
                {
                    "id": 0,
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "model": model,
                        "method": method,
                        "args": list(args),
                        "kwargs": kwargs,
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            data = body["error"].get("data", {})
            raise RpcRefused(data.get("name", "unknown"), data.get("message", ""))
        return body.get("result")

    # ------------------------------------------------------------------ assertions

    def assertRefused(self, call, *args, unchanged=None, **kwargs):
        """`call(*args, **kwargs)` must be refused with a clear error (never a Python
        traceback); `unchanged`, a function returning what must not change, is read before
        and after. Returns the refusal."""
        before = unchanged() if unchanged else None
        with self.assertRaises(RpcRefused) as caught:
            call(*args, **kwargs)
        refusal = caught.exception
        self.assertIn(
            refusal.kind, CLEAR_ERRORS, f"not a clear error but {refusal.kind}: {refusal.message}"
        )
        if unchanged:
            self.env.invalidate_all()
            self.assertEqual(unchanged(), before, "a refused call changed data")
        return refusal

    def both(self):
        """The two ways a client calls the server, for tests that attack over both."""
        return (("xmlrpc", self.xmlrpc), ("jsonrpc", self.jsonrpc))
