"""reports API routes under ``/api/v1/``, in the ``reports-api`` namespace:
``reports-api:report-list`` (GET, and POST to request one), ``report-detail`` and
``report-download``."""

from rest_framework.routers import SimpleRouter

from reports.api import views

app_name = "reports-api"

router = SimpleRouter()
router.register("reports", views.ReportViewSet, basename="report")

urlpatterns = [*router.urls]
