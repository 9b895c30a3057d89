from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    STAGE_GATE = "stage_gate", _("Stage-gate report")
    KPI_BOARD = "kpi_board", _("KPI board")
    CONTRACT_REGISTER = "contract_register", _("Data-contract register")
    CONTAMINATION = "contamination", _("Contamination report")

    @property
    def needs_gate(self) -> bool:
        return self in (ReportKind.STAGE_GATE, ReportKind.KPI_BOARD)


GATE_KINDS = (ReportKind.STAGE_GATE, ReportKind.KPI_BOARD)


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


FINISHED_STATUSES = (ReportStatus.SUCCEEDED, ReportStatus.FAILED)


class RequestChannel(models.TextChoices):
    """Where a report was requested from."""

    ADMIN = "admin", _("Admin")
    PAGE = "page", _("Web page")
    API = "api", _("API")
    COMMAND = "command", _("Command line")


class ReportLanguage(models.TextChoices):
    JAPANESE = "ja", _("Japanese")
    ENGLISH = "en", _("English")
