"""Bodies of the reports API: a request for a report, and the report row."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from jvtracker.common.api.serializers import StrictSerializer
from kpis.api.serializers import StageGateReferenceField
from reports.choices import ReportKind, ReportLanguage, ReportStatus
from reports.models import Report


class NewReportSerializer(StrictSerializer):
    """What to render; whether the combination holds (a gate for a gate's report, an
    as-of date neither ahead nor before the programme) is ``report_request``'s rule."""

    kind = serializers.ChoiceField(choices=ReportKind.choices)
    gate = StageGateReferenceField(
        required=False,
        allow_null=True,
        help_text=_(
            "The stage gate's code (e.g. FY2027) or id; for stage_gate and kpi_board only."
        ),
    )
    as_of = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_(
            "The report states what the tracker knew at the end of this day; today if omitted."
        ),
    )
    language = serializers.ChoiceField(
        choices=ReportLanguage.choices, default=ReportLanguage.JAPANESE
    )


class ReportSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text=_("e.g. RPT-000042."))
    gate_code = serializers.SerializerMethodField(help_text=_("e.g. FY2027; null without a gate."))
    requested_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        help_text=_("Null for a report requested on the server's command line."),
    )
    download_url = serializers.SerializerMethodField(
        help_text=_("Where to fetch the PDF once the report has succeeded; null until then.")
    )

    class Meta:
        model = Report
        fields = [
            "id",
            "reference",
            "kind",
            "gate",
            "gate_code",
            "as_of",
            "knowledge_cutoff",
            "language",
            "status",
            "requested_by",
            "requested_via",
            "requested_at",
            "started_at",
            "finished_at",
            "attempts",
            "error",
            "sha256",
            "size",
            "pages",
            "download_url",
        ]
        read_only_fields = fields

    def get_gate_code(self, report: Report) -> str | None:
        return report.gate.code if report.gate_id is not None else None

    def get_download_url(self, report: Report) -> str | None:
        if report.status != ReportStatus.SUCCEEDED:
            return None
        path = reverse("reports-api:report-download", kwargs={"pk": report.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path
