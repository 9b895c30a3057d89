"""Programme pages outside the admin: the drawn timeline and each stage gate."""

from django.urls import path

from milestones import views

app_name = "programme"

urlpatterns = [
    path("timeline/", views.timeline_page, name="timeline"),
    path("gates/<str:code>/", views.gate_page, name="gate"),
]
