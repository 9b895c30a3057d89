from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JvtrackerConfig(AppConfig):
    name = "jvtracker"
    verbose_name = _("Consortium")

    def ready(self) -> None:
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in

        from jvtracker.services import user_record_login

        # Django's receiver saves the whole user on every login, which would add a
        # history row per login; last_login is not history-worthy (it is excluded there).
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(user_record_login, dispatch_uid="jvtracker_record_login")
