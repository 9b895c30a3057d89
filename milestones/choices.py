from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DatePrecision(models.TextChoices):
    """How exactly a source document gives a date ("2026-03" is a month)."""

    DAY = "day", _("Day")
    MONTH = "month", _("Month")


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    ACHIEVED = "achieved", _("Achieved")
    MISSED = "missed", _("Missed")
    AT_RISK = "at_risk", _("At risk")


class GateKind(models.TextChoices):
    ANNUAL = "annual", _("Annual stage gate")
    MID_TERM = "mid_term", _("Mid-term evaluation")
    FINAL = "final", _("Final evaluation")


class GateDecision(models.TextChoices):
    """The evaluation committee's decision, in NEDO's words."""

    PENDING = "pending", _("Pending")
    ACCELERATE = "accelerate", _("Accelerate")
    CONTINUE = "continue", _("Continue")
    CONTINUE_WITH_CONDITIONS = "continue_with_conditions", _("Continue with conditions")
    REDUCE = "reduce", _("Reduce")
    REVISE_PLAN = "revise_plan", _("Revise plan")
    TERMINATE = "terminate", _("Terminate")


class EvaluationAxis(models.TextChoices):
    """NEDO's four evaluation axes."""

    POSITIONING = "positioning", _("Positioning and necessity")
    MANAGEMENT = "management", _("R&D management")
    RESULTS = "results", _("Results against targets")
    OUTLOOK = "outlook", _("Outlook for practical use")


class AxisScore(models.IntegerChoices):
    """NEDO's rating scale for an axis: A (3) … D (0)."""

    D = 0, _("D: inadequate")
    C = 1, _("C: adequate with reservations")
    B = 2, _("B: good")
    A = 3, _("A: excellent")


class CriterionAssessment(models.TextChoices):
    NOT_ASSESSED = "not_assessed", _("Not assessed")
    MET = "met", _("Met")
    NOT_MET = "not_met", _("Not met")


class DeliverableStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", pgettext_lazy("deliverable status", "Accepted")


class RiskCategory(models.TextChoices):
    COMPUTE_POWER = "compute_power", _("Compute and power")
    DATA_RIGHTS = "data_rights", _("Data rights clearance")
    TALENT = "talent", _("Talent and agility")
    IP_EXCLUSIVITY = "ip_exclusivity", _("IP and exclusivity")
    SUPPLY_CHAIN = "supply_chain", _("Supply chain and GPU limits")
    REGULATION = "regulation", _("Regulation")


class RiskLevel(models.IntegerChoices):
    VERY_LOW = 1, _("1: very low")
    LOW = 2, _("2: low")
    MEDIUM = 3, _("3: medium")
    HIGH = 4, _("4: high")
    VERY_HIGH = 5, _("5: very high")


class RiskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MITIGATING = "mitigating", _("Mitigating")
    ACCEPTED = "accepted", pgettext_lazy("risk status", "Accepted")
    CLOSED = "closed", _("Closed")
