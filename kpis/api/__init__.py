"""The KPI API: HTTP only; rules live in ``kpis.services`` and ``kpis.selectors``."""
