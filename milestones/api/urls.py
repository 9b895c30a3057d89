"""milestones API routes under ``/api/v1/``, in the ``milestones-api`` namespace."""

from rest_framework.routers import SimpleRouter

from milestones.api import views

app_name = "milestones-api"

router = SimpleRouter()
router.register("milestones", views.MilestoneViewSet, basename="milestone")
router.register("stage-gates", views.StageGateViewSet, basename="stage-gate")
router.register("risks", views.RiskViewSet, basename="risk")

urlpatterns = [*router.urls]
