from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationKind(models.TextChoices):
    JOINT_VENTURE = "joint_venture", _("Joint venture")
    CORE_INVESTOR = "core_investor", _("Core investor")
    TECHNICAL_PARTNER = "technical_partner", _("Technical partner")
    MINORITY_BACKER = "minority_backer", _("Minority backer")
    FUNDER = "funder", _("Funder")


class Industry(models.TextChoices):
    AI = "ai", _("AI")
    TELECOM_COMPUTE = "telecom_compute", _("Telecom / compute")
    ENTERPRISE_IT = "enterprise_it", _("Enterprise IT")
    ELECTRONICS_SENSING = "electronics_sensing", _("Electronics / sensing")
    MOBILITY = "mobility", _("Mobility")
    STEEL = "steel", _("Steel")
    FINANCE = "finance", _("Finance")
    GOVERNMENT = "government", _("Government")
    CROSS_INDUSTRY = "cross_industry", _("Cross-industry")


class Role(models.TextChoices):
    """The three roles; each is also a Django group of the same name (jvtracker.roles)."""

    PMO = "pmo", _("PMO")
    POLICY = "policy", _("Policy staff")
    PARTNER = "partner", _("Partner")
