"""Every field a role may edit in a form, on every record of the demo, in its state.

The records are those of both addons (test_ui_buttons.MODELS), and our fields on other
apps' forms (the customer's Due Diligence tab among them).

A field is editable when the form the server returns for the role lets the user write
(no `edit="false"`, which the server sets when the role may not write the model) and the
field is neither invisible nor readonly on the record's values. Each one is edited in its
own `Form` (as the client does: onchanges, then `web_save`) with a plausible value, lines
of editable lists are added, changed and removed, and the save must succeed or answer a
user-facing error. Each save is rolled back.

Binary fields (the signed contract) are checked on their own, `test_upload_*`: uploading a
small PDF is what a sales rep does on every new agreement."""

from odoo.tests import Form, tagged

from .common import DemoUiCase
from .test_ui_buttons import visible_records
from .webclient import ClientRefusal

# Roles whose forms may be editable (read-only roles get `edit="false"` forms).
EDITING_ROLES = ("rep", "manager", "accountant", "auditor", "admin")
FALSE = ("0", "false", "False")


@tagged("post_install", "-at_install", "customer_rebate_demo")
class TestUiFields(DemoUiCase):
    def check_fields(self, role, binary):
        client = self.client(role)
        # Our models, then our fields in other apps' forms (the customer's Due Diligence tab,
        # among others).
        for _model, records, ours_only in visible_records(client):
            for record in records:
                self.edit_record(client, record, binary, ours_only=ours_only)
        self.assertNoProblem(client, "field edits" if not binary else "uploads")

    def edit_record(self, client, record, binary, ours_only=False):
        state = record.sudo().state if "state" in record._fields else ""
        where = f"{record._name} {record.sudo().display_name} [{state}]"
        form = client.attempt(where, "open the form", lambda: Form(record))
        if form is None or form._view["tree"].get("edit") in FALSE:
            return
        for name, info in form._view["fields"].items():
            if name == "id" or (info["type"] == "binary") != binary:
                continue
            if ours_only and "rebate" not in name:
                continue
            if not self.editable(form, name):
                continue
            for label, edit in self.edits(client, form, name, info):
                client.attempt(
                    where,
                    f"edit {name} ({info['type']}): {label}",
                    lambda edit=edit: self.save_edit(client, record, edit),
                )

    @staticmethod
    def editable(form, name):
        return not (form._get_modifier(name, "readonly") or form._get_modifier(name, "invisible"))

    @staticmethod
    def save_edit(client, record, edit):
        form = Form(record)
        edit(form)
        # What the change makes required (a bank account for a payment), the user fills in.
        client.fill_required(form)
        try:
            form.save()
        except AssertionError as error:
            if "is a required field" not in str(error):
                raise
            # The client does not save: nothing to pick for a required field.
            raise ClientRefusal(str(error)) from None

    def edits(self, client, form, name, info):
        """(label, edit(form)) for each change a user can make to this field."""
        node = next(
            node for node in client._own_fields(form._view["tree"]) if node.get("name") == name
        )
        kind = info["type"]
        if kind == "one2many":
            yield from self.line_edits(client, form, name, node)
            return
        value = client.plausible(form, name)
        if value is None:
            return
        if kind == "many2many":
            if node.get("can_write") in FALSE:
                return
            yield f"add {value.display_name}", lambda form: form[name].add(value)
            if form._values[name]:
                yield "remove the first", lambda form: form[name].remove(index=0)
            return
        shown = value.display_name if hasattr(value, "display_name") else repr(value)[:40]
        yield f"set {shown}", lambda form: form.__setitem__(name, value)

    @staticmethod
    def fill(client, form, column):
        value = client.plausible(form, column)
        if value is not None:
            form[column] = value

    def line_edits(self, client, form, name, node):
        """Add a line, change each editable column of each line, remove the first line: as
        far as the list allows."""
        subview = next((child for child in node if child.tag in ("list", "kanban")), None)
        subview_attrs = subview.attrib if subview is not None else {}
        can_create = (
            node.get("can_create") not in FALSE and subview_attrs.get("create") not in FALSE
        )
        can_write = node.get("can_write") not in FALSE and subview_attrs.get("edit") not in FALSE
        can_delete = subview_attrs.get("delete") not in FALSE
        lines = form._values[name]
        if can_create:
            # The columns a user fills in: those required, plus one of the others in turn
            # (a scope line names a product or a category, not both).
            probe = form[name].new()
            columns = [
                column
                for column in probe._view["fields"]
                if column != "id" and self.editable(probe, column)
            ]
            optional = [column for column in columns if not probe._get_modifier(column, "required")]
            for extra in [None, *optional]:

                def add(form, extra=extra):
                    with form[name].new() as line:
                        for column in columns:
                            if column != extra and line._get_modifier(column, "required"):
                                self.fill(client, line, column)
                        if extra:
                            self.fill(client, line, extra)

                yield f"add a line{f' with {extra}' if extra else ''}", add
        # Each line is a record of its own (a campaign's sampled items, among others): each
        # editable column of each line, in the line's own state.
        for index in range(len(lines) if can_write else 0):
            line = form[name].edit(index)
            for column, info in line._view["fields"].items():
                if column == "id" or not self.editable(line, column) or info["type"] == "one2many":
                    continue
                value = client.plausible(line, column)
                if value is None:
                    continue

                def change(form, column=column, value=value, index=index):
                    with form[name].edit(index) as line:
                        line[column] = value

                shown = getattr(value, "display_name", value)
                yield f"line {index + 1}: set {column} = {shown}", change
        if can_delete and lines:
            yield "remove the first line", lambda form: form[name].remove(index=0)


def _fields_test(role, binary):
    def test(self):
        self.check_fields(role, binary)

    kind = "upload" if binary else "fields"
    test.__name__ = f"test_{kind}_{role}"
    test.__doc__ = (
        f"Upload a PDF to every binary field the demo {role} may edit."
        if binary
        else f"Every editable field of every demo record as the demo {role}."
    )
    return test


for _role in EDITING_ROLES:
    setattr(TestUiFields, f"test_fields_{_role}", _fields_test(_role, False))
    setattr(TestUiFields, f"test_upload_{_role}", _fields_test(_role, True))
