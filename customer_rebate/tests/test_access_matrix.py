"""The access matrix of the README's security section, asserted cell by cell.

The README is the one statement of who may read, create, change and delete each model, and
of who may press each button: this test reads its tables and checks every cell against the
server, for a user of each role."""

import base64
import re
import unittest
from datetime import date
from pathlib import Path

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import AUDITOR_GROUP, RebateAccountingCase, audit_installed

README = Path(__file__).resolve().parents[2] / "README.md"
ROLES = {
    "rep": "base.group_user,customer_rebate.group_rebate_user",
    "manager": "base.group_user,customer_rebate.group_rebate_manager",
    "accountant": "base.group_user,customer_rebate.group_rebate_accountant",
    "auditor": f"base.group_user,{AUDITOR_GROUP}",
    "employee": "base.group_user",
    "portal": "base.group_portal",
}
OPERATIONS = {"r": "read", "c": "create", "w": "write", "d": "unlink"}


def readme_table(title):
    """The rows of the table that follows the line `title` in the README, as lists of
    cells (header excluded). The README is the repository's: an addon installed from a
    wheel has none, and the matrix tests say so rather than fail."""
    if not README.is_file():
        raise unittest.SkipTest(f"the project's README is not here ({README})")
    text = README.read_text(encoding="utf-8")
    start = text.index(title)
    rows = []
    for raw in text[start:].splitlines()[1:]:
        line = raw.strip()
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if set("".join(cells)) <= set("-: "):
            continue
        rows.append(cells)
    return rows[0], rows[1:]


def model_access(cell):
    """'r w c d' letters (or '—'): the set of operations granted."""
    letters = set(re.sub(r"[^rwcd]", "", cell))
    return {OPERATIONS[letter] for letter in letters}


def roles_under_test(env):
    """The roles whose users these tests can make: the auditor needs customer_rebate_audit."""
    return [role for role in ROLES if role != "auditor" or audit_installed(env)]


@tagged("post_install", "-at_install", "customer_rebate")
class TestAccessMatrix(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {
            role: new_test_user(cls.env, f"test.matrix.{role}", groups=ROLES[role])
            for role in roles_under_test(cls.env)
        }

    def test_model_access_matrix(self):
        header, rows = readme_table("Access matrix: models")
        roles = [cell.strip("` ").lower() for cell in header[1:]]
        self.assertEqual(roles, list(ROLES), "the README's columns are the roles")
        self.assertGreaterEqual(len(rows), 10)
        audit = audit_installed(self.env)
        for row in rows:
            model = row[0].strip("` ")
            if not audit and model not in self.env:
                continue  # a model of customer_rebate_audit, not installed here
            self.assertIn(model, self.env, f"README names an unknown model {model}")
            for role, cell in zip(roles, row[1:], strict=True):
                if role not in self.users:
                    continue
                granted = model_access(cell)
                Model = self.env[model].with_user(self.users[role])
                for operation in OPERATIONS.values():
                    with self.subTest(model=model, role=role, operation=operation):
                        self.assertEqual(
                            Model.has_access(operation),
                            operation in granted,
                            f"{role} {operation} {model}: README says {cell!r}",
                        )

    def test_every_rebate_model_is_in_the_matrix(self):
        _header, rows = readme_table("Access matrix: models")
        listed = {row[0].strip("` ") for row in rows}
        ours = {
            name
            for name in self.env
            if name.startswith("rebate.")
            and not self.env[name]._abstract
            and not self.env[name]._transient
        }
        self.assertEqual(ours - listed, set(), "every rebate model has a row in the README")


@tagged("post_install", "-at_install", "customer_rebate")
class TestActionMatrix(RebateAccountingCase):
    """Each action of the README's table, pressed by a user of each role on a document in
    the state where the action applies, inside a savepoint rolled back afterwards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        sales = "sales_team.group_sale_salesman,"
        cls.users = {
            role: new_test_user(
                cls.env,
                f"test.actions.{role}",
                groups=(sales if role in ("rep", "manager") else "") + groups,
                **({"partner_id": cls.customer_contact.id} if role == "portal" else {}),
            )
            for role, groups in ROLES.items()
            if role in roles_under_test(cls.env)
        }
        cls.accountant_other = new_test_user(
            cls.env,
            "test.actions.accountant2",
            groups="base.group_user,customer_rebate.group_rebate_accountant",
        )
        cls.signature = base64.b64encode(
            base64.b64decode(
                "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
                "AAAABJRU5ErkJggg=="
            )
        ).decode()

    # ------------------------------------------------------------------ probes

    def responsible(self, role):
        """The agreement's responsible person for a probe: the role's user when it can be
        one (an employee), else the sales rep."""
        user = self.users[role]
        return self.rep if user.share else user

    def draft(self, role, **overrides):
        return self.create_agreement(
            user=self.rep_other, user_id=self.responsible(role).id, **overrides
        ).sudo()

    def submitted(self, role, **overrides):
        agreement = self.draft(role, **overrides)
        agreement.with_user(self.rep_other).action_submit()
        return agreement

    def approved(self, role, **overrides):
        agreement = self.submitted(role, **overrides)
        agreement.with_user(self.manager_other).action_approve()
        return agreement

    def earned(self, role):
        agreement = self.approved(role)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        return agreement

    def settlement(self, role, confirmed=False):
        agreement = self.earned(role)
        with freeze_time("2027-04-05"):
            settlement = agreement.with_user(self.accountant_other).action_settle()
            if confirmed:
                settlement.with_user(self.accountant_other).action_confirm()
        return settlement

    def statement(self, role, state="sent"):
        self.approved(role, date_start=date(2026, 1, 1), date_end=date(2026, 12, 31))
        self.invoice([(self.product, 80, 10.0)], date(2026, 1, 10))
        statement = (
            self.env["rebate.statement"]
            ._generate_statements(date(2026, 1, 1), date(2026, 1, 31))
            .filtered(lambda s: s.partner_id == self.customer)
        )
        if state != "draft":
            statement.with_user(self.accountant_other).action_send()
        if state == "disputed":
            statement.with_user(self.users["portal"])._portal_dispute("Invoice INV-1 missing")
        return statement

    def waiting_rows(self, role):
        self.earned(role)
        self.invoice([(self.product, 10, 10.0)], date(2027, 2, 1), book=False)
        return self.env["rebate.entry"].search([("booking_pending", "=", True)])

    def probes(self):
        """{README row, its menu arrows as '>': (fixture(role) -> record, press(record))}; the
        press runs as the role's user."""
        two_levels = {"tier_ids": [(0, 0, {"threshold": 0.0, "rate": 20.0})]}
        return {
            "Agreement > Submit (own draft)": (self.draft, lambda a: a.action_submit()),
            "Agreement > Approve (first level, submitted by someone else)": (
                self.submitted,
                lambda a: a.action_approve(),
            ),
            "Agreement > Approve (finance level, after a manager)": (
                lambda role: self.approved(role, **two_levels),
                lambda a: a.action_approve(),
            ),
            "Agreement > Reject (first level)": (
                self.submitted,
                lambda a: a.action_reject("Rates too high"),
            ),
            "Agreement > Reject (finance level, after a manager)": (
                lambda role: self.approved(role, **two_levels),
                lambda a: a.action_reject("Rate above the limit"),
            ),
            "Agreement > Amend Terms (own)": (self.approved, lambda a: a.action_amend()),
            "Agreement > Cancel (own draft)": (self.draft, lambda a: a.action_cancel()),
            "Agreement > Settle Ended Periods": (
                self.earned,
                lambda a: self.frozen("2027-04-05", a.action_settle),
            ),
            "Reassign Agreements": (
                self.approved,
                lambda a: (
                    a.env["rebate.agreement.reassign.wizard"]
                    .create({"from_user_id": a.sudo().user_id.id, "to_user_id": self.rep_other.id})
                    .action_reassign()
                ),
            ),
            "Settlement > Confirm": (
                self.settlement,
                lambda s: self.frozen("2027-04-06", s.action_confirm),
            ),
            "Settlement > Approve (above the limit)": (
                lambda role: self.limited(10.0, self.settlement, role, confirmed=True),
                lambda s: s.action_approve(),
            ),
            "Settlement > Post": (
                lambda role: self.settlement(role, confirmed=True),
                lambda s: self.frozen("2027-04-06", s.action_post),
            ),
            "Settlement > Cancel": (self.settlement, lambda s: s.action_cancel()),
            "Rebate Ledger > manual adjustment": (
                self.approved,
                lambda a: a.env["rebate.entry"].create(
                    {
                        "agreement_id": a.id,
                        "period_id": a.sudo().period_ids[0].id,
                        "date": "2027-03-31",
                        "amount": 12.5,
                        "reason": "Promotion agreed in the contract annex",
                    }
                ),
            ),
            "Rebate Ledger > Book Waiting Accruals": (
                self.waiting_rows,
                lambda rows: rows.action_book_now(),
            ),
            "Configuration > Accounting > Save": (
                lambda role: self.env["rebate.accounting.settings"],
                lambda settings: settings.create({"rebate_accrual_mode": "realtime"}).action_save(),
            ),
            "Recompute Accruals > post the differences": (
                self.earned,
                lambda a: (
                    a.env["rebate.accrual.recompute.wizard"]
                    .create({"period_ids": [(6, 0, a.sudo().period_ids.ids)]})
                    .action_post()
                ),
            ),
            "Statement > Send": (
                lambda role: self.statement(role, state="draft"),
                lambda s: s.action_send(),
            ),
            "Statement > Resolve a dispute": (
                lambda role: self.statement(role, state="disputed"),
                lambda s: s.action_resolve("Credit note CN-7 covers it"),
            ),
            "Statement > Confirm with signature, or Dispute (portal, own company)": (
                self.statement,
                lambda s: s._portal_confirm("Wang Fang", self.signature),
            ),
        }

    def frozen(self, day, action):
        with freeze_time(day):
            return action()

    def limited(self, limit, fixture, *args, **kwargs):
        self.company.rebate_settlement_approval_limit = limit
        return fixture(*args, **kwargs)

    def pressed(self, fixture, press, role):
        """Whether the role's user may press the action: the fixture makes the document,
        the user presses, and everything is rolled back, whatever happened."""
        savepoint = self.env.cr.savepoint()
        try:
            record = fixture(role)
            self.env.flush_all()
            try:
                press(record.with_user(self.users[role]))
                self.env.flush_all()
            except (UserError, AccessError, ValidationError):
                return False
            return True
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all()

    def test_action_matrix(self):
        header, rows = readme_table("Access matrix: actions")
        roles = [cell.strip("` ").lower() for cell in header[1:]]
        self.assertEqual(roles, list(ROLES))
        probes = self.probes()
        names = [row[0].replace("\u203a", ">") for row in rows]
        self.assertEqual(set(names), set(probes), "a probe for each README row")
        for name, row in zip(names, rows, strict=True):
            fixture, press = probes[name]
            for role, cell in zip(roles, row[1:], strict=True):
                if role not in self.users:
                    continue  # the auditor, without customer_rebate_audit
                with self.subTest(action=name, role=role):
                    self.assertEqual(
                        self.pressed(fixture, press, role),
                        cell == "\u2713",
                        f"{role} on {name!r}: README says {cell}",
                    )
