"""Benchmark of the API's list endpoints against issue 6's performance target.

    make bench-api                  # or: .venv/bin/python bench/api.py [options]

Target: with gunicorn on the loopback and wrk as the load, ``GET /api/v1/kpis/`` and
``GET /api/v1/contracts/`` at 100 rows a page reach at least half the requests per second
of a plain Django view returning the same rows as JSON (bench/api_views.py), measured side
by side in one run, with p50 and p99 latency.

It creates its own database (``BENCH_DATABASE_URL``, dropped and recreated, and dropped
again at the end unless ``--keep``), migrates it, seeds the demo programme
(``manage.py seed_demo``: the real programme's KPIs and contracts) and adds synthetic KPIs
and contracts through the services up to ``--rows`` of each. Then, as the demo's PMO:

1. in-process (requests straight into Django's WSGI handler), each endpoint's API page and
   plain view: their rows must be equal (the benchmark stops if not), their queries, their
   time per request without a server (median of repeated calls, interleaved), and where
   each one's CPU goes (rows, serializer, renderer, the rest);
2. under gunicorn (production settings, sync workers) on a free loopback port, the bodies
   once more over HTTP, with the session and with a token;
3. wrk: a warm-up run of each, then rounds in which the plain view, the API with the
   session and the API with a token each run once, their order rotated round by round;
   requests per second, p50 and p99 latency per run, the ratio to the plain view's run of
   the same round, medians over the rounds;
4. the peak RSS of gunicorn's master and workers (VmHWM).

The machine may be shared: compare the ratios of one run, not figures of different runs.
See docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import importlib.metadata
import importlib.util
import io
import json
import os
import platform
import pstats
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on the path, where bench/kpis.py would shadow
# the ``kpis`` app; the project root takes its place (and makes ``bench.api_settings``
# importable, for this process and for gunicorn's).
sys.path[0] = str(ROOT)


def _load_kpi_benchmark():
    # Loaded under another name: as ``kpis`` it would shadow the KPI app.
    spec = importlib.util.spec_from_file_location("bench_kpis", ROOT / "bench" / "kpis.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bk = _load_kpi_benchmark()
log, load_average = bk.log, bk.load_average

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jvtracker_bench_api"
SETTINGS = "bench.api_settings"
TARGET_RATIO = 0.5
PAGE = 100
WRK = shutil.which("wrk") or "/usr/bin/wrk"
# The demo's PMO: sees every row of both collections.
USERNAME = "pmo"
SYNTHETIC_PREFIX = "bench-api-"


@dataclass(frozen=True)
class Endpoint:
    name: str
    api: str
    plain: str
    # The target's endpoints must fill a page; the harness's proof has what the demo has.
    full_page: bool = True


ENDPOINTS = {
    "kpis": Endpoint("kpis", f"/api/v1/kpis/?page_size={PAGE}", "/bench/plain/kpis/"),
    "contracts": Endpoint(
        "contracts", f"/api/v1/contracts/?page_size={PAGE}", "/bench/plain/contracts/"
    ),
    # Not a target: routed from the start, it proves the harness.
    "organizations": Endpoint(
        "organizations",
        f"/api/v1/organizations/?page_size={PAGE}",
        "/bench/plain/organizations/",
        full_page=False,
    ),
}
# The three sides of a round; the ratios are of each API side to the plain view.
SIDES = ("plain", "api", "api_token")
SIDE_LABEL = {
    "plain": "plain view, session",
    "api": "API, session",
    "api_token": "API, token",
}

WRK_SCRIPT = """
wrk.method = "GET"
wrk.headers["Accept"] = "application/json"
wrk.headers["%(header)s"] = "%(value)s"

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%%d,"duration_us":%%d,"bytes":%%d,'
    .. '"errors":{"connect":%%d,"read":%%d,"write":%%d,"status":%%d,"timeout":%%d},'
    .. '"latency_us":{"p50":%%d,"p75":%%d,"p90":%%d,"p99":%%d,"mean":%%.1f,"max":%%d}}\\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(99), latency.mean, latency.max))
end
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=f"Database: BENCH_DATABASE_URL (default {DEFAULT_URL}); its name must "
        "contain 'bench'.",
    )
    parser.add_argument("--rounds", type=int, default=6, help="rounds of wrk runs (6)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (10)")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of each warm-up run (5)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument(
        "--gc-threshold",
        type=int,
        help="the workers' first-generation GC threshold (Python's default, 700, if not "
        "given; 0 disables the collector): to measure what garbage collection costs",
    )
    parser.add_argument(
        "--rows", type=int, default=120, help="KPIs and contracts in the data set (120)"
    )
    parser.add_argument(
        "--calls", type=int, default=30, help="in-process timed calls of each view (30)"
    )
    parser.add_argument(
        "--endpoints",
        default="kpis,contracts",
        help="comma-separated, of: " + ", ".join(ENDPOINTS) + " (kpis,contracts)",
    )
    parser.add_argument("--quick", action="store_true", help="short runs, to check that it works")
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument(
        "--reuse", action="store_true", help="use the kept database as it is (no loading)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also profile one in-process request of each"
    )
    parser.add_argument(
        "--out", type=Path, help="results JSON (default bench/results/api-<date>.json)"
    )
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.duration, args.warmup, args.calls = 2, 3, 1, 10
    args.endpoints = [e.strip() for e in args.endpoints.split(",") if e.strip()]
    unknown = [e for e in args.endpoints if e not in ENDPOINTS]
    if unknown:
        parser.error(f"unknown endpoints: {', '.join(unknown)}")
    if args.rows <= PAGE:
        parser.error(f"--rows must exceed the page size ({PAGE}), so a page is full")
    return args


# ----------------------------------------------------------------------------- helpers


def median(values: list[float]) -> float:
    return statistics.median(values)


def server_environment(url: str, scratch: Path, secret_key: str) -> dict[str, str]:
    """The environment of this process's Django and of gunicorn's: production settings
    with the benchmark's URLs, its database, and private files in a scratch directory."""
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "CACHE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        DATABASE_URL=url,
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain HTTP on the loopback: no TLS proxy to redirect to.
        SECURE_SSL_REDIRECT="false",
        PRIVATE_MEDIA_ROOT=str(scratch / "private"),
        STATIC_ROOT=str(scratch / "static"),
        LOG_LEVEL="WARNING",
    )
    return env


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()


# ------------------------------------------------------------------------------- data


def seed_demo(url: str, scratch: Path) -> float:
    """``manage.py seed_demo`` under ``make demo``'s settings, in a process of its own: it
    renders the demo's signed contracts, which production's static storage would not."""
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "CACHE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="jvtracker.settings.local",
        DATABASE_URL=url,
        DJANGO_DEBUG="false",
        PRIVATE_MEDIA_ROOT=str(scratch / "private"),
        # Given, so the seed writes no password file; nobody signs in with it.
        DEMO_PASSWORD=secrets.token_urlsafe(18),
        LOG_LEVEL="WARNING",
    )
    started = time.perf_counter()
    # Its output (the demo's passwords, WeasyPrint's font notices) only if it fails.
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "seed_demo"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"seed_demo failed:\n{done.stderr[-3000:]}")
    return round(time.perf_counter() - started, 1)


def add_synthetic_kpis(total: int) -> int:
    """KPIs through ``kpi_save`` until there are ``total``, each a copy of a demo KPI (its
    kind, owner and targets at each gate, through ``kpi_target_save``) under another code."""
    from jvtracker.models import User
    from kpis.models import KPIDefinition, KPITarget
    from kpis.services import kpi_save, kpi_target_save

    pmo = User.objects.get(username=USERNAME)
    models = list(KPIDefinition.objects.prefetch_related("targets").order_by("order", "code"))
    missing = total - len(models)
    for i in range(missing):
        model = models[i % len(models)]
        kpi = kpi_save(
            kpi=KPIDefinition(
                code=f"{SYNTHETIC_PREFIX}{i:03d}",
                name_ja=f"{model.name_ja}（ベンチ{i}）",
                name_en=f"{model.name_en} (bench {i})",
                description_ja=model.description_ja,
                description_en=model.description_en,
                unit=model.unit,
                direction=model.direction,
                aggregation=model.aggregation,
                combination=model.combination,
                source=model.source,
                owner=model.owner,
                order=model.order + i % 7,
            ),
            actor=pmo,
        )
        for target in model.targets.all():
            kpi_target_save(
                target=KPITarget(
                    kpi=kpi,
                    gate_id=target.gate_id,
                    target_value=target.target_value,
                    amber_value=target.amber_value,
                    note_ja=target.note_ja,
                    note_en=target.note_en,
                ),
                actor=pmo,
            )
    return max(missing, 0)


def add_synthetic_contracts(total: int) -> int:
    """Contracts through the services until there are ``total``, each a copy of a demo
    contract (its provider, its template's current version, its datasets) under another
    title and dates, taken through the workflow as far as its model went: the signed PDF
    (a demo contract's own) uploaded by the provider's partner, submitted, reviewed,
    approved, terminated. So each lists a status log and documents, as real ones do."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from datagov import services
    from datagov.choices import ContractStatus, TemplateStatus
    from datagov.models import ContractTemplate, DataContract, SignedDocument
    from jvtracker.models import User

    pmo = User.objects.get(username=USERNAME)
    users = {u.username: u for u in User.objects.all()}
    models = list(
        DataContract.objects.select_related("template", "provider")
        .prefetch_related("datasets")
        .order_by("reference")
    )
    current = {t.code: t for t in ContractTemplate.objects.filter(status=TemplateStatus.PUBLISHED)}
    with SignedDocument.objects.order_by("pk").first().file.open("rb") as file:
        signed_pdf = file.read()
    reached = {
        ContractStatus.DRAFT: 0,
        ContractStatus.SUBMITTED: 1,
        ContractStatus.UNDER_REVIEW: 2,
        ContractStatus.ACTIVE: 3,
        ContractStatus.EXPIRED: 3,
        ContractStatus.TERMINATED: 4,
    }
    missing = total - len(models)
    for i in range(missing):
        model = models[i % len(models)]
        template = current[model.template.code]
        datasets = [d for d in model.datasets.all() if d.tier == template.tier]
        effective = dt.date(2026, 4, 1) + dt.timedelta(days=7 * i)
        contract = services.contract_save(
            contract=DataContract(
                title=f"{model.title}（ベンチ{i} / bench {i}）",
                provider=model.provider,
                template=template,
                permitted_uses=list(template.permitted_uses),
                effective_date=effective,
                expiry_date=effective + dt.timedelta(days=365 * 3),
                notes=model.notes,
            ),
            actor=pmo,
            datasets=datasets,
        )
        steps = reached[model.status] if datasets else 0
        partner = users.get(f"partner-{model.provider.code}", pmo)
        if steps >= 1:
            services.contract_document_upload(
                contract=contract,
                upload=SimpleUploadedFile(
                    f"{contract.reference}-signed.pdf", signed_pdf, content_type="application/pdf"
                ),
                actor=partner,
            )
            contract = services.contract_submit(contract=contract, actor=partner)
        if steps >= 2:
            contract = services.contract_review_start(contract=contract, actor=pmo)
        if steps >= 3:
            contract = services.contract_approve(contract=contract, actor=pmo)
        if steps >= 4:
            services.contract_terminate(
                contract=contract, actor=pmo, reason="ベンチマーク / benchmark"
            )
    return max(missing, 0)


def data_counts() -> dict:
    from datagov.models import DataContract
    from jvtracker.models import Organization
    from kpis.models import KPIDefinition

    return {
        "organizations": Organization.objects.count(),
        "kpis": KPIDefinition.objects.count(),
        "kpis_synthetic": KPIDefinition.objects.filter(code__startswith=SYNTHETIC_PREFIX).count(),
        "contracts": DataContract.objects.count(),
        "contracts_synthetic": DataContract.objects.filter(title__contains="bench ").count(),
    }


def credentials() -> dict:
    """A session of the PMO (as the login page would create it) and a token (as
    ``POST /api/v1/auth/token/`` would)."""
    from django.conf import settings
    from django.test import Client
    from knox.models import get_token_model
    from knox.settings import knox_settings

    from jvtracker.models import User

    user = User.objects.get(username=USERNAME)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    _, token = get_token_model().objects.create(
        user=user, expiry=knox_settings.TOKEN_TTL, prefix=knox_settings.TOKEN_PREFIX
    )
    return {
        "session_cookie": f"{settings.SESSION_COOKIE_NAME}={session}",
        "token": token,
    }


# --------------------------------------------------------------------- 1. in-process


class WSGIClient:
    """Requests straight into Django's WSGI handler, as gunicorn's worker makes them (its
    request signals included), without the test client's own work or a server."""

    def __init__(self, headers: dict[str, str]):
        from django.core.handlers.wsgi import WSGIHandler

        self.handler = WSGIHandler()
        self.headers = {
            "HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()
        }

    def get(self, path: str) -> bytes:
        path_info, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path_info,
            "QUERY_STRING": query,
            "SCRIPT_NAME": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_ACCEPT": "application/json",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            **self.headers,
        }
        status = []
        response = self.handler(environ, lambda s, h, exc_info=None: status.append(s))
        try:
            body = b"".join(response)
        finally:
            response.close()
        if not status[0].startswith("200"):
            raise SystemExit(f"{path} answered {status[0]}: {body[:300]}")
        return body


def in_process(endpoint: Endpoint, creds: dict, calls: int, profile: bool) -> dict:
    """Equal rows, queries and time per request of the API page and the plain view,
    in-process: the app's own work, with no server or network."""
    from django.db import connection

    clients = {side: WSGIClient(side_headers(side, creds)) for side in SIDES}

    def get(side: str) -> bytes:
        return clients[side].get(side_path(side, endpoint))

    bodies = {side: json.loads(get(side)) for side in SIDES}
    check_equal(endpoint, bodies["api"], bodies["plain"], bodies["api_token"])

    queries = {}
    for side in SIDES:
        sql = []

        def record(execute, query, params, many, context, sql=sql):
            sql.append(query[:300])
            return execute(query, params, many, context)

        with connection.execute_wrapper(record):
            get(side)
        queries[side] = {"count": len(sql), "sql": sql}

    times: dict[str, list[float]] = {side: [] for side in SIDES}
    cpu: dict[str, list[float]] = {side: [] for side in SIDES}
    for _ in range(3):
        for side in SIDES:
            get(side)
    for _ in range(calls):
        for side in SIDES:
            started, cpu_started = time.perf_counter(), time.process_time()
            get(side)
            times[side].append(time.perf_counter() - started)
            cpu[side].append(time.process_time() - cpu_started)
    result = {
        "rows": len(bodies["plain"]),
        "count": bodies["api"]["count"],
        "keys": list(bodies["plain"][0]) if bodies["plain"] else [],
        "bytes": {side: len(get(side)) for side in ("plain", "api")},
        "queries": queries,
        "ms_per_request": {
            side: {
                "median": round(median(t) * 1000, 2),
                "min": round(min(t) * 1000, 2),
                "n": len(t),
            }
            for side, t in times.items()
        },
        # This process's CPU alone (PostgreSQL's work left out): the figure a busy machine
        # moves least.
        "cpu_ms_per_request": {
            side: {"median": round(median(t) * 1000, 2), "min": round(min(t) * 1000, 2)}
            for side, t in cpu.items()
        },
    }
    result["app_only_ratio"] = {
        side: round(median(times["plain"]) / median(times[side]), 3)
        for side in ("api", "api_token")
    }
    result["app_only_cpu_ratio"] = {
        side: round(median(cpu["plain"]) / median(cpu[side]), 3) for side in ("api", "api_token")
    }
    result["breakdown_cpu_ms"] = breakdown(endpoint, creds, calls)
    if profile:
        result["profile"] = {
            side: profile_top(lambda side=side: [get(side) for _ in range(20)], 20)
            for side in ("plain", "api")
        }
    return result


def breakdown(endpoint: Endpoint, creds: dict, calls: int) -> dict:
    """Where a request's CPU goes, each part timed alone on this process's CPU clock
    (medians), without the garbage collector: for the API, the whole request, its rows
    (filtering, the page's COUNT and its rows, with every prefetch), the serializer and the
    renderer; for the plain view, the whole request, its rows and JsonResponse. The rest of
    a request is the framework around these parts (middleware, authentication, the view's
    set-up)."""
    from django.http import JsonResponse
    from django.test import RequestFactory
    from django.urls import resolve
    from rest_framework.renderers import JSONRenderer

    from bench.api_views import JSON_PARAMS, ROWS
    from jvtracker.models import User

    user = User.objects.get(username=USERNAME)
    path = endpoint.api.partition("?")[0]
    match = resolve(path)
    view_class, actions = match.func.cls, match.func.actions

    def api_view():
        request = RequestFactory().get(endpoint.api, HTTP_HOST="127.0.0.1")
        request.user = user
        view = view_class(**match.func.initkwargs)
        view.action_map = actions
        view.setup(request)
        view.request = view.initialize_request(request)
        view.action, view.format_kwarg, view.headers = "list", None, {}
        return view

    state: dict = {}

    def rows():
        view = api_view()
        state["view"] = view
        state["page"] = view.paginate_queryset(view.filter_queryset(view.get_queryset()))

    def serialize():
        view = state["view"]
        state["data"] = view.get_paginated_response(
            view.get_serializer(state["page"], many=True).data
        ).data

    def render():
        JSONRenderer().render(state["data"])

    plain_rows = ROWS[endpoint.name]

    def plain():
        state["plain"] = plain_rows(user)

    def plain_json():
        JsonResponse(state["plain"], safe=False, json_dumps_params=JSON_PARAMS)

    api_client = WSGIClient(side_headers("api", creds))
    plain_client = WSGIClient(side_headers("plain", creds))
    parts = {
        "api_request": lambda: api_client.get(endpoint.api),
        "api_rows": rows,
        "api_serializer": serialize,
        "api_renderer": render,
        "plain_request": lambda: plain_client.get(endpoint.plain),
        "plain_rows": plain,
        "plain_json_response": plain_json,
    }
    cpu: dict[str, list[float]] = {name: [] for name in parts}
    for _ in range(3):
        for call in parts.values():
            call()
    if state["data"]["results"] != json.loads(
        JsonResponse(state["plain"], safe=False, json_dumps_params=JSON_PARAMS).content
    ):
        raise SystemExit(f"{endpoint.name}: the breakdown's rows differ from the plain view's")
    for _ in range(calls):
        for name, call in parts.items():
            # Each part's own work: the garbage of earlier calls is collected beforehand
            # and the collector kept out of the timed call, so that a collection falls on
            # no part in particular. What collection costs the API shows under gunicorn
            # (--gc-threshold 0 measures it).
            gc.collect()
            gc.disable()
            try:
                started = time.process_time()
                call()
                cpu[name].append(time.process_time() - started)
            finally:
                gc.enable()
    result = {name: round(median(t) * 1000, 2) for name, t in cpu.items()}
    for side in ("api", "plain"):
        parts_sum = sum(
            v for k, v in result.items() if k.startswith(side + "_") and k != f"{side}_request"
        )
        result[f"{side}_rest"] = round(result[f"{side}_request"] - parts_sum, 2)
    return result


def check_equal(endpoint: Endpoint, api: dict, plain: list, token: dict | None = None) -> None:
    """The API's page and the plain view hold the same rows, in the same order, with the
    same keys and values; the benchmark compares nothing else."""
    problems = []
    results = api.get("results") if isinstance(api, dict) else None
    if results is None:
        problems.append("the API's body has no 'results'")
    else:
        expected = PAGE if endpoint.full_page else min(PAGE, api.get("count", 0))
        if len(results) != expected:
            problems.append(f"the API's page holds {len(results)} rows, not {expected}")
        if len(plain) != len(results):
            problems.append(f"the plain view holds {len(plain)} rows, the API {len(results)}")
    if results is not None and not problems:
        for i, (a, p) in enumerate(zip(results, plain, strict=True)):
            if list(a) != list(p):
                problems.append(f"row {i}: keys differ: API {list(a)} plain {list(p)}")
                break
            if a != p:
                diff = {k: (a[k], p[k]) for k in a if a[k] != p[k]}
                problems.append(f"row {i}: values differ (API, plain): {diff}")
                break
    if token is not None and token != api:
        problems.append("the API's page differs between the session and the token")
    if problems:
        raise SystemExit(
            f"{endpoint.name}: the API and the plain view do not return the same rows; "
            "nothing measured:\n  " + "\n  ".join(problems)
        )


def profile_top(call, requests: int, limit: int = 20) -> dict:
    """cProfile of ``call``: own time per package (where the time goes, by library) and
    the functions with the most own time, per request."""
    profiler = cProfile.Profile()
    profiler.runcall(call)
    stats = pstats.Stats(profiler)
    by_package: dict[str, float] = {}
    functions = []
    for (filename, line, function), (_, calls, own, _cum, _) in stats.stats.items():
        package = package_of(filename)
        by_package[package] = by_package.get(package, 0.0) + own
        functions.append((own, calls, f"{package}: {Path(filename).name}:{line}({function})"))
    total = sum(by_package.values())
    functions.sort(reverse=True)
    return {
        "requests": requests,
        "ms_per_request": round(total * 1000 / requests, 2),
        "own_ms_per_request_by_package": {
            package: round(own * 1000 / requests, 3)
            for package, own in sorted(by_package.items(), key=lambda kv: -kv[1])
            if own * 1000 / requests >= 0.01
        },
        "top_functions": [
            f"{own * 1000 / requests:7.3f} ms  {calls / requests:8.1f} calls  {name}"
            for own, calls, name in functions[:limit]
        ],
    }


def package_of(filename: str) -> str:
    """The library (site-packages' top directory), the project's app, or the standard
    library a function belongs to."""
    path = Path(filename)
    parts = path.parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    if path.is_relative_to(ROOT):
        return "project: " + path.relative_to(ROOT).parts[0].removesuffix(".py")
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins"
    return "stdlib: " + (path.stem if len(parts) < 2 else parts[-1].removesuffix(".py"))


# ------------------------------------------------------------------------ 2. gunicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn serving the project's WSGI application (jvtracker.wsgi, as in production)
    under the benchmark's settings, on the loopback."""

    def __init__(
        self, env: dict[str, str], workers: int, scratch: Path, gc_threshold: int | None = None
    ):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = scratch / "gunicorn.log"
        self.command = [
            sys.executable,
            "-m",
            "gunicorn",
            "jvtracker.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--chdir",
            str(ROOT),
            "--error-logfile",
            str(self.log),
        ]
        if gc_threshold is not None:
            env = {**env, "BENCH_GC_THRESHOLD": str(gc_threshold)}
            self.command += ["--config", "python:bench.api_gunicorn"]
        self.process = subprocess.Popen(
            self.command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        self.workers = workers

    def portable_command(self) -> list[str]:
        """The command as the results record it: no path of this machine."""
        names = {sys.executable: "python", str(ROOT): ".", str(self.log): "gunicorn.log"}
        return [names.get(part, part) for part in self.command]

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}); see {self.log}")
            try:
                urllib.request.urlopen(self.base + "/api/v1/me/", timeout=2)
            except urllib.error.HTTPError as error:
                if error.code == 401 and len(self.worker_pids()) == self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer within {timeout} s; see {self.log}")

    def worker_pids(self) -> list[int]:
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        return [int(c) for c in children]

    def memory(self) -> dict:
        """RSS now and the peak (VmHWM) of the master and each worker, in MiB."""

        def status(pid: int) -> dict:
            fields = {}
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    key, _, value = line.partition(":")
                    if key in ("VmRSS", "VmHWM"):
                        fields[key] = round(int(value.split()[0]) / 1024, 1)
            except OSError:
                pass
            return {"rss_mib": fields.get("VmRSS"), "peak_mib": fields.get("VmHWM")}

        workers = {pid: status(pid) for pid in self.worker_pids()}
        return {
            "master": status(self.process.pid),
            "workers": list(workers.values()),
            "worker_pids": list(workers),
            "max_worker_peak_mib": max((w["peak_mib"] or 0) for w in workers.values()),
            "sum_worker_peak_mib": round(sum((w["peak_mib"] or 0) for w in workers.values()), 1),
        }

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        request = urllib.request.Request(
            self.base + path, headers={"Accept": "application/json", **headers}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def side_headers(side: str, creds: dict) -> dict[str, str]:
    if side == "api_token":
        return {"Authorization": f"Token {creds['token']}"}
    return {"Cookie": creds["session_cookie"]}


def side_path(side: str, endpoint: Endpoint) -> str:
    return endpoint.plain if side == "plain" else endpoint.api


def over_http(server: Gunicorn, endpoint: Endpoint, creds: dict) -> dict:
    bodies = {}
    for side in SIDES:
        status, body = server.get(side_path(side, endpoint), side_headers(side, creds))
        if status != 200:
            raise SystemExit(f"{endpoint.name} ({side}) answered {status} over HTTP: {body[:300]}")
        bodies[side] = json.loads(body)
    check_equal(endpoint, bodies["api"], bodies["plain"], bodies["api_token"])
    return {side: len(json.dumps(b, ensure_ascii=False).encode()) for side, b in bodies.items()}


# ------------------------------------------------------------------------------ 3. wrk


def run_wrk(
    server: Gunicorn,
    endpoint: Endpoint,
    side: str,
    creds: dict,
    seconds: int,
    args: argparse.Namespace,
    scratch: Path,
) -> dict:
    ((header, value),) = side_headers(side, creds).items()
    script = scratch / f"wrk-{side}.lua"
    script.write_text(WRK_SCRIPT % {"header": header, "value": value})
    command = [
        WRK,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(script),
        server.base + side_path(side, endpoint),
    ]
    workers = server.worker_pids()
    cpu_before = {pid: process_cpu_s(pid) for pid in workers}
    busy_before = machine_busy_s()
    wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy = machine_busy_s() - busy_before
    workers_cpu = sum(process_cpu_s(pid) - cpu_before[pid] for pid in workers)
    wrk_cpu = (wrk_after.ru_utime - wrk_before.ru_utime) + (
        wrk_after.ru_stime - wrk_before.ru_stime
    )
    if sorted(server.worker_pids()) != sorted(workers):
        raise SystemExit(f"a gunicorn worker was replaced during a run; see {server.log}")
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no summary:\n{done.stdout}\n{done.stderr}")
    figures = json.loads(line.removeprefix("BENCH_JSON "))
    errors = figures["errors"]
    if errors["status"] or errors["timeout"]:
        raise SystemExit(
            f"{endpoint.name} ({side}): {errors['status']} answers not 2xx or 3xx and "
            f"{errors['timeout']} timeouts under load; see {server.log}"
        )
    seconds_run = figures["duration_us"] / 1e6
    lat = figures["latency_us"]
    return {
        "requests": figures["requests"],
        "seconds": round(seconds_run, 2),
        "rps": round(figures["requests"] / seconds_run, 1),
        "p50_ms": round(lat["p50"] / 1000, 2),
        "p75_ms": round(lat["p75"] / 1000, 2),
        "p90_ms": round(lat["p90"] / 1000, 2),
        "p99_ms": round(lat["p99"] / 1000, 2),
        "mean_ms": round(lat["mean"] / 1000, 2),
        "max_ms": round(lat["max"] / 1000, 2),
        "mb_per_s": round(figures["bytes"] / seconds_run / 1e6, 2),
        "socket_errors": {k: errors[k] for k in ("connect", "read", "write")},
        # CPU seconds over the run: the workers' own (per request, the figure least moved
        # by whatever else the machine runs), wrk's, and the rest of the machine's
        # (PostgreSQL serving the workers, and anything else running).
        "worker_cpu_ms_per_request": round(workers_cpu * 1000 / max(figures["requests"], 1), 3),
        "cpu_s": {
            "workers": round(workers_cpu, 2),
            "wrk": round(wrk_cpu, 2),
            "rest": round(busy - workers_cpu - wrk_cpu, 2),
            "machine_busy": round(busy, 2),
            "machine_capacity": round(seconds_run * (os.cpu_count() or 1), 2),
        },
    }


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int) -> float:
    """User and system CPU seconds of a process so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_busy_s() -> float:
    """CPU seconds all CPUs spent not idle since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / CLOCK_TICKS


def measure_load(
    server: Gunicorn, endpoints: list[Endpoint], creds: dict, args, scratch: Path
) -> dict:
    runs: dict[str, dict[str, list[dict]]] = {e.name: {s: [] for s in SIDES} for e in endpoints}
    warmup = {}
    log(f"Warming up ({args.warmup} s per endpoint and side) ...")
    for endpoint in endpoints:
        for side in SIDES:
            warmup[f"{endpoint.name}/{side}"] = run_wrk(
                server, endpoint, side, creds, args.warmup, args, scratch
            )
    memory_after_warmup = server.memory()
    order = []
    for r in range(args.rounds):
        for endpoint in endpoints:
            # Each side takes each position in turn: a drift in the machine's load over a
            # round favours none of them.
            sides = SIDES[r % 3 :] + SIDES[: r % 3]
            for side in sides:
                run = run_wrk(server, endpoint, side, creds, args.duration, args, scratch)
                runs[endpoint.name][side].append(run)
                order.append(f"{endpoint.name}/{side}")
                log(
                    f"  round {r + 1} {endpoint.name:<13} {SIDE_LABEL[side]:<20} "
                    f"{run['rps']:>8.1f} req/s  p50 {run['p50_ms']:>7.2f} ms  "
                    f"p99 {run['p99_ms']:>7.2f} ms  worker CPU "
                    f"{run['worker_cpu_ms_per_request']:>6.2f} ms/req  rest of the machine "
                    f"{run['cpu_s']['rest']:>5.1f} CPU s"
                )
    summary = {}
    for endpoint in endpoints:
        by_side = runs[endpoint.name]
        sides = {}
        for side in SIDES:
            rs = by_side[side]
            sides[side] = {
                "median_rps": round(median([x["rps"] for x in rs]), 1),
                "median_p50_ms": round(median([x["p50_ms"] for x in rs]), 2),
                "median_p99_ms": round(median([x["p99_ms"] for x in rs]), 2),
                "median_worker_cpu_ms_per_request": round(
                    median([x["worker_cpu_ms_per_request"] for x in rs]), 3
                ),
                "rps_runs": [x["rps"] for x in rs],
                "runs": rs,
            }
        for side in ("api", "api_token"):
            ratios = [
                round(a["rps"] / p["rps"], 3)
                for a, p in zip(by_side[side], by_side["plain"], strict=True)
            ]
            sides[side]["ratio_runs"] = ratios
            sides[side]["median_ratio"] = round(median(ratios), 3)
            sides[side]["ratio_of_medians"] = round(
                sides[side]["median_rps"] / sides["plain"]["median_rps"], 3
            )
            # The plain view's worker CPU per request over the API's, round by round.
            sides[side]["cpu_ratio_runs"] = [
                round(p["worker_cpu_ms_per_request"] / a["worker_cpu_ms_per_request"], 3)
                for a, p in zip(by_side[side], by_side["plain"], strict=True)
            ]
            sides[side]["median_cpu_ratio"] = round(median(sides[side]["cpu_ratio_runs"]), 3)
        summary[endpoint.name] = sides
    timed = [run for sides in runs.values() for side_runs in sides.values() for run in side_runs]
    shares = [run["cpu_s"]["rest"] / run["cpu_s"]["machine_capacity"] for run in timed]
    busy = [run["cpu_s"]["machine_busy"] / run["cpu_s"]["machine_capacity"] for run in timed]
    return {
        "order": order,
        # Of the machine's CPU time during the timed runs (medians): all of it in use, and
        # the part neither gunicorn's workers nor wrk used (PostgreSQL, anything else).
        "machine_busy_share": round(median(busy), 3),
        "rest_of_machine_share": round(median(shares), 3),
        "warmup": warmup,
        "endpoints": summary,
        "memory_after_warmup": memory_after_warmup,
    }


# ---------------------------------------------------------------------------- output


def environment(server: Gunicorn | None) -> dict:
    import django
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0]
    cpu = ""
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if "model name" in line), "")
    except OSError:
        pass
    wrk_version = subprocess.run([WRK, "--version"], capture_output=True, text=True).stdout
    return {
        "postgresql": version,
        "python": platform.python_version(),
        "django": django.get_version(),
        "djangorestframework": importlib.metadata.version("djangorestframework"),
        "django_filter": importlib.metadata.version("django-filter"),
        "psycopg": importlib.metadata.version("psycopg"),
        "gunicorn": importlib.metadata.version("gunicorn"),
        "wrk": wrk_version.splitlines()[0].strip() if wrk_version else "",
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "settings": SETTINGS,
        "debug": settings.DEBUG,
        "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
        "gunicorn_command": server.portable_command() if server else None,
    }


def verdicts(results: dict) -> dict:
    load = results["load"]["endpoints"]
    return {
        f"{name}_api_at_least_half_of_plain": load[name]["api"]["median_ratio"] >= TARGET_RATIO
        for name in load
        if name in ("kpis", "contracts")
    }


def mark(ok: bool | None) -> str:
    return {True: "met", False: "MISSED", None: "not run"}[ok]


def report(results: dict) -> str:
    env, load, inproc = results["environment"], results["load"], results["in_process"]
    opts = results["options"]
    lines = [
        f"jvtracker API benchmark, {results['started_at']}",
        f"{results['data']['kpis']} KPIs, {results['data']['contracts']} contracts; pages of "
        f"{PAGE} rows as the demo's PMO",
        f"{env['postgresql'].split(' on ')[0]}, {env['cpus']} CPUs; gunicorn {env['gunicorn']} "
        f"with {opts['workers']} sync workers; wrk -t{opts['threads']} -c{opts['connections']} "
        f"-d{opts['duration']}s, {opts['rounds']} rounds; load average "
        f"{results['load_average']['before']} before, {results['load_average']['after']} after",
        "",
        f"{'endpoint / side':<32}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>7}"
        f"{'CPU ms/req':>12}{'CPU ratio':>10}{'queries':>8}{'in-proc ms':>11}{'in-proc CPU':>12}"
        "  ratio per round",
    ]
    for name, sides in load["endpoints"].items():
        for side in SIDES:
            s = sides[side]
            ratio = f"{s['median_ratio']:.3f}" if side != "plain" else "1"
            cpu_ratio = f"{s['median_cpu_ratio']:.3f}" if side != "plain" else "1"
            per_round = " ".join(f"{r:.2f}" for r in s.get("ratio_runs", []))
            q = inproc[name]["queries"][side]["count"]
            ms = inproc[name]["ms_per_request"][side]["median"]
            cpu_ms = inproc[name]["cpu_ms_per_request"][side]["median"]
            lines.append(
                f"{name + ' / ' + SIDE_LABEL[side]:<32}{s['median_rps']:>8.1f}"
                f"{s['median_p50_ms']:>9.1f}{s['median_p99_ms']:>9.1f}{ratio:>7}"
                f"{s['median_worker_cpu_ms_per_request']:>12.2f}{cpu_ratio:>10}"
                f"{q:>8}{ms:>11.2f}{cpu_ms:>12.2f}  {per_round}".rstrip()
            )
        lines.append("")
    lines.append(
        f"CPUs in use during the runs: {load['machine_busy_share']:.0%}, of which neither the "
        f"workers nor wrk: {load['rest_of_machine_share']:.0%} of the machine (PostgreSQL and "
        "anything else running; medians)"
    )
    lines.append(
        "in-process CPU per request without the garbage collector, ms (medians; each part "
        "timed alone):"
    )
    for name, figures in inproc.items():
        b = figures["breakdown_cpu_ms"]
        lines.append(
            f"  {name:<10} API {b['api_request']:6.2f} = rows {b['api_rows']:.2f} + serializer "
            f"{b['api_serializer']:.2f} + renderer {b['api_renderer']:.2f} + rest "
            f"{b['api_rest']:.2f}; plain {b['plain_request']:6.2f} = rows {b['plain_rows']:.2f} "
            f"+ JsonResponse {b['plain_json_response']:.2f} + rest {b['plain_rest']:.2f}"
        )
    lines.append("")
    memory = results["memory"]
    lines.append(
        f"gunicorn peak RSS: master {memory['master']['peak_mib']} MiB, workers "
        + ", ".join(f"{w['peak_mib']} MiB" for w in memory["workers"])
        + f" (sum of workers {memory['sum_worker_peak_mib']} MiB)"
    )
    met = results["targets_met"]
    lines.append(
        "API with the session at least half the plain view's requests/s (median ratio): "
        + "; ".join(f"{k.split('_api')[0]} {mark(v)}" for k, v in met.items())
    )
    return "\n".join(lines)


def write_json(results: dict, out: Path | None) -> None:
    if out is None:
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    log(f"Results written to {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


def main() -> None:
    args = parse_args()
    if not Path(WRK).exists():
        sys.exit("wrk is not installed (Debian: apt-get install wrk).")
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    name = bk.database_name(url)
    started_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    scratch = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    # WhiteNoise, in production's middleware, warns about a missing static root.
    (scratch / "static").mkdir()
    env = server_environment(url, scratch, secrets.token_urlsafe(64))
    endpoints = [ENDPOINTS[e] for e in args.endpoints]
    results: dict = {
        "command": " ".join(["bench/api.py", *sys.argv[1:]]),
        "started_at": started_at.isoformat(),
        "options": {k: v for k, v in vars(args).items() if k != "out"},
        "target_ratio": TARGET_RATIO,
        "page_size": PAGE,
        "load_average": {"before": load_average()},
    }
    server = None
    try:
        if not args.reuse:
            log(f"Creating database {name} ...")
            bk.recreate_database(url)
        setup_django(env)
        from django.core.management import call_command
        from django.db import connections

        if not args.reuse:
            call_command("migrate", verbosity=0)
            log("Seeding the demo programme (manage.py seed_demo) ...")
            results["seed_demo_s"] = seed_demo(url, scratch)
            log(f"Adding synthetic KPIs and contracts up to {args.rows} of each ...")
            results["added"] = {
                "kpis": add_synthetic_kpis(args.rows),
                "contracts": add_synthetic_contracts(args.rows),
            }
        results["data"] = data_counts()
        creds = credentials()
        results["in_process"] = {}
        for endpoint in endpoints:
            log(f"In-process: {endpoint.name}, equal rows, queries, {args.calls} calls ...")
            results["in_process"][endpoint.name] = in_process(
                endpoint, creds, args.calls, args.profile
            )
        # Nothing of this process's may hold a connection the server's workers compete
        # with, nor run while they are measured.
        connections.close_all()
        log(f"Starting gunicorn ({args.workers} sync workers) ...")
        server = Gunicorn(env, args.workers, scratch, args.gc_threshold)
        server.wait_ready()
        results["http_body_bytes"] = {e.name: over_http(server, e, creds) for e in endpoints}
        results["load"] = measure_load(server, endpoints, creds, args, scratch)
        results["memory"] = server.memory()
        results["environment"] = environment(server)
    finally:
        if server is not None:
            server.stop()
        from django.db import connections

        connections.close_all()
        if not args.keep:
            log("Dropping the benchmark database (--keep keeps it).")
            bk.drop_database(url)
        shutil.rmtree(scratch, ignore_errors=True)
    results["load_average"]["after"] = load_average()
    results["targets_met"] = verdicts(results)
    print(report(results))
    if args.profile:
        for name, figures in results["in_process"].items():
            for side, prof in figures["profile"].items():
                log(
                    f"\n--- profile, {name} ({side}): {prof['ms_per_request']} ms of own time "
                    "per request (under the profiler), by package ---"
                )
                for package, ms in prof["own_ms_per_request_by_package"].items():
                    log(f"  {ms:8.3f} ms  {package}")
                log("  top functions by own time, per request:")
                log("\n".join("  " + line for line in prof["top_functions"]))
    out = args.out or (
        None if args.quick else ROOT / "bench" / "results" / f"api-{started_at:%Y-%m-%d}.json"
    )
    write_json(results, out)


if __name__ == "__main__":
    main()
