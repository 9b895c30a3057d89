from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from jvtracker.language import language_switch
from jvtracker.login import admin_login, site_login_view
from jvtracker.views import dashboard, home

admin.site.site_header = _("jvtracker: Japan AI foundation-model programme")
admin.site.site_title = _("jvtracker")
admin.site.index_title = _("Programme administration")

urlpatterns = [
    path("", home, name="home"),
    path("dashboard/", dashboard, name="dashboard"),
    path("programme/", include("milestones.page_urls", namespace="programme")),
    path("kpis/", include("kpis.urls", namespace="kpis")),
    path("i18n/setlang/", language_switch, name="set_language"),
    # Before the admin's own urls: the admin ends in a catch-all.
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", include("milestones.urls")),
    path("admin/", admin.site.urls),
    # Partners are not staff: they sign in here, not through the admin's login.
    path("accounts/login/", site_login_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="login"), name="logout"),
    path("datagov/", include("datagov.urls")),
    path("reports/", include("reports.urls", namespace="reports")),
    path("api/v1/", include("jvtracker.api.urls")),
    path("api/v1/", include("milestones.api.urls")),
    path("api/v1/", include("datagov.api.urls")),
    path("api/v1/", include("kpis.api.urls")),
    path("api/v1/", include("reports.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

handler404 = "jvtracker.views.not_found"
