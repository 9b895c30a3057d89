"""The exposition fixtures, the gpu_utilization KPI, and a real HTTP server standing in for a
DCGM exporter, shared by the scrape, command and task tests."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.factories import KPIDefinitionFactory

FIXTURES = Path(__file__).parent / "fixtures"
# Three nodes (gpu-a01…a03) of 8 GPUs each, as their exporters print them, one after another.
CLUSTER_A = "dcgm_cluster_a.prom"
CLUSTER_A_UTILIZATION = {
    "gpu-a01": [97, 95, 98, 96, 94, 99, 97, 92],
    "gpu-a02": [100, 88, 0, 0, 73, 81, 64, 59],
    "gpu-a03": [45, 52, 38, 61, 100, 100, 42, 41],
}
CLUSTER_A_MEAN = 1712 / 24  # 71.33…
# What a Prometheus server answers at /federate for two more nodes: sorted labels, no HELP,
# "untyped", and each sample's scrape time in milliseconds.
CLUSTER_B = "prometheus_federate_cluster_b.prom"
CLUSTER_B_MEAN = 837 / 16  # 52.3125
CLUSTER_B_SCRAPED = dt.datetime(2026, 11, 23, 13, 59, 56, 907000, tzinfo=dt.UTC)  # newest

TOKYO = ZoneInfo("Asia/Tokyo")
SCRAPED_AT = dt.datetime(2026, 11, 23, 23, 0, tzinfo=TOKYO)


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def gpu_kpi(**fields):
    """The KPI the scrape stores into, as seed_demo defines it."""
    defaults = {
        "code": "gpu_utilization",
        "name_en": "GPU utilisation",
        "unit": "percent",
        "aggregation": "mean",
        "combination": "mean",
        "source": "scraped",
    }
    return KPIDefinitionFactory(**{**defaults, **fields})


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_length: bool = True


class LocalExporter:
    """A real HTTP server on 127.0.0.1 (a free port), answering GETs from ``routes`` in a
    thread, and remembering the paths and headers asked with."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        self.headers: list[dict[str, str]] = []
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                exporter.requests.append(self.path)
                exporter.headers.append(dict(self.headers.items()))
                route = exporter.routes.get(self.path, Route(404, b"404 page not found\n"))
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.content_length:
                    self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def serve(
        self,
        path: str,
        body: bytes | str,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_length: bool = True,
    ) -> str:
        """Answer ``path`` with ``body``; the URL to ask."""
        if isinstance(body, str):
            body = body.encode()
        headers = headers or {"Content-Type": "text/plain; version=0.0.4; charset=utf-8"}
        self.routes[path] = Route(status, body, headers, content_length)
        return self.url(path)

    def url(self, path: str = "/metrics") -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def __enter__(self) -> LocalExporter:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def refused_url() -> str:
    """A URL on 127.0.0.1 where nothing listens, so connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/metrics"
