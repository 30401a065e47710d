"""Every button a role sees, on every record of the demo, in the record's state.

For each record the role can read, the form view the server returns for that role (so
buttons of groups it lacks are gone) is loaded as the client loads it, each button's
`invisible` is evaluated on the record's values, and every visible button is pressed, in a
savepoint rolled back afterwards: the stat buttons, the header buttons (a wizard they open
is filled in and its buttons pressed too), the buttons on the lines of a form's lists, the
list view's header buttons and the Action and Print menus. The audit addon's records
(campaigns and the items of their samples, findings, controls, policy versions and
acknowledgements, due diligence decisions, the audit trail and its verifications) and its
dashboard are pressed the same way. A press may be refused with a user-facing error;
anything else is a problem. A read-only role (auditor, employee, portal) must change
nothing, whatever it presses, but its own audit work."""

from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import ROLES, DemoUiCase

# The models behind the Rebates menus, and what their buttons open.
MODELS = (
    "rebate.agreement",
    "rebate.agreement.period",
    "rebate.agreement.revision",
    "rebate.entry",
    "rebate.settlement",
    "rebate.statement",
    "rebate.balance.line",
    # customer_rebate_audit (Rebates > Audit); a campaign's sampled items are lines of its
    # Sample tab (an editable list, no form of their own).
    "rebate.audit.campaign",
    "rebate.audit.finding",
    "rebate.control",
    "rebate.policy",
    "rebate.policy.acknowledgement",
    "rebate.partner.due.diligence",
    "rebate.audit.log",
    "rebate.audit.chain.check",
)
# Forms of a record the client makes when the menu opens them (the audit dashboard).
TRANSIENT_FORMS = ("rebate.audit.dashboard",)

# Rebate elements in other apps' forms: records there, and which of their buttons are ours.
OTHER_FORMS = {
    "res.partner": [("rebate_agreement_ids", "!=", False)],
    "account.move": [("rebate_entry_ids", "!=", False)],
    "sale.order": [("partner_id.commercial_partner_id.rebate_agreement_ids", "!=", False)],
}


def visible_records(client):
    """(model, records, ours_only): the demo records the role can read, of our models, then
    the records of other apps' models whose forms hold our fields (ours_only)."""
    for model in MODELS:
        if model not in client.env:  # an addon not installed
            continue
        try:
            yield model, client.env[model].search([]), False
        except AccessError:
            continue
    for model, domain in OTHER_FORMS.items():
        try:
            yield model, client.env[model].search(domain), True
        except AccessError:
            continue


def label(node):
    return f"{node.get('string') or node.get('name')} ({node.get('name')})"


@tagged("post_install", "-at_install", "customer_rebate_demo")
class TestUiButtons(DemoUiCase):
    def check_buttons(self, role):
        client = self.client(role)
        for model, records, ours_only in visible_records(client):
            for record in records:
                self.press_form_buttons(client, record, ours_only=ours_only)
            if not ours_only:
                self.press_list_buttons(client, model, records)
        for model in TRANSIENT_FORMS:
            if model in client.env and client.env[model].has_access("create"):
                self.press_transient_buttons(client, model)
        self.assertNoProblem(client, "checks of buttons")

    def press_transient_buttons(self, client, model):
        """The client opens a new record of the form, and saves it when a button is
        pressed: the record is made once, then every button pressed on it."""
        where = f"{model} (new)"
        try:
            record = Form(client.env[model]).save()
        except Exception as error:  # opening the menu itself fails
            client.problem(where, "open and save the form", repr(error))
            return
        self.press_form_buttons(client, record)

    def press_form_buttons(self, client, record, ours_only=False):
        state = record.sudo().state if "state" in record._fields else ""
        where = f"{record._name} {record.sudo().display_name} [{state}]"
        form = client.attempt(where, "open the form", lambda: Form(record))
        if form is None:
            return
        arch = form._view["tree"]
        values = client.record_values(form)
        for node in client.buttons(arch):
            if ours_only and "rebate" not in node.get("name"):
                continue
            try:
                visible = client.visible(node, values, record)
            except Exception as error:  # an expression the client cannot evaluate
                client.problem(where, f"button {label(node)}", f"invisible: {error!r}")
                continue
            if visible:
                client.attempt(
                    where,
                    f"button {label(node)}",
                    lambda node=node: client.press(record, node, {}, where),
                )
        if ours_only:
            return
        self.press_line_buttons(client, record, arch, where)
        self.open_lines(client, record, arch, where)
        toolbar = client.get_views(record._name, [[False, "form"]], {"toolbar": True})
        for action in toolbar["views"]["form"].get("toolbar", {}).get("print", []):
            client.attempt(
                where,
                f"print {action['name']}",
                lambda action=action: client.open_action(action, where, active=record),
            )

    def press_line_buttons(self, client, record, arch, where):
        """Buttons on the lines of a form's lists (e.g. a period's Entries)."""
        for field_node in client._own_fields(arch):
            subview = field_node.find("list")
            if subview is None or not any(True for _ in subview.iter("button")):
                continue
            lines = record[field_node.get("name")]
            spec = client.spec(subview, lines._name, {})
            for line in lines:
                values = line.web_read(spec)[0]
                values = {
                    name: value.get("id") if isinstance(value, dict) else value
                    for name, value in values.items()
                }
                for node in subview.iter("button"):
                    if node.get("type") != "object":
                        continue
                    hidden = client.evaluate(node.get("invisible"), False, line, values)
                    if hidden or client.evaluate(node.get("column_invisible"), False, line, values):
                        continue
                    client.attempt(
                        where,
                        f"line {line.display_name}: button {label(node)}",
                        lambda node=node, line=line: client.press(line, node, {}, where),
                    )

    def open_lines(self, client, record, arch, where):
        """A click on a line of a form's read-only list opens the line's own form view, in
        a dialog: the first line of each list."""
        for field_node in client._own_fields(arch):
            field = record._fields.get(field_node.get("name"))
            if field is None or field.type not in ("one2many", "many2many"):
                continue
            if field_node.get("widget") or field_node.get("invisible") in ("1", "True"):
                continue
            subview = field_node.find("list")
            if subview is not None and subview.get("editable"):
                continue
            lines = record[field.name][:1]
            for line in lines:

                def open_line(line=line):
                    views = client.get_views(line._name, [[False, "form"]])
                    line_arch = etree.fromstring(views["views"]["form"]["arch"])
                    line.with_context(bin_size=True).web_read(
                        client.spec(line_arch, line._name, views["models"])
                    )

                client.attempt(where, f"open the line {field.name} {line.display_name}", open_line)

    def press_list_buttons(self, client, model, records):
        """The list view's header buttons and its Action and Print menus, on every record
        the role sees."""
        where = f"{model} list"
        views = client.get_views(model, [[False, "list"]], {"toolbar": True})
        list_view = views["views"]["list"]
        for node in client.buttons(etree.fromstring(list_view["arch"])):
            ids = [] if node.get("display") == "always" and not records else records.ids
            client.attempt(
                where,
                f"header button {label(node)} on {len(ids)} record(s)",
                lambda node=node, ids=ids: client.press(
                    client.env[model].browse(ids), node, {}, where
                ),
            )
        toolbar = list_view.get("toolbar") or {}
        for kind in ("action", "print"):
            for action in toolbar.get(kind, []):
                client.attempt(
                    where,
                    f"{kind} menu: {action['name']} on {len(records)} record(s)",
                    lambda action=action: client.open_action(action, where, active=records),
                )


def _buttons_test(role):
    def test(self):
        self.check_buttons(role)

    test.__name__ = f"test_buttons_{role}"
    test.__doc__ = f"Every visible button of every demo record as the demo {role}."
    return test


for _role in ROLES:
    setattr(TestUiButtons, f"test_buttons_{_role}", _buttons_test(_role))
