import base64
import binascii
import dataclasses
import json
from datetime import date, timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import format_date

from ..tools import guard, rebate_math
from ..tools import periods as period_tools
from ..tools.ledger import ACCRUAL_TYPES
from .client_values_mixin import check_client_values
from .guarded_mixin import client_method
from .rebate_accrual import CUSTOMER_INVOICE_TYPES

# How a settled rebate reaches the customer (the agreement's term, the settlement's choice).
PAYOUT_METHODS = [
    ("credit_note", "Credit note"),
    ("payment", "Payment to the customer's bank account"),
    ("balance", "Balance for future orders"),
]

# The terms the customer agreed to and an approver signed off: frozen once submitted.
TERM_FIELDS = frozenset(
    {
        "partner_id",
        "company_id",
        "currency_id",
        "date_start",
        "date_end",
        "calculation_method",
        "basis",
        "tier_ids",
        "rule_ids",
        "minimum_volume",
        "cap_period",
        "cap_total",
        "baseline_type",
        "baseline_volume",
        "settlement_frequency",
        "payout_method",
        "accounting_treatment",
        "accrual_basis",
        "balance_max_order_percent",
        "balance_max_order_amount",
        "balance_validity_days",
        "terms",
        "signed_contract",
        "signed_contract_filename",
        "contract_date",
        "estimated_yearly_amount",
        "estimated_yearly_quantity",
    }
)
EXPIRY_NOTICE_DAYS = 30
APPROVAL_ACTIVITY = "customer_rebate.mail_activity_rebate_approval"
EXPIRY_ACTIVITY = "customer_rebate.mail_activity_rebate_expiry"
FOLLOW_UP_ACTIVITY = "mail.mail_activity_data_todo"


class RebateAgreement(models.Model):
    _name = "rebate.agreement"
    _description = "Customer Rebate Agreement"
    _inherit = [
        "rebate.guarded.mixin",
        "rebate.approval.mixin",
        "portal.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _order = "date_start desc, id desc"
    _check_company_auto = True
    # Only the agreement's own actions (submit, approve, reject, cancel, close, amend, the
    # expiry job, period generation) set these; see rebate.guarded.mixin.
    _guarded_fields = (
        "state",
        "name",
        "submitted_by_id",
        "submitted_date",
        "approved_date",
        "approval_level_done",
        "estimated_yearly_rebate",
        "max_rate",
        "period_ids",
        "approval_ids",
        "revision_ids",
        "settlement_ids",
    )

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/", index=True
    )
    title = fields.Char(
        help="What the agreement is about, e.g. '2027 distributor volume rebate'.", tracking=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        tracking=True,
        index=True,
        check_company=True,
        domain="[('is_company', '=', True)]",
        help="The customer company the agreement is signed with. Never a person.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        tracking=True,
        default=lambda self: self.env.company.currency_id,
    )
    date_start = fields.Date(string="Start Date", required=True, tracking=True)
    date_end = fields.Date(string="End Date", required=True, tracking=True)
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        compute="_compute_user_id",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        index=True,
        domain="[('share', '=', False)]",
        help="Answers for this agreement: gets its activities and speaks with the customer.",
    )
    backup_user_id = fields.Many2one(
        "res.users",
        string="Backup Responsible",
        tracking=True,
        groups="base.group_user",
        domain="[('share', '=', False)]",
        help="Covers the responsible person's absences; follows the agreement.",
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        compute="_compute_team_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        groups="base.group_user",
    )
    calculation_method = fields.Selection(
        [
            ("flat", "Flat rate"),
            ("per_unit", "Fixed amount per unit"),
            ("retroactive", "Retroactive tiers"),
            ("incremental", "Incremental tiers"),
            ("growth", "Growth over baseline"),
        ],
        required=True,
        default="retroactive",
        tracking=True,
        help="Flat: one percentage of the basis. Per unit: a fixed amount per unit sold. "
        "Retroactive: the whole period volume at the rate of the highest tier reached. "
        "Incremental: each slice of volume at its own tier's rate. "
        "Growth: the rate applied to the volume above a baseline.",
    )
    basis = fields.Selection(
        [("amount", "Untaxed invoiced amount"), ("quantity", "Invoiced quantity")],
        required=True,
        default="amount",
        tracking=True,
        help="The volume that tiers and the minimum are measured in.",
    )
    tier_ids = fields.One2many("rebate.agreement.tier", "agreement_id", string="Tiers", copy=True)
    rule_ids = fields.One2many(
        "rebate.agreement.rule",
        "agreement_id",
        string="Scope",
        copy=True,
        groups="base.group_user",
        help="Products and categories the agreement covers. No inclusion line: every product.",
    )
    period_ids = fields.One2many(
        "rebate.agreement.period", "agreement_id", string="Settlement Periods", readonly=True
    )
    settlement_frequency = fields.Selection(
        [
            ("monthly", "Monthly"),
            ("quarterly", "Quarterly"),
            ("semiannual", "Semiannual"),
            ("yearly", "Yearly"),
            ("end", "Once, at the end"),
        ],
        required=True,
        default="quarterly",
        tracking=True,
    )
    payout_method = fields.Selection(
        PAYOUT_METHODS,
        required=True,
        default="credit_note",
        tracking=True,
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("to_approve", "To Approve"),
            ("approved", "Approved"),
            ("expired", "Expired"),
            ("closed", "Closed"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="draft",
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
        # Kanban columns in the workflow's order, not alphabetical.
        group_expand=True,
    )
    minimum_volume = fields.Float(
        digits="Product Unit",
        tracking=True,
        help="Volume a period must reach before any rebate is earned.",
    )
    cap_period = fields.Monetary(
        string="Cap per Period", tracking=True, help="Most the rebate may be for one period."
    )
    cap_total = fields.Monetary(
        string="Cap per Agreement",
        tracking=True,
        help="Most the rebate may be over the whole agreement.",
    )
    baseline_type = fields.Selection(
        [("previous_year", "Same period of the previous year"), ("fixed", "Stated baseline")],
        default="previous_year",
        tracking=True,
    )
    baseline_volume = fields.Float(
        digits="Product Unit", tracking=True, help="Stated baseline volume per period."
    )
    accounting_treatment = fields.Selection(
        [("revenue_reduction", "Reduction of revenue"), ("selling_expense", "Selling expense")],
        required=True,
        default="revenue_reduction",
        tracking=True,
        groups="base.group_user",
        help="A rebate is variable consideration: IFRS 15 and 企业会计准则第14号 record it as a "
        "reduction of revenue. Selling expense only where a distinct service is received.",
    )
    balance_max_order_percent = fields.Float(
        string="Balance Use per Order (%)",
        help="Balance payout: the most of an order's untaxed amount the rebate balance may "
        "pay. Zero: no percentage cap.",
    )
    balance_max_order_amount = fields.Monetary(
        string="Balance Use per Order (Amount)",
        help="Balance payout: the most the rebate balance may pay on one order. Zero: no cap.",
    )
    balance_validity_days = fields.Integer(
        string="Balance Valid For (Days)",
        help="Balance payout: days a settled balance stays usable; zero never expires.",
    )
    settlement_ids = fields.One2many(
        "rebate.settlement", "agreement_id", string="Settlements", groups="base.group_user"
    )
    accrual_basis = fields.Selection(
        [("attained", "Attained so far"), ("expected", "Expected for the period")],
        required=True,
        default="attained",
        tracking=True,
        groups="base.group_user",
        help="Attained: accrue the rebate the volume so far has earned. Expected: accrue at "
        "the tier the period is expected to end in (IFRS 15's most likely amount), from the "
        "period's expected volume or, left empty, its run rate.",
    )
    # Odoo cannot track a binary field: the file name is tracked instead, and each
    # contract that is replaced is kept with the previous terms (rebate.agreement.revision).
    signed_contract = fields.Binary(attachment=True, copy=False, groups="base.group_user")
    signed_contract_filename = fields.Char(
        string="Signed Contract File", copy=False, tracking=True, groups="base.group_user"
    )
    contract_date = fields.Date(string="Contract Signed On", tracking=True, copy=False)
    terms = fields.Html(
        string="Terms for the Customer",
        help="The rebate terms as the customer reads them in the portal.",
    )
    note = fields.Html(string="Internal Notes", groups="base.group_user")
    estimated_yearly_amount = fields.Monetary(
        string="Estimated Yearly Sales",
        tracking=True,
        groups="base.group_user",
        help="Untaxed sales expected with this customer in a year under the agreement's "
        "scope; sizes the estimated rebate that decides the approval levels.",
    )
    estimated_yearly_quantity = fields.Float(
        digits="Product Unit",
        tracking=True,
        groups="base.group_user",
        help="Units expected in a year; needed when the basis is quantity or the rebate is "
        "an amount per unit.",
    )
    estimated_yearly_rebate = fields.Monetary(
        compute="_compute_estimated_yearly_rebate",
        store=True,
        groups="base.group_user",
        help="The rebate the yearly estimates would earn under these terms.",
    )
    max_rate = fields.Float(
        string="Highest Rate",
        compute="_compute_estimated_yearly_rebate",
        store=True,
        groups="base.group_user",
    )
    approval_levels = fields.Integer(
        compute="_compute_approval_levels",
        groups="base.group_user",
        help="1: a rebate manager approves. 2: a finance approver approves after the manager.",
    )
    approval_level_done = fields.Integer(readonly=True, copy=False, groups="base.group_user")
    submitted_by_id = fields.Many2one(
        "res.users", readonly=True, copy=False, groups="base.group_user"
    )
    submitted_date = fields.Datetime(readonly=True, copy=False, groups="base.group_user")
    approved_date = fields.Datetime(readonly=True, copy=False)
    approval_ids = fields.One2many(
        "rebate.agreement.approval",
        "agreement_id",
        string="Approval History",
        readonly=True,
        groups="base.group_user",
    )
    revision_ids = fields.One2many(
        "rebate.agreement.revision",
        "agreement_id",
        string="Previous Terms",
        readonly=True,
        groups="base.group_user",
    )
    revision_count = fields.Integer(compute="_compute_revision_count", groups="base.group_user")
    can_approve = fields.Boolean(compute="_compute_can_approve", groups="base.group_user")
    approval_progress = fields.Char(
        compute="_compute_approval_progress",
        groups="base.group_user",
        help="Where the approval stands: which levels are given, by whom, and who is next.",
    )
    # Which of Amend, Back to Draft and Cancel the current user may press (the buttons
    # show only then; the actions check the same again).
    can_amend = fields.Boolean(compute="_compute_can_change", groups="base.group_user")
    can_reset_draft = fields.Boolean(compute="_compute_can_change", groups="base.group_user")
    can_cancel = fields.Boolean(compute="_compute_can_change", groups="base.group_user")
    is_in_force = fields.Boolean(
        string="In Force", compute="_compute_is_in_force", search="_search_is_in_force"
    )

    _partner_state_idx = models.Index("(partner_id, state, date_start, date_end)")

    # ------------------------------------------------------------------ computes

    @api.depends("partner_id")
    def _compute_user_id(self):
        for agreement in self:
            agreement.user_id = (
                agreement.partner_id.commercial_partner_id.user_id
                or agreement.user_id
                or self.env.user
            )

    @api.depends("partner_id", "user_id")
    def _compute_team_id(self):
        for agreement in self:
            if not agreement.team_id:
                agreement.team_id = agreement.user_id.sale_team_id

    @api.depends(
        "calculation_method",
        "basis",
        "tier_ids.threshold",
        "tier_ids.rate",
        "minimum_volume",
        "cap_total",
        "baseline_type",
        "baseline_volume",
        "estimated_yearly_amount",
        "estimated_yearly_quantity",
    )
    def _compute_estimated_yearly_rebate(self):
        for agreement in self:
            agreement.max_rate, agreement.estimated_yearly_rebate = agreement._estimate()

    def _estimate(self):
        """(highest rate, estimated yearly rebate) of the terms as they stand, computed
        from the tiers and the estimates, never from a stored figure. A year spans several
        periods: the cap per agreement bounds the estimate, the cap per period does not."""
        self.ensure_one()
        terms = self._rebate_terms()
        max_rate = max((rate for _threshold, rate in terms.tiers), default=0.0)
        amount = self.estimated_yearly_amount
        quantity = self.estimated_yearly_quantity
        try:
            due, _result = rebate_math.rebate_due(
                dataclasses.replace(terms, cap_period=0.0, expected_basis=False),
                terms.volume(amount, quantity),
                amount,
                quantity,
            )
        except ValueError:
            return max_rate, 0.0
        return max_rate, self.currency_id.round(due)

    @api.depends(
        "max_rate",
        "estimated_yearly_rebate",
        "calculation_method",
        "company_id.rebate_approval_rate_limit",
        "company_id.rebate_approval_amount_limit",
    )
    def _compute_approval_levels(self):
        for agreement in self:
            agreement.approval_levels = 2 if agreement._needs_finance_approval() else 1

    def _compute_revision_count(self):
        counts = dict(
            self.env["rebate.agreement.revision"]._read_group(
                [("agreement_id", "in", self.ids)], ["agreement_id"], ["__count"]
            )
        )
        for agreement in self:
            agreement.revision_count = counts.get(agreement, 0)

    @api.depends("state", "approval_level_done", "approval_levels")
    def _compute_approval_progress(self):
        for agreement in self:
            if agreement.state != "to_approve":
                agreement.approval_progress = False
                continue
            done = agreement.approval_level_done
            levels = agreement._approval_levels()
            waiting = (
                self.env._("a rebate manager") if done == 0 else self.env._("a finance approver")
            )
            agreement.approval_progress = self.env._(
                "%(done)s of %(levels)s approvals given; waiting for %(who)s.",
                done=done,
                levels=levels,
                who=waiting,
            )

    @api.depends_context("uid")
    @api.depends("state", "user_id", "backup_user_id", "create_uid")
    def _compute_can_change(self):
        user = self.env.user
        is_user = user.has_group("customer_rebate.group_rebate_user")
        for agreement in self:
            writable = is_user and agreement._origin.id and agreement._origin.has_access("write")
            agreement.can_amend = bool(writable) and agreement._manager_or_own(("approved",))
            agreement.can_reset_draft = bool(writable) and agreement._manager_or_own(
                ("to_approve", "cancelled")
            )
            agreement.can_cancel = bool(writable) and agreement._manager_or_own(
                ("draft", "to_approve")
            )

    @api.depends_context("uid")
    @api.depends("state", "submitted_by_id", "approval_level_done", "approval_levels")
    def _compute_can_approve(self):
        for agreement in self:
            agreement.can_approve = (
                agreement.state == "to_approve" and not agreement._approval_refusal_reason()
            )

    @api.depends("state", "date_start", "date_end")
    @api.depends_context("date")
    def _compute_is_in_force(self):
        today = fields.Date.context_today(self)
        for agreement in self:
            agreement.is_in_force = (
                agreement.state == "approved"
                and agreement.date_start <= today <= agreement.date_end
            )

    def _search_is_in_force(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        today = fields.Date.context_today(self)
        domain = Domain(
            [("state", "=", "approved"), ("date_start", "<=", today), ("date_end", ">=", today)]
        )
        return domain if operator == "in" else ~domain

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for agreement in self:
            agreement.access_url = f"/my/rebates/agreements/{agreement.id}"
        return result

    def _portal_ensure_token(self):
        # Odoo's own sharing (mail links, Share) sets the link token, nobody else.
        with guard.internal_writes(self._name):
            return super()._portal_ensure_token()

    @api.depends("name", "title", "partner_id")
    def _compute_display_name(self):
        for agreement in self:
            label = agreement.title or agreement.partner_id.name
            agreement.display_name = (
                f"{agreement.name} - {label}" if label and agreement.name else agreement.name
            )

    # ------------------------------------------------------------------ constraints

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for agreement in self:
            if agreement.date_end < agreement.date_start:
                raise ValidationError(
                    self.env._(
                        "Agreement %(name)s ends (%(end)s) before it starts (%(start)s): "
                        "set an end date on or after the start date.",
                        name=agreement.name,
                        end=agreement.date_end,
                        start=agreement.date_start,
                    )
                )

    @api.constrains("partner_id")
    def _check_partner_is_company(self):
        for agreement in self:
            partner = agreement.partner_id
            if not partner.is_company or partner != partner.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "%(partner)s is a person, not a company. A rebate agreement is signed "
                        "with the customer company (%(company)s): choose the company. Rebates "
                        "paid to individuals are kickbacks.",
                        partner=partner.display_name,
                        company=partner.commercial_partner_id.display_name,
                    )
                )

    @api.constrains("minimum_volume", "cap_period", "cap_total", "baseline_volume")
    def _check_non_negative(self):
        for agreement in self:
            if (
                min(
                    agreement.minimum_volume,
                    agreement.cap_period,
                    agreement.cap_total,
                    agreement.baseline_volume,
                )
                < 0
            ):
                raise ValidationError(
                    self.env._(
                        "The minimum volume, the caps and the baseline cannot be negative: "
                        "enter zero or a positive figure."
                    )
                )

    @api.constrains("user_id", "backup_user_id")
    def _check_responsibles_are_staff(self):
        for agreement in self.sudo():
            outsiders = (agreement.user_id | agreement.backup_user_id).filtered("share")
            if outsiders:
                raise ValidationError(
                    self.env._(
                        "%(user)s is not an employee: the responsible and backup persons of "
                        "agreement %(name)s must be internal users.",
                        user=outsiders[0].name,
                        name=agreement.name,
                    )
                )

    @api.constrains("estimated_yearly_amount", "estimated_yearly_quantity")
    def _check_estimates(self):
        for agreement in self:
            if agreement.estimated_yearly_amount < 0 or agreement.estimated_yearly_quantity < 0:
                raise ValidationError(
                    self.env._(
                        "The estimated yearly sales and quantity of agreement %s cannot be "
                        "negative: enter the sales you expect with this customer in a year, "
                        "zero or more.",
                        agreement.name,
                    )
                )

    # ------------------------------------------------------------------ ORM

    @api.model_create_multi
    def create(self, vals_list):
        check_client_values(self, vals_list)
        # Refuse forged workflow fields before the sequence name is added (to copies: the
        # caller's values stay as they were sent).
        self._guard_check_create(vals_list)
        vals_list = [dict(vals) for vals in vals_list]
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(vals.get("company_id"))
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(company or self.env.company)
                    .next_by_code("rebate.agreement")
                    or "/"
                )
        with guard.internal_writes(self._name):
            agreements = super().create(vals_list)
        agreements._follow_responsibles()
        for agreement, vals in zip(agreements, vals_list, strict=True):
            if vals.get("signed_contract"):
                agreement._log_contract(vals["signed_contract"])
        return agreements

    def _guard_check_write(self, vals):
        # The Periods tab edits a period's own fields (expected volume) through the
        # agreement: updates of its own periods pass here, and the period's guard checks
        # their values; making, moving or removing periods stays the agreement's own work.
        commands = vals.get("period_ids")
        if commands and all(
            isinstance(command, (list, tuple))
            and len(command) == 3
            and command[0] == fields.Command.UPDATE
            and command[1] in self.period_ids.ids
            for command in commands
        ):
            vals = {name: value for name, value in vals.items() if name != "period_ids"}
        return super()._guard_check_write(vals)

    def write(self, vals):
        check_client_values(self, [vals])
        locked_terms = TERM_FIELDS.intersection(vals)
        if locked_terms:
            self._check_terms_editable(locked_terms)
        result = super().write(vals)
        if {"user_id", "backup_user_id"}.intersection(vals):
            self._follow_responsibles()
        if vals.get("signed_contract"):
            self._log_contract(vals["signed_contract"])
        return result

    def _log_contract(self, data):
        """Each signed contract attached is kept in the chatter, as evidence: replacing the
        file on the form never loses the one that was there."""
        try:
            content = base64.b64decode(data, validate=True)
        except (TypeError, ValueError, binascii.Error):
            return
        for agreement in self:
            name = agreement.sudo().signed_contract_filename or self.env._("contract.pdf")
            agreement.message_post(
                body=self.env._("Signed contract attached: %s", name),
                attachments=[(name, content)],
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if any(agreement.state not in ("draft", "cancelled") for agreement in self):
            raise UserError(
                self.env._(
                    "Only draft or cancelled agreements can be deleted; cancel the agreement "
                    "instead, which keeps its history."
                )
            )
        if self.approval_ids.filtered(lambda approval: approval.decision == "approved"):
            raise UserError(
                self.env._(
                    "An agreement that was once approved cannot be deleted: its approvals are "
                    "part of the record. Cancel it instead."
                )
            )

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        for agreement, vals in zip(self, vals_list, strict=True):
            vals.setdefault("title", self.env._("%s (copy)", agreement.title or agreement.name))
        return vals_list

    def _check_terms_editable(self, field_names):
        locked = self.filtered(lambda agreement: agreement.state != "draft")
        if not locked:
            return
        labels = ", ".join(
            sorted(self._fields[name].get_description(self.env)["string"] for name in field_names)
        )
        raise UserError(
            self.env._(
                "The terms of %(names)s can no longer be edited in place (%(fields)s): the "
                "agreement is %(state)s. Use 'Amend Terms' to send it back for approval; the "
                "current terms are kept in its history.",
                names=", ".join(locked.mapped("name")),
                fields=labels,
                state=dict(self._fields["state"]._description_selection(self.env))[locked[0].state],
            )
        )

    def _follow_responsibles(self):
        for agreement in self:
            partners = (agreement.user_id | agreement.backup_user_id).partner_id
            if partners:
                agreement.message_subscribe(partner_ids=partners.ids)

    # ------------------------------------------------------------------ rebate terms

    def _tier_pairs(self):
        """The tiers as (threshold, rate) pairs for the pure rebate maths."""
        self.ensure_one()
        return [(tier.threshold, tier.rate) for tier in self.tier_ids]

    def _rebate_terms(self):
        """The agreement's terms as a frozen value for the pure maths
        (rebate_math.rebate_due). Cheap to build from the record cache: callers that compute
        many periods build it once per agreement and pass it on."""
        self.ensure_one()
        fixed = self.calculation_method == "growth" and self.baseline_type == "fixed"
        return rebate_math.Terms(
            method=self.calculation_method,
            tiers=tuple(self._tier_pairs()),
            basis=self.basis,
            minimum_volume=self.minimum_volume,
            cap_period=self.cap_period,
            cap_total=self.cap_total,
            fixed_baseline=self.baseline_volume if fixed else None,
            expected_basis=self.sudo().accrual_basis == "expected",
        )

    def _uses_percentage(self):
        self.ensure_one()
        return self.calculation_method != "per_unit"

    def _needs_finance_approval(self):
        """Whether the terms exceed the company's limits, from the terms themselves."""
        self.ensure_one()
        company = self.company_id
        rate_limit = company.rebate_approval_rate_limit
        amount_limit = company.rebate_approval_amount_limit
        max_rate, estimated_rebate = self._estimate()
        estimate = self.currency_id._convert(
            estimated_rebate,
            company.currency_id,
            company,
            self.date_start or fields.Date.context_today(self),
        )
        return bool(
            (rate_limit and self._uses_percentage() and max_rate > rate_limit)
            or (amount_limit and estimate > amount_limit)
        )

    def _period_at(self, day):
        """The agreement's period containing the day (empty if none)."""
        self.ensure_one()
        return self.period_ids.filtered(lambda period: period.date_from <= day <= period.date_to)[
            :1
        ]

    def _current_period(self, day=None):
        self.ensure_one()
        day = day or fields.Date.context_today(self)
        return (
            self._period_at(day)
            or self.period_ids.sorted("date_from").filtered(lambda period: period.date_to < day)[
                -1:
            ]
        )

    def _progress(self, period, state=None):
        """Where a period stands: its volume, the tier reached, the next tier and the
        volume still needed, for progress bars and statements. `state` is what the ledger
        holds for the period, when the caller has already read it for many agreements."""
        self.ensure_one()
        if state is None:
            states, _totals = self.env["rebate.entry"]._period_states(self)
            state = states[period.id]
        terms = self._rebate_terms()
        if not terms.tiers:
            return {"volume": state.volume, "progress": 0.0, "tier_label": ""}
        progress = rebate_math.tier_progress(
            terms.tiers,
            state.volume,
            baseline=rebate_math.period_baseline(terms, period._rebate_facts()),
            method=terms.method,
        )
        tier_index = progress["tier_index"]
        unit = "" if self.calculation_method == "per_unit" else "%"
        progress.update(
            volume=state.volume,
            accrued=state.amount,
            tier_label=(
                self.env._(
                    "Tier %(tier)s (%(rate)s%(unit)s)",
                    tier=tier_index + 1,
                    rate=f"{progress['rate']:g}",
                    unit=unit,
                )
                if tier_index is not None
                else self.env._("No tier reached yet")
            ),
        )
        return progress

    def _portal_summary(self):
        """Figures the customer sees: the current period's progress to the next tier, and
        accrued, earned, settled and balance amounts over the agreement."""
        self.ensure_one()
        period = self._current_period()
        progress = self._progress(period) if period else {"progress": 0.0, "tier_label": ""}
        groups = (
            self.env["rebate.entry"]
            .sudo()
            ._read_group([("agreement_id", "=", self.id)], ["entry_type"], ["amount:sum"])
        )
        by_type = dict(groups)
        accrued = sum(by_type.get(kind, 0.0) for kind in ACCRUAL_TYPES)
        adjusted = by_type.get("adjustment", 0.0)
        settled = -by_type.get("settlement", 0.0)
        balance = sum(
            self.env["rebate.balance.line"]
            .sudo()
            .search([("agreement_id", "=", self.id)])
            .mapped("amount")
        )
        return {
            "period": period,
            "progress": progress,
            "percent": round(100 * (progress.get("progress") or 0.0)),
            "accrued": accrued,
            "earned": accrued + adjusted,
            "settled": settled,
            "balance": balance,
        }

    def _product_domain(self):
        """The agreement's product scope, its one definition (product.product domain): any
        included product or category (all products without include lines), less the
        excluded ones; exclusions win. Posting, the sales-order preview and the volume
        totals all filter with it (see _sales_line_domain)."""
        self.ensure_one()
        rules = self.sudo().rule_ids
        includes = rules.filtered(lambda rule: rule.rule_type == "include")
        excludes = rules - includes
        domain = Domain.OR(rule._product_domain() for rule in includes) if includes else Domain.TRUE
        if excludes:
            domain &= ~Domain.OR(rule._product_domain() for rule in excludes)
        return domain

    def _products_in_scope(self, products):
        """The ids of `products` in the agreement's scope, in one query (archived products
        included: an invoiced product that was archived since still counts)."""
        self.ensure_one()
        products = products.filtered("id")
        if not products:
            return set()
        if not self.sudo().rule_ids:
            return set(products.ids)
        found = (
            self.env["product.product"]
            .sudo()
            .with_context(active_test=False)
            .search(self._product_domain() & Domain("id", "in", products.ids))
        )
        return set(found.ids)

    def _sales_line_domain(self, date_from=None, date_to=None):
        """The journal items that make the agreement's volume (account.move.line domain):
        product lines of the customer's posted invoices and credit notes in the company,
        in the scope, dated (invoice date) between `date_from` and `date_to` when given.
        Rebate balance lines are no sales. The volume totals, the posting and the Invoice
        Analysis of a period all read through it."""
        self.ensure_one()
        agreement = self.sudo()
        domain = Domain(
            [
                ("company_id", "=", agreement.company_id.id),
                ("parent_state", "=", "posted"),
                ("display_type", "=", "product"),
                ("product_id", "!=", False),
                (
                    "move_id",
                    "any",
                    [
                        ("move_type", "in", CUSTOMER_INVOICE_TYPES),
                        ("commercial_partner_id", "=", agreement.partner_id.id),
                    ],
                ),
            ]
        )
        # The rebate-balance product (sale.order._rebate_balance_product), by its cached id.
        balance_product_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "customer_rebate.product_rebate_balance", raise_if_not_found=False
        )
        if balance_product_id:
            domain &= Domain("product_id", "!=", balance_product_id)
        scope = agreement._product_domain()
        if not scope.is_true():
            # As a subquery on the products (few), not a join on every journal item.
            products = self.env["product.product"].sudo().with_context(active_test=False)
            domain &= Domain("product_id", "in", products._search(scope))
        if date_from:
            domain &= Domain("invoice_date", ">=", date_from)
        if date_to:
            domain &= Domain("invoice_date", "<=", date_to)
        return domain

    def _terms_snapshot(self):
        """The agreed terms as plain data, kept when the terms are amended."""
        self.ensure_one()
        simple = sorted(
            TERM_FIELDS
            - {"tier_ids", "rule_ids", "signed_contract", "signed_contract_filename", "terms"}
        )
        snapshot = {}
        for name in simple:
            value = self[name]
            if isinstance(value, models.BaseModel):
                value = value.display_name
            elif isinstance(value, date):
                value = value.isoformat()
            snapshot[name] = value
        snapshot["terms"] = self.terms or ""
        snapshot["signed_contract"] = self.signed_contract_filename or ""
        snapshot["tiers"] = [{"threshold": t, "rate": r} for t, r in self._tier_pairs()]
        snapshot["rules"] = [
            {
                "type": rule.rule_type,
                "product": rule.product_id.display_name or "",
                "category": rule.categ_id.display_name or "",
            }
            for rule in self.rule_ids
        ]
        return snapshot

    # ------------------------------------------------------------------ periods

    def _generate_periods(self):
        """Create the settlement periods of the agreement's dates and frequency; open periods
        that no longer fit are removed. The only code that creates or deletes periods."""
        Period = self.env["rebate.agreement.period"].sudo()
        with guard.internal_writes("rebate.agreement.period"):
            for agreement in self.sudo():
                wanted = period_tools.split_periods(
                    agreement.date_start, agreement.date_end, agreement.settlement_frequency
                )
                existing = {(p.date_from, p.date_to): p for p in agreement.period_ids}
                obsolete = Period.browse(
                    [
                        p.id
                        for key, p in existing.items()
                        if key not in wanted and p.state == "open" and not p.entry_ids
                    ]
                )
                obsolete.unlink()
                Period.create(
                    [
                        {"agreement_id": agreement.id, "date_from": start, "date_to": end}
                        for start, end in wanted
                        if (start, end) not in existing
                    ]
                )._refresh_baselines()

    # ------------------------------------------------------------------ workflow

    def _check_rebate_user(self):
        if not self.env.user.has_group("customer_rebate.group_rebate_user"):
            raise AccessError(
                self.env._("Only members of a Rebates group can change rebate agreements.")
            )

    @api.model
    def _decision_text(self, text, what):
        """A comment or reason as sent by a client: text, or nothing. Anything else (a
        number, a list, a dictionary) is refused before anything is written."""
        if text is None or text is False:
            return False
        if not isinstance(text, str):
            raise UserError(
                self.env._(
                    "The %(what)s must be text, not %(kind)s. Nothing was saved.",
                    what=what,
                    kind=type(text).__name__,
                )
            )
        return text.strip() or False

    def _lock_ledger(self):
        """Serialize the transactions that change the ledger of these agreements.

        Each change is computed from what the ledger already holds (a retroactive catch-up,
        a cap, a settlement's true-up). Two invoices of one customer posted at the same
        time would each read the ledger without the other's rows and miss the catch-up.
        Touching the agreement rows (in id order, against deadlocks) makes the second
        transaction wait for the first; as Odoo runs in REPEATABLE READ, it then fails with
        a serialization error and Odoo runs the request again, on the committed ledger."""
        self._lock_rows(invalidate=False)

    def _lock_for_decision(self):
        """Hold the agreement rows until the end of the transaction, in id order, then read
        them again from the database.

        Two approvals (or an approval and a rejection) of one agreement at the same time
        would each read the decisions without the other's and both pass. Touching the row
        makes the second transaction wait for the first; as Odoo runs in REPEATABLE READ it
        then fails with a serialization error and Odoo runs the request again, on the
        committed decisions (like _lock_ledger)."""
        # Record rules first: another company's agreement is not the approver's to decide
        # (and its approval history, read as the system below, is not his to see).
        self.check_access("read")
        self._lock_rows()
        self.env["rebate.agreement.approval"].invalidate_model()

    def _check_submittable(self):
        for agreement in self:
            problems = []
            if agreement.state != "draft":
                problems.append(self.env._("it is not a draft"))
            if not agreement.user_id:
                problems.append(self.env._("name a responsible person"))
            if not agreement.tier_ids:
                problems.append(self.env._("add at least one tier (a rate)"))
            if not agreement.signed_contract:
                problems.append(self.env._("attach the contract signed with the customer"))
            if not agreement.estimated_yearly_amount:
                problems.append(
                    self.env._("enter the estimated yearly sales, which size the approval")
                )
            if (
                agreement.basis == "quantity" or agreement.calculation_method == "per_unit"
            ) and not agreement.estimated_yearly_quantity:
                problems.append(self.env._("enter the estimated yearly quantity"))
            try:
                rebate_math.validate_tiers(agreement._tier_pairs(), agreement.calculation_method)
            except ValueError:
                problems.append(self.env._("fix the tiers"))
            if problems:
                raise UserError(
                    self.env._(
                        "Agreement %(name)s cannot be submitted yet:\n%(problems)s",
                        name=agreement.name,
                        problems="\n".join(f"- {problem}" for problem in problems),
                    )
                )

    @client_method()
    def action_submit(self):
        """Send the terms for approval. The server records who submitted (the caller), in
        the agreement and in its approval history; that person never approves them."""
        self._check_rebate_user()
        # The caller must be allowed to change these agreements (their own, or a manager).
        self.check_access("write")
        self._lock_for_decision()
        self._check_submittable()
        now = fields.Datetime.now()
        for agreement in self:
            agreement._guarded_write(
                {
                    "state": "to_approve",
                    "submitted_by_id": self.env.uid,
                    "submitted_date": now,
                    "approval_level_done": 0,
                }
            )
            agreement._log_decision("submitted", 0)
            agreement._schedule_approval_activities(level=1)
        return True

    def _approval_cycle(self):
        """The current approval cycle as the database holds it: the last submission of the
        terms now in place, and the decisions taken since, oldest first. Read from the
        approval history (written only by this workflow), never from fields of the
        agreement."""
        self.ensure_one()
        Approval = self.env["rebate.agreement.approval"].sudo()
        domain = [("agreement_id", "=", self.id), ("is_current", "=", True)]
        submission = Approval.search(
            Domain.AND([domain, [("decision", "=", "submitted")]]), order="id desc", limit=1
        )
        if not submission:
            return submission, Approval
        decisions = Approval.search(Domain.AND([domain, [("id", ">", submission.id)]]), order="id")
        return submission, decisions

    # The approval capability (rebate.approval.mixin): who asked, who approved, the levels.

    def _approval_requester(self):
        submission, _decisions = self._approval_cycle()
        return submission.user_id

    def _approval_given(self):
        _submission, decisions = self._approval_cycle()
        return decisions.filtered(lambda decision: decision.decision == "approved").user_id

    def _approval_waiting(self):
        return self.state == "to_approve"

    def _approval_own_request_refusal(self):
        return self.env._(
            "You submitted agreement %s, so you cannot approve it: another person must.",
            self.name,
        )

    def _approval_levels(self):
        self.ensure_one()
        return 2 if self._needs_finance_approval() else 1

    def _approval_groups(self):
        manager = self.env._("rebate manager")
        finance = self.env._("finance approver")
        return {
            1: ("customer_rebate.group_rebate_manager", manager),
            2: ("customer_rebate.group_rebate_accountant", finance),
        }

    def _approval_refusal_reason(self):
        """Why the current user may not approve (or reject) the next level, or False if
        they may: the approval history must show a pending submission of the terms in
        place, then the shared rules of approval (rebate.approval.mixin)."""
        self.ensure_one()
        return self._approval_cycle_refusal() or self._approval_refusal()

    def _approval_cycle_refusal(self):
        """Whether the agreement waits for a decision, judged on the state and on the
        current cycle's history (written only by this workflow)."""
        agreement = self.sudo()
        if agreement.state != "to_approve":
            return self.env._("Agreement %s is not waiting for approval.", self.name)
        submission, decisions = agreement._approval_cycle()
        approvals = decisions.filtered(lambda decision: decision.decision == "approved")
        if (
            not submission
            or decisions - approvals
            or approvals.mapped("level") != list(range(1, len(approvals) + 1))
        ):
            return self.env._(
                "The approval history of agreement %s does not show a pending submission: "
                "send it back to draft and submit it again.",
                self.name,
            )
        return False

    @client_method(comment=str)
    def action_approve(self, comment=False):
        comment = self._decision_text(comment, self.env._("approval comment"))
        self._lock_for_decision()
        for agreement in self:
            reason = agreement._approval_refusal_reason()
            if reason:
                raise UserError(reason)
            level = agreement._approval_next_level()
            agreement._log_decision("approved", level, comment)
            vals = {"approval_level_done": level}
            final = level >= agreement._approval_levels()
            if final:
                vals.update(state="approved", approved_date=fields.Datetime.now())
                summary = self.env._(
                    "Approved by %(user)s: the agreement is in force from %(date)s.",
                    user=self.env.user.name,
                    date=format_date(self.env, agreement.date_start),
                )
            else:
                summary = self.env._(
                    "Approved by %(user)s (level %(level)s of %(levels)s): waiting for the "
                    "finance approval.",
                    user=self.env.user.name,
                    level=level,
                    levels=agreement._approval_levels(),
                )
            # One message per decision: the approver's own to-do is marked done with it
            # (or a note when there was none); the other approvers' to-dos of this level
            # are obsolete and removed without a message each.
            to_dos = agreement.activity_ids.filtered(
                lambda activity: activity.activity_type_id == self.env.ref(APPROVAL_ACTIVITY)
            )
            mine = to_dos.filtered(lambda activity: activity.user_id == self.env.user)[:1]
            (to_dos - mine).sudo().unlink()
            if mine:
                mine.action_feedback(feedback=summary)
            else:
                agreement.message_post(
                    body=summary, message_type="comment", subtype_xmlid="mail.mt_note"
                )
            agreement._guarded_write(vals)
            if final:
                agreement._generate_periods()
                agreement._notify_responsible(
                    lambda env, name=agreement.name: env._(
                        "Agreement %s approved: inform the customer.", name
                    )
                )
            else:
                agreement._schedule_approval_activities(level=level + 1)
        return True

    @client_method(reason=str)
    def action_reject(self, reason=False):
        reason = self._decision_text(reason, self.env._("reason for the rejection"))
        if not reason:
            return {
                "type": "ir.actions.act_window",
                "name": self.env._("Reject Agreement"),
                "res_model": "rebate.agreement.reject.wizard",
                "view_mode": "form",
                "target": "new",
                "context": {"default_agreement_ids": self.ids},
            }
        self._lock_for_decision()
        for agreement in self:
            refusal = agreement._approval_refusal_reason()
            if refusal:
                raise UserError(refusal)
            level = agreement._approval_next_level()
            agreement._log_decision("rejected", level, reason)
            agreement.activity_unlink([APPROVAL_ACTIVITY])
            agreement._guarded_write({"state": "draft", "approval_level_done": 0})
            # A plain str body: Odoo escapes it, whatever the approver typed.
            agreement.message_post(
                body=self.env._(
                    "Rejected by %(user)s: %(reason)s", user=self.env.user.name, reason=reason
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
            agreement._notify_responsible(
                lambda env, name=agreement.name: env._(
                    "Agreement %(name)s was rejected: %(reason)s", name=name, reason=reason
                )
            )
        return True

    def _manager_or_own(self, allowed_states):
        """A rebate manager, or the agreement's responsible (or creator) while it is in one
        of these states."""
        self.ensure_one()
        if self.env.user.has_group("customer_rebate.group_rebate_manager"):
            return True
        own = self.env.user in (self.user_id | self.sudo().backup_user_id | self.create_uid)
        return own and self.state in allowed_states

    def _check_manager_or_own(self, allowed_states):
        labels = dict(self._fields["state"]._description_selection(self.env))
        for agreement in self:
            if not agreement._manager_or_own(allowed_states):
                raise AccessError(
                    self.env._(
                        "Only a rebate manager can do this with agreement %(name)s in its "
                        "current state; its responsible person may only while it is %(states)s.",
                        name=agreement.name,
                        states=", ".join(labels[state] for state in allowed_states),
                    )
                )

    @client_method()
    def action_cancel(self):
        self._check_rebate_user()
        self.check_access("write")
        self._lock_for_decision()
        if any(agreement.state in ("closed", "cancelled") for agreement in self):
            raise UserError(self.env._("Closed or cancelled agreements cannot be cancelled."))
        self._check_manager_or_own(("draft", "to_approve"))
        self.activity_unlink([APPROVAL_ACTIVITY, EXPIRY_ACTIVITY])
        self._guarded_write({"state": "cancelled"})
        return True

    @client_method()
    def action_close(self):
        if not self.env.user.has_group(
            "customer_rebate.group_rebate_manager"
        ) and not self.env.user.has_group("customer_rebate.group_rebate_accountant"):
            raise AccessError(
                self.env._("Only a rebate manager or finance can close an agreement.")
            )
        self.check_access("write")
        self._lock_for_decision()
        if any(agreement.state != "expired" for agreement in self):
            raise UserError(
                self.env._("Only expired agreements can be closed: wait for the end date.")
            )
        self.activity_unlink([EXPIRY_ACTIVITY])
        self._guarded_write({"state": "closed"})
        return True

    @client_method()
    def action_reset_draft(self):
        self._check_rebate_user()
        self.check_access("write")
        self._lock_for_decision()
        if any(agreement.state not in ("to_approve", "cancelled") for agreement in self):
            raise UserError(
                self.env._(
                    "Only agreements waiting for approval or cancelled can go back to draft; "
                    "to change approved terms use 'Amend Terms'."
                )
            )
        self._check_manager_or_own(("to_approve", "cancelled"))
        self.activity_unlink([APPROVAL_ACTIVITY])
        # A cancelled agreement that was once approved: its terms become editable again,
        # so the approved terms are kept in its history, as 'Amend Terms' does.
        self.filtered(
            lambda agreement: (
                agreement.state == "cancelled"
                and agreement.sudo().approval_ids.filtered(
                    lambda a: a.decision == "approved" and a.is_current
                )
            )
        )._keep_approved_terms()
        self._guarded_write({"state": "draft", "approval_level_done": 0})
        return True

    def _keep_approved_terms(self):
        """Keep the terms as approved as a revision; their approvals stop counting (the
        next approval cycle starts from nothing)."""
        for agreement in self:
            approvals = agreement.sudo().approval_ids.filtered("is_current")
            self.env["rebate.agreement.revision"]._guarded_create(
                [
                    {
                        "agreement_id": agreement.id,
                        "terms_json": json.dumps(agreement._terms_snapshot(), ensure_ascii=False),
                        "signed_contract": agreement.sudo().signed_contract,
                        "signed_contract_filename": agreement.sudo().signed_contract_filename,
                        "approved_date": agreement.approved_date,
                        "approver_ids": [
                            Command.set(
                                approvals.filtered(lambda a: a.decision == "approved").user_id.ids
                            )
                        ],
                    }
                ]
            )
            approvals._guarded_write({"is_current": False})

    @client_method()
    def action_amend(self):
        """Reopen approved terms for a change: the current terms are kept as a revision and
        the agreement must be approved again before it is back in force."""
        self._check_rebate_user()
        self.check_access("write")
        self._lock_for_decision()
        for agreement in self:
            if agreement.state != "approved":
                raise UserError(
                    self.env._("Only approved agreements are amended; %s is not.", agreement.name)
                )
            agreement._check_manager_or_own(("approved",))
            agreement._keep_approved_terms()
            agreement._guarded_write({"state": "draft", "approval_level_done": 0})
            agreement.message_post(
                body=self.env._(
                    "Terms reopened for amendment by %s; the previous terms are kept in the "
                    "agreement's history. The agreement is not in force until approved again.",
                    self.env.user.name,
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _log_decision(self, decision, level, comment=False):
        self.ensure_one()
        self.env["rebate.agreement.approval"]._guarded_create(
            [
                {
                    "agreement_id": self.id,
                    "user_id": self.env.uid,
                    "decision": decision,
                    "level": level,
                    "comment": comment or False,
                }
            ]
        )

    def _schedule_approval_activities(self, level):
        self._schedule_approvers(
            APPROVAL_ACTIVITY,
            lambda env, agreement: (
                env._("Approve rebate agreement %s", agreement.name)
                if level == 1
                else env._("Finance approval of rebate agreement %s", agreement.name)
            ),
            level=level,
        )

    def _notify_responsible(self, summary):
        """An activity for the responsible person; `summary(env)` gives its text, written
        in the responsible person's language (it is stored as text); a plain text is used
        as it is."""
        for agreement in self:
            if agreement.user_id:
                env = agreement.with_context(lang=agreement.user_id.lang).env
                agreement.activity_schedule(
                    FOLLOW_UP_ACTIVITY,
                    summary=summary(env) if callable(summary) else summary,
                    user_id=agreement.user_id.id,
                )

    # ------------------------------------------------------------------ cron

    @api.model
    def _cron_expire_agreements(self):
        """Daily: agreements past their end date expire; those ending within 30 days give
        their responsible person an activity, once."""
        today = fields.Date.context_today(self)
        expired = self.search([("state", "=", "approved"), ("date_end", "<", today)])
        if expired:
            expired.activity_unlink([EXPIRY_ACTIVITY])
            expired._guarded_write({"state": "expired"})
        expiring = self.search(
            [
                ("state", "=", "approved"),
                ("date_end", "<=", today + timedelta(days=EXPIRY_NOTICE_DAYS)),
                ("user_id", "!=", False),
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
        for agreement in expiring.filtered(lambda a: a.id not in noticed):
            agreement.activity_schedule(
                EXPIRY_ACTIVITY,
                date_deadline=agreement.date_end,
                summary=agreement.with_context(lang=agreement.user_id.lang).env._(
                    "Rebate agreement %(name)s expires on %(date)s: renew or let it end.",
                    name=agreement.name,
                    date=format_date(
                        agreement.with_context(lang=agreement.user_id.lang).env,
                        agreement.date_end,
                    ),
                ),
                user_id=agreement.user_id.id,
            )
        return True

    # ------------------------------------------------------------------ actions

    @client_method(single=True)
    def action_view_entries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_rebate.action_rebate_entry"
        )
        action["domain"] = [("agreement_id", "=", self.id)]
        action["context"] = {"default_agreement_id": self.id}
        return action

    @client_method()
    def action_recompute_accruals(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Recompute Accruals"),
            "res_model": "rebate.accrual.recompute.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_period_ids": self.period_ids.ids},
        }

    @client_method()
    def action_settle(self):
        """Create the settlement of every ended period that has none yet (whatever runs
        twice), computed on the period's final volume. Finance and rebate managers only."""
        self.env["rebate.settlement"]._check_finance()
        self.check_access("read")
        return self.env["rebate.settlement"]._create_for_periods(self.period_ids)._settle_result()

    @api.model
    def _cron_settle_periods(self):
        """The daily job settles, as the system, every agreement in force or expired."""
        agreements = self.sudo().search([("state", "in", ("approved", "expired"))])
        self.env["rebate.settlement"].sudo()._create_for_periods(agreements.period_ids)
        return True

    @client_method(single=True)
    def action_view_settlements(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_rebate.action_rebate_settlement"
        )
        action["domain"] = [("agreement_id", "=", self.id)]
        return action

    @client_method(single=True)
    def action_view_revisions(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Previous Terms"),
            "res_model": "rebate.agreement.revision",
            "view_mode": "list,form",
            "domain": [("agreement_id", "=", self.id)],
        }
