from odoo import api, models

from .rebate_audit_log import AUDITED_MODELS


class RebateAuditTrailMixin(models.AbstractModel):
    """What every audited rebate model does through the ORM goes to the audit trail.

    Added as the last parent of each audited model (see audited_models.py), so it runs
    right around Odoo's own create, write and unlink: after the model's checks, with the
    values really written, for every caller (actions writing as the system included)."""

    _name = "rebate.audit.trail.mixin"
    _description = "Rebate Audit Trail Hooks"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        if records:
            self.env["rebate.audit.log"]._log_created(records)
        return records

    def write(self, vals):
        Log = self.env["rebate.audit.log"]
        names = [name for name in Log._audited_fields(self) if name in vals]
        records = self.filtered("id")
        if not (names and records):
            return super().write(vals)
        before = Log._snapshot(records, names)
        result = super().write(vals)
        Log._log_written(records, before, names)
        return result

    def unlink(self):
        if not self:
            return super().unlink()
        Log = self.env["rebate.audit.log"]
        entries = [
            entry for records in self._audit_cascade() for entry in Log._deleted_entries(records)
        ]
        result = super().unlink()
        Log._append(entries)
        return result

    def _audit_cascade(self):
        """These records, then the audited records the database deletes with them (ON
        DELETE CASCADE: an agreement's tiers and scope lines), which no unlink logs."""
        groups = [self]
        seen = {(self._name, record_id) for record_id in self.ids}
        index = 0
        while index < len(groups):
            parents = groups[index]
            index += 1
            for model_name in AUDITED_MODELS:
                if model_name not in self.env:
                    continue
                Model = self.env[model_name].sudo().with_context(active_test=False)
                for field in Model._fields.values():
                    if not (
                        field.type == "many2one"
                        and field.store
                        and field.comodel_name == parents._name
                        and field.ondelete == "cascade"
                    ):
                        continue
                    children = Model.search([(field.name, "in", parents.ids)])
                    children = children.filtered(lambda child: (child._name, child.id) not in seen)
                    if children:
                        seen.update((child._name, child.id) for child in children)
                        groups.append(children)
        return groups
