"""HTML to PDF with WeasyPrint, refusing to print Japanese without a Japanese font."""

from __future__ import annotations

import functools
import shutil
import subprocess

from django.core.exceptions import ImproperlyConfigured

JAPANESE_FONT_FAMILIES = ("IPAexGothic", "IPAexMincho")
FONT_PACKAGES = "fonts-ipaexfont-gothic fonts-ipaexfont-mincho"


@functools.cache
def japanese_fonts_installed() -> tuple[str, ...]:
    """The IPAex families fontconfig can find."""
    if shutil.which("fc-list") is None:
        return ()
    listed = subprocess.run(
        ["fc-list", ":lang=ja", "family"], capture_output=True, text=True, check=False
    ).stdout
    return tuple(family for family in JAPANESE_FONT_FAMILIES if family in listed)


def require_japanese_font() -> None:
    """Fail loudly, naming the packages, rather than render Japanese as tofu."""
    if not japanese_fonts_installed():
        japanese_fonts_installed.cache_clear()
        raise ImproperlyConfigured(
            "No Japanese font (IPAexGothic / IPAexMincho) is installed, so Japanese text "
            f"would print as empty boxes. Install the Debian packages {FONT_PACKAGES}."
        )


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """Render ``html`` to PDF bytes with the Japanese fonts embedded."""
    from weasyprint import HTML

    require_japanese_font()
    return HTML(string=html, base_url=base_url).write_pdf()
