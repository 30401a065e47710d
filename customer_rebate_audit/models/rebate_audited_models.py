"""The audited rebate models get the audit trail's hooks (rebate.audit.trail.mixin) as
their last parent; rebate.entry also logs its SQL writer (see rebate_entry.py)."""

from odoo import models


class RebateAgreement(models.Model):
    _name = "rebate.agreement"
    _inherit = ["rebate.agreement", "rebate.audit.trail.mixin"]


class RebateAgreementTier(models.Model):
    _name = "rebate.agreement.tier"
    _inherit = ["rebate.agreement.tier", "rebate.audit.trail.mixin"]


class RebateAgreementRule(models.Model):
    _name = "rebate.agreement.rule"
    _inherit = ["rebate.agreement.rule", "rebate.audit.trail.mixin"]


class RebateAgreementPeriod(models.Model):
    _name = "rebate.agreement.period"
    _inherit = ["rebate.agreement.period", "rebate.audit.trail.mixin"]


class RebateAgreementApproval(models.Model):
    _name = "rebate.agreement.approval"
    _inherit = ["rebate.agreement.approval", "rebate.audit.trail.mixin"]


class RebateAgreementRevision(models.Model):
    _name = "rebate.agreement.revision"
    _inherit = ["rebate.agreement.revision", "rebate.audit.trail.mixin"]


class RebateBalanceLine(models.Model):
    _name = "rebate.balance.line"
    _inherit = ["rebate.balance.line", "rebate.audit.trail.mixin"]


class RebateStatement(models.Model):
    _name = "rebate.statement"
    _inherit = ["rebate.statement", "rebate.audit.trail.mixin"]


class RebateStatementLine(models.Model):
    _name = "rebate.statement.line"
    _inherit = ["rebate.statement.line", "rebate.audit.trail.mixin"]
