"""``manage.py scrape_gpu_utilization``: store a cluster's GPU utilisation from a DCGM
exporter (``--url``) or a saved scrape of one (``--file``)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kpis.scrape import (
    GPU_UTILIZATION,
    ScrapeResult,
    gpu_utilization_scrape_file,
    gpu_utilization_scrape_url,
    without_credentials,
)
from kpis.services import IngestRejected


class Command(BaseCommand):
    help = (
        "Store the mean GPU utilisation (DCGM_FI_DEV_GPU_UTIL over every GPU) of a DCGM "
        "exporter's Prometheus exposition as one measurement of the gpu_utilization KPI. "
        "A scrape already stored (same value, cluster and time) is not stored again; a bad "
        "exposition stores nothing and every bad line is listed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--file", type=Path, metavar="PATH", help="A saved exposition.")
        source.add_argument("--url", metavar="URL", help="The exporter's http(s) /metrics URL.")
        parser.add_argument(
            "--cluster",
            metavar="NAME",
            help=(
                "The cluster the GPUs belong to, stored as the measurement's subject. "
                "Default: the KPI_GPU_CLUSTER setting; empty means the whole fleet."
            ),
        )

    def handle(
        self, *args, file: Path | None, url: str | None, cluster: str | None, **options
    ) -> None:
        cluster = settings.KPI_GPU_CLUSTER if cluster is None else cluster
        try:
            if file is not None:
                result = gpu_utilization_scrape_file(path=file, cluster=cluster)
            else:
                result = gpu_utilization_scrape_url(url=url, cluster=cluster)
        except IngestRejected as error:
            source = str(file) if file is not None else without_credentials(url)
            raise CommandError(
                "\n".join(
                    [_("Nothing was stored from %(source)s:") % {"source": source}, *error.lines()]
                )
            ) from error
        self.stdout.write(describe(result))


def describe(result: ScrapeResult) -> str:
    """What was stored, e.g. "Stored batch #12: gpu_utilization [cluster-a] 2026-11-23 23:00 JST
    = 71.3 % (24 GPUs on 3 hosts)"."""
    cluster = f" [{result.cluster}]" if result.cluster else ""
    at = timezone.localtime(result.at)
    gpus = _("%(gpus)s on %(hosts)s") % {
        "gpus": ngettext("%(count)d GPU", "%(count)d GPUs", result.gpus) % {"count": result.gpus},
        "hosts": ngettext("%(count)d host", "%(count)d hosts", result.hosts)
        % {"count": result.hosts},
    }
    values = {
        "batch": result.batch.pk,
        "measurement": f"{GPU_UTILIZATION}{cluster} {at:%Y-%m-%d %H:%M %Z} = {result.value:.1f} %",
        "gpus": gpus,
    }
    if result.created:
        return _("Stored batch #%(batch)d: %(measurement)s (%(gpus)s)") % values
    return (
        _("Already stored as batch #%(batch)d: %(measurement)s (%(gpus)s); nothing new.") % values
    )
