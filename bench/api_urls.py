"""The project's URLs and, beside them, the plain views the API is compared with."""

from django.urls import path

from bench import api_views
from jvtracker.urls import urlpatterns as project_urlpatterns

handler404 = "jvtracker.views.not_found"

urlpatterns = [
    path("bench/plain/organizations/", api_views.plain_organizations),
    path("bench/plain/kpis/", api_views.plain_kpis),
    path("bench/plain/contracts/", api_views.plain_contracts),
    *project_urlpatterns,
]
