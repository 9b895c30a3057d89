"""KPI pages outside the admin: the board with its trends, and measurements for partners."""

from django.urls import path

from kpis import views

app_name = "kpis"

urlpatterns = [
    path("", views.board, name="board"),
    path("measurements/", views.measurements, name="measurements"),
    path(
        "measurements/template.csv",
        views.measurements_template,
        name="measurements-template",
    ),
]
