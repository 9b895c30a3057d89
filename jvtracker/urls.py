from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

admin.site.site_header = _("jvtracker: Japan AI foundation-model programme")
admin.site.site_title = _("jvtracker")
admin.site.index_title = _("Programme administration")

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before the admin's own urls: the admin ends in a catch-all.
    path("admin/", include("milestones.urls")),
    path("admin/", admin.site.urls),
]
