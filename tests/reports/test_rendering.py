"""The PDF renderer: nothing in a report can make a worker fetch a URL or read a file other
than the app's static files; the stylesheet is parsed once; Japanese text is embedded in
an IPAex font subset and reads back as written.

Every render here is a real WeasyPrint render. The fetch tests first show, with
WeasyPrint's own fetcher, that the HTML does make it fetch (so a zero count means
something), then that the report renderer fetches nothing.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from reports.rendering import (
    REPORT_STYLESHEET,
    render_pdf,
    report_stylesheet,
    static_base_url,
    static_path,
    static_roots,
    url_fetcher,
)

JAPANESE_TITLE = "日本AI基盤モデル開発 ステージゲート報告書"
SECRET = "jvtracker-secret-7f3a"


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


class CountingServer:
    """A real HTTP server on 127.0.0.1 (a free port) serving an image for every path and
    remembering every path asked for."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        server = self
        image = png_bytes()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                if self.path.endswith(".css"):
                    body, content_type = b"p { color: red; }", "text/css"
                else:
                    body, content_type = image, "image/png"
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> CountingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def server():
    with CountingServer() as running:
        yield running


@pytest.fixture
def static_dir(settings, tmp_path):
    """An extra static directory (STATICFILES_DIRS) holding an image, as a project's own
    static files would."""
    root = tmp_path / "static"
    (root / "reports-test").mkdir(parents=True)
    (root / "reports-test" / "pixel.png").write_bytes(png_bytes())
    settings.STATICFILES_DIRS = [root]
    finders.get_finder.cache_clear()
    static_roots.cache_clear()
    yield root
    static_roots.cache_clear()
    finders.get_finder.cache_clear()


@pytest.fixture
def secret_file(tmp_path) -> Path:
    path = tmp_path / "outside" / "secret.txt"
    path.parent.mkdir()
    path.write_text(f"{SECRET}\n")
    return path


def hostile_html(server_url: str, secret: Path) -> str:
    """Every way HTML and CSS can make WeasyPrint load something."""
    svg = (
        "data:image/svg+xml,"
        "%3Csvg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink'"
        " width='10' height='10'%3E"
        f"%3Cimage xlink:href='{server_url}/in-svg.png' href='{server_url}/in-svg.png'"
        " width='10' height='10'/%3E%3C/svg%3E"
    )
    return f"""<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8">
<style>
@import url("{server_url}/imported.css");
@font-face {{ font-family: Remote; src: url("{server_url}/font.ttf"); }}
.background {{ background: url({server_url}/background.png); height: 20mm; }}
.remote {{ font-family: Remote; }}
</style>
<link rel="stylesheet" href="{server_url}/linked.css">
<link rel="attachment" href="{secret.as_uri()}">
</head><body>
<p class="background remote">報告書</p>
<img src="{server_url}/image.png">
<img src="file:///etc/passwd">
<img src="{secret.as_uri()}">
<img src="{svg}">
<object data="{server_url}/object.png" type="image/png"></object>
</body></html>"""


def pdf_images(data: bytes) -> int:
    from pypdf import PdfReader

    return sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages)


def pdf_attachments(data: bytes) -> dict:
    from pypdf import PdfReader

    return dict(PdfReader(io.BytesIO(data)).attachments)


def poppler(tool: str, pdf: bytes, tmp_path: Path) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: install poppler-utils", pytrace=False)
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    args = [tool, str(path), "-"] if tool == "pdftotext" else [tool, str(path)]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


# ------------------------------------------------------------------- url fetcher


def test_weasyprints_own_fetcher_would_fetch_what_the_hostile_html_points_at(server, secret_file):
    """The control for the next test: the HTML really does make WeasyPrint fetch."""
    from weasyprint import HTML

    html = hostile_html(server.url, secret_file)

    pdf = HTML(string=html, base_url=static_base_url()).write_pdf()

    assert set(server.requests) == {
        "/imported.css",
        "/linked.css",
        "/font.ttf",
        "/background.png",
        "/image.png",
        "/in-svg.png",
        "/object.png",
    }
    assert pdf_images(pdf) >= 1
    [attached] = pdf_attachments(pdf).values()
    assert any(SECRET.encode() in content for content in attached)


def test_a_report_fetches_no_url_and_reads_no_file_outside_static(server, secret_file):
    rendered = render_pdf(hostile_html(server.url, secret_file))

    assert rendered.data.startswith(b"%PDF-")
    assert rendered.pages >= 1
    assert server.requests == []
    assert pdf_images(rendered.data) == 0
    assert pdf_attachments(rendered.data) == {}
    assert SECRET.encode() not in rendered.data


def test_a_static_file_is_loaded_and_the_same_file_outside_static_is_not(static_dir, tmp_path):
    inside = static_dir / "reports-test" / "pixel.png"
    outside = tmp_path / "elsewhere" / "pixel.png"
    outside.parent.mkdir()
    outside.write_bytes(inside.read_bytes())
    traversal = f"{(static_dir / 'reports-test').as_uri()}/../../elsewhere/pixel.png"

    loaded = render_pdf(f'<img src="{inside.as_uri()}">')
    refused = render_pdf(f'<img src="{outside.as_uri()}"><img src="{traversal}">')

    assert pdf_images(loaded.data) == 1
    assert pdf_images(refused.data) == 0


def test_fetcher_serves_static_files_and_data_uris_only(static_dir, secret_file, tmp_path):
    fetcher = url_fetcher()
    stylesheet = Path(finders.find(REPORT_STYLESHEET))
    reports_static = stylesheet.parent
    (static_dir / "reports-test" / "link.txt").symlink_to(secret_file)

    assert fetcher.fetch(stylesheet.as_uri()).read() == stylesheet.read_bytes()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    refused = [
        "file:///etc/passwd",
        secret_file.as_uri(),
        f"{reports_static.as_uri()}/../../../../../../../../etc/passwd",
        f"{reports_static.as_uri()}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        (static_dir / "reports-test" / "link.txt").as_uri(),  # a symlink out of static
        f"file://evil.example{stylesheet}",
        "http://127.0.0.1:9/reports/report.css",
        "ftp://127.0.0.1/report.css",
        f"FILE://{secret_file}",
    ]
    for url in refused:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
        assert static_path(url) is None


# --------------------------------------------------------------------- stylesheet


def test_report_stylesheet_is_parsed_once_and_applied_to_every_render():
    from pypdf import PdfReader

    stylesheet = report_stylesheet()
    parsed = report_stylesheet.cache_info().misses

    first = render_pdf("<p>一</p>")
    second = render_pdf("<p>二</p>")

    assert report_stylesheet() is stylesheet
    assert report_stylesheet.cache_info().misses == parsed
    for rendered in (first, second):
        page = PdfReader(io.BytesIO(rendered.data)).pages[0]
        # A4 (210 × 297 mm), which only the report stylesheet asks for.
        assert round(float(page.mediabox.width)) == 595
        assert round(float(page.mediabox.height)) == 842


# ----------------------------------------------------------------------- Japanese


def test_japanese_text_reads_back_identically_from_an_embedded_ipaex_subset(tmp_path):
    rendered = render_pdf(f"<h1>{JAPANESE_TITLE}</h1><p>ステージゲート評価の結果</p>")

    text = poppler("pdftotext", rendered.data, tmp_path)
    assert JAPANESE_TITLE in text
    assert "ステージゲート評価の結果" in text
    fonts = poppler("pdffonts", rendered.data, tmp_path).splitlines()[2:]
    ipaex = []
    for line in fonts:
        # name, type (may contain spaces), encoding, emb, sub, uni, object, generation
        columns = line.split()
        if "IPAex" in columns[0]:
            ipaex.append((columns[0], columns[-5], columns[-4]))
    assert ipaex, fonts
    for name, embedded, subset in ipaex:
        assert (embedded, subset) == ("yes", "yes"), name
        assert "+" in name  # a subset's name carries its six-letter tag
