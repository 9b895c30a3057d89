"""HTML to PDF for reports: the shared stylesheet, built once, and a fetcher that loads
nothing but the app's own static files.

Everything in a report comes from the tracker's data, which users type: a URL or a path in
a title must never make a worker fetch it. Django escapes the text; the fetcher refuses
whatever a template, a chart or an escaped string could still point at, except files
under the static directories and ``data:`` URIs (which fetch nothing).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders

from jvtracker.common.pdf import require_japanese_font

logger = logging.getLogger(__name__)

REPORT_STYLESHEET = "reports/report.css"


@functools.cache
def static_roots() -> tuple[Path, ...]:
    """The directories static files are found in (each app's ``static/`` and
    STATICFILES_DIRS), resolved."""
    roots: list[Path] = []
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(Path(location).resolve())
        for _prefix, root in getattr(finder, "locations", []):
            roots.append(Path(root).resolve())
    return tuple(dict.fromkeys(roots))


def static_path(url: str) -> Path | None:
    """The static file a ``file:`` URL names, or None when it is anything else."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = Path(unquote(parts.path)).resolve()
    if not path.is_file():
        return None
    if any(path.is_relative_to(root) for root in static_roots()):
        return path
    return None


def _static_only_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves ``data:`` URIs and the app's static files; refuses everything else."""

        def fetch(self, url: str, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = static_path(url)
            if path is None:
                logger.warning("Report refused to fetch %r", url[:200])
                raise ValueError(f"Reports load only the app's static files, not {url[:200]!r}")
            return URLFetcherResponse(path.as_uri(), body=path.read_bytes())

    return StaticOnlyFetcher


@functools.cache
def url_fetcher():
    return _static_only_fetcher_class()()


def static_base_url() -> str:
    """The base URL relative links in report HTML resolve against: the directory holding
    the report stylesheet, so ``<img src="reports/logo.svg">`` would find a static file."""
    found = finders.find(REPORT_STYLESHEET)
    if not found:
        raise FileNotFoundError(f"static file {REPORT_STYLESHEET} is missing")
    return Path(found).resolve().parent.parent.as_uri() + "/"


@functools.cache
def report_stylesheet():
    """The report CSS, parsed once per process rather than once per render."""
    from weasyprint import CSS

    found = finders.find(REPORT_STYLESHEET)
    if not found:
        raise FileNotFoundError(f"static file {REPORT_STYLESHEET} is missing")
    return CSS(filename=found, url_fetcher=url_fetcher())


@dataclass(frozen=True)
class RenderedPDF:
    data: bytes
    pages: int


def render_pdf(html: str) -> RenderedPDF:
    """Lay out ``html`` with the report stylesheet and return the PDF and its page count.

    Raises ImproperlyConfigured, naming the font packages, when no Japanese font is
    installed: a report printed in empty boxes would be worse than none.
    """
    from weasyprint import HTML

    require_japanese_font()
    document = HTML(string=html, base_url=static_base_url(), url_fetcher=url_fetcher()).render(
        stylesheets=[report_stylesheet()]
    )
    return RenderedPDF(data=document.write_pdf(), pages=len(document.pages))
