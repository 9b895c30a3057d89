"""KPI API routes, under ``/api/v1/``, in the ``kpis-api`` namespace (as NetBox names
its apps' API namespaces): ``reverse("kpis-api:measurements")`` lists measurements (GET)
and is the bulk ingest (POST)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from kpis.api import views

app_name = "kpis-api"

router = SimpleRouter()
router.register("kpis", views.KPIDefinitionViewSet, basename="kpi")
router.register("ingest-batches", views.IngestBatchViewSet, basename="ingest-batch")
router.register("incidents", views.IncidentViewSet, basename="incident")

urlpatterns = [
    path("measurements/", views.MeasurementView.as_view(), name="measurements"),
    *router.urls,
]
