"""Every write to KPIs, by area; import from here."""

from kpis.services.computed import (
    COMPUTED,
    CONTRACTS_BY_INDUSTRY,
    SAFETY_PIPELINE,
    SERIOUS_INCIDENTS,
    computed_kpis_enqueue,
    computed_kpis_refresh,
    contracts_in_force_by_industry,
    safety_pipeline_in_place,
    serious_incidents_this_fiscal_year,
)
from kpis.services.definitions import (
    incident_save,
    kpi_save,
    kpi_target_save,
    safety_check_save,
)
from kpis.services.ingest import (
    IngestRejected,
    IngestResult,
    MeasurementRow,
    RowError,
    batch_organization,
    may_record,
    may_record_batches,
    measurements_ingest,
    monthly_values_rebuild,
    monthly_values_refresh,
)

__all__ = [
    "COMPUTED",
    "CONTRACTS_BY_INDUSTRY",
    "SAFETY_PIPELINE",
    "SERIOUS_INCIDENTS",
    "IngestRejected",
    "IngestResult",
    "MeasurementRow",
    "RowError",
    "batch_organization",
    "computed_kpis_enqueue",
    "computed_kpis_refresh",
    "contracts_in_force_by_industry",
    "incident_save",
    "kpi_save",
    "kpi_target_save",
    "may_record",
    "may_record_batches",
    "measurements_ingest",
    "monthly_values_rebuild",
    "monthly_values_refresh",
    "safety_check_save",
    "safety_pipeline_in_place",
    "serious_incidents_this_fiscal_year",
]
