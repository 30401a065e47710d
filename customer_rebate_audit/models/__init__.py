# Each part of the audit addon registers its models here.
# Controls, findings and audit campaigns:
from . import rebate_audit_campaign, rebate_audit_finding, rebate_control
