"""datagov API routes under ``/api/v1/``, in the ``datagov-api`` namespace."""

from rest_framework.routers import SimpleRouter

from datagov.api import views

app_name = "datagov-api"

router = SimpleRouter()
router.register("datasets", views.DatasetViewSet, basename="dataset")
router.register("contract-templates", views.ContractTemplateViewSet, basename="contract-template")
router.register("contracts", views.ContractViewSet, basename="contract")
router.register("model-artifacts", views.ModelArtifactViewSet, basename="model-artifact")
router.register("training-runs", views.TrainingRunViewSet, basename="training-run")

urlpatterns = [*router.urls]
