"""Small shared model pieces."""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def localized(obj: models.Model, field: str) -> str:
    """The Japanese or English variant of ``field`` for the active language.

    Falls back to the other language when the preferred one is blank, so a record with
    only a Japanese title still shows something in English pages.
    """
    ja, en = getattr(obj, f"{field}_ja", ""), getattr(obj, f"{field}_en", "")
    if (get_language() or "ja").startswith("en"):
        return en or ja
    return ja or en


class PrivateFile(models.Model):
    """An uploaded file kept in private storage, with what proves it unaltered later.

    Subclasses add the ``file`` field (with their own ``upload_to``) and what it belongs to;
    rows are written only by :func:`jvtracker.common.services.private_file_save`.
    """

    original_name = models.CharField(_("original file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name
