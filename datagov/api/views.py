"""Datasets, contract templates, contracts, model artifacts and training runs.

HTTP only: every row comes from a ``datagov.selectors`` function, every write and
operation is one ``datagov.services`` call, which holds the rules (who may act for which
organization, the contract workflow, the contamination guard). A row the user may not
see is a 404, never a 403.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from datagov import documents
from datagov.api.serializers import (
    ArtifactLineageSerializer,
    ContractTemplateSerializer,
    DataAssetSerializer,
    DataContractSerializer,
    EmptySerializer,
    ModelArtifactSerializer,
    NoteSerializer,
    ReasonSerializer,
    SignedDocumentSerializer,
    SignedDocumentUploadSerializer,
    TemplateDocumentQuerySerializer,
    TerminationSerializer,
    TrainingRunSerializer,
)
from datagov.filters import (
    ContractTemplateFilterSet,
    DataAssetFilterSet,
    DataContractFilterSet,
    ModelArtifactFilterSet,
    TrainingRunFilterSet,
)
from datagov.models import ContractTemplate, DataAsset, DataContract, ModelArtifact, TrainingRun
from datagov.selectors import (
    artifact_lineage,
    artifacts_visible_to,
    contract_details_prefetch,
    contract_latest_document,
    contracts_visible_to,
    datasets_visible_to,
    templates_visible_to,
    training_runs_visible_to,
)
from datagov.services import (
    artifact_save,
    contract_approve,
    contract_deviation_approve,
    contract_document_upload,
    contract_reject,
    contract_review_start,
    contract_save,
    contract_submit,
    contract_terminate,
    dataset_conversion_approve,
    dataset_save,
    template_new_version,
    template_publish,
    template_save,
    training_run_register,
    training_run_update,
)
from datagov.views import DOCUMENT_CSP
from jvtracker.common.api.viewsets import ServiceViewSet

logger = logging.getLogger(__name__)

WRITABLE = ["get", "post", "put", "patch", "head", "options"]
# The PMO's decisions on a contract: partners may change their own drafts but only read
# the status log, so adding to the log is what tells the reviewer from the provider.
DECIDE_ON_CONTRACTS = ["datagov.change_datacontract", "datagov.add_contracttransition"]

PDF_RESPONSE = OpenApiResponse(OpenApiTypes.BINARY, description="The PDF, as an attachment.")


class DocumentNegotiation(DefaultContentNegotiation):
    """For document downloads: ``?format=`` names the document's format, not a renderer,
    and whatever the Accept header asks for (``application/pdf``), a refusal is JSON."""

    def select_renderer(self, request: Request, renderers: list, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type


class DatagovViewSet(ServiceViewSet):
    http_method_names = WRITABLE

    def _body(self, serializer_class: type[serializers.Serializer]) -> dict:
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return dict(body.validated_data)


# ------------------------------------------------------------------------------ datasets


class DatasetViewSet(DatagovViewSet):
    """Datasets and their tiers. Policy staff read a secret dataset's description and
    storage details as “—”: the selector redacts them, and no filter or ordering reads
    those fields."""

    selector = datasets_visible_to
    serializer_class = DataAssetSerializer
    filterset_class = DataAssetFilterSet
    ordering_fields = ["code", "tier"]
    ordering = ["code"]
    required_permissions = {"approve_conversion": ["datagov.change_dataasset"]}

    def get_queryset(self) -> QuerySet[DataAsset]:
        # The source's source: what effective_tier reads for a derivative of a derivative.
        return (
            super()
            .get_queryset()
            .select_related("derived_from__derived_from", "conversion_approved_by")
        )

    def save_object(self, instance: DataAsset, data: dict, *, created: bool) -> DataAsset:
        return dataset_save(dataset=instance, actor=self.request.user)

    @extend_schema(
        summary="Approve a synthetic-data conversion (PMO)",
        description="The derivative then travels as its own tier.",
        request=None,
        responses={200: DataAssetSerializer},
    )
    @action(detail=True, methods=["post"], url_path="approve-conversion")
    def approve_conversion(self, request: Request, pk: str | None = None) -> Response:
        dataset = self.get_object()
        self._body(EmptySerializer)
        dataset = dataset_conversion_approve(dataset=dataset, actor=request.user)
        return Response(self.get_serializer(dataset).data)


# ------------------------------------------------------------------- contract templates


def _document_language(requested: str | None) -> str:
    """The language asked for; else the request's, if a document exists in it; else ja."""
    if requested is None:
        requested = (get_language() or "").split("-")[0]
    return requested if requested in documents.DOCUMENT_LANGUAGES else "ja"


class ContractTemplateViewSet(DatagovViewSet):
    """Contract template versions, each its own row; drafts are the PMO's alone."""

    selector = templates_visible_to
    serializer_class = ContractTemplateSerializer
    filterset_class = ContractTemplateFilterSet
    ordering_fields = ["code", "version", "status"]
    ordering = ["code", "-version"]
    required_permissions = {
        "publish": ["datagov.change_contracttemplate"],
        "new_version": ["datagov.add_contracttemplate"],
    }

    def get_queryset(self) -> QuerySet[ContractTemplate]:
        return super().get_queryset().select_related("published_by")

    def save_object(
        self, instance: ContractTemplate, data: dict, *, created: bool
    ) -> ContractTemplate:
        return template_save(template=instance, actor=self.request.user)

    @extend_schema(
        summary="Publish a draft version (PMO)",
        description="Earlier published versions of the code are withdrawn for new contracts.",
        request=None,
        responses={200: ContractTemplateSerializer},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        template = self.get_object()
        self._body(EmptySerializer)
        template = template_publish(template=template, actor=request.user)
        return Response(self.get_serializer(template).data)

    @extend_schema(
        summary="Start a new draft version from this one (PMO)",
        request=None,
        responses={201: ContractTemplateSerializer},
    )
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request: Request, pk: str | None = None) -> Response:
        template = self.get_object()
        self._body(EmptySerializer)
        draft = template_new_version(template=template, actor=request.user)
        return Response(self.get_serializer(draft).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The version's document, to read or to print and sign",
        parameters=[TemplateDocumentQuerySerializer],
        responses={
            (200, "application/pdf"): PDF_RESPONSE,
            (200, "text/html"): OpenApiResponse(
                OpenApiTypes.STR, description="A standalone HTML page, shown inline."
            ),
        },
    )
    @action(detail=True, methods=["get"], content_negotiation_class=DocumentNegotiation)
    def document(self, request: Request, pk: str | None = None) -> HttpResponse:
        template = self.get_object()
        query = TemplateDocumentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        language = _document_language(query.validated_data.get("language"))
        if query.validated_data["format"] == "html":
            return HttpResponse(
                documents.template_document_html(template, language=language),
                content_type="text/html; charset=utf-8",
                headers={
                    "Content-Language": language,
                    "Content-Security-Policy": DOCUMENT_CSP,
                    "Content-Disposition": 'inline; filename="{}"'.format(
                        documents.template_document_filename(
                            template, language=language, ext="html"
                        )
                    ),
                },
            )
        response = FileResponse(
            io.BytesIO(documents.template_document_pdf(template, language=language)),
            as_attachment=True,
            filename=documents.template_document_filename(template, language=language, ext="pdf"),
            content_type="application/pdf",
        )
        response["Content-Language"] = language
        return response


# ------------------------------------------------------------------------------ contracts


class ContractViewSet(DatagovViewSet):
    """Data contracts: drafts written by their provider (or the PMO), the signed document,
    and the workflow draft → submitted → under review → active → expired / terminated."""

    selector = contracts_visible_to
    serializer_class = DataContractSerializer
    filterset_class = DataContractFilterSet
    ordering_fields = ["reference", "effective_date", "expiry_date"]
    ordering = ["reference"]
    required_permissions = {
        "submit": ["datagov.change_datacontract"],
        "start_review": DECIDE_ON_CONTRACTS,
        "approve_deviation": DECIDE_ON_CONTRACTS,
        "approve": DECIDE_ON_CONTRACTS,
        "reject": DECIDE_ON_CONTRACTS,
        "terminate": DECIDE_ON_CONTRACTS,
        "document_upload": ["datagov.add_signeddocument"],
    }

    def get_queryset(self) -> QuerySet[DataContract]:
        return (
            super()
            .get_queryset()
            .select_related("created_by", "deviation_approved_by")
            .prefetch_related(*contract_details_prefetch(self.request.user))
        )

    def save_object(self, instance: DataContract, data: dict, *, created: bool) -> DataContract:
        return contract_save(
            contract=instance, actor=self.request.user, datasets=data.get("datasets")
        )

    def _operate(
        self,
        body_class: type[serializers.Serializer],
        operation: Callable[..., DataContract],
    ) -> Response:
        contract = self.get_object()
        body = self._body(body_class)
        contract = operation(contract=contract, actor=self.request.user, **body)
        return Response(self.get_serializer(contract).data)

    @extend_schema(
        summary="Submit a draft, with its signed document, for the PMO's review",
        request=None,
        responses={200: DataContractSerializer},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._operate(EmptySerializer, contract_submit)

    @extend_schema(
        summary="Start reviewing a submitted contract (PMO)",
        request=None,
        responses={200: DataContractSerializer},
    )
    @action(detail=True, methods=["post"], url_path="start-review")
    def start_review(self, request: Request, pk: str | None = None) -> Response:
        return self._operate(EmptySerializer, contract_review_start)

    @extend_schema(
        summary="Approve the uses beyond the template (PMO)",
        request=None,
        responses={200: DataContractSerializer},
    )
    @action(detail=True, methods=["post"], url_path="approve-deviation")
    def approve_deviation(self, request: Request, pk: str | None = None) -> Response:
        return self._operate(EmptySerializer, contract_deviation_approve)

    @extend_schema(
        summary="Approve a submitted contract; it becomes active (PMO)",
        request=NoteSerializer,
        responses={200: DataContractSerializer},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._operate(NoteSerializer, contract_approve)

    @extend_schema(
        summary="Return a submitted contract to its provider as a draft (PMO)",
        request=ReasonSerializer,
        responses={200: DataContractSerializer},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._operate(ReasonSerializer, contract_reject)

    @extend_schema(
        summary="Terminate an active contract (PMO)",
        request=TerminationSerializer,
        responses={200: DataContractSerializer},
    )
    @action(detail=True, methods=["post"])
    def terminate(self, request: Request, pk: str | None = None) -> Response:
        return self._operate(TerminationSerializer, contract_terminate)

    @extend_schema(
        summary="Download the signed document (the latest upload)",
        responses={(200, "application/pdf"): PDF_RESPONSE},
    )
    @action(
        detail=True,
        methods=["get"],
        content_negotiation_class=DocumentNegotiation,
        parser_classes=[MultiPartParser],
    )
    def document(self, request: Request, pk: str | None = None) -> FileResponse:
        contract = self.get_object()
        document = contract_latest_document(request.user, contract)
        if document is None:
            raise exceptions.NotFound(_("No signed document has been uploaded for this contract."))
        try:
            handle = document.file.open("rb")
        except FileNotFoundError:
            logger.error(
                "Signed document %s is missing from storage (%s).", document.pk, document.file.name
            )
            raise exceptions.NotFound(_("The file is missing from storage.")) from None
        return FileResponse(
            handle,
            as_attachment=True,
            filename=document.original_name,
            content_type="application/pdf",
        )

    @extend_schema(
        summary="Upload the signed PDF of a draft contract",
        request={"multipart/form-data": SignedDocumentUploadSerializer},
        responses={201: SignedDocumentSerializer},
    )
    @document.mapping.post
    def document_upload(self, request: Request, pk: str | None = None) -> Response:
        contract = self.get_object()
        body = self._body(SignedDocumentUploadSerializer)
        document = contract_document_upload(
            contract=contract, upload=body["file"], actor=request.user
        )
        return Response(SignedDocumentSerializer(document).data, status=status.HTTP_201_CREATED)


# --------------------------------------------------------------------------- lineage


class ModelArtifactViewSet(DatagovViewSet):
    """The models the programme produces; the PMO and policy staff read them, the PMO
    records them. Partners see none."""

    selector = artifacts_visible_to
    serializer_class = ModelArtifactSerializer
    filterset_class = ModelArtifactFilterSet
    ordering_fields = ["code", "kind"]
    ordering = ["code"]

    def save_object(self, instance: ModelArtifact, data: dict, *, created: bool) -> ModelArtifact:
        return artifact_save(artifact=instance, actor=self.request.user)

    @extend_schema(
        summary="What the artifact was trained on, transitively, and whether it is contaminated",
        responses={200: ArtifactLineageSerializer},
    )
    @action(detail=True, methods=["get"])
    def lineage(self, request: Request, pk: str | None = None) -> Response:
        return Response(ArtifactLineageSerializer(artifact_lineage(self.get_object())).data)


class TrainingRunViewSet(DatagovViewSet):
    """Training runs: registered by the PMO through the contamination guard, which refuses
    any input the tier policy or the contracts forbid; inputs are fixed once registered."""

    selector = training_runs_visible_to
    serializer_class = TrainingRunSerializer
    filterset_class = TrainingRunFilterSet
    ordering_fields = ["code", "started_on", "finished_on"]
    ordering = ["-started_on", "code"]

    def get_queryset(self) -> QuerySet[TrainingRun]:
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch("datasets", queryset=datasets_visible_to(self.request.user)),
                Prefetch("input_artifacts", queryset=artifacts_visible_to(self.request.user)),
            )
        )

    def save_object(self, instance: TrainingRun, data: dict, *, created: bool) -> TrainingRun:
        if created:
            return training_run_register(
                run=instance,
                datasets=data.get("datasets", []),
                input_artifacts=data.get("input_artifacts", []),
                actor=self.request.user,
            )
        return training_run_update(
            run=instance,
            actor=self.request.user,
            datasets=data.get("datasets"),
            input_artifacts=data.get("input_artifacts"),
        )
