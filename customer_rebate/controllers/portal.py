from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

AGREEMENT_STATES = ("approved", "expired", "closed")
PAGE_SIZE = 20


class RebatePortal(CustomerPortal):
    """Rebate agreements and statements of the logged-in user's customer company."""

    # What a customer's user sees is defined once, by the record rules of the portal group
    # (security/customer_rebate_security.xml: their company's agreements in force or ended,
    # its statements once sent): the pages search with no domain of their own. Internal
    # users work in the backend; their portal pages list nothing.

    def _rebate_agreement_domain(self):
        return [] if request.env.user._is_portal() else [("id", "=", False)]

    def _rebate_statement_domain(self):
        return [] if request.env.user._is_portal() else [("id", "=", False)]

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        Agreement = request.env["rebate.agreement"]
        Statement = request.env["rebate.statement"]
        if "rebate_agreement_count" in counters:
            values["rebate_agreement_count"] = (
                Agreement.search_count(self._rebate_agreement_domain())
                if Agreement.has_access("read")
                else 0
            )
        if "rebate_statement_count" in counters:
            values["rebate_statement_count"] = (
                Statement.search_count(self._rebate_statement_domain())
                if Statement.has_access("read")
                else 0
            )
        return values

    @http.route(
        ["/my/rebates", "/my/rebates/page/<int:page>"], type="http", auth="user", website=True
    )
    def portal_my_rebates(self, page=1, **kwargs):
        Agreement = request.env["rebate.agreement"]
        Statement = request.env["rebate.statement"]
        agreements = Agreement.search(self._rebate_agreement_domain(), order="date_end desc")
        statement_count = Statement.search_count(self._rebate_statement_domain())
        pager = portal_pager(url="/my/rebates", total=statement_count, page=page, step=PAGE_SIZE)
        statements = Statement.search(
            self._rebate_statement_domain(), limit=PAGE_SIZE, offset=pager["offset"]
        )
        # Previous / next on the document pages follow these lists.
        request.session["my_rebate_agreements_history"] = agreements.ids[:100]
        request.session["my_rebate_statements_history"] = statements.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "rebates",
                "agreements": agreements,
                "summaries": {a.id: a._portal_summary() for a in agreements.sudo()},
                "statements": statements,
                "pager": pager,
                "default_url": "/my/rebates",
            }
        )
        return request.render("customer_rebate.portal_my_rebates", values)

    @http.route(
        "/my/rebates/agreements/<int:agreement_id>", type="http", auth="public", website=True
    )
    def portal_rebate_agreement(self, agreement_id, access_token=None, **kwargs):
        try:
            agreement = self._document_check_access("rebate.agreement", agreement_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if agreement.state not in AGREEMENT_STATES:
            return request.redirect("/my")
        values = {
            "page_name": "rebate_agreement",
            "agreement": agreement,
            "summary": agreement._portal_summary(),
        }
        values = self._get_page_view_values(
            agreement, access_token, values, "my_rebate_agreements_history", False, **kwargs
        )
        return request.render("customer_rebate.portal_rebate_agreement", values)

    def _rebate_statement_messages(self):
        """The notices the statement page shows after an answer, by code: the page never
        shows text taken from its URL."""
        return {
            "confirmed": request.env._("Thank you: the statement is confirmed."),
            "disputed": request.env._(
                "Thank you: we have received your dispute and will come back to you."
            ),
        }

    @http.route(
        "/my/rebates/statements/<int:statement_id>", type="http", auth="public", website=True
    )
    def portal_rebate_statement(
        self, statement_id, access_token=None, report_type=None, download=False, **kwargs
    ):
        try:
            statement = self._document_check_access("rebate.statement", statement_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if statement.state == "draft":
            return request.redirect("/my")
        if report_type in ("html", "pdf", "text"):
            return self._show_report(
                model=statement,
                report_type=report_type,
                report_ref="customer_rebate.action_report_rebate_statement",
                download=download,
            )
        message = kwargs.pop("message", None)
        notice = (
            self._rebate_statement_messages().get(message) if isinstance(message, str) else None
        )
        return self._rebate_statement_page(statement, access_token, notice=notice, **kwargs)

    def _rebate_statement_page(self, statement, access_token, notice=None, error=None, **kwargs):
        """Render the statement page; `notice` and `error` are texts made by the server."""
        values = {
            "page_name": "rebate_statement",
            "statement": statement,
            "notice": notice,
            "error": error,
            # The answer forms only for a user of the customer company, as the rules see it.
            "can_answer": not request.env.user._is_public()
            and statement.with_user(request.env.user)._portal_can_answer(),
        }
        values = self._get_page_view_values(
            statement, access_token, values, "my_rebate_statements_history", False, **kwargs
        )
        return request.render("customer_rebate.portal_rebate_statement", values)

    def _rebate_statement_to_answer(self, statement_id, access_token):
        """The statement as the logged-in user, who answers it (the access check returns a
        superuser record): record rules apply, and the chatter names who answered."""
        statement = self._document_check_access("rebate.statement", statement_id, access_token)
        statement = statement.with_user(request.env.user)
        statement.check_access("read")
        return statement

    @http.route(
        "/my/rebates/statements/<int:statement_id>/accept",
        type="jsonrpc",
        auth="user",
        website=True,
    )
    def portal_rebate_statement_accept(
        self, statement_id, access_token=None, name=None, signature=None
    ):
        """Confirm and sign the statement (the portal's signature form)."""
        access_token = access_token or request.httprequest.args.get("access_token")
        try:
            statement = self._rebate_statement_to_answer(statement_id, access_token)
        except (AccessError, MissingError):
            return {"error": request.env._("You cannot answer this statement.")}
        try:
            # All or nothing: a refusal leaves no partial answer behind.
            with request.env.cr.savepoint():
                statement._portal_confirm(name, signature)
        except (UserError, AccessError) as error:
            return {"error": error.args[0]}
        return {
            "force_refresh": True,
            "redirect_url": statement.sudo().get_portal_url(query_string="&message=confirmed"),
        }

    @http.route(
        "/my/rebates/statements/<int:statement_id>/dispute",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_rebate_statement_dispute(
        self, statement_id, access_token=None, comment=None, **kwargs
    ):
        try:
            statement = self._rebate_statement_to_answer(statement_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        try:
            with request.env.cr.savepoint():
                statement._portal_dispute(comment)
        except (UserError, AccessError) as error:
            return self._rebate_statement_page(statement.sudo(), access_token, error=error.args[0])
        return request.redirect(statement.sudo().get_portal_url(query_string="&message=disputed"))
