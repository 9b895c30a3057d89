"""Benchmark of the KPI app on PostgreSQL against issue 4's performance targets.

    make bench                      # or: .venv/bin/python bench/kpis.py [options]

It creates its own database (``BENCH_DATABASE_URL``; dropped and recreated, and dropped
again at the end unless ``--keep``), migrates it, loads 100 KPIs with 5 years of hourly
measurements by ``COPY``, builds their monthly values with ``monthly_values_rebuild``,
then measures:

(a) ``kpi_statuses(gate=...)`` for every KPI (target: under 300 ms);
(b) ``kpi_monthly_series(kpi=...)`` for one KPI (target: under 100 ms);
(c) 100,000 new measurements posted to ``POST /api/v1/measurements/`` as 10 requests of
    10,000 rows (target: at least 10,000 rows/s), interleaved with ``COPY`` of the same
    rows into the measurement table; then one request of 10,000 corrections.

The machine it runs on may be shared, so every figure is a median of repetitions, the API
and COPY rates are measured interleaved in one run, and queries and memory are measured
on separate, untimed calls (tracemalloc slows Python down). See docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import random
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on the path, where this file would shadow the
# ``kpis`` app it measures; the project root takes its place.
sys.path[0] = str(ROOT)

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402
from psycopg.conninfo import conninfo_to_dict, make_conninfo  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jvtracker_bench"
API_PATH = "/api/v1/measurements/"
HOURS_PER_YEAR = 8760
LOAD_SUBJECT = "site"
KPI_PREFIX = "bench_"
ORG_CODE = "benchjv"
PMO_USERNAME = "bench-pmo"
# (unit, monthly aggregation) cycled over the KPIs, so the rebuild exercises each kind.
KPI_KINDS = [
    ("percent", "mean"),
    ("percent", "time_weighted_mean"),
    ("percent", "max"),
    ("percent", "latest"),
    ("count", "sum"),
]
SYMBOL = {"percent": "%", "count": "count"}
COPY_SQL = (
    'COPY kpis_measurement (kpi_id, batch_id, organization_id, subject, start, "end", value) '
    "FROM STDIN"
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=f"Database: BENCH_DATABASE_URL (default {DEFAULT_URL}); its name must "
        "contain 'bench'.",
    )
    parser.add_argument("--kpis", type=int, default=100, help="KPIs to load (100)")
    parser.add_argument("--years", type=int, default=5, help="years of hourly data (5)")
    parser.add_argument("--repeat", type=int, default=30, help="timed calls of (a), (b) (30)")
    parser.add_argument(
        "--api-rows", type=int, default=100_000, help="rows per ingest run (100,000)"
    )
    parser.add_argument(
        "--request-rows", type=int, default=10_000, help="rows per API request (10,000)"
    )
    parser.add_argument(
        "--ingest-runs", type=int, default=3, help="runs of each: API deep, API wide, COPY (3)"
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check that it works")
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument(
        "--reuse", action="store_true", help="use the kept database as it is (no loading)"
    )
    parser.add_argument(
        "--out", type=Path, help="results JSON (default bench/results/kpis-<date>.json)"
    )
    args = parser.parse_args()
    if args.quick:
        args.kpis, args.years, args.repeat = 5, 1, 5
        args.api_rows, args.request_rows, args.ingest_runs = 4_000, 2_000, 2
    return args


# ----------------------------------------------------------------------------- helpers


def stats_ms(seconds: list[float]) -> dict:
    """Median, 90th percentile (nearest rank) and minimum, in milliseconds."""
    ordered = sorted(seconds)
    p90 = ordered[max(0, -(-len(ordered) * 9 // 10) - 1)]
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p90_ms": round(p90 * 1000, 2),
        "min_ms": round(ordered[0] * 1000, 2),
    }


def timed(call: Callable[[], object], repeat: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def traced_peak_mib(call: Callable[[], object]) -> float:
    """Peak of Python allocations during one (untimed) call."""
    tracemalloc.start()
    try:
        call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return round(peak / 2**20, 2)


def query_count(call: Callable[[], object]) -> int:
    """Queries of one (untimed) call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        call()
    # Counted now: the captured list is a view of the connection's log, which the next
    # request empties.
    return len(queries)


def maxrss_mib() -> float:
    # Linux reports kilobytes.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


# ---------------------------------------------------------------------------- database


def database_name(url: str) -> str:
    name = conninfo_to_dict(url).get("dbname") or ""
    # A guard against pointing the benchmark at the app's or the test suite's database,
    # which it would drop.
    if "bench" not in name:
        sys.exit(f"Refusing to use database {name!r}: its name must contain 'bench'.")
    return name


def recreate_database(url: str) -> None:
    name = sql.Identifier(database_name(url))
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def drop_database(url: str) -> None:
    name = sql.Identifier(database_name(url))
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "jvtracker.settings.local"
    # As in production, DEBUG off: Django would otherwise keep every SQL string. No broker:
    # nothing measured queues a task. One connection throughout, as the test client does
    # not close it between requests.
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()


# ------------------------------------------------------------------------------- setup


def create_programme(n_kpis: int):
    """The organization, PMO user, gate, KPIs and one target per KPI at the gate."""
    from jvtracker.choices import Industry, OrganizationKind, Role
    from jvtracker.models import Organization, User
    from kpis.models import KPIDefinition, KPITarget
    from kpis.services import kpi_save, kpi_target_save
    from milestones.choices import GateKind
    from milestones.models import Programme, StageGate

    jv = Organization.objects.create(
        code=ORG_CODE,
        name_ja="ベンチマーク合弁会社",
        name_en="Benchmark JV",
        kind=OrganizationKind.JOINT_VENTURE,
        industry=Industry.values[0],
    )
    pmo = User.objects.create_user(
        username=PMO_USERNAME, password=None, organization=jv, role=Role.PMO, is_staff=True
    )
    today = dt.date.today()
    programme = Programme.objects.create(
        code="bench",
        name_ja="ベンチマーク",
        name_en="Benchmark",
        funder=jv,
        first_fiscal_year=today.year - 5,
        last_fiscal_year=today.year + 2,
    )
    # A gate still ahead, so it is judged now, on the last twelve months of data.
    gate = StageGate.objects.create(
        programme=programme,
        fiscal_year=today.year + 1,
        kind=GateKind.ANNUAL,
        title_ja="ベンチマークゲート",
        title_en="Benchmark gate",
        review_date=today + dt.timedelta(days=180),
    )
    for i in range(n_kpis):
        unit, aggregation = KPI_KINDS[i % len(KPI_KINDS)]
        higher = i % 2 == 0
        kpi = kpi_save(
            kpi=KPIDefinition(
                code=f"{KPI_PREFIX}{i:03d}",
                name_ja=f"ベンチ指標{i}",
                name_en=f"Bench KPI {i}",
                unit=unit,
                direction="higher" if higher else "lower",
                aggregation=aggregation,
                combination="mean",
                source="pushed",
                owner=jv,
                order=i,
            ),
            actor=pmo,
        )
        scale = 20 if unit == "count" else 100
        target, amber = (0.6 * scale, 0.5 * scale) if higher else (0.4 * scale, 0.5 * scale)
        kpi_target_save(
            target=KPITarget(kpi=kpi, gate=gate, target_value=target, amber_value=amber),
            actor=pmo,
        )
    return gate, pmo


def data_hours(years: int, end: dt.datetime) -> list[dt.datetime]:
    """The hourly instants loaded: ``years`` × 8,760 hours ending at ``end``."""
    count = years * HOURS_PER_YEAR
    return [end - dt.timedelta(hours=count - k) for k in range(count)]


def sample_values(rng: random.Random, unit: str, count: int) -> list[str]:
    if unit == "count":
        return [str(rng.randint(0, 20)) for _ in range(count)]
    return [f"{rng.uniform(15.0, 95.0):.2f}" for _ in range(count)]


def load_measurements(hours: list[dt.datetime], years: int) -> dict:
    """COPY every KPI's hourly measurements, in one seed batch per KPI and year."""
    from django.db import connection, transaction

    from jvtracker.models import Organization
    from kpis.models import IngestBatch, KPIDefinition

    jv = Organization.objects.get(code=ORG_CODE)
    stamps = [h.strftime("%Y-%m-%d %H:%M:%S+00") for h in hours]
    kpis = list(KPIDefinition.objects.filter(code__startswith=KPI_PREFIX).order_by("code"))
    started = time.perf_counter()
    rows = 0
    with transaction.atomic():
        for index, kpi in enumerate(kpis):
            batches = IngestBatch.objects.bulk_create(
                IngestBatch(
                    source="seed",
                    organization=jv,
                    row_count=HOURS_PER_YEAR,
                    checksum=hashlib.sha256(f"bench:{kpi.code}:{year}".encode()).hexdigest(),
                    file_name="bench/kpis.py",
                )
                for year in range(years)
            )
            values = sample_values(random.Random(index), kpi.unit, len(hours))
            text = "".join(
                f"{kpi.pk}\t{batches[k // HOURS_PER_YEAR].pk}\t{jv.pk}\t{LOAD_SUBJECT}\t{stamp}"
                f"\t\\N\t{v}\n"
                for k, (stamp, v) in enumerate(zip(stamps, values, strict=True))
            )
            with connection.cursor() as cursor, cursor.copy(COPY_SQL) as copy:
                copy.write(text)
            rows += len(hours)
            if (index + 1) % 10 == 0:
                log(f"  loaded {index + 1}/{len(kpis)} KPIs ({rows:,} rows)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE kpis_ingestbatch, kpis_measurement")
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": round(seconds, 1), "rows_per_s": round(rows / seconds)}


class QueryLimitReached(Exception):
    pass


def rebuild_monthly_values(limit: int = 50) -> dict:
    """Each KPI's monthly values, by the service that recreates them from the measurements:
    timed, as it is what rebuilding the derived cache after a loss costs.

    A KPI with one subject takes five queries. Past ``limit`` the service would be
    repeating its work per row rather than per subject (hours at this size), so the
    benchmark stops and says so instead of hanging.
    """
    from django.db import connection

    from kpis.models import KPIDefinition, MonthlyValue
    from kpis.services import monthly_values_rebuild

    per_kpi, queries = [], 0

    def limited(execute, query, params, many, context):
        nonlocal queries
        queries += 1
        if queries > limit:
            raise QueryLimitReached
        return execute(query, params, many, context)

    kpis = KPIDefinition.objects.filter(code__startswith=KPI_PREFIX).order_by("code")
    for index, kpi in enumerate(kpis):
        queries = 0
        started = time.perf_counter()
        try:
            with connection.execute_wrapper(limited):
                monthly_values_rebuild(kpi=kpi)
        except QueryLimitReached:
            raise SystemExit(
                f"monthly_values_rebuild(kpi={kpi.code!r}) passed {limit} queries for a KPI "
                "with one subject; at this size it would run for hours."
            ) from None
        per_kpi.append(time.perf_counter() - started)
        if (index + 1) % 10 == 0:
            log(f"  rebuilt {index + 1} KPIs ({sum(per_kpi):.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE kpis_monthlyvalue")
    return {
        "kpis": len(per_kpi),
        "monthly_values": MonthlyValue.objects.count(),
        "queries_per_kpi": queries,
        "total_s": round(sum(per_kpi), 1),
        "per_kpi": stats_ms(per_kpi),
    }


# ------------------------------------------------------------------------ (a) and (b)


def measure_reads(gate, repeat: int) -> dict:
    from kpis.choices import Status
    from kpis.models import KPIDefinition
    from kpis.selectors import kpi_monthly_series, kpi_statuses

    statuses = kpi_statuses(gate=gate)
    assert all(s.target is not None and s.status != Status.NO_DATA for s in statuses), (
        "every KPI should have a target and data"
    )
    times = timed(lambda: kpi_statuses(gate=gate), repeat)
    status = {
        "kpis": len(statuses),
        "colours": {c: sum(s.status == c for s in statuses) for c in Status.values},
        **stats_ms(times),
        "queries": query_count(lambda: kpi_statuses(gate=gate)),
        "tracemalloc_peak_mib": traced_peak_mib(lambda: kpi_statuses(gate=gate)),
    }

    kpis = list(KPIDefinition.objects.filter(code__startswith=KPI_PREFIX))
    turn = iter(range(10**9))

    def one_series():
        # A different KPI each call, so no call reads just what the previous one did.
        return kpi_monthly_series(kpi=kpis[next(turn) % len(kpis)])

    months = len(kpi_monthly_series(kpi=kpis[0]))
    times = timed(one_series, repeat)
    series = {
        "months": months,
        **stats_ms(times),
        "queries": query_count(one_series),
        "tracemalloc_peak_mib": traced_peak_mib(one_series),
    }
    return {"kpi_statuses": status, "kpi_monthly_series": series}


# ------------------------------------------------------------------------------- (c)


class IngestRun:
    """``total`` new rows for ``subject`` over the last hours of the loaded range, cut into
    requests of ``per_request`` rows.

    ``deep`` requests hold few KPIs and many hours each (a backfill: 10 KPIs x 1,000 hours
    at full size); ``wide`` ones every KPI for fewer hours (a system pushing all its KPIs:
    100 KPIs x 100 hours). The service does a few queries per KPI and subject of a request,
    so the shape matters.
    """

    def __init__(
        self, kpis, hours, subject: str, total: int, per_request: int, seed: int, shape: str
    ):
        from zoneinfo import ZoneInfo

        tokyo = ZoneInfo("Asia/Tokyo")
        per_kpi = -(-total // len(kpis))
        recent = hours[-per_kpi:]
        rng = random.Random(seed)
        self.subject = subject
        pairs = (
            [(kpi, at) for kpi in kpis for at in recent]
            if shape == "deep"
            else [(kpi, at) for at in recent for kpi in kpis]
        )[:total]
        # (kpi, instant, value as a JSON number)
        rows = [
            (kpi, at, rng.randint(0, 20) if kpi.unit == "count" else round(rng.uniform(15, 95), 2))
            for kpi, at in pairs
        ]
        self.chunks = [rows[i : i + per_request] for i in range(0, len(rows), per_request)]
        self.rows = len(rows)
        self.bodies = [self.body(chunk, tokyo) for chunk in self.chunks]

    def body(self, chunk, tokyo, bump: float = 0.0) -> str:
        return json.dumps(
            {
                "measurements": [
                    {
                        "kpi": kpi.code,
                        "subject": self.subject,
                        "at": at.astimezone(tokyo).isoformat(),
                        "value": value + (1 if kpi.unit == "count" and bump else bump),
                        "unit": SYMBOL[kpi.unit],
                    }
                    for kpi, at, value in chunk
                ]
            }
        )

    def copy_texts(self, subject: str, batch_ids: list[int], organization_id: int) -> list[str]:
        """The same rows in COPY's text format, one text per request's batch."""
        return [
            "".join(
                f"{kpi.pk}\t{batch_id}\t{organization_id}\t{subject}\t"
                f"{at:%Y-%m-%d %H:%M:%S+00}\t\\N\t{value!r}\n"
                for kpi, at, value in chunk
            )
            for chunk, batch_id in zip(self.chunks, batch_ids, strict=True)
        ]


def post_all(client, bodies: list[str], expect_superseded: int | None = None) -> None:
    for body in bodies:
        response = client.post(API_PATH, data=body, content_type="application/json")
        if response.status_code != 201:
            raise SystemExit(f"API answered {response.status_code}: {response.content[:500]!r}")
        answer = response.json()
        if answer.get("duplicate") or (
            expect_superseded is not None and answer.get("superseded") != expect_superseded
        ):
            raise SystemExit(f"Unexpected API answer: {answer}")


def copy_rows(run: IngestRun, subject: str) -> float:
    """COPY the run's rows (under ``subject``) into the measurement table, each chunk
    referencing its own ingest batch as the API's rows do, then roll back. The seconds
    spent creating the batches and copying; formatting the COPY text, the counterpart of
    the JSON bodies prepared before the API is timed, is not counted."""
    from django.db import connection, transaction

    from jvtracker.models import Organization
    from kpis.models import IngestBatch

    jv = Organization.objects.get(code=ORG_CODE)
    with transaction.atomic():
        started = time.perf_counter()
        batches = IngestBatch.objects.bulk_create(
            IngestBatch(
                source="api",
                organization=jv,
                row_count=len(chunk),
                checksum=hashlib.sha256(f"{subject}:{i}".encode()).hexdigest(),
            )
            for i, chunk in enumerate(run.chunks)
        )
        elapsed = time.perf_counter() - started
        texts = run.copy_texts(subject, [b.pk for b in batches], jv.pk)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for text in texts:
                with cursor.copy(COPY_SQL) as copy:
                    copy.write(text)
        elapsed += time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def measure_ingest(args, hours, token: str) -> dict:
    from django.test import Client

    from jvtracker.models import User
    from kpis.models import KPIDefinition

    kpis = list(KPIDefinition.objects.filter(code__startswith=KPI_PREFIX).order_by("code"))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=PMO_USERNAME))

    def run(label: str, seed: int, shape: str = "deep", total: int = args.api_rows) -> IngestRun:
        return IngestRun(kpis, hours, f"{label}-{token}", total, args.request_rows, seed, shape)

    # Warm-up: one request and one COPY of a request's size, not counted.
    warm = run("api-w", 0, total=args.request_rows)
    post_all(client, warm.bodies)
    copy_rows(warm, f"cpy-w-{token}")

    times: dict[str, list[float]] = {"api": [], "copy": [], "api_wide": []}
    order = []
    kept = None
    for r in range(1, args.ingest_runs + 1):
        deep = run(f"api-{r}", r)
        wide = run(f"wid-{r}", r, "wide")
        kept = kept or deep
        # A Latin square: each side takes each position once in three runs, so a drift in
        # the machine's load favours none of them.
        sides = ["api", "copy", "api_wide"]
        sides = sides[(r - 1) % 3 :] + sides[: (r - 1) % 3]
        for side in sides:
            started = time.perf_counter()
            if side == "copy":
                elapsed = copy_rows(deep, f"cpy-{r}-{token}")
            else:
                post_all(client, (deep if side == "api" else wide).bodies)
                elapsed = time.perf_counter() - started
            times[side].append(elapsed)
            order.append(side)
            log(f"  {side} run {r}: {elapsed:.2f} s")

    rows = kept.rows
    api_median = statistics.median(times["api"])
    copy_median = statistics.median(times["copy"])
    wide_median = statistics.median(times["api_wide"])

    # Corrections: the first request of the first run again, every value changed.
    from zoneinfo import ZoneInfo

    corrections = kept.body(kept.chunks[0], ZoneInfo("Asia/Tokyo"), bump=0.5)
    started = time.perf_counter()
    post_all(client, [corrections], expect_superseded=len(kept.chunks[0]))
    supersede_s = time.perf_counter() - started

    # Queries and memory of one request of each shape, on requests of their own (untimed).
    probes = {}
    for shape in ("deep", "wide"):
        counted = run(f"{shape[:3]}-q", 90, shape).bodies[0]
        traced = run(f"{shape[:3]}-m", 91, shape).bodies[0]
        probes[shape] = {
            "queries": query_count(lambda body=counted: post_all(client, [body])),
            "tracemalloc_peak_mib": traced_peak_mib(lambda body=traced: post_all(client, [body])),
        }

    return {
        "rows_per_run": rows,
        "requests_per_run": len(kept.chunks),
        "rows_per_request": args.request_rows,
        "kpis_per_request": {
            "deep": len({kpi for kpi, _, _ in kept.chunks[0]}),
            "wide": len({kpi for kpi, _, _ in wide.chunks[0]}),
        },
        "order": order,
        "api_runs_s": [round(s, 3) for s in times["api"]],
        "copy_runs_s": [round(s, 3) for s in times["copy"]],
        "api_wide_runs_s": [round(s, 3) for s in times["api_wide"]],
        "api_median_s": round(api_median, 3),
        "copy_median_s": round(copy_median, 3),
        "api_wide_median_s": round(wide_median, 3),
        "api_rows_per_s": round(rows / api_median),
        "copy_rows_per_s": round(rows / copy_median),
        "api_wide_rows_per_s": round(rows / wide_median),
        "api_over_copy_time": round(api_median / copy_median, 1),
        "api_wide_over_copy_time": round(wide_median / copy_median, 1),
        "supersession": {
            "rows": len(kept.chunks[0]),
            "seconds": round(supersede_s, 3),
            "rows_per_s": round(len(kept.chunks[0]) / supersede_s),
        },
        "one_request": probes,
    }


# ------------------------------------------------------------------------------ report


def measure_admin_pages(repeat: int) -> dict:
    """The PMO's KPI pages in the admin on the full table: not a target of the issue, but
    the measurement history is the one page that could read millions of rows."""
    from django.test import Client

    from jvtracker.models import User
    from kpis.models import KPIDefinition

    # The bench PMO is not in the PMO group; a superuser sees the same pages.
    User.objects.filter(username=PMO_USERNAME).update(is_superuser=True, is_staff=True)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=PMO_USERNAME))
    kpi = KPIDefinition.objects.filter(code__startswith=KPI_PREFIX).order_by("pk").first()
    pages = {
        "measurement history, all KPIs": "/admin/kpis/measurement/",
        "measurement history, one KPI": f"/admin/kpis/measurement/?kpi={kpi.pk}",
        "measurement history, one KPI by time": f"/admin/kpis/measurement/?kpi={kpi.pk}&o=4",
        "ingest batches": "/admin/kpis/ingestbatch/",
        "KPI board": "/admin/kpis/kpidefinition/board/",
        "KPI page": f"/admin/kpis/kpidefinition/{kpi.pk}/change/",
    }
    results = {}
    for label, url in pages.items():

        def get(url: str = url) -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")

        results[label] = {
            "url": url,
            **stats_ms(timed(get, repeat, warmup=1)),
            "queries": query_count(get),
        }
    return results


def existing_hours() -> list[dt.datetime]:
    """The loaded instants of a kept database (``--reuse``)."""
    from django.db.models import Max, Min

    from kpis.models import KPIDefinition, Measurement

    first_kpi = KPIDefinition.objects.filter(code__startswith=KPI_PREFIX).order_by("code")[0]
    span = Measurement.objects.filter(kpi=first_kpi, subject=LOAD_SUBJECT).aggregate(
        first=Min("start"), last=Max("start")
    )
    count = int((span["last"] - span["first"]).total_seconds() // 3600) + 1
    return [span["first"] + dt.timedelta(hours=k) for k in range(count)]


def environment() -> dict:
    import django
    from django.db import connection

    from kpis.models import KPIDefinition, Measurement, MonthlyValue

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0]
        settings = {}
        for name in ("shared_buffers", "work_mem", "synchronous_commit", "max_wal_size"):
            cursor.execute("SELECT current_setting(%s)", [name])
            settings[name] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('kpis_measurement'))")
        size = cursor.fetchone()[0]
    cpu = ""
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if "model name" in line), "")
    except OSError:
        pass
    return {
        "postgresql": version,
        "postgresql_settings": settings,
        "python": platform.python_version(),
        "django": django.get_version(),
        "psycopg": psycopg.__version__,
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "kpis": KPIDefinition.objects.filter(code__startswith=KPI_PREFIX).count(),
        "measurements": Measurement.objects.count(),
        "monthly_values": MonthlyValue.objects.count(),
        "measurement_table_size": size,
    }


def verdicts(results: dict) -> dict:
    reads, ingest = results["reads"], results.get("ingest")
    return {
        "a_kpi_statuses_under_300ms": reads["kpi_statuses"]["median_ms"] < 300,
        "b_kpi_monthly_series_under_100ms": reads["kpi_monthly_series"]["median_ms"] < 100,
        "c_api_ingest_at_least_10000_rows_per_s": (
            ingest["api_rows_per_s"] >= 10_000 if ingest else None
        ),
        "c_api_ingest_wide_at_least_10000_rows_per_s": (
            ingest["api_wide_rows_per_s"] >= 10_000 if ingest else None
        ),
    }


def report(results: dict) -> str:
    reads, ingest, met = results["reads"], results.get("ingest"), results["targets_met"]

    def mark(ok: bool | None) -> str:
        return {True: "met", False: "MISSED", None: "not run"}[ok]

    env = results["environment"]
    lines = [
        f"jvtracker KPI benchmark, {results['started_at']}",
        f"{env['kpis']} KPIs, {env['measurements']:,} measurements "
        f"({env['measurement_table_size']}), {env['monthly_values']:,} monthly values",
        f"{env['postgresql'].split(' on ')[0]}, {env['cpus']} CPUs; "
        f"load average {results['load_average']['before']} before, "
        f"{results['load_average']['after']} after",
        "",
        f"{'measure':<42}{'median':>12}{'p90':>12}{'min':>12}{'queries':>9}  target",
    ]
    for key, label, target, ok in (
        (
            "kpi_statuses",
            "(a) kpi_statuses(gate), every KPI",
            "< 300 ms",
            met["a_kpi_statuses_under_300ms"],
        ),
        (
            "kpi_monthly_series",
            "(b) kpi_monthly_series(kpi)",
            "< 100 ms",
            met["b_kpi_monthly_series_under_100ms"],
        ),
    ):
        r = reads[key]
        lines.append(
            f"{label:<42}{r['median_ms']:>9.1f} ms{r['p90_ms']:>9.1f} ms{r['min_ms']:>9.1f} ms"
            f"{r['queries']:>9}  {target}: {mark(ok)}"
        )
    if ingest:
        n, kpr = ingest["rows_per_run"], ingest["kpis_per_request"]
        deep, wide = ingest["one_request"]["deep"], ingest["one_request"]["wide"]
        lines += [
            "",
            f"(c) {n:,} new rows as {ingest['requests_per_run']} requests; medians of "
            f"{len(ingest['api_runs_s'])} runs each, interleaved ({' '.join(ingest['order'])})",
            f"    API, {kpr['deep']} KPIs/request: {ingest['api_median_s']:.2f} s = "
            f"{ingest['api_rows_per_s']:,} rows/s  {ingest['api_runs_s']}  "
            f">= 10,000 rows/s: {mark(met['c_api_ingest_at_least_10000_rows_per_s'])}",
            f"    API, {kpr['wide']} KPIs/request: {ingest['api_wide_median_s']:.2f} s = "
            f"{ingest['api_wide_rows_per_s']:,} rows/s  {ingest['api_wide_runs_s']}  "
            f">= 10,000 rows/s: {mark(met['c_api_ingest_wide_at_least_10000_rows_per_s'])}",
            f"    COPY, same rows:     {ingest['copy_median_s']:.2f} s = "
            f"{ingest['copy_rows_per_s']:,} rows/s  {ingest['copy_runs_s']}",
            f"    API / COPY time: {ingest['api_over_copy_time']}x "
            f"({ingest['api_wide_over_copy_time']}x with {kpr['wide']} KPIs/request)",
            f"    corrections: {ingest['supersession']['rows']:,} rows superseding as many "
            f"in {ingest['supersession']['seconds']:.2f} s = "
            f"{ingest['supersession']['rows_per_s']:,} rows/s",
            f"    one request: {deep['queries']} queries, tracemalloc peak "
            f"{deep['tracemalloc_peak_mib']} MiB ({kpr['deep']} KPIs); {wide['queries']} "
            f"queries, {wide['tracemalloc_peak_mib']} MiB ({kpr['wide']} KPIs)",
        ]
    else:
        lines += ["", f"(c) not run: {API_PATH} is not routed yet."]
    if "load" in results:
        load, rebuild = results["load"], results["rebuild"]
        lines += [
            "",
            f"load by COPY: {load['rows']:,} rows in {load['seconds']} s "
            f"({load['rows_per_s']:,} rows/s)",
            f"monthly_values_rebuild: {rebuild['monthly_values']:,} monthly values of "
            f"{rebuild['kpis']} KPIs in {rebuild['total_s']} s (median "
            f"{rebuild['per_kpi']['median_ms'] / 1000:.2f} s and {rebuild['queries_per_kpi']} "
            "queries per KPI)",
        ]
    if "admin_pages" in results:
        lines += ["", f"{'(d) admin page':<42}{'median':>12}{'p90':>12}{'min':>12}{'queries':>9}"]
        for label, r in results["admin_pages"].items():
            lines.append(
                f"    {label:<38}{r['median_ms']:>9.1f} ms{r['p90_ms']:>9.1f} ms"
                f"{r['min_ms']:>9.1f} ms{r['queries']:>9}"
            )
    lines += [
        "",
        f"tracemalloc peaks: (a) {reads['kpi_statuses']['tracemalloc_peak_mib']} MiB, "
        f"(b) {reads['kpi_monthly_series']['tracemalloc_peak_mib']} MiB; "
        f"process max RSS {results['maxrss_mib']['end']} MiB",
    ]
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    started_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    token = started_at.strftime("%Y%m%d%H%M%S")
    name = database_name(url)
    if not args.reuse:
        log(f"Creating database {name} ...")
        recreate_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connections
    from django.urls import Resolver404, resolve

    results: dict = {
        "command": " ".join(["bench/kpis.py", *sys.argv[1:]]),
        "started_at": started_at.isoformat(),
        "options": {k: v for k, v in vars(args).items() if k != "out"},
        "load_average": {"before": load_average()},
        "maxrss_mib": {},
    }
    try:
        call_command("migrate", verbosity=0)
        if args.reuse:
            from milestones.models import StageGate

            gate = StageGate.objects.get(programme__code="bench")
            hours = existing_hours()
        else:
            gate, _ = create_programme(args.kpis)
            end = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
            hours = data_hours(args.years, end - dt.timedelta(hours=1))
            log(f"Loading {args.kpis} KPIs x {len(hours):,} hours by COPY ...")
            results["load"] = load_measurements(hours, args.years)
            results["maxrss_mib"]["after_load"] = maxrss_mib()
            log("Rebuilding monthly values with monthly_values_rebuild ...")
            results["rebuild"] = rebuild_monthly_values()
            results["maxrss_mib"]["after_rebuild"] = maxrss_mib()
        log("Measuring (a) kpi_statuses and (b) kpi_monthly_series ...")
        results["reads"] = measure_reads(gate, args.repeat)
        results["maxrss_mib"]["after_reads"] = maxrss_mib()
        try:
            resolve(API_PATH)
            routed = True
        except Resolver404:
            routed = False
        if routed:
            log("Measuring (c) API ingest against COPY ...")
            results["ingest"] = measure_ingest(args, hours, token)
        else:
            log(f"(c) skipped: {API_PATH} is not routed.")
        log("Measuring (d) the admin's KPI pages ...")
        results["admin_pages"] = measure_admin_pages(repeat=max(5, args.repeat // 6))
        results["maxrss_mib"]["end"] = maxrss_mib()
        results["load_average"]["after"] = load_average()
        results["environment"] = environment()
        results["targets_met"] = verdicts(results)
    finally:
        connections.close_all()
        if not args.keep:
            log("Dropping the benchmark database (--keep keeps it).")
            drop_database(url)
    print(report(results))
    out = args.out or (
        None if args.quick else ROOT / "bench" / "results" / f"kpis-{started_at:%Y-%m-%d}.json"
    )
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        log(f"Results written to {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
