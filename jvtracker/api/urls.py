"""``/api/v1/``: the project's routes and each app's, one flat namespace of kebab-case
plural collections (as NetBox registers them)."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from jvtracker.api import views

router = SimpleRouter()
router.register("organizations", views.OrganizationViewSet, basename="organization")

app_name = "api"

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("auth/tokens/", views.TokenListView.as_view(), name="tokens"),
    # A token key is the token's first characters: the prefix and hex digits. Anything
    # else names no token (and a NUL could not even be looked up on PostgreSQL).
    re_path(
        r"^auth/tokens/(?P<token_key>[A-Za-z0-9_]{1,32})/$",
        views.TokenDetailView.as_view(),
        name="token-detail",
    ),
    path("me/", views.MeView.as_view(), name="me"),
    *router.urls,
]
