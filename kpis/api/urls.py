"""KPI API routes, under ``/api/v1/``, in the ``kpis-api`` namespace (as NetBox names
its apps' API namespaces): ``reverse("kpis-api:measurements")`` is the bulk ingest."""

from django.urls import path

from kpis.api import views

app_name = "kpis-api"

urlpatterns = [
    path("measurements/", views.MeasurementIngestView.as_view(), name="measurements"),
]
