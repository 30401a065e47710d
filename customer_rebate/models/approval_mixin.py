from odoo import models


class RebateApprovalMixin(models.AbstractModel):
    """Approval by levels with segregation of duties, the one implementation agreements and
    settlements share: whoever asked for the approval (submitted the agreement, confirmed
    the settlement) never approves it, one person never gives two levels, each level needs
    its group, and the approvers are the active internal users of that group in the
    record's company. Everything is read from the database, never from the client.

    A model says who asked (`_approval_requester`) and how it refuses them
    (`_approval_own_request_refusal`), who approved so far, in level order
    (`_approval_given`), whether it waits for a decision (`_approval_waiting`), how many
    levels it needs (`_approval_levels`) and which group gives each (`_approval_groups`:
    {level: (group xml id, role named in the refusal)})."""

    _name = "rebate.approval.mixin"
    _description = "Customer Rebate Approval (levels, segregation of duties)"

    def _approval_requester(self):
        raise NotImplementedError

    def _approval_given(self):
        raise NotImplementedError

    def _approval_waiting(self):
        raise NotImplementedError

    def _approval_levels(self):
        raise NotImplementedError

    def _approval_groups(self):
        raise NotImplementedError

    def _approval_own_request_refusal(self):
        """The refusal of the requester's own approval, in the model's words."""
        raise NotImplementedError

    def _approval_next_level(self):
        self.ensure_one()
        return len(self.sudo()._approval_given()) + 1

    def _approval_refusal(self, user=None):
        """Why `user` (default: the current user) may not give the next approval level, or
        False if they may."""
        self.ensure_one()
        user = user or self.env.user
        record = self.sudo()
        name = self.display_name
        level = record._approval_next_level()
        requester = record._approval_requester()
        if not record._approval_waiting() or not requester or level > record._approval_levels():
            return self.env._("%s is not waiting for approval.", name)
        if user == requester:
            return self._approval_own_request_refusal()
        if user in record._approval_given():
            return self.env._(
                "You already approved %s at an earlier level; the next level needs another person.",
                name,
            )
        group, role = record._approval_groups()[level]
        if not user.has_group(group):
            return self.env._(
                "%(name)s needs the approval of a %(role)s; you are not one.",
                name=name,
                role=role,
            )
        return False

    def _approvers(self, level=None):
        """Who may give the level (default: the next one): the group's active internal
        users of the record's company, minus whoever asked and whoever approved already."""
        self.ensure_one()
        record = self.sudo()
        level = level or record._approval_next_level()
        group, _role = record._approval_groups()[level]
        done = record._approval_requester() | record._approval_given()
        return record._staff_of(group) - done

    def _staff_of(self, *groups):
        """The active internal users of these groups (xml ids) in the record's company,
        whatever companies the actor may read, by id."""
        self.ensure_one()
        return self.sudo().company_id._rebate_staff(*groups).sudo(False)

    def _schedule_approvers(self, activity_type, summary, level=None):
        """A to-do for each approver of the level; `summary(env, record)` gives its text, in the
        approver's language (it is stored as text). Approvers who already have an activity
        of that type on the record get theirs updated instead of a second one."""
        activity_xmlid = activity_type
        activity_type = self.env.ref(activity_xmlid)
        for record in self:
            approvers = record._approvers(level)
            existing = record.sudo().activity_ids.filtered(
                lambda activity, approvers=approvers: (
                    activity.user_id in approvers and activity.activity_type_id == activity_type
                )
            )
            for activity in existing:
                env = record.with_context(lang=activity.user_id.lang).env
                activity.summary = summary(env, record)
            for user in approvers - existing.user_id:
                env = record.with_context(lang=user.lang).env
                record.activity_schedule(
                    activity_xmlid,
                    summary=summary(env, record),
                    user_id=user.id,
                )
