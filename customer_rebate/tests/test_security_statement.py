"""Statements and the customer's confirmation (对账) attacked over real RPC and real portal
requests: the batch job, the guarded fields, who may confirm or dispute, what the portal
shows."""

import base64
import io
from datetime import date

from PIL import Image

from odoo import fields, http
from odoo.exceptions import UserError
from odoo.tests import tagged

from .rpc import RebateRpcCase, RpcRefused

TIERS = [(0, 0, {"threshold": 0.0, "rate": 2.0}), (0, 0, {"threshold": 1000.0, "rate": 4.0})]


def _signature_png():
    buffer = io.BytesIO()
    Image.new("RGB", (60, 20), "white").save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


# A signature as the portal's signature form sends it: a base64 PNG, without its data: prefix.
SIGNATURE = _signature_png()

SCRIPT = "<script>alert('rebate')</script>"


@tagged("post_install", "-at_install", "customer_rebate")
class TestStatementSecurity(RebateRpcCase):
    def setUp(self):
        super().setUp()
        self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        self.Statement = self.env["rebate.statement"]
        self.statement = self.Statement._generate_statements(
            date(2027, 1, 1), date(2027, 1, 31), self.customer.ids
        )
        self.statement.with_user(self.accountant).action_send()
        self.assertEqual(self.statement.state, "sent")

    # ------------------------------------------------------------------ helpers

    def answer_fields(self, statement=None):
        statement = statement or self.statement
        return statement.read(
            [
                "state",
                "confirmed_by_id",
                "confirmed_date",
                "signed_by",
                "signature",
                "dispute_comment",
                "resolution_note",
            ]
        )

    def count_statements(self):
        return self.Statement.search_count([])

    def accept(self, statement, name="Wang Fang", signature=SIGNATURE, token=None):
        """The portal's signature form: JSON-RPC to the statement's accept route."""
        token = token or statement._portal_ensure_token()
        return self.make_jsonrpc_request(
            f"/my/rebates/statements/{statement.id}/accept?access_token={token}",
            {"name": name, "signature": signature},
        )

    def dispute(self, statement, comment, token=None):
        """The portal's dispute form: a POST with the CSRF token of the session."""
        return self.url_open(
            f"/my/rebates/statements/{statement.id}/dispute",
            data={
                "csrf_token": http.Request.csrf_token(self),
                "access_token": token or statement._portal_ensure_token(),
                "comment": comment,
            },
        )

    def login(self, user):
        self.authenticate(user.login, self.password(user))

    def portal_confirm(self, statement=None):
        statement = statement or self.statement
        statement.with_user(self.portal_a)._portal_confirm("Wang Fang", SIGNATURE)

    # ------------------------------------------------------------------ the batch job

    def test_generate_statements_is_not_callable_over_rpc(self):
        for user in (
            self.portal_a,
            self.stranger,
            self.auditor,
            self.rep,
            self.accountant,
            self.manager,
        ):
            for protocol, call in self.both():
                with self.subTest(user=user.login, protocol=protocol):
                    self.assertRefused(
                        call,
                        user,
                        "rebate.statement",
                        "_generate_statements",
                        "2027-02-01",
                        "2027-02-28",
                        unchanged=self.count_statements,
                    )
                    # The old public name is gone.
                    with self.assertRaises(RpcRefused):
                        call(
                            user,
                            "rebate.statement",
                            "generate_statements",
                            "2027-02-01",
                            "2027-02-28",
                        )
        self.env.invalidate_all()
        self.assertFalse(self.Statement.search([("date_from", "=", date(2027, 2, 1))]))

    def test_the_job_runs_as_the_system(self):
        cron = self.env.ref("customer_rebate.ir_cron_rebate_statements")
        self.assertEqual(cron.user_id, self.env.ref("base.user_root"))
        self.assertEqual(cron.code.strip(), "model._cron_generate_statements()")

    # ------------------------------------------------------------------ guarded fields

    def test_each_guarded_field_is_refused_to_staff(self):
        guarded = set(self.Statement._guarded_fields)
        self.assertLessEqual(
            {
                "name",
                "partner_id",
                "company_id",
                "date_from",
                "date_to",
                "line_ids",
                "state",
                "book_balance",
                "sent_date",
                "confirmed_date",
                "confirmed_by_id",
                "signed_by",
                "signature",
                "dispute_comment",
            },
            guarded,
        )
        forged = {
            "name": "RST/FORGED",
            "partner_id": self.customer_b.id,
            "company_id": self.company.id,
            "date_from": "2026-01-01",
            "date_to": "2028-12-31",
            "line_ids": [(5, 0, 0)],
            "state": "confirmed",
            "currency_id": self.company.currency_id.id,
            "closing_balance": 0.0,
            "book_balance": 99999.0,
            "balance_difference": 0.0,
            "sent_date": "2027-02-01 10:00:00",
            "confirmed_date": "2027-02-01 10:00:00",
            "confirmed_by_id": self.portal_a.id,
            "signed_by": "Forged",
            "signature": SIGNATURE,
            "dispute_comment": "Forged",
            # The link token says who may open the statement: only Odoo's sharing sets it.
            "access_token": "00000000-forged-link-token",
        }
        fields_read = list(forged)

        def unchanged():
            return self.statement.read(fields_read)

        self.statement._portal_ensure_token()
        self.assertIn("access_token", self.Statement._guard_field_names())
        for name in self.Statement._guard_field_names():
            vals = {name: forged[name]}
            for user in (self.manager, self.accountant):
                for protocol, call in self.both():
                    with self.subTest(field=name, user=user.login, protocol=protocol):
                        self.assertRefused(
                            call,
                            user,
                            "rebate.statement",
                            "write",
                            self.statement.ids,
                            vals,
                            unchanged=unchanged,
                        )
            with self.subTest(field=name, user="superuser"):
                before = unchanged()
                with self.assertRaisesRegex(UserError, "own buttons"):
                    self.statement.sudo().write(vals)
                self.env.invalidate_all()
                self.assertEqual(unchanged(), before)

    def test_statement_lines_change_only_with_the_statement(self):
        line = self.statement.line_ids
        self.assertTrue(line)

        def unchanged():
            return line.read(["opening", "accrued", "settled", "closing"])

        for user in (self.manager, self.accountant):
            for protocol, call in self.both():
                with self.subTest(user=user.login, protocol=protocol):
                    self.assertRefused(
                        call,
                        user,
                        "rebate.statement.line",
                        "write",
                        line.ids,
                        {"accrued": 999.0},
                        unchanged=unchanged,
                    )
                    self.assertRefused(
                        call,
                        user,
                        "rebate.statement.line",
                        "create",
                        {"statement_id": self.statement.id, "agreement_id": line.agreement_id.id},
                        unchanged=lambda: self.env["rebate.statement.line"].search_count([]),
                    )
        for name in self.env["rebate.statement.line"]._guarded_fields:
            field = line._fields[name]
            value = (
                line[name].id
                if field.type == "many2one"
                else "Tier 9"
                if field.type in ("char", "text")
                else 1
            )
            with self.subTest(field=name), self.assertRaisesRegex(UserError, "own buttons"):
                line.sudo().write({name: value})

    def test_staff_cannot_create_statements(self):
        for user in (self.manager, self.accountant, self.rep):
            for protocol, call in self.both():
                for vals in (
                    {
                        "partner_id": self.customer.id,
                        "date_from": "2027-03-01",
                        "date_to": "2027-03-31",
                    },
                    {
                        "partner_id": self.customer.id,
                        "date_from": "2027-03-01",
                        "date_to": "2027-03-31",
                        "state": "confirmed",
                        "confirmed_by_id": self.portal_a.id,
                        "signed_by": "Wang Fang",
                        "confirmed_date": "2027-04-01 10:00:00",
                    },
                ):
                    with self.subTest(user=user.login, protocol=protocol, state=vals.get("state")):
                        self.assertRefused(
                            call,
                            user,
                            "rebate.statement",
                            "create",
                            vals,
                            unchanged=self.count_statements,
                        )
        with self.assertRaisesRegex(UserError, "cannot be created by hand"):
            self.Statement.sudo().create(
                {"partner_id": self.customer.id, "date_from": "2027-03-01", "date_to": "2027-03-31"}
            )
        for protocol, call in self.both():
            with self.subTest(protocol=protocol, method="copy"):
                self.assertRefused(
                    call,
                    self.manager,
                    "rebate.statement",
                    "copy",
                    self.statement.ids,
                    unchanged=self.count_statements,
                )

    def test_answered_statements_cannot_be_deleted(self):
        for protocol, call in self.both():
            with self.subTest(protocol=protocol, state="sent"):
                self.assertRefused(
                    call,
                    self.manager,
                    "rebate.statement",
                    "unlink",
                    self.statement.ids,
                    unchanged=self.count_statements,
                )
        self.portal_confirm()
        for protocol, call in self.both():
            with self.subTest(protocol=protocol, state="confirmed"):
                self.assertRefused(
                    call,
                    self.manager,
                    "rebate.statement",
                    "unlink",
                    self.statement.ids,
                    unchanged=self.count_statements,
                )
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            self.statement.sudo().unlink()
        draft = self.Statement._generate_statements(
            date(2027, 2, 1), date(2027, 2, 28), self.customer.ids
        )
        self.assertEqual(draft.state, "draft")
        self.xmlrpc(self.manager, "rebate.statement", "unlink", draft.ids)
        self.env.invalidate_all()
        self.assertFalse(draft.exists(), "a draft statement can be deleted")

    def test_resolution_note_only_while_disputed(self):
        def unchanged():
            return self.answer_fields()

        for protocol, call in self.both():
            with self.subTest(protocol=protocol):
                self.assertRefused(
                    call,
                    self.rep,
                    "rebate.statement",
                    "write",
                    self.statement.ids,
                    {"resolution_note": "Nothing to see"},
                    unchanged=unchanged,
                )
        self.statement.with_user(self.portal_a)._portal_dispute("INV-1 missing")
        self.xmlrpc(
            self.rep,
            "rebate.statement",
            "write",
            self.statement.ids,
            {"resolution_note": "Posted in February"},
        )
        self.env.invalidate_all()
        self.assertEqual(self.statement.resolution_note, "Posted in February")
        self.xmlrpc(self.rep, "rebate.statement", "action_resolve", self.statement.ids)
        self.env.invalidate_all()
        self.assertEqual(self.statement.state, "resolved")
        self.assertRefused(
            self.jsonrpc,
            self.rep,
            "rebate.statement",
            "write",
            self.statement.ids,
            {"resolution_note": "Changed afterwards"},
            unchanged=unchanged,
        )

    # ------------------------------------------------------------------ the customer's act

    def test_staff_cannot_confirm_or_dispute(self):
        self.assertFalse(hasattr(self.Statement, "action_confirm"))
        self.assertFalse(hasattr(self.Statement, "action_dispute"))
        for user in (self.manager, self.accountant, self.rep, self.portal_a, self.portal_b):
            for protocol, call in self.both():
                with self.subTest(user=user.login, protocol=protocol):
                    self.assertRefused(
                        call,
                        user,
                        "rebate.statement",
                        "_portal_confirm",
                        self.statement.ids,
                        "Wang Fang",
                        SIGNATURE,
                        unchanged=self.answer_fields,
                    )
                    self.assertRefused(
                        call,
                        user,
                        "rebate.statement",
                        "_portal_dispute",
                        self.statement.ids,
                        "Forged",
                        unchanged=self.answer_fields,
                    )
        # Called in the server, the methods check the user again: staff and superuser are
        # refused, and so is a portal user of another customer.
        for user in (self.manager, self.accountant, self.portal_b, self.env.ref("base.user_root")):
            statement = self.statement.with_user(user)
            with self.subTest(user=user.login), self.assertRaisesRegex(Exception, "customer"):
                statement._portal_confirm("Wang Fang", SIGNATURE)
            with self.subTest(user=user.login), self.assertRaisesRegex(Exception, "customer"):
                statement._portal_dispute("Forged")
        with self.assertRaisesRegex(Exception, "customer"):
            self.statement.with_user(self.portal_a).sudo()._portal_confirm("Wang Fang", SIGNATURE)
        self.env.invalidate_all()
        self.assertEqual(self.statement.state, "sent")

    def test_other_customers_portal_user_cannot_answer_with_the_link(self):
        token = self.statement._portal_ensure_token()
        self.login(self.portal_b)
        page = self.url_open(self.statement.get_portal_url())
        self.assertEqual(page.status_code, 200, "the link shows the statement")
        self.assertNotIn(b"o_rebate_confirm", page.content)
        self.assertNotIn(b"o_rebate_dispute_form", page.content)
        before = self.answer_fields()
        result = self.accept(self.statement, name="Li Lei", token=token)
        self.assertIn("error", result)
        response = self.dispute(self.statement, "Disputed in B's name", token=token)
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(self.answer_fields(), before, "nothing was written")
        self.assertEqual(self.statement.state, "sent")
        self.assertFalse(self.statement.message_ids.filtered(lambda m: "Li Lei" in (m.body or "")))

    def test_portal_confirm_with_signature(self):
        self.login(self.portal_a)
        page = self.url_open(self.statement.get_portal_url())
        self.assertIn(b"o_rebate_confirm", page.content)
        self.assertIn(b"portal.signature_form", page.content)
        for bad in (None, "", 42, "not base64!", base64.b64encode(b"not an image").decode()):
            with self.subTest(signature=bad):
                result = self.accept(self.statement, signature=bad)
                self.assertIn("error", result)
        self.assertIn("error", self.accept(self.statement, name="  "))
        self.assertIn("error", self.accept(self.statement, name=["Wang Fang"]))
        self.env.invalidate_all()
        self.assertEqual(self.statement.state, "sent")
        result = self.accept(self.statement, name="<b>Wang Fang</b>")
        self.assertNotIn("error", result)
        self.assertIn("message=confirmed", result["redirect_url"])
        self.env.invalidate_all()
        statement = self.statement
        self.assertEqual(statement.state, "confirmed")
        self.assertEqual(statement.confirmed_by_id, self.portal_a)
        self.assertEqual(statement.signed_by, "<b>Wang Fang</b>")
        self.assertTrue(statement.signature)
        self.assertTrue(statement.confirmed_date)
        message = statement.message_ids.filtered(lambda m: "signed by" in (m.body or ""))[:1]
        self.assertIn("&lt;b&gt;Wang Fang&lt;/b&gt;", message.body, "the typed name is escaped")
        self.assertEqual(message.author_id, self.portal_a.partner_id)
        self.assertTrue(message.attachment_ids, "the signed statement is kept in the chatter")
        page = self.url_open(statement.get_portal_url(query_string="&message=confirmed"))
        self.assertIn(b"&lt;b&gt;Wang Fang&lt;/b&gt;", page.content)
        self.assertIn(b"the statement is confirmed", page.content)
        self.assertIn("error", self.accept(statement), "confirming twice is refused")

    def test_dispute_comment_is_stored_and_shown_escaped(self):
        self.login(self.portal_a)
        response = self.dispute(self.statement, f"{SCRIPT} INV-9 is missing")
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        statement = self.statement
        self.assertEqual(statement.state, "disputed")
        self.assertEqual(statement.dispute_comment, f"{SCRIPT} INV-9 is missing")
        page = self.url_open(statement.get_portal_url()).content
        self.assertIn(b"&lt;script&gt;alert(", page)
        self.assertNotIn(SCRIPT.encode(), page)
        message = statement.message_ids.filtered(lambda m: "INV-9" in (m.body or ""))[:1]
        self.assertIn("&lt;script&gt;", message.body)
        self.assertNotIn("<script", message.body)
        activity = statement.activity_ids
        self.assertEqual(activity.user_id, self.rep)
        self.assertIn("&lt;script&gt;", activity.note)
        self.assertNotIn("<script", activity.note)
        # An empty comment is refused with the reason on the page, nothing written.
        response = self.dispute(statement, "   ")
        self.env.invalidate_all()
        self.assertEqual(statement.dispute_comment, f"{SCRIPT} INV-9 is missing")

    def test_dispute_note_in_the_staffs_language(self):
        """The customer writes in English; the note stored in the chatter is for the
        company's staff, in the responsible rep's language (issue 10)."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_rebate"], ["zh_CN"])
        self.rep.lang = "zh_CN"
        self.portal_a.lang = "en_US"
        self.login(self.portal_a)
        self.dispute(self.statement, "INV-7 is missing")
        self.env.invalidate_all()
        bodies = self.statement.message_ids.mapped("body")
        self.assertTrue(
            any("INV-7 is missing" in body and "提出异议" in body for body in bodies), bodies
        )
        self.assertFalse(any("Disputed by" in body for body in bodies))

    def test_empty_dispute_shows_the_servers_reason(self):
        self.login(self.portal_a)
        response = self.dispute(self.statement, "   ")
        self.assertIn(b"Say what is wrong with the statement.", response.content)
        self.env.invalidate_all()
        self.assertEqual(self.statement.state, "sent")

    def test_resolved_dispute_can_be_confirmed_in_the_portal(self):
        self.statement.with_user(self.portal_a)._portal_dispute("INV-1 missing")
        self.statement.with_user(self.rep).action_resolve(note="INV-1 is in February.")
        self.login(self.portal_a)
        page = self.url_open(self.statement.get_portal_url()).content
        self.assertIn(b"INV-1 is in February.", page)
        self.assertIn(b"o_rebate_confirm", page)
        self.assertNotIn(b"o_rebate_dispute_form", page)
        self.assertNotIn("error", self.accept(self.statement))
        self.env.invalidate_all()
        self.assertEqual(self.statement.state, "confirmed")

    def test_portal_messages_come_from_the_server(self):
        self.login(self.portal_a)
        page = self.url_open(
            self.statement.get_portal_url(
                query_string="&message=" + SCRIPT + "Call+us+at+400-000-0000"
            )
        ).content
        self.assertNotIn(b"400-000-0000", page)
        self.assertNotIn(b"alert('rebate')", page)
        self.assertNotIn(b"o_rebate_statement_notice", page)
        page = self.url_open(
            self.statement.get_portal_url(query_string="&message=disputed")
        ).content
        self.assertIn(b"we have received your dispute", page)

    # ------------------------------------------------------------------ input

    def test_wrong_argument_types_give_a_clear_error(self):
        self.statement.with_user(self.portal_a)._portal_dispute("INV-1 missing")
        for note in (123, ["note"], {"note": "x"}, 1.5):
            for protocol, call in self.both():
                with self.subTest(note=note, protocol=protocol):
                    self.assertRefused(
                        call,
                        self.rep,
                        "rebate.statement",
                        "action_resolve",
                        self.statement.ids,
                        note,
                        unchanged=self.answer_fields,
                    )
        for protocol, call in self.both():
            with self.subTest(protocol=protocol, method="action_send"):
                self.assertRefused(
                    call,
                    self.rep,
                    "rebate.statement",
                    "action_send",
                    self.statement.ids,
                    unchanged=self.answer_fields,
                )
                refusal = self.assertRefused(
                    call,
                    self.accountant,
                    "rebate.statement",
                    "action_send",
                    self.statement.ids,
                    unchanged=self.answer_fields,
                )
                self.assertIn("already been answered", refusal.message)

    def test_sent_statements_stay_with_their_company(self):
        # The statement's customer and dates are the generation's: a sent statement keeps
        # them; sending again only refreshes the sent date.
        sent_date = self.statement.sent_date
        self.xmlrpc(self.accountant, "rebate.statement", "action_send", self.statement.ids)
        self.env.invalidate_all()
        self.assertEqual(self.statement.state, "sent")
        self.assertGreaterEqual(self.statement.sent_date, sent_date)
        self.assertEqual(self.statement.partner_id, self.customer)
        self.assertEqual(fields.Date.to_string(self.statement.date_from), "2027-01-01")
