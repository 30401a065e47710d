import base64
import binascii
from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import plaintext2html
from odoo.tools.image import image_process

from ..tools import guard
from ..tools.ledger import ACCRUAL_TYPES
from .client_values_mixin import check_client_values
from .guarded_mixin import client_method

# Longest name a customer may type when signing a statement.
SIGNED_BY_MAX = 128


class RebateStatement(models.Model):
    """What a customer company has earned, been paid and is still owed in rebates over a
    statement period, per agreement; sent to the customer, who confirms (signs) or disputes
    it in the portal (对账).

    Statements and their lines are made only by the generation job; their content, state and
    the customer's answer change only through the model's own actions. Confirm and dispute
    are the customer's acts: private methods called by the portal as a user of the
    statement's customer company, never by staff."""

    _name = "rebate.statement"
    _description = "Customer Rebate Statement"
    _inherit = ["rebate.guarded.mixin", "portal.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date_to desc, partner_id, id desc"
    _check_company_auto = True
    _guarded_fields = (
        "name",
        "partner_id",
        "company_id",
        "date_from",
        "date_to",
        "line_ids",
        "state",
        "currency_id",
        "closing_balance",
        "book_balance",
        "balance_difference",
        "sent_date",
        "confirmed_date",
        "confirmed_by_id",
        "signed_by",
        "signature",
        "dispute_comment",
    )

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, default=lambda s: s.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    date_from = fields.Date(required=True, readonly=True)
    date_to = fields.Date(required=True, readonly=True, index=True)
    line_ids = fields.One2many("rebate.statement.line", "statement_id", readonly=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("sent", "Sent"),
            ("confirmed", "Confirmed"),
            ("disputed", "Disputed"),
            ("resolved", "Resolved"),
        ],
        required=True,
        default="draft",
        readonly=True,
        tracking=True,
        index=True,
    )
    closing_balance = fields.Monetary(
        compute="_compute_totals",
        store=True,
        help="Rebate still owed to the customer at the end of the period, company currency.",
    )
    book_balance = fields.Monetary(
        readonly=True,
        help="Balance of the accrued rebate liability account for the customer in the books "
        "at the end of the period.",
    )
    balance_difference = fields.Monetary(compute="_compute_totals", store=True)
    sent_date = fields.Datetime(readonly=True, copy=False)
    confirmed_date = fields.Datetime(readonly=True, copy=False)
    confirmed_by_id = fields.Many2one(
        "res.users",
        readonly=True,
        copy=False,
        help="The customer's portal user who confirmed the statement.",
    )
    signed_by = fields.Char(
        readonly=True, copy=False, help="The name the customer typed when signing."
    )
    signature = fields.Image(
        readonly=True, copy=False, attachment=True, max_width=1024, max_height=1024
    )
    dispute_comment = fields.Text(readonly=True, copy=False)
    resolution_note = fields.Text(
        copy=False, help="How the dispute was resolved; the customer reads it in the portal."
    )

    _partner_period_uniq = models.UniqueIndex("(partner_id, company_id, date_from, date_to)")

    @api.depends("line_ids.closing_company", "book_balance")
    def _compute_totals(self):
        for statement in self:
            statement.closing_balance = sum(statement.line_ids.mapped("closing_company"))
            statement.balance_difference = statement.currency_id.round(
                statement.closing_balance - statement.book_balance
            )

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for statement in self:
            statement.access_url = f"/my/rebates/statements/{statement.id}"
        return result

    def _portal_ensure_token(self):
        # Odoo's own sharing (mail links, Share) sets the link token, nobody else.
        with guard.internal_writes(self._name):
            return super()._portal_ensure_token()

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Rebate Statement %s", self.name).replace("/", "-")

    # ------------------------------------------------------------------ guards

    @api.model_create_multi
    def create(self, vals_list):
        if not self._guard_is_open():
            raise UserError(
                self.env._(
                    "Rebate statements are made by the statement job at the end of each "
                    "statement period; they cannot be created by hand. Nothing was saved."
                )
            )
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("rebate.statement") or "/"
        with guard.internal_writes(self._name):
            return super().create(vals_list)

    def write(self, vals):
        check_client_values(self, [vals])
        if (
            "resolution_note" in vals
            and not self._guard_is_open()
            and any(statement.state != "disputed" for statement in self)
        ):
            raise UserError(
                self.env._(
                    "The resolution note can be written only while the statement is "
                    "disputed. Nothing was saved."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        answered = self.filtered(lambda statement: statement.state != "draft")
        if answered:
            raise UserError(
                self.env._(
                    "Statement %s has been sent to the customer: it cannot be deleted. "
                    "A correction is a new statement.",
                    answered[0].name,
                )
            )

    def _lock_for_update(self):
        """Lock the statements' rows and read their state again from the database, so two
        answers at the same moment are handled one after the other."""
        self._lock_rows()

    # ------------------------------------------------------------------ generation

    @api.model
    def _generate_statements(self, date_from, date_to, partner_ids=None, companies=None):
        """One statement per customer company with rebate activity or a balance, for the
        period, with a line per agreement; existing statements of the period are kept.
        Runs as the system (the statement job); `companies` limits it to those companies."""
        date_from = fields.Date.to_date(date_from)
        date_to = fields.Date.to_date(date_to)
        if date_to < date_from:
            raise UserError(self.env._("A statement period must not end before it starts."))
        # The job reads every customer's ledger and writes as the system.
        Statement = self.sudo()
        Entry = Statement.env["rebate.entry"]
        domain = [("date", "<=", date_to)]
        if partner_ids:
            domain.append(("partner_id", "in", list(partner_ids)))
        if companies is not None:
            domain.append(("company_id", "in", companies.ids))
        before = Entry._read_group(
            [*domain, ("date", "<", date_from)],
            ["company_id", "partner_id", "agreement_id"],
            ["amount:sum", "amount_company:sum"],
        )
        during = Entry._read_group(
            [*domain, ("date", ">=", date_from)],
            ["company_id", "partner_id", "agreement_id", "entry_type"],
            ["amount:sum", "amount_company:sum", "volume:sum"],
        )
        rows = defaultdict(
            lambda: {
                "opening": 0.0,
                "opening_company": 0.0,
                "accrued": 0.0,
                "adjusted": 0.0,
                "settled": 0.0,
                "movement_company": 0.0,
                "volume": 0.0,
            }
        )
        for company, partner, agreement, amount, amount_company in before:
            row = rows[company, partner, agreement]
            row["opening"] += amount
            row["opening_company"] += amount_company
        for company, partner, agreement, entry_type, amount, amount_company, volume in during:
            row = rows[company, partner, agreement]
            if entry_type in ACCRUAL_TYPES:
                row["accrued"] += amount
                row["volume"] += volume
            elif entry_type == "adjustment":
                row["adjusted"] += amount
            else:
                row["settled"] += amount
            row["movement_company"] += amount_company
        existing = {
            (statement.company_id, statement.partner_id)
            for statement in Statement.search(
                [("date_from", "=", date_from), ("date_to", "=", date_to)]
            )
        }
        # What the ledger holds per settlement period, read once for every agreement.
        period_states, _totals = Statement.env["rebate.entry"]._period_states(
            Statement.env["rebate.agreement"].union(*(key[2] for key in rows))
        )
        by_statement = defaultdict(list)
        for (company, partner, agreement), row in rows.items():
            if (company, partner) in existing:
                continue
            period = agreement.period_ids.filtered(
                lambda p: p.date_from <= date_to and p.date_to >= date_from
            ).sorted("date_from")[-1:]
            # The statement is the customer's document: its tier label in their language.
            progress = (
                agreement.with_context(lang=partner.lang or self.env.lang)._progress(
                    period, period_states[period.id]
                )
                if period
                else {}
            )
            by_statement[company, partner].append(
                {
                    "agreement_id": agreement.id,
                    "opening": row["opening"],
                    "accrued": row["accrued"],
                    "adjusted": row["adjusted"],
                    "settled": row["settled"],
                    "volume": row["volume"],
                    "tier_reached": progress.get("tier_label", ""),
                    "closing_company": row["opening_company"] + row["movement_company"],
                }
            )
        with guard.internal_writes(self._name, "rebate.statement.line"):
            statements = Statement.create(
                [
                    {
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "date_from": date_from,
                        "date_to": date_to,
                        "line_ids": [fields.Command.create(vals) for vals in lines],
                    }
                    for (company, partner), lines in by_statement.items()
                ]
            )
            statements._compute_book_balance()
        return statements

    def _compute_book_balance(self):
        """The accrued rebate liability in the books for each statement's customer at its
        end date, in one query."""
        if not self:
            return
        # The books must hold the accruals still waiting for the background booking job.
        self.env["rebate.booking"]._book_pending_for(partners=self.partner_id)
        accounts = self.company_id.mapped("rebate_liability_account_id")
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    ("account_id", "in", accounts.ids),
                    ("partner_id", "in", self.partner_id.ids),
                    ("parent_state", "=", "posted"),
                    ("date", "<=", max(self.mapped("date_to"))),
                ],
                ["company_id", "partner_id", "date:day"],
                ["balance:sum"],
            )
        )
        with guard.internal_writes(self._name):
            for statement in self.sudo():
                statement.book_balance = -sum(
                    balance
                    for company, partner, day, balance in groups
                    if company == statement.company_id
                    and partner == statement.partner_id
                    and day <= statement.date_to
                )

    @api.model
    def _cron_generate_statements(self):
        """Daily: once a statement period has ended, make its statements (monthly or
        quarterly, per company), as the system."""
        today = fields.Date.context_today(self)
        for company in self.env["res.company"].sudo().search([]):
            months = 3 if company.rebate_statement_frequency == "quarterly" else 1
            first_of_month = today.replace(day=1)
            start_month = ((first_of_month.month - 1) // months) * months + 1
            period_end = first_of_month.replace(month=start_month) - timedelta(days=1)
            period_start = (period_end + timedelta(days=1)) - relativedelta(months=months)
            self.with_company(company)._generate_statements(
                period_start, period_end, companies=company
            )
        return True

    # ------------------------------------------------------------------ finance

    def _invoicing_contact(self):
        self.ensure_one()
        return self.env["res.partner"].browse(self.partner_id.address_get(["invoice"])["invoice"])

    def _check_finance_user(self):
        user = self.env.user
        if not (
            self.env.su
            or user.has_group("customer_rebate.group_rebate_accountant")
            or user.has_group("customer_rebate.group_rebate_manager")
        ):
            raise AccessError(
                self.env._("Only rebate accountants and managers send statements to customers.")
            )

    @client_method()
    def action_send(self):
        """Send the statements to the customers' invoicing contacts (finance)."""
        self._check_finance_user()
        self.check_access("write")
        self._lock_for_update()
        for statement in self:
            if statement.state not in ("draft", "sent"):
                raise UserError(
                    self.env._("Statement %s has already been answered.", statement.name)
                )
        template = self.env.ref("customer_rebate.mail_template_rebate_statement")
        for statement in self:
            contact = statement._invoicing_contact()
            statement.message_subscribe(partner_ids=contact.ids)
            statement.message_post_with_source(
                template,
                subtype_xmlid="mail.mt_comment",
                message_type="comment",
                partner_ids=contact.ids,
            )
            statement._guarded_write({"state": "sent", "sent_date": fields.Datetime.now()})
        return True

    @client_method(single=True)
    def action_send_with_composer(self):
        """Send one statement the way Odoo sends a document: the mail composer opens with
        the statement's template and PDF, finance may add a word, and sending marks the
        statement as sent."""
        self._check_finance_user()
        self.check_access("write")
        if self.state not in ("draft", "sent"):
            raise UserError(self.env._("Statement %s has already been answered.", self.name))
        template = self.env.ref("customer_rebate.mail_template_rebate_statement")
        contact = self._invoicing_contact()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send Statement"),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment",
                "default_partner_ids": contact.ids,
                "default_email_layout_xmlid": "mail.mail_notification_light",
                "force_email": True,
                "mark_rebate_statement_sent": True,
            },
        }

    def message_post(self, **kwargs):
        message = super().message_post(**kwargs)
        # Sent from the composer opened by 'Send': the statement is now with the customer.
        # Checked again here: only finance marks a statement as sent.
        if self.env.context.get("mark_rebate_statement_sent") and len(self) == 1:
            user = self.env.user
            if self.state == "draft" and (
                user.has_group("customer_rebate.group_rebate_accountant")
                or user.has_group("customer_rebate.group_rebate_manager")
            ):
                self._guarded_write({"state": "sent", "sent_date": fields.Datetime.now()})
        return message

    @client_method(note=str)
    def action_resolve(self, note=False):
        """Close a dispute with the note the customer reads in the portal."""
        if note is None:
            note = False
        if note is not False and not isinstance(note, str):
            raise UserError(self.env._("The resolution note must be text. Nothing was saved."))
        self.check_access("write")
        self._lock_for_update()
        note = (note or "").strip()
        resolutions = {}
        for statement in self:
            if statement.state != "disputed":
                raise UserError(self.env._("Only a disputed statement can be resolved."))
            resolution = note or (statement.resolution_note or "").strip()
            if not resolution:
                raise UserError(
                    self.env._("Write the resolution note the customer will read first.")
                )
            resolutions[statement] = resolution
        for statement, resolution in resolutions.items():
            statement._guarded_write({"state": "resolved", "resolution_note": resolution})
            statement.activity_feedback(["mail.mail_activity_data_todo"], feedback=resolution)
            statement.message_post(
                body=self.env._("Dispute resolved: %s", resolution),
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return True

    # ------------------------------------------------------------------ customer (portal)

    def _portal_answer_error(self):
        """Why the current user may not confirm or dispute this statement, or False: only a
        portal user of the statement's customer company, who can read it."""
        self.ensure_one()
        user = self.env.user
        if self.env.su or not user.share or user._is_public():
            return self.env._(
                "Only the customer's users confirm or dispute a statement, in the customer portal."
            )
        if user.sudo().partner_id.commercial_partner_id != self.sudo().partner_id:
            return self.env._(
                "This statement is addressed to another customer: only that customer's users "
                "can confirm or dispute it."
            )
        if not self.has_access("read"):
            return self.env._("You cannot open this statement.")
        return False

    def _portal_can_answer(self):
        """Whether the current user sees the confirm and dispute forms of this statement."""
        self.ensure_one()
        return self.state in ("sent", "resolved") and not self._portal_answer_error()

    def _portal_check_answer(self):
        self.ensure_one()
        error = self._portal_answer_error()
        if error:
            raise AccessError(error)
        self.check_access("read")
        self._lock_for_update()

    def _portal_confirm(self, signed_by, signature):
        """The customer confirms the statement, signing it (called by the portal as a
        user of the customer company; record rules apply)."""
        self._portal_check_answer()
        if self.state not in ("sent", "resolved"):
            raise UserError(
                self.env._("Only a statement sent to you (or a resolved dispute) can be confirmed.")
            )
        signed_by = signed_by.strip() if isinstance(signed_by, str) else ""
        if not signed_by:
            raise UserError(self.env._("Type your name to sign the statement."))
        if len(signed_by) > SIGNED_BY_MAX:
            raise UserError(
                self.env._("Your name is too long: at most %s characters.", SIGNED_BY_MAX)
            )
        if not isinstance(signature, str) or not signature:
            raise UserError(self.env._("Draw or type your signature to confirm the statement."))
        try:
            image_process(base64.b64decode(signature, validate=True), verify_resolution=True)
        except (binascii.Error, ValueError, UserError):
            raise UserError(
                self.env._("Your signature could not be read: sign again, please.")
            ) from None
        user = self.env.user
        self._guarded_write(
            {
                "state": "confirmed",
                "confirmed_by_id": user.id,
                "confirmed_date": fields.Datetime.now(),
                "signed_by": signed_by,
                "signature": signature,
            }
        )
        statement = self.sudo()
        pdf = (
            self.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf("customer_rebate.action_report_rebate_statement", statement.ids)[0]
        )
        statement.message_post(
            # A plain str: message_post escapes what the customer typed.
            body=self.env._("Statement confirmed and signed by %s.", signed_by),
            attachments=[(f"{statement._get_report_base_filename()}.pdf", pdf)],
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            author_id=user.partner_id.id,
        )
        return True

    def _portal_dispute(self, comment):
        """The customer disputes the statement with a comment (called by the portal as a
        user of the customer company; record rules apply)."""
        self._portal_check_answer()
        comment = comment.strip() if isinstance(comment, str) else ""
        if not comment:
            raise UserError(self.env._("Say what is wrong with the statement."))
        if self.state != "sent":
            raise UserError(self.env._("Only a statement sent to you can be disputed."))
        user = self.env.user
        self._guarded_write({"state": "disputed", "dispute_comment": comment})
        statement = self.sudo()
        responsible = statement.line_ids.agreement_id.user_id[:1] or statement.partner_id.user_id
        # The note is stored as text, for the company's staff: in the responsible person's
        # language (else the company's), not the customer's.
        staff_lang = responsible.lang or statement.company_id.partner_id.lang or self.env.lang
        statement.message_post(
            # A plain str: message_post escapes what the customer typed.
            body=statement.with_context(lang=staff_lang).env._(
                "Disputed by %(user)s: %(comment)s", user=user.name, comment=comment
            ),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            author_id=user.partner_id.id,
        )
        if responsible:
            statement.activity_schedule(
                "mail.mail_activity_data_todo",
                # In the responsible person's language: the summary is stored as text.
                summary=statement.with_context(lang=responsible.lang).env._(
                    "Rebate statement %s disputed", statement.name
                ),
                # The note is HTML: the customer's text goes in escaped.
                note=plaintext2html(comment),
                user_id=responsible.id,
            )
        return True


class RebateStatementLine(models.Model):
    """One agreement's figures on a statement; made only with the statement."""

    _name = "rebate.statement.line"
    _description = "Customer Rebate Statement Line"
    _inherit = ["rebate.guarded.mixin"]
    _order = "statement_id, agreement_id"
    _guarded_fields = (
        "statement_id",
        "company_id",
        "agreement_id",
        "currency_id",
        "company_currency_id",
        "opening",
        "accrued",
        "adjusted",
        "settled",
        "closing",
        "closing_company",
        "volume",
        "tier_reached",
    )

    statement_id = fields.Many2one(
        "rebate.statement", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="statement_id.company_id", store=True)
    agreement_id = fields.Many2one("rebate.agreement", required=True, readonly=True)
    currency_id = fields.Many2one(related="agreement_id.currency_id")
    company_currency_id = fields.Many2one(related="statement_id.currency_id")
    opening = fields.Monetary(string="Opening Balance")
    accrued = fields.Monetary()
    adjusted = fields.Monetary()
    settled = fields.Monetary()
    closing = fields.Monetary(string="Closing Balance", compute="_compute_closing", store=True)
    closing_company = fields.Monetary(currency_field="company_currency_id")
    volume = fields.Float(digits="Product Unit")
    tier_reached = fields.Char()

    @api.depends("statement_id.name", "agreement_id.name")
    def _compute_display_name(self):
        # The statement and the agreement, where a reader meets a line (audit trail,
        # breadcrumbs): the model has no name of its own.
        for line in self:
            line.display_name = " · ".join(
                name for name in (line.statement_id.name, line.agreement_id.name) if name
            )

    @api.depends("opening", "accrued", "adjusted", "settled")
    def _compute_closing(self):
        for line in self:
            line.closing = line.opening + line.accrued + line.adjusted + line.settled
