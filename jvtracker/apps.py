from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JvtrackerConfig(AppConfig):
    name = "jvtracker"
    verbose_name = _("Consortium")
