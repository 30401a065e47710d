from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from .rebate_accrual import ACCRUAL_TYPES


class RebateStatement(models.Model):
    """What a customer company has earned, been paid and is still owed in rebates over a
    statement period, per agreement; sent to the customer, who confirms or disputes it in
    the portal (对账)."""

    _name = "rebate.statement"
    _description = "Customer Rebate Statement"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date_to desc, partner_id, id desc"
    _check_company_auto = True

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
    confirmed_by = fields.Char(readonly=True, copy=False)
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

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Rebate Statement %s", self.name).replace("/", "-")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("rebate.statement") or "/"
        return super().create(vals_list)

    # ------------------------------------------------------------------ generation

    @api.model
    def generate_statements(self, date_from, date_to, partner_ids=None):
        """One statement per customer company with rebate activity or a balance, for the
        period, with a line per agreement; existing statements of the period are kept."""
        date_from = fields.Date.to_date(date_from)
        date_to = fields.Date.to_date(date_to)
        if date_to < date_from:
            raise UserError(self.env._("A statement period must not end before it starts."))
        Entry = self.env["rebate.entry"].sudo()
        domain = [("date", "<=", date_to)]
        if partner_ids:
            domain.append(("partner_id", "in", list(partner_ids)))
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
            for statement in self.sudo().search(
                [("date_from", "=", date_from), ("date_to", "=", date_to)]
            )
        }
        # What the ledger holds per settlement period, read once for every agreement.
        period_states, _totals = self.env["rebate.accrual"]._ledger_states(
            self.env["rebate.agreement"].union(*(key[2] for key in rows))
        )
        by_statement = defaultdict(list)
        for (company, partner, agreement), row in rows.items():
            if (company, partner) in existing:
                continue
            period = agreement.period_ids.filtered(
                lambda p: p.date_from <= date_to and p.date_to >= date_from
            ).sorted("date_from")[-1:]
            progress = agreement._progress(period, period_states[period.id]) if period else {}
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
        statements = self.sudo().create(
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
        self.env["rebate.accrual"]._book_pending_for(partners=self.partner_id)
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
        for statement in self:
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
        quarterly, per company)."""
        today = fields.Date.context_today(self)
        for company in self.env["res.company"].search([]):
            months = 3 if company.rebate_statement_frequency == "quarterly" else 1
            first_of_month = today.replace(day=1)
            start_month = ((first_of_month.month - 1) // months) * months + 1
            period_end = first_of_month.replace(month=start_month) - timedelta(days=1)
            period_start = (period_end + timedelta(days=1)) - relativedelta(months=months)
            self.with_company(company).generate_statements(period_start, period_end)
        return True

    # ------------------------------------------------------------------ workflow

    def _invoicing_contact(self):
        self.ensure_one()
        return self.env["res.partner"].browse(self.partner_id.address_get(["invoice"])["invoice"])

    def action_send(self):
        template = self.env.ref("customer_rebate.mail_template_rebate_statement")
        for statement in self:
            if statement.state not in ("draft", "sent"):
                raise UserError(
                    self.env._("Statement %s has already been answered.", statement.name)
                )
            contact = statement._invoicing_contact()
            statement.message_subscribe(partner_ids=contact.ids)
            statement.message_post_with_source(
                template,
                subtype_xmlid="mail.mt_comment",
                message_type="comment",
                partner_ids=contact.ids,
            )
            statement.sudo().write({"state": "sent", "sent_date": fields.Datetime.now()})
        return True

    def action_confirm(self):
        for statement in self:
            if statement.state != "sent":
                raise UserError(
                    self.env._("Only a statement sent to the customer can be confirmed.")
                )
            statement.sudo().write(
                {
                    "state": "confirmed",
                    "confirmed_date": fields.Datetime.now(),
                    "confirmed_by": self.env.user.name,
                }
            )
            statement.sudo().message_post(
                body=self.env._("Statement confirmed by %s.", self.env.user.name),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                author_id=self.env.user.partner_id.id,
            )
        return True

    def action_dispute(self, comment=False):
        comment = (comment or "").strip()
        if not comment:
            raise UserError(self.env._("Say what is wrong with the statement."))
        for statement in self:
            if statement.state != "sent":
                raise UserError(
                    self.env._("Only a statement sent to the customer can be disputed.")
                )
            statement.sudo().write({"state": "disputed", "dispute_comment": comment})
            statement.sudo().message_post(
                body=self.env._(
                    "Disputed by %(user)s: %(comment)s", user=self.env.user.name, comment=comment
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                author_id=self.env.user.partner_id.id,
            )
            responsible = (
                statement.line_ids.agreement_id.user_id[:1] or statement.partner_id.user_id
            )
            if responsible:
                statement.sudo().activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=self.env._("Rebate statement %s disputed", statement.name),
                    note=comment,
                    user_id=responsible.id,
                )
        return True

    def action_resolve(self, note=False):
        note = (note or "").strip()
        for statement in self:
            if statement.state != "disputed":
                raise UserError(self.env._("Only a disputed statement can be resolved."))
            resolution = note or (statement.resolution_note or "").strip()
            if not resolution:
                raise UserError(
                    self.env._("Write the resolution note the customer will read first.")
                )
            statement.write({"state": "resolved", "resolution_note": resolution})
            statement.activity_feedback(["mail.mail_activity_data_todo"], feedback=resolution)
            statement.message_post(
                body=self.env._("Dispute resolved: %s", resolution),
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return True


class RebateStatementLine(models.Model):
    _name = "rebate.statement.line"
    _description = "Customer Rebate Statement Line"
    _order = "statement_id, agreement_id"

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

    @api.depends("opening", "accrued", "adjusted", "settled")
    def _compute_closing(self):
        for line in self:
            line.closing = line.opening + line.accrued + line.adjusted + line.settled
