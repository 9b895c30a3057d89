"""The vocabularies of data governance: tiers, purposes, contract types and states."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DataTier(models.TextChoices):
    """The separation design: how far a dataset may travel towards the model's weights."""

    PUBLIC = "public", _("Public & licensed")
    RESTRICTED = "restricted", _("Enterprise-restricted")
    SECRET = "secret", _("Secret / regulated")

    @property
    def rank(self) -> int:
        """Strictness: a higher rank may reach fewer places."""
        return list(DataTier).index(self)


class DataPurpose(models.TextChoices):
    """What data is used for; a training run's kind is the purpose it uses its inputs for."""

    BASE_PRETRAINING = "base_pretraining", _("Base-model pre-training")
    FINE_TUNING = "fine_tuning", _("Fine-tuning of a specialised model")
    RAG_INDEX = "rag_index", _("RAG index")
    SYNTHETIC_DERIVATION = "synthetic_derivation", _("Synthetic-data derivation")
    EDGE_LEARNING = "edge_learning", _("Edge-only private learning")


class Allowance(models.TextChoices):
    """A cell of the tier policy."""

    PERMITTED = "permitted", _("Permitted")
    BY_DEVIATION = "by_deviation", _("Only by an approved deviation")
    FORBIDDEN = "forbidden", _("Forbidden")


class StorageLocation(models.TextChoices):
    DOMESTIC_CLOUD = "domestic_cloud", _("Domestic cloud region")
    ON_PREMISES = "on_premises", _("Provider's premises")
    OVERSEAS = "overseas", _("Overseas")


class ContractType(models.TextChoices):
    """The contract types of METI's Contract Guidelines on Utilization of AI and Data."""

    DATA_PROVISION = "provision", _("Data provision")
    DATA_CREATION = "creation", _("Data creation")
    DATA_SHARING = "sharing", _("Data sharing (platform)")


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ContractStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("contract", "Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    ACTIVE = "active", pgettext_lazy("contract", "Active")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


# A contract in one of these states came into force at some point; the data it covers
# may have been used under it.
IN_FORCE_STATUSES = (ContractStatus.ACTIVE, ContractStatus.EXPIRED, ContractStatus.TERMINATED)


class ConversionMethod(models.TextChoices):
    DIFFERENTIAL_PRIVACY = "differential_privacy", _("Differential privacy")
    SIMULATION = "simulation", _("Simulation")
    ANONYMISATION = "anonymisation", _("Anonymisation")


class ArtifactKind(models.TextChoices):
    BASE_MODEL = "base_model", _("Base model")
    SPECIALISED = "specialised", _("Specialised fine-tune")
    RAG_INDEX = "rag_index", _("RAG index")
    EDGE_DISTILLATE = "edge_distillate", _("Edge distillate")
    SYNTHETIC_GENERATOR = "synthetic_generator", _("Synthetic-data generator")


# What a run of each purpose produces.
ARTIFACT_KIND_OF_PURPOSE: dict[str, str] = {
    DataPurpose.BASE_PRETRAINING: ArtifactKind.BASE_MODEL,
    DataPurpose.FINE_TUNING: ArtifactKind.SPECIALISED,
    DataPurpose.RAG_INDEX: ArtifactKind.RAG_INDEX,
    DataPurpose.SYNTHETIC_DERIVATION: ArtifactKind.SYNTHETIC_GENERATOR,
    DataPurpose.EDGE_LEARNING: ArtifactKind.EDGE_DISTILLATE,
}
