"""Every write and every rule of data governance.

The central question, "may dataset D be used for purpose P (in run R)?", is answered by
:func:`dataset_use_decision`; the contamination guard (:func:`training_run_register`) and
anything else that needs the answer call it.
"""

from datagov.services.contracts import (
    EDITABLE_STATUSES,
    contract_approve,
    contract_deviation_approve,
    contract_document_upload,
    contract_reject,
    contract_review_start,
    contract_save,
    contract_submit,
    contract_terminate,
    contracts_mark_expired,
)
from datagov.services.datasets import dataset_conversion_approve, dataset_save
from datagov.services.decisions import UseDecision, dataset_use_decision, tier_label
from datagov.services.lineage import (
    artifact_save,
    training_run_check,
    training_run_register,
    training_run_update,
)
from datagov.services.templates import template_new_version, template_publish, template_save

__all__ = [
    "EDITABLE_STATUSES",
    "UseDecision",
    "artifact_save",
    "contract_approve",
    "contract_deviation_approve",
    "contract_document_upload",
    "contract_reject",
    "contract_review_start",
    "contract_save",
    "contract_submit",
    "contract_terminate",
    "contracts_mark_expired",
    "dataset_conversion_approve",
    "dataset_save",
    "dataset_use_decision",
    "template_new_version",
    "template_publish",
    "template_save",
    "tier_label",
    "training_run_check",
    "training_run_register",
    "training_run_update",
]
