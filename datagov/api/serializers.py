"""Bodies of the data-governance API.

References go by code (organizations, datasets, artifacts) or by id (template versions),
always restricted to the rows the user may see: one they may not is "does not exist",
exactly like one that does not. Nothing here decides a rule; the services do.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from datagov.choices import ArtifactKind, DataPurpose, DataTier
from datagov.models import (
    ContractTemplate,
    ContractTransition,
    DataAsset,
    DataContract,
    ModelArtifact,
    SignedDocument,
    TrainingRun,
)
from datagov.selectors import (
    ArtifactLineage,
    DatasetReach,
    artifacts_visible_to,
    datasets_visible_to,
    templates_visible_to,
)
from jvtracker.common.api.serializers import (
    ReadModelSerializer,
    StrictModelSerializer,
    StrictSerializer,
    VisiblePrimaryKeyRelatedField,
    VisibleSlugRelatedField,
)
from jvtracker.selectors import organizations_visible_to

# Bounds on free text the models leave unbounded, so one field cannot fill the database.
NOTE_MAX_LENGTH = 5000


# References one body may make (datasets of a contract or run): each is looked up, so an
# unbounded list inside a 10 MB body would be a million queries.
MAX_REFERENCES = 1000


class BoundedManyRelatedField(serializers.ManyRelatedField):
    default_error_messages = {"too_many": _("Name at most {max_length} items.")}

    def __init__(self, *args, max_length: int = MAX_REFERENCES, **kwargs) -> None:
        self.max_length = max_length
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) > self.max_length:
            self.fail("too_many", max_length=self.max_length)
        return super().to_internal_value(data)


def visible_codes(selector, **kwargs) -> BoundedManyRelatedField:
    """Many references by code to rows ``selector(user)`` returns, at most MAX_REFERENCES."""
    return BoundedManyRelatedField(
        child_relation=VisibleSlugRelatedField(selector=selector), **kwargs
    )


def purpose_list(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=DataPurpose.choices),
        allow_empty=True,
        max_length=len(DataPurpose),
        **kwargs,
    )


def username(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="username", read_only=True, **kwargs)


# ------------------------------------------------------------------------------ datasets


class DataAssetSerializer(StrictModelSerializer):
    provider = VisibleSlugRelatedField(
        selector=organizations_visible_to,
        help_text=_("The providing organization's code; a partner names their own."),
    )
    derived_from = VisibleSlugRelatedField(
        selector=datasets_visible_to,
        allow_null=True,
        required=False,
        help_text=_("The code of the dataset this one was synthesised from."),
    )
    effective_tier = serializers.ChoiceField(
        choices=DataTier.choices,
        read_only=True,
        help_text=_(
            "The tier the policy applies: a derivative whose conversion is not approved is "
            "as strict as its source."
        ),
    )
    conversion_approved_by = username(allow_null=True)
    redacted = serializers.BooleanField(
        source="is_redacted",
        read_only=True,
        help_text=_(
            "True when the description and storage details are withheld from you (a "
            "secret dataset, read by policy staff); they then read “—”."
        ),
    )

    class Meta:
        model = DataAsset
        fields = [
            "id",
            "code",
            "name_ja",
            "name_en",
            "provider",
            "tier",
            "effective_tier",
            "industry",
            "description_ja",
            "description_en",
            "contains_personal_data",
            "storage_location",
            "storage_detail",
            "volume_tb",
            "derived_from",
            "conversion_method",
            "dp_epsilon",
            "conversion_note",
            "conversion_approved_by",
            "conversion_approved_at",
            "redacted",
        ]
        read_only_fields = ["conversion_approved_at"]
        # Uniqueness is the model's to check (full_clean in the service): one message, one place.
        validators = []
        extra_kwargs = {"code": {"validators": []}}


# ------------------------------------------------------------------- contract templates


class ContractTemplateSerializer(StrictModelSerializer):
    permitted_uses = purpose_list(
        required=False, help_text=_("Never beyond the tier's standard uses.")
    )
    published_by = username(allow_null=True)

    class Meta:
        model = ContractTemplate
        fields = [
            "id",
            "code",
            "version",
            "status",
            "contract_type",
            "tier",
            "title_ja",
            "title_en",
            "redistribution_ja",
            "redistribution_en",
            "ip_attribution_ja",
            "ip_attribution_en",
            "synthetic_conversion_ja",
            "synthetic_conversion_en",
            "permitted_uses",
            "retention_ja",
            "retention_en",
            "storage_ja",
            "storage_en",
            "published_at",
            "published_by",
        ]
        # A version number is given by new-version, a status by publish.
        read_only_fields = ["version", "status", "published_at"]
        validators = []


class TemplateDocumentQuerySerializer(StrictSerializer):
    language = serializers.ChoiceField(
        choices=[("ja", "日本語"), ("en", "English")],
        required=False,
        help_text=_("The document's language; by default the request's (ja unless en)."),
    )
    format = serializers.ChoiceField(
        choices=[("pdf", "PDF"), ("html", "HTML")],
        default="pdf",
        help_text=_("pdf (an attachment to print and sign) or html (shown inline)."),
    )


# ------------------------------------------------------------------------------ contracts


class ContractTransitionSerializer(ReadModelSerializer):
    actor = username(allow_null=True, help_text=_("Null when the system made the change."))

    class Meta:
        model = ContractTransition
        fields = ["from_status", "to_status", "actor", "at", "effective_on", "note"]
        read_only_fields = fields


class SignedDocumentSerializer(ReadModelSerializer):
    uploaded_by = username()

    class Meta:
        model = SignedDocument
        fields = [
            "id",
            "original_name",
            "size",
            "sha256",
            "page_count",
            "uploaded_by",
            "uploaded_at",
        ]
        read_only_fields = fields


class DataContractSerializer(StrictModelSerializer):
    provider = VisibleSlugRelatedField(
        selector=organizations_visible_to,
        help_text=_("The providing organization's code; a partner names their own."),
    )
    template = VisiblePrimaryKeyRelatedField(
        selector=templates_visible_to,
        help_text=_("The id of the published template version the contract is signed under."),
    )
    template_code = serializers.CharField(source="template.code", read_only=True)
    template_version = serializers.IntegerField(source="template.version", read_only=True)
    tier = serializers.ChoiceField(choices=DataTier.choices, source="template.tier", read_only=True)
    datasets = visible_codes(
        datasets_visible_to,
        required=False,
        help_text=_("Codes of the provider's datasets the contract covers."),
    )
    permitted_uses = purpose_list(
        required=False, help_text=_("Uses beyond the template's are a deviation.")
    )
    deviation_uses = purpose_list(read_only=True)
    deviation_approved_by = username(allow_null=True)
    created_by = username(allow_null=True)
    transitions = ContractTransitionSerializer(
        many=True, read_only=True, help_text=_("The status log, oldest first.")
    )
    documents = SignedDocumentSerializer(
        many=True,
        read_only=True,
        help_text=_("Signed documents uploaded, newest (the one that counts) first."),
    )

    class Meta:
        model = DataContract
        fields = [
            "id",
            "reference",
            "title",
            "provider",
            "template",
            "template_code",
            "template_version",
            "tier",
            "status",
            "datasets",
            "permitted_uses",
            "deviation_uses",
            "deviation_reason",
            "deviation_approved_by",
            "deviation_approved_at",
            "effective_date",
            "expiry_date",
            "notes",
            "created_by",
            "transitions",
            "documents",
        ]
        read_only_fields = ["reference", "status", "deviation_approved_at"]
        extra_kwargs = {
            "deviation_reason": {"max_length": NOTE_MAX_LENGTH},
            "notes": {"max_length": NOTE_MAX_LENGTH},
        }


class SignedDocumentUploadSerializer(StrictSerializer):
    # Empty files reach the upload service, which refuses them in the same words as the
    # pages and the admin; so does every other check of the file.
    file = serializers.FileField(
        allow_empty_file=True,
        max_length=None,
        help_text=_("The signed contract as a PDF file (multipart/form-data)."),
    )


class NoteSerializer(StrictSerializer):
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH, default=""
    )


class ReasonSerializer(StrictSerializer):
    reason = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, help_text=_("Why; shown to the provider in the status log.")
    )


class TerminationSerializer(ReasonSerializer):
    on = serializers.DateField(
        required=False,
        help_text=_("The day the termination takes effect; today by default."),
    )


class EmptySerializer(StrictSerializer):
    """No body (or ``{}``): the operation takes no input."""


# --------------------------------------------------------------------------- lineage


class ModelArtifactSerializer(StrictModelSerializer):
    responsible = VisibleSlugRelatedField(
        selector=organizations_visible_to,
        help_text=_("The responsible organization's code."),
    )

    class Meta:
        model = ModelArtifact
        fields = ["id", "code", "name_ja", "name_en", "kind", "responsible", "description"]
        validators = []
        extra_kwargs = {
            "code": {"validators": []},
            "description": {"max_length": NOTE_MAX_LENGTH},
        }


class TrainingRunSerializer(StrictModelSerializer):
    target = VisibleSlugRelatedField(
        selector=artifacts_visible_to, help_text=_("The code of the artifact the run produces.")
    )
    datasets = visible_codes(
        datasets_visible_to,
        required=False,
        help_text=_("Codes of the input datasets; fixed at registration."),
    )
    input_artifacts = visible_codes(
        artifacts_visible_to,
        required=False,
        help_text=_("Codes of the artifacts the run starts from; fixed at registration."),
    )
    responsible = VisibleSlugRelatedField(
        selector=organizations_visible_to,
        help_text=_("The responsible organization's code."),
    )

    class Meta:
        model = TrainingRun
        fields = [
            "id",
            "code",
            "purpose",
            "target",
            "datasets",
            "input_artifacts",
            "started_on",
            "finished_on",
            "responsible",
            "notes",
        ]
        validators = []
        extra_kwargs = {
            "code": {"validators": []},
            "notes": {"max_length": NOTE_MAX_LENGTH},
        }


class DatasetReachSerializer(serializers.Serializer):
    dataset = serializers.CharField(source="dataset.code", help_text=_("The dataset's code."))
    provider = serializers.CharField(source="dataset.provider.code")
    tier = serializers.ChoiceField(
        choices=DataTier.choices, help_text=_("Its effective tier, as the policy reads it today.")
    )
    contracts = serializers.SerializerMethodField(
        help_text=_("References of the in-force contracts covering it.")
    )
    via = serializers.SerializerMethodField(
        help_text=_("Codes of the artifacts it passed through; empty when trained on directly.")
    )

    def get_contracts(self, reach: DatasetReach) -> list[str]:
        return [contract.reference for contract in reach.contracts]

    def get_via(self, reach: DatasetReach) -> list[str]:
        return [artifact.code for artifact in reach.via]


class ArtifactLineageSerializer(serializers.Serializer):
    artifact = serializers.CharField(source="artifact.code")
    kind = serializers.ChoiceField(choices=ArtifactKind.choices, source="artifact.kind")
    tiers = serializers.ListField(
        child=serializers.ChoiceField(choices=DataTier.choices),
        help_text=_("The tiers of the data it depends on, least strict first."),
    )
    contaminated = serializers.BooleanField(
        help_text=_("A base model that restricted or secret data reached.")
    )
    contaminating = serializers.SerializerMethodField(
        help_text=_("Codes of the datasets that contaminate it.")
    )
    upstream = serializers.SerializerMethodField(
        help_text=_("Codes of the artifacts it derives from, transitively.")
    )
    datasets = DatasetReachSerializer(many=True)

    def get_contaminating(self, lineage: ArtifactLineage) -> list[str]:
        return [reach.dataset.code for reach in lineage.contaminating]

    def get_upstream(self, lineage: ArtifactLineage) -> list[str]:
        return [artifact.code for artifact in lineage.upstream]
