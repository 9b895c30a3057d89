"""datagov API routes under ``/api/v1/``, in the ``datagov-api`` namespace."""

from rest_framework.routers import SimpleRouter

app_name = "datagov-api"

router = SimpleRouter()

urlpatterns = [*router.urls]
