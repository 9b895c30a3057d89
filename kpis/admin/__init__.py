"""Admin of KPIs: the PMO's definitions and targets, the KPI board, the measurement history
and its ingest batches, the file import, the safety checklist and incidents.

Thin like the API: querysets come from kpis.selectors, every save calls a service of
kpis.services, and a service's ValidationError is shown beside the field.
"""

from kpis.admin.definitions import KPIDefinitionAdmin, KPITargetAdmin
from kpis.admin.measurements import IngestBatchAdmin, MeasurementAdmin
from kpis.admin.safety import IncidentAdmin, SafetyCheckAdmin

__all__ = [
    "IncidentAdmin",
    "IngestBatchAdmin",
    "KPIDefinitionAdmin",
    "KPITargetAdmin",
    "MeasurementAdmin",
    "SafetyCheckAdmin",
]
