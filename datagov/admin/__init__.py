"""Admin of data governance: the PMO's contract register, datasets, templates and lineage.

Thin like the API: querysets come from datagov.selectors (so policy staff see secret
datasets redacted here as everywhere), every save and every workflow step calls a service
of datagov.services, and a service's ValidationError is shown beside the field.
"""

from datagov.admin.contract_templates import ContractTemplateAdmin
from datagov.admin.contracts import DataContractAdmin
from datagov.admin.datasets import DataAssetAdmin
from datagov.admin.lineage import ModelArtifactAdmin, TrainingRunAdmin

__all__ = [
    "ContractTemplateAdmin",
    "DataAssetAdmin",
    "DataContractAdmin",
    "ModelArtifactAdmin",
    "TrainingRunAdmin",
]
