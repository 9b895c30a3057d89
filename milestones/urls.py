"""Programme pages inside the admin (included under ``admin/`` before the admin's own urls)."""

from django.contrib import admin
from django.urls import path

from milestones import views

app_name = "milestones"

urlpatterns = [
    path("timeline/", admin.site.admin_view(views.timeline), name="timeline"),
    path(
        "evidence/<int:pk>/download/",
        admin.site.admin_view(views.evidence_download),
        name="evidence-download",
    ),
]
