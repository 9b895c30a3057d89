"""Data governance: datasets and their tiers, contract templates, contracts, and the
lineage of the models trained on them."""

from datagov.models.contracts import (
    ContractTemplate,
    ContractTransition,
    DataContract,
    SignedDocument,
    signed_document_upload_to,
)
from datagov.models.datasets import REDACTED, REDACTED_FIELDS, DataAsset, DataAssetQuerySet
from datagov.models.lineage import ModelArtifact, TrainingRun

__all__ = [
    "REDACTED",
    "REDACTED_FIELDS",
    "ContractTemplate",
    "ContractTransition",
    "DataAsset",
    "DataAssetQuerySet",
    "DataContract",
    "ModelArtifact",
    "SignedDocument",
    "TrainingRun",
    "signed_document_upload_to",
]
