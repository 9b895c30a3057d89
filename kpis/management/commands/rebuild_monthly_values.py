"""``manage.py rebuild_monthly_values``: recreate the monthly-value cache from the current
measurements, for every KPI or one."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kpis.models import KPIDefinition
from kpis.services import monthly_values_rebuild


class Command(BaseCommand):
    help = (
        "Recreate the monthly values (the cache the KPI board and series read) from the "
        "current measurements: after a bulk load that bypassed the ingest service, or if "
        "the cache is suspected wrong. Measurements are not changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kpi", metavar="CODE", help="Only this KPI (default: all).")

    def handle(self, *args, kpi: str | None, **options) -> None:
        kpis = KPIDefinition.objects.order_by("order", "code")
        if kpi is not None:
            kpis = kpis.filter(code=kpi)
            if not kpis.exists():
                raise CommandError(_("Unknown KPI code “%(code)s”.") % {"code": kpi})
        for definition in kpis:
            count = monthly_values_rebuild(kpi=definition)
            self.stdout.write(
                ngettext(
                    "%(code)s: %(count)d monthly value",
                    "%(code)s: %(count)d monthly values",
                    count,
                )
                % {"code": definition.code, "count": count}
            )
