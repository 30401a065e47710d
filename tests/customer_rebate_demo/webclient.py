"""A server-side stand-in for the web client, driving the Rebates app as one user.

It makes the calls the browser makes (``load_menus``, ``/web/action/load``, ``get_views``,
``web_search_read``, ``web_read_group``, ``formatted_read_grouping_sets``, ``web_read``,
``/web/dataset/call_button``, ``web_save``) with the views the server returns for that
user, so elements of groups the user lacks are already gone, and evaluates ``invisible``
and ``readonly`` on the record's values as the client does. Every press and every save runs
in a savepoint that is rolled back afterwards, after the flush and pre-commit hooks a real
request runs before its commit (tracking, for one, is written there).

What a user may see is a user-facing error (``UserError`` and its subclasses, or
``RedirectWarning``); anything else is a *problem*, recorded with where it happened and the
tail of its traceback, and the tests fail listing all of them at once."""

import base64
import contextlib
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import fields
from odoo.exceptions import RedirectWarning, UserError
from odoo.service.model import call_kw
from odoo.tests import Form
from odoo.tools.safe_eval import safe_eval

from odoo.addons.web.controllers.utils import clean_action

# What the web client shows as a message instead of a traceback dialog.
USER_FACING = (UserError, RedirectWarning)
# A one-page PDF, as a user uploads it.
SMALL_PDF = base64.b64encode(
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
VIEW_TAGS = ("list", "kanban", "form")
TEXT = "UI robustness check"


class ClientRefusal(UserError):
    """What the web client itself refuses before calling the server (a required field
    left empty): the user sees a message, not a traceback."""


@dataclass
class Problem:
    """Something the web client would show as a traceback, or could not do at all."""

    role: str
    where: str
    what: str
    error: str
    tail: str = ""

    def __str__(self):
        text = f"[{self.role}] {self.where} :: {self.what}\n    {self.error}"
        return f"{text}\n{self.tail}" if self.tail else text


@dataclass
class Outcome:
    """What one role met: problems (failures) and refusals (user-facing errors, kept to
    show which visible buttons and editable fields the server always refuses)."""

    problems: list = field(default_factory=list)
    refusals: list = field(default_factory=list)
    passed: list = field(default_factory=list)
    count: int = 0

    def report(self):
        return "\n".join(str(problem) for problem in self.problems)


def traceback_tail(error, frames=4):
    """The frames of the traceback that matter, in call order, as file:line: the outermost
    and innermost frames of the addons, and the last ones wherever they are."""
    stack = traceback.extract_tb(error.__traceback__)
    ours = [index for index, frame in enumerate(stack) if "/customer_rebate" in frame.filename]
    picked = sorted({*ours[:1], *ours[-2:], *range(max(len(stack) - frames, 0), len(stack))})
    lines = []
    for index in picked:
        frame = stack[index]
        path = frame.filename
        for marker in ("/work/main/", "/dist-packages/", "/site-packages/", "/tmp/ui_src/"):
            if marker in path:
                path = path.split(marker, 1)[1]
        lines.append(f"      at {path}:{frame.lineno} in {frame.name}: {frame.line}")
    return "\n".join(lines)


def describe(error):
    message = str(error).strip().splitlines()
    return f"{type(error).__module__}.{type(error).__name__}: {message[0] if message else ''}"


class WebClient:
    """The web client of one logged-in user."""

    def __init__(self, env, user, role, readonly_role=False, own_tables=()):
        self.role = role
        # Tables a read-only role may write all the same (an auditor's own findings).
        self.own_tables = set(own_tables)
        self.user = user
        self.readonly_role = readonly_role
        user_context = {
            "lang": user.lang or "en_US",
            "tz": user.tz or "UTC",
            "uid": user.id,
            # Every company of the user ticked in the company switcher, the current first.
            "allowed_company_ids": (user.company_id | user.company_ids).ids,
        }
        self.env = env(user=user.id, context=user_context, su=False)
        self.outcome = Outcome()
        self._views = {}

    # ------------------------------------------------------------------ bookkeeping

    def attempt(self, where, what, func):
        """Run func() as the server runs one request (call, flush, pre-commit hooks) in a
        savepoint rolled back afterwards. Return its result, or None after recording what
        went wrong."""
        self.outcome.count += 1
        cr = self.env.cr
        try:
            with contextlib.closing(cr.savepoint()):
                # After the savepoint's own flush, which runs what earlier code left pending.
                before = self._written_rows() if self.readonly_role else None
                try:
                    result = func()
                    cr.flush()
                except USER_FACING as error:
                    self.outcome.refusals.append((where, what, describe(error)))
                    return None
                except Exception as error:  # every other exception is the finding
                    self.outcome.problems.append(
                        Problem(self.role, where, what, describe(error), traceback_tail(error))
                    )
                    return None
                written = self._written_rows(before) if before is not None else None
                if written:
                    self.problem(
                        where,
                        what,
                        "a read-only role changed data without an error: "
                        + ", ".join(f"{table} +{rows}" for table, rows in written),
                    )
                else:
                    self.outcome.passed.append((where, what))
                return result
        finally:
            self.env.invalidate_all()

    def problem(self, where, what, error):
        self.outcome.problems.append(Problem(self.role, where, what, error))

    def _written_rows(self, before=None):
        """Rows this transaction inserted, updated or deleted so far, per table (model tables
        only, wizards excluded), or the tables that changed since `before`."""
        # Temporary tables (Odoo's currency table of accounting reports) hold no data.
        self.env.cr.execute(
            """SELECT stat.relname, stat.n_tup_ins + stat.n_tup_upd + stat.n_tup_del
                 FROM pg_stat_xact_user_tables stat
                 JOIN pg_class class ON class.oid = stat.relid
                WHERE class.relpersistence = 'p'"""
        )
        counts = dict(self.env.cr.fetchall())
        if before is None:
            return counts
        transient = {model._table for model in self.env.registry.values() if model._transient} | {
            "res_users_log",
            "bus_bus",
            "ir_cron_trigger",
        }
        return sorted(
            (table, rows - before.get(table, 0))
            for table, rows in counts.items()
            if rows > before.get(table, 0) and table not in transient | self.own_tables
        )

    # ------------------------------------------------------------------ evaluation

    def eval_context(self, record=None, values=None):
        today = fields.Date.context_today(self.env.user)
        context = dict(self.env.context)
        result = {
            "uid": self.env.uid,
            "context_today": lambda: today,
            "current_date": today.strftime("%Y-%m-%d"),
            "today": today.strftime("%Y-%m-%d"),
            "now": datetime.now(),
            "datetime": datetime,
            "date": date,
            "time": time,
            "timedelta": timedelta,
            "relativedelta": relativedelta,
            "allowed_company_ids": context.get("allowed_company_ids", []),
            "context": context,
            "id": record[:1].id if record else False,
            "active_id": record[:1].id if record else False,
            "active_ids": record.ids if record else [],
            "active_model": record._name if record else False,
            "parent": {},
        }
        result.update(values or {})
        return result

    def evaluate(self, expression, default, record=None, values=None):
        if not expression:
            return default
        if not isinstance(expression, str):
            return expression
        return safe_eval(expression, self.eval_context(record, values))

    # ------------------------------------------------------------------ views and specs

    def get_views(self, model, views, options=None):
        key = (model, tuple(tuple(view) for view in views), tuple(sorted((options or {}).items())))
        if key not in self._views:
            self._views[key] = self.env[model].get_views(views, options or {})
        return self._views[key]

    def spec(self, node, model, models, depth=0):
        """The read specification the client derives from an arch (fields, with the
        display name of related records and the fields of x2many subviews)."""
        infos = models.get(model, {}).get("fields", {}) or self.env[model].fields_get()
        result = {}
        for child in self._own_fields(node):
            name = child.get("name")
            info = infos.get(name)
            if not info:
                continue
            kind = info["type"]
            if kind == "many2one":
                result[name] = {"fields": {"display_name": {}}}
            elif kind in ("one2many", "many2many"):
                result[name] = {"fields": self._subview_spec(child, info, models, depth)}
            else:
                result[name] = {}
        return result

    @staticmethod
    def _own_fields(node):
        """The <field> nodes of this view, not those of its x2many subviews."""
        stack = list(node)
        while stack:
            child = stack.pop(0)
            if not isinstance(child.tag, str):
                continue
            if child.tag == "field":
                yield child
                continue
            stack[:0] = list(child)

    def _subview_spec(self, node, info, models, depth):
        if node.get("widget") in ("many2many_tags", "many2many_avatar_user", "kanban_activity"):
            return {"display_name": {}}
        for tag in VIEW_TAGS:
            sub = node.find(tag)
            if sub is not None:
                return self.spec(sub, info["relation"], models, depth + 1)
        if depth or node.getroottree().getroot().tag != "form":
            # A list or kanban shows an x2many without a subview as a count.
            return {}
        # No inline view in a form: the client loads the comodel's default list view.
        views = self.get_views(info["relation"], [[False, "list"]])
        arch = etree.fromstring(views["views"]["list"]["arch"])
        return self.spec(arch, info["relation"], views["models"], depth + 1)

    # ------------------------------------------------------------------ actions

    def load_action(self, action_id):
        """/web/action/load."""
        base = self.env["ir.actions.actions"].browse(action_id).sudo().read(["type"])[0]
        action = self.env[base["type"]].sudo().browse(action_id)
        if base["type"] == "ir.actions.act_window":
            data = action._get_action_dict()
        else:
            data = action.read()[0]
        return clean_action(data, env=self.env)

    def action_context(self, action, record=None):
        context = self.evaluate(action.get("context") or "{}", {}, record)
        return context if isinstance(context, dict) else {}

    def open_action(self, action, where, active=None, depth=1):
        """Do what the client does with an action: open its views (and for a wizard,
        its form and buttons), run a server action, render a report."""
        kind = action.get("type")
        if kind == "ir.actions.act_window":
            self.open_window(action, where, active=active, depth=depth)
        elif kind == "ir.actions.server":
            context = {
                "active_model": active._name if active else False,
                "active_id": active[:1].id if active else False,
                "active_ids": active.ids if active else [],
            }
            result = (
                self.env["ir.actions.server"].browse(action["id"]).with_context(**context).run()
            )
            if isinstance(result, dict) and depth:
                self.open_action(clean_action(result, env=self.env), where, active, depth - 1)
        elif kind == "ir.actions.report" and active:
            report = self.env["ir.actions.report"].browse(action["id"])
            report._render_qweb_html(report.report_name, active.ids)

    def open_window(self, action, where, active=None, depth=1):
        model = action["res_model"]
        context = dict(self.action_context(action, active))
        if active:
            context.setdefault("active_model", active._name)
            context.setdefault("active_id", active[:1].id)
            context.setdefault("active_ids", active.ids)
        env = self.env(context={**self.env.context, **context})
        domain = self.evaluate(action.get("domain"), [], active) or []
        views = [list(view) for view in action.get("views") or [[False, "form"]]]
        search = action.get("search_view_id")
        if isinstance(search, (list, tuple)):
            search = search[0]
        views.append([search or False, "search"])
        options = {"action_id": action.get("id") or False, "load_filters": True, "toolbar": True}
        result = env[model].get_views(views, options)
        res_id = action.get("res_id")
        for view_type, view in result["views"].items():
            arch = etree.fromstring(view["arch"])
            if view_type == "search":
                continue
            if view_type != "form":
                self.open_multi_view(
                    env, model, view_type, arch, result, domain=domain, context=context, where=where
                )
            elif res_id:
                record = env[model].browse(res_id)
                spec = self.spec(arch, model, result["models"])
                self.attempt(
                    where,
                    f"form view of {model} {res_id}",
                    lambda record=record, spec=spec: record.with_context(bin_size=True).web_read(
                        spec
                    ),
                )
            elif (action.get("target") == "new" or env[model]._transient) and depth:
                self.run_wizard(env[model], view["id"], where, depth)
            elif arch.get("create") not in ("0", "false", "False") and env[model].has_access(
                "create"
            ):
                self.attempt(
                    where,
                    f"form view of a new {model} (New)",
                    lambda model=model, view=view: Form(env[model], view=view["id"]),
                )

    def open_multi_view(self, env, model, view_type, arch, result, *, domain, context, where):
        """List, kanban, pivot and graph, with the action's default filters and
        grouping, then each filter and each search field of the search view."""
        Model = env[model]
        search = etree.fromstring(result["views"]["search"]["arch"])
        filters = {node.get("name"): node for node in search.iter("filter") if node.get("name")}
        default_domain = list(domain)
        default_groupby = context.get("group_by") or []
        if isinstance(default_groupby, str):
            default_groupby = [default_groupby]
        default_groupby = list(default_groupby)
        for key, value in context.items():
            if key.startswith("search_default_") and value:
                node = filters.get(key[len("search_default_") :])
                if node is None:
                    self.problem(where, f"{view_type} view", f"no filter for {key}")
                    continue
                default_domain += self._filter_domain(node)
                default_groupby += self._filter_groupby(node)
        variants = [("default filters", default_domain, default_groupby)]
        for name, node in filters.items():
            variants.append(
                (
                    f"filter {name}",
                    list(domain) + self._filter_domain(node),
                    self._filter_groupby(node),
                )
            )
        for node in search.iter("field"):
            variants.append(
                (
                    f"search {node.get('name')}",
                    list(domain) + self._search_field_domain(Model, node),
                    [],
                )
            )
        for label, variant_domain, groupby in variants:
            self.attempt(
                where,
                f"{view_type} view of {model}, {label}",
                lambda variant_domain=variant_domain, groupby=groupby: self.read_view(
                    Model, view_type, arch, result["models"], domain=variant_domain, groupby=groupby
                ),
            )

    def read_view(self, Model, view_type, arch, models, *, domain, groupby):
        groupby = self._granular(Model, groupby)
        if view_type in ("list", "kanban"):
            spec = self.spec(arch, Model._name, models)
            groupby = groupby or (
                [arch.get("default_group_by")] if arch.get("default_group_by") else []
            )
            if groupby:
                aggregates = [
                    f"{node.get('name')}:{aggregate}"
                    for node in self._own_fields(arch)
                    for aggregate in ("sum", "avg")
                    if node.get(aggregate)
                ]
                Model.web_read_group(
                    domain,
                    groupby[:1],
                    aggregates,
                    auto_unfold=True,
                    unfold_read_specification=spec,
                )
            else:
                Model.web_search_read(domain, spec, limit=80, count_limit=10001)
        elif view_type == "pivot":
            rows = self._granular(
                Model,
                [self._groupby(node) for node in arch.iter("field") if node.get("type") == "row"],
            )
            cols = self._granular(
                Model,
                [self._groupby(node) for node in arch.iter("field") if node.get("type") == "col"],
            )
            measures = [
                f"{node.get('name')}:sum"
                for node in arch.iter("field")
                if node.get("type") == "measure"
            ] + ["__count"]
            sets = [[], rows[:1], cols[:1], rows[:1] + cols[:1]]
            sets += [groupby[:1]] if groupby else []
            Model.formatted_read_grouping_sets(domain, sets, measures)
        elif view_type == "graph":
            rows = self._granular(
                Model,
                [
                    self._groupby(node)
                    for node in arch.iter("field")
                    if node.get("type") != "measure"
                ],
            )
            measures = [
                f"{node.get('name')}:sum"
                for node in arch.iter("field")
                if node.get("type") == "measure"
            ] + ["__count"]
            Model.formatted_read_group(domain, (groupby or rows)[:1], measures)

    @staticmethod
    def _granular(Model, groupby):
        """A date grouped without a granularity is grouped by month, as the client does."""
        return [
            f"{spec}:month"
            if ":" not in spec
            and getattr(Model._fields.get(spec), "type", None) in ("date", "datetime")
            else spec
            for spec in groupby or []
        ]

    @staticmethod
    def _groupby(node):
        interval = node.get("interval")
        return f"{node.get('name')}:{interval}" if interval else node.get("name")

    def _filter_domain(self, node):
        if node.get("date"):
            today = fields.Date.context_today(self.env.user)
            first = today.replace(day=1)
            last = first + relativedelta(months=1, days=-1)
            name = node.get("date")
            return [(name, ">=", str(first)), (name, "<=", str(last))]
        domain = self.evaluate(node.get("domain"), [])
        return list(domain) if domain else []

    def _filter_groupby(self, node):
        context = self.evaluate(node.get("context"), {})
        groupby = context.get("group_by") if isinstance(context, dict) else None
        if not groupby:
            return []
        return [groupby] if isinstance(groupby, str) else list(groupby)

    def _search_field_domain(self, Model, node):
        """What typing in the search bar and picking this field searches for."""
        if node.get("filter_domain"):
            return list(
                self.evaluate(node.get("filter_domain"), [], values={"self": "a", "raw_value": "a"})
            )
        name = node.get("name")
        field = Model._fields.get(name)
        kind = field.type if field else "char"
        if kind == "boolean":
            return [(name, "=", True)]
        if kind == "selection":
            return [(name, "=", field.get_description(Model.env)["selection"][0][0])]
        if kind in ("integer", "float", "monetary"):
            return [(name, "=", 1)]
        if kind in ("date", "datetime"):
            return [(name, "=", fields.Date.context_today(self.env.user))]
        return [(name, "ilike", "a")]

    # ------------------------------------------------------------------ forms and buttons

    def form_arch(self, record, view_id=False):
        result = self.get_views(record._name, [[view_id or False, "form"]])
        return etree.fromstring(result["views"]["form"]["arch"]), result

    def visible(self, node, values, record):
        """Whether an element is visible: its own `invisible` and its ancestors'."""
        current = node
        while current is not None:
            if current.tag == "field" and current is not node:
                return True  # inside an x2many subview: evaluated per line by the caller
            expression = current.get("invisible")
            if expression and self.evaluate(expression, False, record, values):
                return False
            current = current.getparent()
        return True

    def record_values(self, form):
        return form._get_eval_context()

    def buttons(self, arch):
        """Object and action buttons of the form itself (header, button box, sheet),
        not those inside x2many subviews."""
        for node in arch.iter("button"):
            if node.get("type") not in ("object", "action") or not node.get("name"):
                continue
            if any(ancestor.tag == "field" for ancestor in node.iterancestors()):
                continue
            yield node

    def press(self, record, node, context, where):
        """/web/dataset/call_button, then what the client does with the answer."""
        button_context = self.evaluate(node.get("context"), {}, record)
        context = {**self.env.context, **context, **(button_context or {})}
        if node.get("type") == "object":
            result = call_kw(
                self.env[record._name], node.get("name"), [record.ids], {"context": context}
            )
            self.env.cr.flush()
            if isinstance(result, dict) and result.get("type"):
                action = clean_action(result, env=self.env)
                self.open_action(action, where, active=record)
        else:
            name = node.get("name")
            action = self.load_action(int(name) if name.isdigit() else self.env.ref(name).id)
            self.open_action(action, where, active=record)
        if record.exists():
            # The client reloads the record it shows.
            arch, result = self.form_arch(record)
            record.with_context(bin_size=True).web_read(
                self.spec(arch, record._name, result["models"])
            )

    def run_wizard(self, Model, view_id, where, depth):
        """Open a wizard as the client does (defaults and onchanges), fill what it requires
        and press each of its buttons, each in its own savepoint."""
        wizard = Form(Model, view=view_id)
        self.fill_required(wizard)
        arch = wizard._view["tree"]
        for node in self.wizard_buttons(Model, arch):
            if not self.visible(node, self.record_values(wizard), Model):
                continue

            def press(node=node):
                form = Form(Model, view=view_id)
                self.fill_required(form)
                record = form.save()
                self.press(record, node, {}, where)

            self.attempt(
                where, f"wizard {Model._name} > {node.get('string') or node.get('name')}", press
            )

    def wizard_buttons(self, Model, arch):
        """The buttons of a wizard; of the settings, Save and those of the app the action
        opens (the other apps' settings belong to other modules)."""
        module = self.env.context.get("module") or Model.env.context.get("module")
        for node in self.buttons(arch):
            if (
                Model._name != "res.config.settings"
                or node.get("name") == "execute"
                or any(
                    ancestor.tag == "app" and ancestor.get("name") == module
                    for ancestor in node.iterancestors()
                )
            ):
                yield node

    def fill_required(self, form):
        chosen = {}
        for name in form._view["fields"]:
            if name == "id" or form._values.get(name):
                continue
            if not form._get_modifier(name, "required") or form._get_modifier(name, "readonly"):
                continue
            if form._get_modifier(name, "invisible"):
                continue
            value = self.plausible(form, name, exclude=chosen)
            if value is not None:
                form[name] = value
                if hasattr(value, "ids"):
                    chosen.setdefault(value._name, set()).update(value.ids)

    # ------------------------------------------------------------------ plausible values

    def plausible(self, form, name, exclude=None):  # noqa: PLR0911 (one answer per field type)
        """A value a user could type or pick in this field, different from the current
        one; None when there is nothing to pick."""
        info = form._view["fields"][name]
        current = form._values.get(name)
        kind = info["type"]
        if kind == "char":
            return f"{current} ({TEXT})" if current else TEXT
        if kind == "text":
            return TEXT
        if kind == "html":
            return f"<p>{TEXT}</p>"
        if kind == "integer":
            return (current or 0) + 1
        if kind in ("float", "monetary"):
            return round(current * 1.1, 2) if current else 5.0
        if kind == "boolean":
            return not current
        if kind == "selection":
            choices = [key for key, _label in info.get("selection") or [] if key != current]
            return choices[0] if choices else None
        if kind == "date":
            day = fields.Date.to_date(current) or fields.Date.context_today(self.env.user)
            return fields.Date.to_string(day + timedelta(days=1))
        if kind == "datetime":
            moment = fields.Datetime.to_datetime(current) or fields.Datetime.now()
            return fields.Datetime.to_string(moment + timedelta(hours=1))
        if kind == "binary":
            return SMALL_PDF.decode()
        if kind in ("many2one", "many2many"):
            excluded = set((exclude or {}).get(info["relation"], ()))
            excluded |= {current} if isinstance(current, int) else set(current or ())
            excluded.discard(False)
            chosen = self.pick(form, name, info, exclude=excluded)
            return chosen or None
        return None

    def pick(self, form, name, info, exclude=None):
        domain = info.get("domain") or []
        if isinstance(domain, str):
            try:
                domain = safe_eval(domain, form._get_eval_context())
            except Exception:  # a domain on other fields: the server filters
                domain = []
        excluded = set(exclude or ())
        Comodel = self.env[info["relation"]]
        for record_id, _name in Comodel.name_search("", domain, limit=10):
            if record_id not in excluded:
                return Comodel.browse(record_id)
        return None
