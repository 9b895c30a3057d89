"""GPU utilisation scraped from NVIDIA's DCGM exporter: the mean over every GPU in the
exposition becomes one measurement of the ``gpu_utilization`` KPI for a cluster.

Every failure raises :class:`IngestRejected` (``numbering="line"`` for a bad exposition),
so the command, the task and any page handle one exception type; an exporter that cannot
be reached raises its subclass :class:`ExporterUnreachable`, which the task retries.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import math
from dataclasses import dataclass
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit
from urllib.request import (
    HTTPDefaultErrorHandler,
    HTTPErrorProcessor,
    HTTPHandler,
    HTTPRedirectHandler,
    HTTPSHandler,
    OpenerDirector,
    Request,
)

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from jvtracker.models import User
from kpis.choices import BatchSource
from kpis.dcgm import ExpositionError, gpu_utilization_samples
from kpis.models import IngestBatch, KPIDefinition
from kpis.services import (
    IngestRejected,
    IngestResult,
    MeasurementRow,
    RowError,
    measurements_ingest,
)

GPU_UTILIZATION = "gpu_utilization"
# A DCGM exporter answers about 100 kB per 8-GPU node; this leaves room for a whole fleet.
MAX_EXPOSITION_BYTES = 20 * 1024 * 1024
SCHEMES = ("http", "https")


class ExporterUnreachable(IngestRejected):
    """The exporter did not answer with its metrics (connection, timeout, HTTP status).
    Often passing, so the scheduled task retries it; nothing was stored."""

    def __reduce__(self):
        # Celery pickles the exception it retries for; the base class's args are its message.
        return (type(self), (self.errors,), {"numbering": self.numbering})


@dataclass(frozen=True)
class ScrapeResult:
    ingest: IngestResult
    cluster: str
    at: dt.datetime
    value: float
    gpus: int
    hosts: int

    @property
    def batch(self) -> IngestBatch:
        return self.ingest.batch

    @property
    def created(self) -> bool:
        """False when the same measurement was stored before (same checksum)."""
        return self.ingest.created


def gpu_utilization_scrape_text(
    *,
    text: str,
    cluster: str,
    source_name: str,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> ScrapeResult:
    """Store the mean utilisation of the GPUs in a DCGM exposition for ``cluster``
    (empty: the whole fleet).

    The measurement is taken at the newest sample timestamp when the exposition has them
    (Prometheus federation writes them; the exporter does not), else at ``now``, so the
    same federated file imported twice is recognised as a duplicate.
    """
    kpi = _gpu_kpi()
    try:
        samples = gpu_utilization_samples(text)
    except ExpositionError as error:
        raise IngestRejected(
            [RowError(e.line, "exposition", e.message) for e in error.errors], numbering="line"
        ) from error
    now = now or timezone.now().replace(microsecond=0)
    stamped = [s.at for s in samples if s.at is not None]
    at = max(stamped) if stamped else now
    value = math.fsum(s.value for s in samples) / len(samples)
    row = MeasurementRow(number=0, kpi=kpi.code, value=value, unit="%", start=at, subject=cluster)
    ingest = measurements_ingest(
        rows=[row],
        source=BatchSource.SCRAPE,
        actor=actor,
        # The tracker's own scrape records for the KPI's owner; a partner for their own.
        organization=kpi.owner if actor is None or actor.is_pmo else None,
        file_name=source_name,
        numbering="line",
        now=now,
    )
    return ScrapeResult(
        ingest=ingest,
        cluster=cluster.strip(),
        at=at,
        value=value,
        gpus=len(samples),
        hosts=len({s.hostname for s in samples}),
    )


def gpu_utilization_scrape_url(
    *, url: str, cluster: str, actor: User | None = None, now: dt.datetime | None = None
) -> ScrapeResult:
    """Fetch a DCGM exporter's ``/metrics`` (http or https only) and store the mean."""
    _gpu_kpi()  # before the request: a missing KPI is not the exporter's fault
    text = exposition_fetch(url)
    return gpu_utilization_scrape_text(
        text=text, cluster=cluster, source_name=without_credentials(url), actor=actor, now=now
    )


def gpu_utilization_scrape_file(
    *, path: str | Path, cluster: str, actor: User | None = None, now: dt.datetime | None = None
) -> ScrapeResult:
    """Store the mean utilisation of a saved exposition (``curl …/metrics > file``)."""
    _gpu_kpi()
    path = Path(path)
    try:
        with path.open("rb") as file:
            body = file.read(MAX_EXPOSITION_BYTES + 1)
    except OSError as error:
        raise _rejected(
            "file",
            _("Could not read %(path)s: %(reason)s.")
            % {"path": path, "reason": error.strerror or error},
        ) from error
    text = _decoded(body, None, str(path))
    return gpu_utilization_scrape_text(
        text=text, cluster=cluster, source_name=path.name, actor=actor, now=now
    )


def exposition_fetch(url: str) -> str:
    """The text a DCGM exporter answers at ``url``; IngestRejected if it cannot be used."""
    url = url.strip()
    shown = without_credentials(url)
    try:
        parts = urlsplit(url)
        valid = parts.scheme.lower() in SCHEMES and bool(parts.hostname)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        valid = False
    if not valid:
        raise _rejected(
            "url",
            _("Only http:// and https:// exporter URLs can be scraped, not “%(url)s”.")
            % {"url": shown},
        )
    headers = {"Accept": "text/plain; version=0.0.4", "User-Agent": "jvtracker-gpu-scrape"}
    if parts.username is not None:
        # An exporter behind basic auth (its web config): the credentials travel in the
        # header only, never into the stored batch or an error message.
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        headers["Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()
    request = Request(shown, headers=headers)
    try:
        with _opener().open(request, timeout=settings.KPI_GPU_SCRAPE_TIMEOUT_SECONDS) as response:
            if response.status != 200:
                raise _unreachable(
                    shown, _("it answered HTTP %(status)s") % {"status": response.status}
                )
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > MAX_EXPOSITION_BYTES:
                raise _too_large(shown)
            body = _read_capped(response, shown)
            charset = response.headers.get_content_charset()
    except HTTPError as error:
        raise _unreachable(
            shown, _("it answered HTTP %(status)s") % {"status": error.code}
        ) from error
    except URLError as error:
        raise _unreachable(shown, str(error.reason)) from error
    except (OSError, http.client.HTTPException) as error:
        raise _unreachable(shown, str(error) or type(error).__name__) from error
    except ValueError as error:  # http.client's InvalidURL: control characters and the like
        raise _rejected(
            "url", _("“%(url)s” is not a valid URL: %(reason)s.") % {"url": shown, "reason": error}
        ) from error
    return _decoded(body, charset, shown)


def _read_capped(response: http.client.HTTPResponse, source: str) -> bytes:
    """The body, refused as soon as it passes the limit (a missing Content-Length too)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read(64 * 1024):
        size += len(chunk)
        if size > MAX_EXPOSITION_BYTES:
            raise _too_large(source)
        chunks.append(chunk)
    return b"".join(chunks)


class _HttpOnlyRedirects(HTTPRedirectHandler):
    """Follow redirects only to http and https (urllib would follow one to ftp:), and keep
    basic-auth credentials from another host."""

    def http_error_302(self, req, fp, code, msg, headers):
        target = urljoin(req.full_url, headers.get("Location") or headers.get("URI") or "")
        if urlsplit(target).scheme.lower() not in SCHEMES:
            fp.close()
            raise _rejected(
                "url",
                _("%(url)s redirected to “%(target)s”; only http and https are followed.")
                % {"url": req.full_url, "target": target},
            )
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        redirected = super().redirect_request(req, fp, code, msg, headers, newurl)
        if redirected is not None and redirected.host != req.host:
            redirected.remove_header("Authorization")
        return redirected


def _opener() -> OpenerDirector:
    """An opener that speaks only HTTP(S): no file:, ftp: or data: handlers at all, and no
    proxies from the environment (exporters are scraped directly, as Prometheus does)."""
    opener = OpenerDirector()
    for handler in (
        HTTPHandler(),
        HTTPSHandler(),
        _HttpOnlyRedirects(),
        HTTPDefaultErrorHandler(),
        HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def _gpu_kpi() -> KPIDefinition:
    kpi = KPIDefinition.objects.select_related("owner").filter(code=GPU_UTILIZATION).first()
    if kpi is None:
        raise _rejected(
            "kpi",
            _(
                "There is no KPI with the code “%(code)s” to store GPU utilisation in; "
                "create it first."
            )
            % {"code": GPU_UTILIZATION},
        )
    return kpi


def _decoded(body: bytes, charset: str | None, source: str) -> str:
    if len(body) > MAX_EXPOSITION_BYTES:
        raise _too_large(source)
    try:
        return body.decode(charset or "utf-8")
    except (UnicodeDecodeError, LookupError) as error:
        raise _rejected(
            "exposition",
            _("%(source)s is not UTF-8 text, as the exposition format requires.")
            % {"source": source},
        ) from error


def without_credentials(url: str) -> str:
    """The URL as stored and shown: any ``user:password@`` removed."""
    parts = urlsplit(url.strip())
    if "@" not in parts.netloc:
        return url.strip()
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _rejected(field: str, message: str) -> IngestRejected:
    return IngestRejected([RowError(0, field, message)], numbering="line")


def _unreachable(url: str, reason: str) -> ExporterUnreachable:
    return ExporterUnreachable(
        [
            RowError(
                0,
                "url",
                _("Could not scrape the exporter at %(url)s: %(reason)s.")
                % {"url": url, "reason": reason},
            )
        ],
        numbering="line",
    )


def _too_large(source: str) -> IngestRejected:
    return _rejected(
        "exposition",
        _("%(source)s is larger than %(limit)s bytes; is it really one scrape?")
        % {"source": source, "limit": f"{MAX_EXPOSITION_BYTES:,}"},
    )
