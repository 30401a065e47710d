# Each part of the audit addon registers its models here.
