"""Agreements and their periods attacked over real RPC, as each role would.

Every forgery of issue 9 about agreements is refused with a clear error and writes
nothing: workflow fields are set only by the agreement's own actions, the approval is
judged on the approval history (never on fields a client may write), periods are made by
their agreement, and a portal user never reads internal notes or estimates."""

from datetime import date

from odoo.tests import new_test_user, tagged

from .common import SIGNED_CONTRACT
from .rpc import CLEAR_ERRORS, RebateRpcCase, RpcRefused

AGREEMENT = "rebate.agreement"
PERIOD = "rebate.agreement.period"
TIER = "rebate.agreement.tier"

# What a customer never reads on an agreement, over any route.
INTERNAL_FIELDS = (
    "note",
    "estimated_yearly_amount",
    "estimated_yearly_quantity",
    "estimated_yearly_rebate",
    "max_rate",
    "approval_levels",
    "approval_level_done",
    "can_approve",
    "submitted_by_id",
    "submitted_date",
    "approval_ids",
    "revision_ids",
    "revision_count",
    "backup_user_id",
    "team_id",
    "accounting_treatment",
    "accrual_basis",
    "signed_contract",
    "signed_contract_filename",
    "settlement_ids",
)
INTERNAL_PERIOD_FIELDS = (
    "expected_volume",
    "entry_ids",
    "accrued_volume",
    "accrued_amount",
    "adjusted_amount",
)
# What the portal shows of an agreement: terms, tiers, progress.
PUBLIC_FIELDS = ["name", "title", "partner_id", "date_start", "date_end", "state", "terms"]
HIGH_RATE_TIERS = [(0, 0, {"threshold": 0.0, "rate": 12.0})]


@tagged("post_install", "-at_install", "customer_rebate")
class TestAgreementSecurity(RebateRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin_like = new_test_user(
            cls.env,
            "test.rebate.admin",
            groups="base.group_user,base.group_system,customer_rebate.group_rebate_manager",
        )

    # ------------------------------------------------------------------ helpers

    def snapshot(self, agreement):
        """What a forgery of an agreement would change: its workflow fields, its terms and
        its history."""
        self.env.invalidate_all()
        agreement = agreement.sudo()
        return {
            "state": agreement.state,
            "name": agreement.name,
            "submitted_by": agreement.submitted_by_id.id,
            "level_done": agreement.approval_level_done,
            "tiers": agreement.tier_ids.mapped("rate"),
            "approvals": agreement.approval_ids.mapped(lambda a: (a.decision, a.user_id.id)),
            "revisions": len(agreement.revision_ids),
            "periods": agreement.period_ids.mapped(
                lambda p: (p.date_from, p.date_to, p.state, p.baseline_volume)
            ),
        }

    def agreements_titled(self, title):
        return lambda: self.env[AGREEMENT].sudo().search_count([("title", "=", title)])

    def rpc_vals(self, **overrides):
        """Agreement values as a client sends them (JSON- and XML-RPC ready)."""
        vals = self.agreement_vals(**overrides)
        vals["date_start"] = str(vals["date_start"])
        vals["date_end"] = str(vals["date_end"])
        vals["signed_contract"] = SIGNED_CONTRACT.decode()
        vals["tier_ids"] = [list(command) for command in vals["tier_ids"]]
        return vals

    # ------------------------------------------------------------------ workflow forgeries

    def test_rep_cannot_create_an_agreement_already_approved(self):
        forged = (
            {"state": "approved"},
            {"state": "to_approve", "submitted_by_id": self.rep_other.id},
            {"approval_level_done": 2},
            {"approved_date": "2027-01-01 09:00:00"},
            {"name": "RA/FORGED/0001"},
            {"estimated_yearly_rebate": 1.0},
            {"max_rate": 1.0},
            {"period_ids": [[0, 0, {"date_from": "2027-01-01", "date_to": "2027-12-31"}]]},
            {
                "approval_ids": [
                    [0, 0, {"user_id": self.manager.id, "decision": "approved", "level": 1}]
                ]
            },
        )
        for protocol, call in self.both():
            for vals in forged:
                with self.subTest(protocol=protocol, vals=vals):
                    title = f"Forged {protocol} {sorted(vals)}"
                    refusal = self.assertRefused(
                        call,
                        self.rep,
                        AGREEMENT,
                        "create",
                        self.rpc_vals(title=title, **vals),
                        unchanged=self.agreements_titled(title),
                    )
                    self.assertIn("own buttons", refusal.message)
        # The same values without the forgery are a plain draft.
        agreement_id = self.jsonrpc(self.rep, AGREEMENT, "create", self.rpc_vals(title="Fair"))
        agreement = self.env[AGREEMENT].browse(agreement_id)
        self.assertEqual(agreement.state, "draft")
        self.assertTrue(agreement.name.startswith("RA/"))

    def test_rep_cannot_flip_state_around_a_tier_change(self):
        agreement = self.approved_agreement()
        before = self.snapshot(agreement)
        tier = agreement.tier_ids.sorted("threshold")[-1]
        for protocol, call in self.both():
            with self.subTest(protocol=protocol):
                self.assertRefused(
                    call,
                    self.rep,
                    AGREEMENT,
                    "write",
                    [agreement.id],
                    {"state": "draft"},
                    unchanged=lambda: self.snapshot(agreement),
                )
                self.assertRefused(call, self.rep, TIER, "write", [tier.id], {"rate": 40.0})
                self.assertRefused(
                    call,
                    self.rep,
                    AGREEMENT,
                    "write",
                    [agreement.id],
                    {"tier_ids": [[1, tier.id, {"rate": 40.0}]], "state": "approved"},
                )
                # In one call, draft then approved again: the guard sees the state.
                self.assertRefused(
                    call,
                    self.rep,
                    AGREEMENT,
                    "write",
                    [agreement.id],
                    {"state": "approved", "approval_level_done": 0},
                )
        self.assertEqual(self.snapshot(agreement), before, "no revision, no approval, 4 %")

    def test_manager_cannot_forge_submitter_or_approve_own_agreement(self):
        agreement = self.create_agreement(user=self.manager)
        for protocol, call in self.both():
            with self.subTest(protocol=protocol):
                # Skip the submission: put it straight in the approval queue, in a rep's name.
                self.assertRefused(
                    call,
                    self.manager,
                    AGREEMENT,
                    "write",
                    [agreement.id],
                    {"state": "to_approve", "submitted_by_id": self.rep.id},
                    unchanged=lambda: self.snapshot(agreement),
                )
                # Or approve the draft without submitting it.
                refusal = self.assertRefused(
                    call,
                    self.manager,
                    AGREEMENT,
                    "action_approve",
                    [agreement.id],
                    unchanged=lambda: self.snapshot(agreement),
                )
                self.assertIn("not waiting for approval", refusal.message)
        self.jsonrpc(self.manager, AGREEMENT, "action_submit", [agreement.id])
        self.env.invalidate_all()
        self.assertEqual(agreement.sudo().submitted_by_id, self.manager, "recorded by the server")
        for protocol, call in self.both():
            with self.subTest(protocol=protocol):
                self.assertRefused(
                    call,
                    self.manager,
                    AGREEMENT,
                    "write",
                    [agreement.id],
                    {"submitted_by_id": self.rep.id},
                    unchanged=lambda: self.snapshot(agreement),
                )
                refusal = self.assertRefused(
                    call,
                    self.manager,
                    AGREEMENT,
                    "action_approve",
                    [agreement.id],
                    unchanged=lambda: self.snapshot(agreement),
                )
                self.assertIn("You submitted", refusal.message)
        # Another manager may.
        self.xmlrpc(self.manager_other, AGREEMENT, "action_approve", [agreement.id])
        self.env.invalidate_all()
        self.assertEqual(agreement.state, "approved")

    def test_submitter_is_read_from_the_approval_history(self):
        """Even with the stored submitter rewritten behind the ORM's back, the approval
        history says who submitted: that person still cannot approve."""
        agreement = self.create_agreement(user=self.manager)
        agreement.with_user(self.manager).action_submit()
        self.env.cr.execute(
            "UPDATE rebate_agreement SET submitted_by_id = %s WHERE id = %s",
            [self.rep.id, agreement.id],
        )
        self.env.invalidate_all()
        refusal = self.assertRefused(
            self.jsonrpc,
            self.manager,
            AGREEMENT,
            "action_approve",
            [agreement.id],
            unchanged=lambda: self.snapshot(agreement),
        )
        self.assertIn("You submitted", refusal.message)

    def test_finance_level_cannot_be_skipped(self):
        agreement = self.create_agreement(tier_ids=HIGH_RATE_TIERS, estimated_yearly_amount=1000.0)
        agreement.action_submit()
        self.assertEqual(agreement.sudo().approval_levels, 2)
        both_roles = self.manager_other
        both_roles.group_ids |= self.env.ref("customer_rebate.group_rebate_accountant")
        for protocol, call in self.both():
            with self.subTest(protocol=protocol):
                # Finance cannot give the first level; nobody writes the level or the state.
                self.assertRefused(
                    call,
                    self.accountant,
                    AGREEMENT,
                    "action_approve",
                    [agreement.id],
                    unchanged=lambda: self.snapshot(agreement),
                )
                for vals in ({"approval_level_done": 1}, {"state": "approved"}):
                    self.assertRefused(
                        call,
                        self.manager,
                        AGREEMENT,
                        "write",
                        [agreement.id],
                        vals,
                        unchanged=lambda: self.snapshot(agreement),
                    )
        self.xmlrpc(both_roles, AGREEMENT, "action_approve", [agreement.id])
        self.env.invalidate_all()
        self.assertEqual(agreement.state, "to_approve", "still waits for finance")
        for protocol, call in self.both():
            with self.subTest(protocol=protocol):
                # One person never gives two levels; a manager is no finance approver.
                for user in (both_roles, self.manager):
                    self.assertRefused(
                        call,
                        user,
                        AGREEMENT,
                        "action_approve",
                        [agreement.id],
                        unchanged=lambda: self.snapshot(agreement),
                    )
        self.jsonrpc(self.accountant, AGREEMENT, "action_approve", [agreement.id], comment="OK")
        self.env.invalidate_all()
        self.assertEqual(agreement.state, "approved")
        self.assertEqual(
            agreement.approval_ids.filtered(lambda a: a.decision == "approved").mapped(
                lambda a: (a.level, a.user_id)
            ),
            [(2, self.accountant), (1, both_roles)],
        )

    def test_amended_agreement_cannot_be_approved_by_an_earlier_submitter(self):
        """The cycle starts again at each submission: decisions of earlier terms do not
        count, and whoever submitted the amended terms cannot approve them."""
        agreement = self.approved_agreement()
        agreement.with_user(self.manager_other).action_amend()
        agreement.with_user(self.manager_other).action_submit()
        refusal = self.assertRefused(
            self.xmlrpc,
            self.manager_other,
            AGREEMENT,
            "action_approve",
            [agreement.id],
            unchanged=lambda: self.snapshot(agreement),
        )
        self.assertIn("You submitted", refusal.message)
        self.xmlrpc(self.manager, AGREEMENT, "action_approve", [agreement.id])
        self.env.invalidate_all()
        self.assertEqual(agreement.state, "approved")

    # ------------------------------------------------------------------ periods

    def growth_agreement(self):
        agreement = self.approved_agreement(
            calculation_method="growth",
            baseline_type="previous_year",
            tier_ids=[(0, 0, {"threshold": 0.0, "rate": 3.0})],
        )
        self.assertTrue(agreement.period_ids)
        return agreement

    def test_accountant_cannot_rewrite_baseline_or_close_or_shorten_a_period(self):
        agreement = self.growth_agreement()
        period = agreement.period_ids[0]
        for protocol, call in self.both():
            for vals in (
                {"baseline_volume": 1.0},
                {"state": "closed"},
                {"date_to": "2027-02-01"},
                {"date_from": "2027-01-15"},
                {"agreement_id": self.create_agreement().id},
            ):
                with self.subTest(protocol=protocol, vals=vals):
                    self.assertRefused(
                        call,
                        self.accountant,
                        PERIOD,
                        "write",
                        [period.id],
                        vals,
                        unchanged=lambda: self.snapshot(agreement),
                    )
            with self.subTest(protocol=protocol, field="agreement baseline"):
                self.assertRefused(
                    call,
                    self.accountant,
                    AGREEMENT,
                    "write",
                    [agreement.id],
                    {"baseline_type": "fixed", "baseline_volume": 1.0},
                    unchanged=lambda: self.snapshot(agreement),
                )

    def test_periods_are_made_and_removed_by_their_agreement_only(self):
        agreement = self.approved_agreement()
        period = agreement.period_ids[-1]
        for protocol, call in self.both():
            for user in (self.manager, self.admin_like, self.accountant):
                with self.subTest(protocol=protocol, user=user.login):
                    self.assertRefused(
                        call,
                        user,
                        PERIOD,
                        "create",
                        {
                            "agreement_id": agreement.id,
                            "date_from": "2028-01-01",
                            "date_to": "2028-03-31",
                        },
                        unchanged=lambda: self.snapshot(agreement),
                    )
                    self.assertRefused(
                        call,
                        user,
                        PERIOD,
                        "unlink",
                        [period.id],
                        unchanged=lambda: self.snapshot(agreement),
                    )
        # Not even as the system: a period is made from the agreement's dates.
        with self.assertRaisesRegex(Exception, "made and removed by their agreement"):
            period.sudo().unlink()

    def test_expected_volume_by_manager_or_finance_while_open(self):
        agreement = self.approved_agreement(accrual_basis="expected")
        first, second = agreement.period_ids[:2]
        self.xmlrpc(self.accountant, PERIOD, "write", [first.id], {"expected_volume": 150000.0})
        self.jsonrpc(self.manager, PERIOD, "write", [first.id], {"expected_volume": 160000.0})
        self.env.invalidate_all()
        self.assertEqual(first.expected_volume, 160000.0)
        for protocol, call in self.both():
            with self.subTest(protocol=protocol):
                self.assertRefused(
                    call,
                    self.rep,
                    PERIOD,
                    "write",
                    [first.id],
                    {"expected_volume": 1.0},
                    unchanged=lambda: first.sudo().expected_volume,
                )
        for protocol, call in self.both():
            for bad in (-5.0, "lots", [1], {"v": 1}):
                with self.subTest(protocol=protocol, value=bad):
                    self.assertRefused(
                        call,
                        self.accountant,
                        PERIOD,
                        "write",
                        [first.id],
                        {"expected_volume": bad},
                        unchanged=lambda: first.sudo().expected_volume,
                    )
        second._mark_closed()
        for protocol, call in self.both():
            with self.subTest(protocol=protocol, period="closed"):
                refusal = self.assertRefused(
                    call,
                    self.accountant,
                    PERIOD,
                    "write",
                    [second.id],
                    {"expected_volume": 1.0},
                    unchanged=lambda: second.sudo().expected_volume,
                )
                self.assertIn("closed", refusal.message)

    # ------------------------------------------------------------------ each guarded field

    def forged_value(self, record, name, other):
        """A plausible value a client could send for a field, different from the stored
        one."""
        field = record._fields[name]
        current = record.sudo()[name]
        if field.type == "selection":
            values = [value for value, _label in field._description_selection(self.env)]
            return next(value for value in values if value != current)
        if field.type == "many2one":
            return other[field.comodel_name].id
        if field.type == "boolean":
            return not current
        if field.type in ("integer", "float", "monetary"):
            return (current or 0) + 7
        return {
            "one2many": [[5, 0, 0]],
            "many2many": [[6, 0, [self.rep_other.id]]],
            "date": "2027-02-15",
            "datetime": "2027-02-15 10:00:00",
        }.get(field.type, "FORGED")

    def field_value(self, record, name):
        self.env.invalidate_all()
        value = record.sudo()[name]
        if hasattr(value, "ids"):
            return value.ids
        return value

    def test_each_guarded_field_of_each_model_is_refused(self):
        agreement = self.approved_agreement()
        agreement.with_user(self.manager_other).action_amend()
        agreement.action_submit()
        agreement.with_user(self.manager_other).action_approve()
        other = {
            "res.users": self.rep_other,
            "rebate.agreement": self.create_agreement(),
            "res.partner": self.customer_b,
            "res.company": self.env["res.company"].create({"name": "Rebate Elsewhere Ltd"}),
        }
        records = (
            agreement,
            agreement.period_ids[0],
            agreement.approval_ids[0],
            agreement.revision_ids[0],
        )
        self.assertIn("access_token", agreement._guard_field_names())
        self.assertLessEqual({"company_id", "partner_id"}, set(records[1]._guarded_fields))
        for record in records:
            self.assertTrue(record._guarded_fields, record._name)
            for name in record._guard_field_names():
                value = self.forged_value(record, name, other)
                for protocol, call in self.both():
                    with self.subTest(model=record._name, field=name, protocol=protocol):
                        self.assertRefused(
                            call,
                            self.admin_like,
                            record._name,
                            "write",
                            [record.id],
                            {name: value},
                            unchanged=lambda record=record, name=name: self.field_value(
                                record, name
                            ),
                        )

    # ------------------------------------------------------------------ portal reads

    def test_portal_never_reads_internal_notes_or_estimates(self):
        agreement = self.approved_agreement(note="<p>Customer is price sensitive</p>")
        period = agreement.period_ids[0]
        period.sudo().expected_volume = 180000.0
        for protocol, call in self.both():
            with self.subTest(protocol=protocol):
                # What the customer may read, the portal user reads.
                (row,) = call(self.portal_a, AGREEMENT, "read", [agreement.id], PUBLIC_FIELDS)
                self.assertEqual(row["name"], agreement.name)
                rows = call(
                    self.portal_a,
                    AGREEMENT,
                    "search_read",
                    [["id", "=", agreement.id]],
                    fields=PUBLIC_FIELDS,
                )
                self.assertEqual([r["id"] for r in rows], agreement.ids)
                # Unnamed fields: only those the customer may read are returned, or the call
                # is refused (Odoo's activity fields refuse a portal user's read of all).
                for method, args in (
                    ("read", [[agreement.id]]),
                    ("search_read", [[["id", "=", agreement.id]]]),
                ):
                    try:
                        (row,) = call(self.portal_a, AGREEMENT, method, *args)
                    except RpcRefused as refusal:
                        self.assertIn(refusal.kind, CLEAR_ERRORS)
                        self.assertNotIn("price sensitive", refusal.message)
                        continue
                    for internal in INTERNAL_FIELDS:
                        self.assertNotIn(internal, row, f"{method} returned {internal}")
                    self.assertNotIn("price sensitive", str(row))
                (period_row,) = call(self.portal_a, PERIOD, "read", [period.id])
                for internal in INTERNAL_PERIOD_FIELDS:
                    self.assertNotIn(internal, period_row)
                self.assertNotIn("180000", str(period_row))
                for name in INTERNAL_FIELDS:
                    self.assertRefused(
                        call, self.portal_a, AGREEMENT, "read", [agreement.id], [name]
                    )
                self.assertRefused(
                    call,
                    self.portal_a,
                    AGREEMENT,
                    "search",
                    [["note", "ilike", "price sensitive"]],
                )
                self.assertRefused(
                    call,
                    self.portal_a,
                    AGREEMENT,
                    "read_group",
                    [],
                    ["estimated_yearly_amount:sum"],
                    ["partner_id"],
                )
                for name in INTERNAL_PERIOD_FIELDS:
                    self.assertRefused(call, self.portal_a, PERIOD, "read", [period.id], [name])
                (period_row,) = call(
                    self.portal_a, PERIOD, "read", [period.id], ["date_from", "date_to"]
                )
                self.assertEqual(period_row["date_from"], str(period.date_from))
                tiers = call(self.portal_a, TIER, "read", agreement.tier_ids.ids, ["rate"])
                self.assertEqual(sorted(t["rate"] for t in tiers), [2.0, 4.0])
        # The web client's reads, with the internal fields asked for by name.
        for name in INTERNAL_FIELDS:
            self.assertRefused(
                self.jsonrpc, self.portal_a, AGREEMENT, "web_read", [agreement.id], {name: {}}
            )
        self.assertRefused(
            self.jsonrpc,
            self.portal_a,
            AGREEMENT,
            "web_search_read",
            [],
            {"note": {}},
        )
        self.assertRefused(
            self.jsonrpc,
            self.portal_a,
            AGREEMENT,
            "formatted_read_group",
            [],
            ["partner_id"],
            ["estimated_yearly_rebate:sum"],
        )
        (row,) = self.jsonrpc(
            self.portal_a, AGREEMENT, "web_read", [agreement.id], {"name": {}, "terms": {}}
        )
        self.assertEqual(row["name"], agreement.name)
        # Another customer's portal user reads nothing of it.
        self.assertRefused(self.xmlrpc, self.portal_b, AGREEMENT, "read", [agreement.id], ["name"])

    def test_portal_agreement_pages_still_render(self):
        agreement = self.approved_agreement(note="<p>Customer is price sensitive</p>")
        self.authenticate(self.portal_a.login, self.password(self.portal_a))
        for url in ("/my/rebates", agreement.get_portal_url()):
            response = self.url_open(url)
            self.assertEqual(response.status_code, 200, url)
            self.assertIn(agreement.name, response.text, url)
            self.assertNotIn("price sensitive", response.text, url)

    # ------------------------------------------------------------------ input

    def test_negative_estimates_are_refused(self):
        agreement = self.create_agreement()
        for protocol, call in self.both():
            for vals in ({"estimated_yearly_amount": -1.0}, {"estimated_yearly_quantity": -5.0}):
                with self.subTest(protocol=protocol, vals=vals):
                    title = f"Negative {protocol} {sorted(vals)}"
                    refusal = self.assertRefused(
                        call,
                        self.rep,
                        AGREEMENT,
                        "create",
                        self.rpc_vals(title=title, **vals),
                        unchanged=self.agreements_titled(title),
                    )
                    self.assertIn("cannot be negative", refusal.message)
                    self.assertRefused(
                        call,
                        self.rep,
                        AGREEMENT,
                        "write",
                        [agreement.id],
                        vals,
                        unchanged=lambda: (
                            agreement.sudo().estimated_yearly_amount,
                            agreement.sudo().estimated_yearly_quantity,
                        ),
                    )

    def test_wrong_argument_types_are_clear_errors(self):
        agreement = self.create_agreement()
        agreement.action_submit()
        for protocol, call in self.both():
            for bad in (123, [1, 2], {"text": "x"}, 1.5):
                with self.subTest(protocol=protocol, argument=bad):
                    refusal = self.assertRefused(
                        call,
                        self.manager,
                        AGREEMENT,
                        "action_approve",
                        [agreement.id],
                        bad,
                        unchanged=lambda: self.snapshot(agreement),
                    )
                    self.assertIn("must be text", refusal.message)
                    self.assertRefused(
                        call,
                        self.manager,
                        AGREEMENT,
                        "action_reject",
                        [agreement.id],
                        reason=bad,
                        unchanged=lambda: self.snapshot(agreement),
                    )
        self.assertEqual(agreement.state, "to_approve")

    def test_wrong_record_ids_are_clear_errors(self):
        agreement = self.create_agreement()
        agreement.action_submit()
        for protocol, call in self.both():
            for ids in ("abc", [[agreement.id]], {"id": agreement.id}):
                for method in ("action_approve", "action_submit", "action_cancel"):
                    with self.subTest(protocol=protocol, ids=ids, method=method):
                        self.assertRefused(
                            call,
                            self.manager,
                            AGREEMENT,
                            method,
                            ids,
                            unchanged=lambda: self.snapshot(agreement),
                        )

    def test_wizards_refuse_wrong_input_clearly(self):
        agreement = self.create_agreement()
        agreement.action_submit()
        reject, reassign = "rebate.agreement.reject.wizard", "rebate.agreement.reassign.wizard"
        wizards = lambda: (  # noqa: E731
            self.env[reject].search_count([]),
            self.env[reassign].search_count([]),
        )
        for protocol, call in self.both():
            for bad in (123, [1, 2], {"text": "x"}):
                with self.subTest(protocol=protocol, argument=bad):
                    self.assertRefused(
                        call,
                        self.manager,
                        reject,
                        "create",
                        {"agreement_ids": [[6, 0, agreement.ids]], "reason": bad},
                        unchanged=wizards,
                    )
                    self.assertRefused(
                        call, self.manager, reject, "create", {"agreement_ids": bad, "reason": "x"}
                    )
                    for vals in (
                        {"from_user_id": bad, "to_user_id": self.rep_other.id},
                        {"from_user_id": self.rep.id, "to_user_id": bad},
                        {
                            "from_user_id": self.rep.id,
                            "to_user_id": self.rep_other.id,
                            "include_backup": bad,
                        },
                    ):
                        self.assertRefused(
                            call, self.manager, reassign, "create", vals, unchanged=wizards
                        )
            with self.subTest(protocol=protocol):
                wizard_id = call(
                    self.manager,
                    "rebate.agreement.reject.wizard",
                    "create",
                    {"agreement_ids": [[6, 0, agreement.ids]], "reason": "   "},
                )
                self.assertRefused(
                    call,
                    self.manager,
                    "rebate.agreement.reject.wizard",
                    "action_reject",
                    [wizard_id],
                    unchanged=lambda: self.snapshot(agreement),
                )
                wizard_id = call(
                    self.manager,
                    "rebate.agreement.reassign.wizard",
                    "create",
                    {"from_user_id": self.rep.id, "to_user_id": self.portal_a.id},
                )
                self.assertRefused(
                    call,
                    self.manager,
                    "rebate.agreement.reassign.wizard",
                    "action_reassign",
                    [wizard_id],
                    unchanged=lambda: agreement.sudo().user_id,
                )

    def test_reject_reason_is_shown_as_text(self):
        agreement = self.create_agreement()
        agreement.action_submit()
        reason = '<img src=x onerror="alert(1)"> too generous'
        self.jsonrpc(self.manager, AGREEMENT, "action_reject", [agreement.id], reason=reason)
        self.env.invalidate_all()
        self.assertEqual(agreement.state, "draft")
        (message,) = agreement.message_ids.filtered(lambda m: "Rejected by" in str(m.body))
        body = str(message.body)
        self.assertIn("too generous", body)
        self.assertNotIn("<img", body)
        self.assertIn("&lt;img", body)
        self.assertEqual(
            agreement.sudo().approval_ids.filtered(lambda a: a.decision == "rejected").comment,
            reason,
        )

    def test_copy_of_an_approved_agreement_is_a_new_draft(self):
        agreement = self.approved_agreement()
        copy_id = self.jsonrpc(self.rep, AGREEMENT, "copy", [agreement.id])[0]
        copy = self.env[AGREEMENT].browse(copy_id)
        self.assertEqual(copy.state, "draft")
        self.assertNotEqual(copy.name, agreement.name)
        self.assertFalse(copy.sudo().approval_ids)
        self.assertFalse(copy.sudo().period_ids)
        self.assertFalse(copy.sudo().submitted_by_id)

    def test_withdrawn_draft_with_history_can_still_be_deleted(self):
        agreement = self.create_agreement()
        agreement.action_submit()
        agreement.action_reset_draft()
        self.assertTrue(agreement.sudo().approval_ids)
        self.xmlrpc(self.manager, AGREEMENT, "unlink", [agreement.id])
        self.assertFalse(agreement.exists())

    def test_portal_user_cannot_be_made_responsible(self):
        agreement = self.create_agreement()
        for protocol, call in self.both():
            for name in ("user_id", "backup_user_id"):
                with self.subTest(protocol=protocol, field=name):
                    self.assertRefused(
                        call,
                        self.rep,
                        AGREEMENT,
                        "write",
                        [agreement.id],
                        {name: self.portal_a.id},
                        unchanged=lambda: (agreement.user_id, agreement.sudo().backup_user_id),
                    )

    def test_cancelled_agreement_reopened_needs_a_new_approval(self):
        """Back to draft and resubmitted: the earlier approval does not count."""
        agreement = self.approved_agreement()
        agreement.with_user(self.manager).action_cancel()
        agreement.with_user(self.manager).action_reset_draft()
        agreement.with_user(self.rep).action_submit()
        self.assertEqual(agreement.state, "to_approve")
        self.assertTrue(agreement.with_user(self.manager_other).can_approve)
        agreement.with_user(self.manager_other).action_approve()
        self.assertEqual(agreement.state, "approved")
        self.assertEqual(agreement.sudo().approval_level_done, 1)
        self.assertEqual(agreement.date_start, date(2027, 1, 1))
        revision = agreement.sudo().revision_ids
        self.assertEqual(len(revision), 1, "the terms approved before are kept")
        self.assertEqual(revision.approver_ids, self.manager)
