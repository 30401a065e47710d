from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL, format_date

from odoo.addons.customer_rebate.models.guarded_mixin import client_method
from odoo.addons.customer_rebate.tools import guard

from .rebate_partner_due_diligence import DUE_DILIGENCE_STATES

# Set only by the due diligence actions below (and by module data files).
DUE_DILIGENCE_FIELDS = (
    "rebate_due_diligence_state",
    "rebate_due_diligence_reviewer_id",
    "rebate_due_diligence_review_date",
    "rebate_due_diligence_expiry_date",
    "rebate_due_diligence_note",
)
# Who decides a customer's due diligence: rebate managers and finance, never the
# customer's own salesperson.
REVIEWER_GROUPS = (
    "customer_rebate.group_rebate_manager",
    "customer_rebate.group_rebate_accountant",
)
EXPIRY_NOTICE_DAYS = 30
EXPIRY_ACTIVITY = "customer_rebate_audit.mail_activity_rebate_due_diligence_expiry"


class ResPartner(models.Model):
    """Customer due diligence (客户审查) of a customer company: approved, rejected or
    pending, by whom, when, until when. A rebate agreement is submitted only for a
    customer whose approval is valid on the day, when its company requires it."""

    _inherit = "res.partner"

    rebate_due_diligence_state = fields.Selection(
        DUE_DILIGENCE_STATES,
        string="Due Diligence",
        default="pending",
        copy=False,
        readonly=True,
        help="Set only by the Approve, Reject and Reset to Pending buttons of a rebate "
        "manager or finance approver.",
    )
    rebate_due_diligence_reviewer_id = fields.Many2one(
        "res.users", string="Due Diligence Reviewer", copy=False, readonly=True
    )
    rebate_due_diligence_review_date = fields.Date(
        string="Due Diligence Review Date", copy=False, readonly=True
    )
    rebate_due_diligence_expiry_date = fields.Date(
        string="Due Diligence Expiry Date",
        copy=False,
        readonly=True,
        help="The last day the approval is valid; a new review is needed after it.",
    )
    rebate_due_diligence_note = fields.Text(string="Due Diligence Notes", copy=False, readonly=True)
    rebate_due_diligence_ids = fields.One2many(
        "rebate.partner.due.diligence", "partner_id", string="Due Diligence History"
    )
    rebate_due_diligence_valid = fields.Boolean(
        string="Due Diligence Valid",
        compute="_compute_rebate_due_diligence_valid",
        search="_search_rebate_due_diligence_valid",
        help="Approved, and not expired today.",
    )
    rebate_can_review_due_diligence = fields.Boolean(
        compute="_compute_rebate_can_review_due_diligence"
    )

    @api.depends(
        "commercial_partner_id.rebate_due_diligence_state",
        "commercial_partner_id.rebate_due_diligence_review_date",
        "commercial_partner_id.rebate_due_diligence_expiry_date",
    )
    @api.depends_context("date")
    def _compute_rebate_due_diligence_valid(self):
        valid = self._rebate_due_diligence_valid(fields.Date.context_today(self))
        for partner in self:
            partner.rebate_due_diligence_valid = partner in valid

    def _search_rebate_due_diligence_valid(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        today = fields.Date.context_today(self)
        domain = [
            ("commercial_partner_id.rebate_due_diligence_state", "=", "approved"),
            ("commercial_partner_id.rebate_due_diligence_review_date", "<=", today),
            ("commercial_partner_id.rebate_due_diligence_expiry_date", ">=", today),
        ]
        return Domain(domain) if operator == "in" else ~Domain(domain)

    @api.depends_context("uid")
    @api.depends("user_id", "commercial_partner_id.user_id", "is_company")
    def _compute_rebate_can_review_due_diligence(self):
        for partner in self:
            partner.rebate_can_review_due_diligence = not partner._rebate_reviewer_refusal()

    # ------------------------------------------------------------------ guard

    def _rebate_guard_due_diligence(self, vals_list, create=False):
        """Only the due diligence actions set its fields (module data files aside); a new
        partner starts pending."""
        if guard.is_open(self._name) or not self.pool.ready:
            return
        forged = sorted(
            {
                name
                for vals in vals_list
                for name in DUE_DILIGENCE_FIELDS
                if name in vals
                and not (
                    create
                    and (
                        not vals[name]
                        or (name == "rebate_due_diligence_state" and vals[name] == "pending")
                    )
                )
            }
        )
        if forged:
            labels = ", ".join(
                self._fields[name].get_description(self.env)["string"] for name in forged
            )
            raise UserError(
                self.env._(
                    "Only the due diligence buttons (Approve, Reject, Reset to Pending) of a "
                    "rebate manager or finance approver set %(fields)s. Nothing was saved.",
                    fields=labels,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._rebate_guard_due_diligence(vals_list, create=True)
        return super().create(vals_list)

    def write(self, vals):
        self._rebate_guard_due_diligence([vals])
        return super().write(vals)

    # ------------------------------------------------------------------ queries

    def _rebate_due_diligence_valid(self, day):
        """The partners of `self` whose customer company's due diligence is valid on `day`:
        approved, reviewed on or before it and not expired (batch; the control checks
        call it)."""
        day = fields.Date.to_date(day)

        def valid(partner):
            customer = partner.commercial_partner_id
            return (
                customer.rebate_due_diligence_state == "approved"
                and customer.rebate_due_diligence_review_date
                and customer.rebate_due_diligence_review_date <= day
                and customer.rebate_due_diligence_expiry_date
                and customer.rebate_due_diligence_expiry_date >= day
            )

        return self.filtered(valid)

    def _rebate_due_diligence_problem(self, day):
        """Why the customer company's due diligence is not valid on `day`, as a problem
        line of a refusal, or False."""
        self.ensure_one()
        customer = self.commercial_partner_id.sudo()
        if self._rebate_due_diligence_valid(day):
            return False
        where = self.env._(
            "a rebate manager or finance approver records it on the customer's form, tab "
            "Due Diligence"
        )
        state = customer.rebate_due_diligence_state
        expiry = customer.rebate_due_diligence_expiry_date
        if state == "approved" and expiry and expiry < day:
            return self.env._(
                "the due diligence of %(customer)s expired on %(date)s: it needs a new "
                "review (%(where)s)",
                customer=customer.display_name,
                date=format_date(self.env, expiry),
                where=where,
            )
        if state == "rejected":
            return self.env._(
                "the due diligence of %(customer)s was rejected: no rebate agreement with "
                "this customer until it is approved (%(where)s)",
                customer=customer.display_name,
                where=where,
            )
        return self.env._(
            "the due diligence of %(customer)s is not approved yet (%(where)s)",
            customer=customer.display_name,
            where=where,
        )

    # ------------------------------------------------------------------ actions

    def _rebate_reviewer_refusal(self, user=None):
        """Why `user` (default: the current user) may not decide this customer's due
        diligence, or False."""
        self.ensure_one()
        user = user or self.env.user
        if not any(user.has_group(group) for group in REVIEWER_GROUPS):
            return self.env._(
                "Only rebate managers and finance approvers decide a customer's due diligence."
            )
        if not self.is_company or self.parent_id:
            return self.env._(
                "Due diligence is recorded on the customer company, not on %s: open the company.",
                self.display_name,
            )
        if user in (self.user_id | self.commercial_partner_id.user_id):
            return self.env._(
                "You are the salesperson of %s: another rebate manager or finance approver "
                "decides its due diligence.",
                self.display_name,
            )
        return False

    def _rebate_date_argument(self, value, label):
        if not value:
            return False
        try:
            return fields.Date.to_date(value)
        except (TypeError, ValueError):
            raise UserError(
                self.env._("The %s must be a date (YYYY-MM-DD). Nothing was saved.", label)
            ) from None

    def _rebate_decide_due_diligence(self, state, note=False, review_date=False, expiry=False):
        """Record a decision, after re-checking who decides and the values: the customer's
        fields and one history line, as the system, with the caller as the decider."""
        self.ensure_one()
        refusal = self._rebate_reviewer_refusal()
        if refusal:
            raise AccessError(refusal)
        self.check_access("read")
        self.flush_recordset()
        self.env.cr.execute(
            SQL("SELECT id FROM res_partner WHERE id = %s FOR NO KEY UPDATE", self.id)
        )
        self.invalidate_recordset()
        if note is not False and note is not None and not isinstance(note, str):
            raise UserError(self.env._("The notes must be text. Nothing was saved."))
        note = (note or "").strip() or False
        today = fields.Date.context_today(self)
        review_date = self._rebate_date_argument(review_date, self.env._("review date"))
        expiry = self._rebate_date_argument(expiry, self.env._("expiry date"))
        if state == "approved":
            review_date = review_date or today
            if not expiry:
                raise UserError(
                    self.env._(
                        "Enter the expiry date of the approval: the last day before the "
                        "customer is reviewed again. Nothing was saved."
                    )
                )
        if review_date and review_date > today:
            raise UserError(
                self.env._("The review date cannot be in the future. Nothing was saved.")
            )
        if expiry and review_date and expiry <= review_date:
            raise UserError(
                self.env._(
                    "The expiry date (%(expiry)s) must come after the review date "
                    "(%(review)s). Nothing was saved.",
                    expiry=format_date(self.env, expiry),
                    review=format_date(self.env, review_date),
                )
            )
        if expiry and expiry < today:
            raise UserError(
                self.env._(
                    "The expiry date %s is already past: an approval must be valid today. "
                    "Nothing was saved.",
                    format_date(self.env, expiry),
                )
            )
        if state == "rejected" and not note:
            raise UserError(
                self.env._("Say in the notes why the due diligence is rejected. Nothing was saved.")
            )
        previous = self.rebate_due_diligence_state
        with guard.internal_writes(self._name):
            self.sudo().write(
                {
                    "rebate_due_diligence_state": state,
                    "rebate_due_diligence_reviewer_id": self.env.uid,
                    "rebate_due_diligence_review_date": review_date or today,
                    "rebate_due_diligence_expiry_date": expiry if state == "approved" else False,
                    "rebate_due_diligence_note": note,
                }
            )
        self.env["rebate.partner.due.diligence"]._guarded_create(
            [
                {
                    "partner_id": self.id,
                    "company_id": self.company_id.id,
                    "user_id": self.env.uid,
                    "state": state,
                    "previous_state": previous,
                    "review_date": review_date or today,
                    "expiry_date": expiry if state == "approved" else False,
                    "note": note,
                }
            ]
        )
        labels = dict(self._fields["rebate_due_diligence_state"]._description_selection(self.env))
        body = self.env._(
            "Due diligence: %(state)s by %(user)s.",
            state=labels[state],
            user=self.env.user.name,
        )
        if state == "approved":
            body = self.env._(
                "Due diligence approved by %(user)s, valid until %(date)s.",
                user=self.env.user.name,
                date=format_date(self.env, expiry),
            )
        self.sudo().message_post(
            body=body + (f"\n{note}" if note else ""),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            author_id=self.env.user.partner_id.id,
        )
        # A decision answers the renewal reminder, if there was one.
        self.sudo().activity_unlink([EXPIRY_ACTIVITY])
        return True

    @client_method(single=True, expiry_date=str, review_date=str, note=str)
    def action_rebate_due_diligence_approve(self, expiry_date=False, review_date=False, note=False):
        """Approve the customer's due diligence until `expiry_date` (the wizard's button)."""
        return self._rebate_decide_due_diligence("approved", note, review_date, expiry_date)

    @client_method(single=True, note=str, review_date=str)
    def action_rebate_due_diligence_reject(self, note=False, review_date=False):
        return self._rebate_decide_due_diligence("rejected", note, review_date)

    @client_method(single=True, note=str)
    def action_rebate_due_diligence_reset(self, note=False):
        return self._rebate_decide_due_diligence("pending", note)

    # ------------------------------------------------------------------ cron

    @api.model
    def _cron_rebate_due_diligence_expiry(self):
        """Daily: the reviewer of an approval that expires within 30 days gets an activity
        to review the customer again, once."""
        today = fields.Date.context_today(self)
        expiring = self.search(
            [
                ("rebate_due_diligence_state", "=", "approved"),
                ("rebate_due_diligence_expiry_date", ">=", today),
                (
                    "rebate_due_diligence_expiry_date",
                    "<=",
                    today + timedelta(days=EXPIRY_NOTICE_DAYS),
                ),
                ("rebate_due_diligence_reviewer_id.active", "=", True),
            ]
        )
        activity_type = self.env.ref(EXPIRY_ACTIVITY)
        noticed = set(
            self.env["mail.activity"]
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", expiring.ids),
                    ("activity_type_id", "=", activity_type.id),
                ]
            )
            .mapped("res_id")
        )
        for partner in expiring.filtered(lambda p: p.id not in noticed):
            reviewer = partner.rebate_due_diligence_reviewer_id
            env = partner.with_context(lang=reviewer.lang).env
            partner.activity_schedule(
                EXPIRY_ACTIVITY,
                date_deadline=partner.rebate_due_diligence_expiry_date,
                summary=env._(
                    "Due diligence of %(customer)s expires on %(date)s: review it again.",
                    customer=partner.display_name,
                    date=format_date(env, partner.rebate_due_diligence_expiry_date),
                ),
                user_id=reviewer.id,
            )
        return True

    # ------------------------------------------------------------------ buttons

    def _rebate_due_diligence_wizard(self, decision):
        refusal = self._rebate_reviewer_refusal()
        if refusal:
            raise AccessError(refusal)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Customer Due Diligence"),
            "res_model": "rebate.due.diligence.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_partner_id": self.id, "default_decision": decision},
        }

    @client_method(single=True)
    def action_rebate_due_diligence_open_approve(self):
        return self._rebate_due_diligence_wizard("approve")

    @client_method(single=True)
    def action_rebate_due_diligence_open_reject(self):
        return self._rebate_due_diligence_wizard("reject")

    @client_method(single=True)
    def action_rebate_due_diligence_open_reset(self):
        return self._rebate_due_diligence_wizard("reset")
