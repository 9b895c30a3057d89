"""reports API routes under ``/api/v1/``, in the ``reports-api`` namespace."""

from rest_framework.routers import SimpleRouter

app_name = "reports-api"

router = SimpleRouter()

urlpatterns = [*router.urls]
