from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    """The unit a KPI is kept in; measurements may arrive in any exactly convertible unit."""

    PERCENT = "percent", _("%")
    COUNT = "count", _("count")
    JPY_PER_1K_TOKENS = "jpy_per_1k_tokens", _("JPY per 1k tokens")
    JPY = "jpy", _("JPY")
    # W per (token/s) is J per token: one unit under two names.
    JOULE_PER_TOKEN = "j_per_token", _("J per token (W per token/s)")
    TB_PER_MONTH = "tb_per_month", _("TB per month")
    YES_NO = "yes_no", _("yes/no")


class Direction(models.TextChoices):
    HIGHER_IS_BETTER = "higher", _("Higher is better")
    LOWER_IS_BETTER = "lower", _("Lower is better")


class Aggregation(models.TextChoices):
    """How one month's value is formed from a subject's measurements in that month."""

    LATEST = "latest", _("Latest")
    MEAN = "mean", _("Mean")
    SUM = "sum", _("Sum")
    MAX = "max", _("Maximum")
    TIME_WEIGHTED_MEAN = "time_weighted_mean", _("Time-weighted mean")


class Combination(models.TextChoices):
    """How the month's values of several subjects (clusters, industries) form the KPI's."""

    SUM = "sum", _("Sum")
    MEAN = "mean", _("Mean")
    MIN = "min", _("Minimum")
    MAX = "max", _("Maximum")


class KPISource(models.TextChoices):
    MANUAL = "manual", _("Manual entry")
    PUSHED = "pushed", _("Pushed by partners' systems")
    SCRAPED = "scraped", _("Scraped from an exporter")
    COMPUTED = "computed", _("Computed by the tracker")


class BatchSource(models.TextChoices):
    """How an ingest batch arrived."""

    API = "api", _("API")
    FILE = "file", _("File import (CSV/Excel)")
    FORM = "form", _("Entered on the measurements page")
    SCRAPE = "scrape", _("Exporter scrape")
    COMPUTED = "computed", _("Computed")
    SEED = "seed", _("Seed data")


class Status(models.TextChoices):
    """Where a KPI stands against a gate's target."""

    GREEN = "green", _("Green: meets the target")
    AMBER = "amber", _("Amber: within the threshold")
    RED = "red", _("Red: misses the threshold")
    NO_DATA = "no_data", _("No data")


class IncidentSeverity(models.IntegerChoices):
    MINOR = 1, _("1: minor")
    MODERATE = 2, _("2: moderate")
    SIGNIFICANT = 3, _("3: significant")
    SERIOUS = 4, _("4: serious")
    CRITICAL = 5, _("5: critical")
