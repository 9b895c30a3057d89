"""The consortium: its organizations, and the users who act for them."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from jvtracker.choices import Industry, OrganizationKind, Role
from jvtracker.common.models import localized

EQUITY_TOTAL_LIMIT = Decimal("100")


class Organization(models.Model):
    """A member of the joint venture, its funder, or the joint venture itself."""

    code = models.SlugField(
        _("code"),
        max_length=32,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9]+$", _("Lower-case letters and digits only."))],
        help_text=_("Short identifier used in user names and the API, e.g. softbank."),
    )
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganizationKind.choices)
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices)
    equity_share = models.DecimalField(
        _("equity share (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(EQUITY_TOTAL_LIMIT)],
        help_text=_("Leave blank where the exact share is not disclosed."),
    )
    equity_note = models.CharField(
        _("equity note"),
        max_length=200,
        blank=True,
        help_text=_("What is publicly known of the share, e.g. 十数% (low teens)."),
    )
    provides_data = models.BooleanField(
        _("provides data"),
        default=False,
        help_text=_("Members that provide data get partner accounts."),
    )
    role_description_ja = models.TextField(_("role in the JV (Japanese)"), blank=True)
    role_description_en = models.TextField(_("role in the JV (English)"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(equity_share__isnull=True)
                | Q(equity_share__gte=0, equity_share__lte=100),
                name="organization_equity_share_is_a_percentage",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")

    def clean(self) -> None:
        super().clean()
        if self.equity_share is None:
            return
        others = Organization.objects.exclude(pk=self.pk).aggregate(total=Sum("equity_share"))[
            "total"
        ] or Decimal("0")
        if others + self.equity_share > EQUITY_TOTAL_LIMIT:
            raise ValidationError(
                {
                    "equity_share": _(
                        "Equity shares would add up to %(total)s %%, more than 100 %%."
                    )
                    % {"total": others + self.equity_share}
                }
            )


class JVUserManager(UserManager):
    """``createsuperuser`` passes the organization as the id typed at its prompt (or from
    DJANGO_SUPERUSER_ORGANIZATION); the model needs the instance."""

    def _create_user_object(self, username, email, password, **extra_fields):
        organization = extra_fields.get("organization")
        if organization is not None and not isinstance(organization, Organization):
            extra_fields["organization"] = Organization.objects.get(pk=organization)
        return super()._create_user_object(username, email, password, **extra_fields)

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.PMO)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person acting for exactly one organization, in exactly one role."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="ja",
        help_text=_("Of the pages once signed in, and of the emails sent to this user."),
    )

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects = JVUserManager()

    # createsuperuser asks for these; a superuser is always given the PMO role.
    REQUIRED_FIELDS = ["email", "organization"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_is_known"),
        ]

    @property
    def is_pmo(self) -> bool:
        return self.is_superuser or self.role == Role.PMO

    @property
    def is_policy_staff(self) -> bool:
        return self.role == Role.POLICY

    @property
    def is_partner(self) -> bool:
        return self.role == Role.PARTNER and not self.is_superuser
