"""The reports API: request a report (202, rendered by a worker), follow its status, and
download its PDF. HTTP only: who may request, what a request may ask for and the life of a
report are ``reports.services``'; who sees which report is ``reports.selectors``'.

The download follows the rules of the ``reports:download`` page: a report the user may not
see is a 404, one not ready (queued, running, failed) a 409, and each download is logged
through ``report_download_record`` before the first byte is sent.
"""

from __future__ import annotations

from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from jvtracker.common.api.errors import Conflict, ErrorSerializer
from jvtracker.common.api.viewsets import ServiceViewSet
from reports.api.serializers import NewReportSerializer, ReportSerializer
from reports.choices import ReportStatus, RequestChannel
from reports.filters import ReportFilterSet
from reports.models import Report
from reports.selectors import reports_visible_to
from reports.services import report_request
from reports.views import report_file_response


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("List reports")),
    retrieve=extend_schema(summary=gettext_lazy("A report's status")),
)
class ReportViewSet(ServiceViewSet):
    """Reports cover every organization: the PMO and policy staff request, see and
    download them all; partners see none (an empty list, and 404 for any report)."""

    selector = reports_visible_to
    serializer_class = ReportSerializer
    filterset_class = ReportFilterSet
    ordering_fields = ["requested_at", "id"]
    ordering = ["-requested_at", "-id"]
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(
        summary=gettext_lazy("Request a report"),
        description=gettext_lazy(
            "Records the request as queued and hands it to a worker; answers 202 with the "
            "report. Follow its status at the report's URL; `download_url` appears once it "
            "has succeeded. A bad parameter is a 400 naming it, and nothing is queued."
        ),
        request=NewReportSerializer,
        responses={202: ReportSerializer},
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        body = NewReportSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        report = report_request(actor=request.user, via=RequestChannel.API, **body.validated_data)
        data = ReportSerializer(report, context=self.get_serializer_context()).data
        location = request.build_absolute_uri(
            self.reverse_action("detail", kwargs={"pk": report.pk})
        )
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})

    def get_serializer_class(self) -> type:
        # What OPTIONS describes for POST: the request, not the report answered.
        return NewReportSerializer if self.request.method == "POST" else ReportSerializer

    def perform_content_negotiation(self, request: Request, force: bool = False):
        # The PDF goes to whoever may have it whatever their Accept header says, as the
        # download page sends it; the refusals are the API's JSON.
        if getattr(self, "action", None) == "download":
            renderer = JSONRenderer()
            return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force)

    @extend_schema(
        summary=gettext_lazy("Download a report's PDF"),
        description=gettext_lazy(
            "The PDF as an attachment named after the report; its SHA-256 is the report's "
            "`sha256`. Each download is logged. 409 while the report is queued or running, "
            "or when it failed."
        ),
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description=gettext_lazy("The report's PDF.")
            ),
            409: OpenApiResponse(
                ErrorSerializer, description=gettext_lazy("The report has no PDF (yet).")
            ),
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        report = self.get_object()
        if report.status != ReportStatus.SUCCEEDED:
            raise Conflict(_not_ready_message(report))
        return report_file_response(report, request.user)


def _not_ready_message(report: Report) -> str:
    if report.status == ReportStatus.FAILED:
        return _("%(reference)s failed and has no PDF: %(error)s") % {
            "reference": report.reference,
            "error": report.error,
        }
    return _("%(reference)s is %(status)s: its PDF is not ready yet; try again shortly.") % {
        "reference": report.reference,
        "status": report.get_status_display().lower(),
    }
