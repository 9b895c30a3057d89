"""milestones API routes under ``/api/v1/``, in the ``milestones-api`` namespace."""

from rest_framework.routers import SimpleRouter

app_name = "milestones-api"

router = SimpleRouter()

urlpatterns = [*router.urls]
