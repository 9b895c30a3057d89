"""Report pages for signed-in users (outside the admin, like the data-governance pages)."""

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("<int:pk>/download/", views.report_download, name="download"),
]
