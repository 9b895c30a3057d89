"""``/api/v1/``: the project's routes and each app's, one flat namespace of kebab-case
plural collections (as NetBox registers them)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from jvtracker.api import views

router = SimpleRouter()
router.register("organizations", views.OrganizationViewSet, basename="organization")

app_name = "api"

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("auth/tokens/", views.TokenListView.as_view(), name="tokens"),
    path("auth/tokens/<str:token_key>/", views.TokenDetailView.as_view(), name="token-detail"),
    path("me/", views.MeView.as_view(), name="me"),
    *router.urls,
]
