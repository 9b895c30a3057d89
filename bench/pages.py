"""Benchmark of the site's pages (issue 7) on the demo data set, beside the admin's.

    make bench-pages                # or: .venv/bin/python bench/pages.py [options]

Targets (set by the lead; issue 7 names none): on the demo data set on PostgreSQL, every
site page renders in under 300 ms (median), and each site page that has an admin
counterpart takes at most 1.5 times the admin page's median, measured side by side in one
run.

It creates its own database (``BENCH_DATABASE_URL``, dropped and recreated, and dropped
again at the end with its copy unless ``--keep``; there is no ``--reuse``: the set-up
takes about a minute), migrates it, seeds the demo (``seed_demo``, the
public entry point ``make demo`` uses) and requests about 50 reports through the report
service (some rendered, a few failed, the rest queued). Then, in-process through Django's
test client, each signed in as the role the page is for:

1. the site's main pages (a partner's: contracts, a contract, a new contract, datasets,
   KPI measurements; policy staff's: dashboard, timeline, a gate, the KPI board, reports,
   a report's status) and the admin pages doing the same jobs (KPI board, timeline, report
   and contract changelists), all interleaved: warm-up rounds, then rounds in which each
   page is fetched once, in an order rotated round by round. Median, p90 and minimum per
   page, the ratio of each site page to its admin counterpart round by round; queries and
   response size on separate, untimed requests;
2. the scale check: a copy of the database (``<name>_10x``) given ten times the contracts
   and reports through the services; the contract lists and the reports list (with the
   admin's, and two control pages that the new rows do not touch) measured on both
   databases in the same rounds, the connection switched between them: queries must not
   grow with the rows, and time should grow with the rows shown;
3. the peak RSS of the measuring process after each phase (the set-up, which runs
   WeasyPrint, runs in a process of its own).

The machine may be shared: compare the medians and ratios of one run, not figures of
different runs. See docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib
import importlib.metadata
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from psycopg.conninfo import make_conninfo

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on the path, where bench/kpis.py would shadow
# the ``kpis`` app; the project root takes its place.
sys.path[0] = str(ROOT)

# The API benchmark's module: its synthetic contracts (copies of the demo's, taken through
# the workflow by the services) and its profiler; through it, the KPI benchmark's helpers
# (database, timing statistics, queries, peak RSS).
ba = importlib.import_module("bench.api")
bk = ba.bk
log, load_average = bk.log, bk.load_average

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jvtracker_bench_pages"
TARGET_MS = 300
TARGET_RATIO = 1.5
# The demo's users: the partner with the most contracts (tied with Kobe Steel), policy
# staff, and the PMO (whose name the API benchmark's contract copies act under).
PARTNER, POLICY = "partner-nipponsteel", "policy"
GATE_CODE = "FY2027"
SCALE = 10
ADMIN = "/admin/"


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    user: str
    path: str
    # The site page this admin page does the same job as.
    admin_of: str | None = None
    json: bool = False


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=f"Database: BENCH_DATABASE_URL (default {DEFAULT_URL}); its name must "
        "contain 'bench'.",
    )
    parser.add_argument("--rounds", type=int, default=30, help="timed rounds (30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first (3)")
    parser.add_argument("--reports", type=int, default=50, help="reports in the list (50)")
    parser.add_argument(
        "--rendered", type=int, default=12, help="of them rendered to a PDF, i.e. ready (12)"
    )
    parser.add_argument("--failed", type=int, default=3, help="of them failed (3)")
    parser.add_argument(
        "--skip-scale", action="store_true", help="leave out the scale check (phase 2)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile 10 requests of every page (pages over a target always are)",
    )
    parser.add_argument("--quick", action="store_true", help="short runs, to check that it works")
    parser.add_argument("--keep", action="store_true", help="keep the databases at the end")
    # The set-up runs in a process of its own (see main); this is its entry point.
    parser.add_argument("--setup-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--out", type=Path, help="results JSON (default bench/results/pages-<date>.json)"
    )
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.warmup, args.reports, args.rendered, args.failed = 5, 1, 20, 1, 2
    if args.rendered < 1 or args.rendered + args.failed + 3 > args.reports:
        parser.error("--rendered (at least 1) and --failed leave fewer than 3 reports queued")
    return args


# ------------------------------------------------------------------------------- data


def environment_variables(scratch: Path) -> None:
    """Private files (the demo's signed contracts, the reports' PDFs) in a scratch
    directory; a demo password given, so the seed writes no password file; notifications
    dropped; the eager tasks' log lines left out."""
    os.environ.update(
        PRIVATE_MEDIA_ROOT=str(scratch / "private"),
        DEMO_PASSWORD=secrets.token_urlsafe(18),
        EMAIL_URL="dummymail://",
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("CACHE_URL", None)


def seed_demo() -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    # Its output lists the demo's users and password: not for the benchmark's log.
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        call_command("seed_demo", stdout=devnull)
    return round(time.perf_counter() - started, 1)


def add_reports(total: int, rendered: int, failed: int) -> dict:
    """Reports through the report service until there are ``total``, requested by policy
    staff and the PMO in turn: every kind, gate and language in rotation, each ten as of
    one day earlier than the ten before (within the programme, at most a year back), so no
    two requests are the same (the service answers a pending repeat with the report it
    already has). The newest three stay queued (being worked on); of the next ones,
    ``rendered`` are rendered by the worker's service (ready to download) and ``failed``
    failed through ``report_fail``; the older rest stay queued. So the list's first page
    shows every state."""
    from django.utils import timezone

    from jvtracker.models import User
    from milestones.models import StageGate
    from milestones.selectors import programme_current
    from reports.choices import ReportKind, ReportLanguage, RequestChannel
    from reports.models import Report
    from reports.services import report_fail, report_render, report_request

    users = [User.objects.get(username=POLICY), User.objects.get(username=ba.USERNAME)]
    gates = list(StageGate.objects.order_by("review_date"))
    kinds = [
        ReportKind.STAGE_GATE,
        ReportKind.KPI_BOARD,
        ReportKind.STAGE_GATE,
        ReportKind.CONTRACT_REGISTER,
        ReportKind.CONTAMINATION,
    ]
    today = timezone.localdate()
    span = min(365, (today - programme_current().window_start).days + 1)
    existing = Report.objects.count()
    new = []
    for i in range(existing, total):
        kind = kinds[i % len(kinds)]
        new.append(
            report_request(
                kind=kind,
                actor=users[i % 2],
                via=RequestChannel.PAGE if i % 2 == 0 else RequestChannel.ADMIN,
                gate=gates[i % len(gates)] if ReportKind(kind).needs_gate else None,
                as_of=today - dt.timedelta(days=(i // 10) % span),
                language=ReportLanguage.values[i % 2],
                enqueue=False,
            )
        )
    started = time.perf_counter()
    finishing = new[::-1][3:]
    for report in finishing[:rendered]:
        done = report_render(report_id=report.pk)
        if done is None or done.status != "succeeded":
            raise SystemExit(f"report {report.reference} did not render: {done and done.error}")
    for report in finishing[rendered : rendered + failed]:
        report_fail(
            report_id=report.pk,
            reason="ベンチマーク：失敗した依頼の例 / benchmark: an example of a failed request",
        )
    added = Report.objects.count() - existing
    if added != len(new):
        raise SystemExit(f"{len(new)} reports requested, {added} created: some were repeats")
    return {
        "added": len(new),
        "rendered": len(finishing[:rendered]),
        "failed": len(finishing[rendered : rendered + failed]),
        "render_s": round(time.perf_counter() - started, 1),
    }


def data_counts() -> dict:
    from datagov.models import (
        ContractTransition,
        DataAsset,
        DataContract,
        SignedDocument,
    )
    from jvtracker.models import Organization, User
    from kpis.models import KPIDefinition, Measurement
    from milestones.models import Milestone, StageGate
    from reports.models import Report

    partner = User.objects.get(username=PARTNER)
    return {
        "organizations": Organization.objects.count(),
        "users": User.objects.count(),
        "milestones": Milestone.objects.count(),
        "stage_gates": StageGate.objects.count(),
        "kpis": KPIDefinition.objects.count(),
        "measurements": Measurement.objects.count(),
        "datasets": DataAsset.objects.count(),
        "contracts": DataContract.objects.count(),
        "contracts_of_partner": DataContract.objects.filter(
            provider_id=partner.organization_id
        ).count(),
        "contract_transitions": ContractTransition.objects.count(),
        "signed_documents": SignedDocument.objects.count(),
        "reports": Report.objects.count(),
        "reports_by_status": dict(
            sorted(
                (status, Report.objects.filter(status=status).count())
                for status in Report.objects.values_list("status", flat=True).distinct()
            )
        ),
    }


def pages() -> list[Page]:
    """The main pages and their admin counterparts, with the objects they show."""
    from datagov.selectors import contracts_visible_to
    from jvtracker.models import User
    from reports.models import Report

    partner = User.objects.get(username=PARTNER)
    # The partner's contract with the longest history: the page's heaviest.
    contract = max(
        contracts_visible_to(partner).prefetch_related("transitions", "documents"),
        key=lambda c: (len(c.transitions.all()) + len(c.documents.all()), -c.pk),
    )
    report = Report.objects.filter(status="succeeded").order_by("-pk").first()
    if report is None:
        raise SystemExit("no report is ready: --rendered must be at least 1")
    return [
        Page("contracts", "contracts (partner)", PARTNER, "/datagov/contracts/"),
        Page("contract", "a contract (partner)", PARTNER, f"/datagov/contracts/{contract.pk}/"),
        Page("contract_new", "new contract (partner)", PARTNER, "/datagov/contracts/new/"),
        Page("datasets", "datasets (partner)", PARTNER, "/datagov/datasets/"),
        Page("measurements", "KPI measurements (partner)", PARTNER, "/kpis/measurements/"),
        Page("dashboard", "dashboard", POLICY, "/dashboard/"),
        Page("timeline", "timeline", POLICY, "/programme/timeline/"),
        Page("gate", f"gate {GATE_CODE}", POLICY, f"/programme/gates/{GATE_CODE}/"),
        Page("kpi_board", "KPI board", POLICY, "/kpis/"),
        Page("reports", "reports", POLICY, "/reports/"),
        Page(
            "report_status",
            "a report's status (JSON)",
            POLICY,
            f"/reports/{report.pk}/status/",
            json=True,
        ),
        # The contract list as policy staff see it (every contract), to set beside the
        # admin's changelist of the same rows; the partner's above is their own.
        Page("contracts_policy", "contracts (policy)", POLICY, "/datagov/contracts/"),
        Page(
            "admin_kpi_board",
            "admin KPI board",
            POLICY,
            "/admin/kpis/kpidefinition/board/",
            admin_of="kpi_board",
        ),
        Page("admin_timeline", "admin timeline", POLICY, "/admin/timeline/", admin_of="timeline"),
        Page(
            "admin_reports",
            "admin report changelist",
            POLICY,
            "/admin/reports/report/",
            admin_of="reports",
        ),
        Page(
            "admin_contracts",
            "admin contract changelist",
            POLICY,
            "/admin/datagov/datacontract/",
            admin_of="contracts_policy",
        ),
    ]


# ------------------------------------------------------------------------ measuring


class Clients:
    """One test client per user, signed in as the login page would sign them in."""

    def __init__(self):
        from django.test import Client

        from jvtracker.models import User

        self._client = Client
        self._users = User
        self._clients: dict = {}

    def get(self, page: Page):
        client = self._clients.get(page.user)
        if client is None:
            client = self._client(HTTP_HOST="127.0.0.1")
            client.force_login(self._users.objects.get(username=page.user))
            self._clients[page.user] = client
        return client.get(page.path)


def check(page: Page, response) -> None:
    """The page answers 200 with what it is: HTML with the page's main block, or JSON."""
    kind = response.get("Content-Type", "")
    body = response.content
    if response.status_code != 200:
        raise SystemExit(f"{page.path} ({page.user}) answered {response.status_code}")
    if page.json:
        if not kind.startswith("application/json"):
            raise SystemExit(f"{page.path} answered {kind}, not JSON")
    elif not kind.startswith("text/html") or b'id="content-main"' not in body:
        raise SystemExit(f"{page.path} ({page.user}) is not the page: {body[:300]!r}")


def queries_of(clients: Clients, page: Page) -> dict:
    """The page's queries on an untimed request: how many, their time as this process saw
    it (sending, PostgreSQL's work, receiving), and their text, for finding out why a
    page is slow."""
    from django.db import connection

    sql, seconds = [], []

    def record(execute, query, params, many, context):
        started = time.perf_counter()
        try:
            return execute(query, params, many, context)
        finally:
            seconds.append(time.perf_counter() - started)
            sql.append(query[:400])

    with connection.execute_wrapper(record):
        clients.get(page)
    return {
        "count": bk.query_count(lambda: clients.get(page)),
        "sql_ms": round(sum(seconds) * 1000, 2),
        "sql": sql,
    }


def use_database(name: str) -> None:
    """Point Django's connection at the database ``name`` (the scale check's two databases
    are copies of one another, ids and all), connected before anything is timed."""
    from django.db import connection

    if connection.settings_dict["NAME"] == name:
        return
    connection.close()
    connection.settings_dict["NAME"] = name
    connection.ensure_connection()


def measure(pages_: list[Page], rounds: int, warmup: int, databases: list[str]) -> dict:
    """Every page fetched once per round in each database, after ``warmup`` untimed
    rounds; the order of the databases and of the pages rotated round by round, so a
    drift in the machine's load favours none. Wall and CPU time (this process's: Django,
    the templates, psycopg; PostgreSQL's own work is outside it) of each request; queries
    and size on separate requests. Figures per database, then per page."""
    clients = {db: Clients() for db in databases}
    sizes: dict[str, dict[str, int]] = {db: {} for db in databases}
    for db in databases:
        use_database(db)
        for page in pages_:
            response = clients[db].get(page)
            check(page, response)
            sizes[db][page.key] = len(response.content)
    for _ in range(warmup):
        for db in databases:
            use_database(db)
            for page in pages_:
                clients[db].get(page)
    wall = {db: {p.key: [] for p in pages_} for db in databases}
    cpu = {db: {p.key: [] for p in pages_} for db in databases}
    for r in range(rounds):
        for db in databases[r % len(databases) :] + databases[: r % len(databases)]:
            use_database(db)
            shift = r % len(pages_)
            for page in pages_[shift:] + pages_[:shift]:
                started, cpu_started = time.perf_counter(), time.process_time()
                clients[db].get(page)
                wall[db][page.key].append(time.perf_counter() - started)
                cpu[db][page.key].append(time.process_time() - cpu_started)
    results = {}
    for db in databases:
        use_database(db)
        results[db] = figures(pages_, clients[db], wall[db], cpu[db], sizes[db])
    return results


def figures(pages_: list[Page], clients: Clients, wall: dict, cpu: dict, sizes: dict) -> dict:
    results = {}
    for page in pages_:
        queries = queries_of(clients, page)
        results[page.key] = {
            "label": page.label,
            "user": page.user,
            "path": page.path,
            "admin_of": page.admin_of,
            **bk.stats_ms(wall[page.key]),
            "cpu_median_ms": round(statistics.median(cpu[page.key]) * 1000, 2),
            "queries": queries["count"],
            "sql_ms": queries["sql_ms"],
            "bytes": sizes[page.key],
            "runs_ms": [round(t * 1000, 2) for t in wall[page.key]],
            "sql": queries["sql"],
        }
    for page in pages_:
        if page.admin_of is None or page.admin_of not in wall:
            continue
        site = results[page.admin_of]
        # Round by round: the two requests of a round met the same load.
        per_round = [s / a for s, a in zip(wall[page.admin_of], wall[page.key], strict=True)]
        site["admin"] = page.key
        site["ratio_to_admin"] = round(statistics.median(per_round), 3)
        site["ratio_of_medians"] = round(site["median_ms"] / results[page.key]["median_ms"], 3)
    return results


def profile_pages(pages_: list[Page], keys: set[str]) -> dict:
    """cProfile of 10 requests of each page named: own time by package and the functions
    with the most own time, per request."""
    clients = Clients()
    out = {}
    for page in pages_:
        if page.key in keys:
            clients.get(page)
            out[page.key] = ba.profile_top(
                lambda page=page: [clients.get(page) for _ in range(10)], 10
            )
    return out


# ---------------------------------------------------------------------- scale check

SCALE_PAGES = ("contracts", "contracts_policy", "admin_contracts", "reports", "admin_reports")
# Pages the new rows do not touch: their ratio should be 1.
CONTROL_PAGES = ("timeline", "kpi_board")


def scale_up(url: str, name: str, copy: str) -> dict:
    """A copy of the benchmark's database (``CREATE DATABASE … TEMPLATE``) with ten times
    the demo's contracts (copies of each, through the API benchmark's service calls:
    every provider gets ten times its own) and ten times the reports."""
    import psycopg
    from django.db import connections
    from psycopg import sql

    from datagov.models import DataContract
    from reports.models import Report
    from reports.services import report_fail

    started = time.perf_counter()
    connections.close_all()
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy))
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(copy), sql.Identifier(name)
            )
        )
    use_database(copy)
    contracts = ba.add_synthetic_contracts(SCALE * DataContract.objects.count())
    reports = add_reports(SCALE * Report.objects.count(), rendered=0, failed=0)["added"]
    # Every tenth of the new ones failed, as in the base set; the rest queued.
    for report in Report.objects.order_by("-pk")[:reports][::10]:
        report_fail(report_id=report.pk, reason="benchmark")
    return {
        "database": copy,
        "contracts_added": contracts,
        "reports_added": reports,
        "seconds": round(time.perf_counter() - started, 1),
    }


def rows_shown() -> dict:
    """Each list's rows: those on its first page (what it renders) and all it lists."""
    from datagov.admin.contracts import DataContractAdmin
    from datagov.models import DataContract
    from jvtracker.models import User
    from reports.admin import ReportAdmin
    from reports.models import Report
    from reports.views import REPORTS_PER_PAGE

    partner = User.objects.get(username=PARTNER)
    own = DataContract.objects.filter(provider_id=partner.organization_id).count()
    contracts = DataContract.objects.count()
    reports = Report.objects.count()
    # The site's contract list has no pages; the others show a page at a time.
    return {
        "contracts": {"shown": own, "total": own},
        "contracts_policy": {"shown": contracts, "total": contracts},
        "admin_contracts": {
            "shown": min(contracts, DataContractAdmin.list_per_page),
            "total": contracts,
        },
        "reports": {"shown": min(reports, REPORTS_PER_PAGE), "total": reports},
        "admin_reports": {"shown": min(reports, ReportAdmin.list_per_page), "total": reports},
    }


def scale_summary(base: dict, scaled: dict, base_rows: dict, scaled_rows: dict) -> dict:
    """Each list at 1× and 10×: time, queries, bytes, and the time each added row shown
    costs (the slope, if time grows linearly with the rows rendered)."""
    out = {}
    for key in (*SCALE_PAGES, *CONTROL_PAGES):
        b, s = base[key], scaled[key]
        entry = {
            "rows_1x": base_rows.get(key),
            "rows_10x": scaled_rows.get(key),
            "median_ms_1x": b["median_ms"],
            "median_ms_10x": s["median_ms"],
            # Round by round (the two databases' requests of a round met the same load).
            "time_ratio": round(
                statistics.median(x / y for x, y in zip(s["runs_ms"], b["runs_ms"], strict=True)),
                2,
            ),
            "ratio_of_medians": round(s["median_ms"] / b["median_ms"], 2),
            "cpu_median_ms_1x": b["cpu_median_ms"],
            "cpu_median_ms_10x": s["cpu_median_ms"],
            "queries_1x": b["queries"],
            "queries_10x": s["queries"],
            "same_queries": b["queries"] == s["queries"],
            "sql_ms_1x": b["sql_ms"],
            "sql_ms_10x": s["sql_ms"],
            "bytes_1x": b["bytes"],
            "bytes_10x": s["bytes"],
        }
        if key in base_rows:
            added = scaled_rows[key]["shown"] - base_rows[key]["shown"]
            if added > 0:
                entry["ms_per_added_row"] = round((s["median_ms"] - b["median_ms"]) / added, 3)
                entry["cpu_ms_per_added_row"] = round(
                    (s["cpu_median_ms"] - b["cpu_median_ms"]) / added, 3
                )
        out[key] = entry
    return out


# ---------------------------------------------------------------------------- output


def environment() -> dict:
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
    return {
        "postgresql": version,
        "python": platform.python_version(),
        "django": django.get_version(),
        "psycopg": importlib.metadata.version("psycopg"),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "settings": os.environ.get("DJANGO_SETTINGS_MODULE"),
        "debug": settings.DEBUG,
        "language": settings.LANGUAGE_CODE,
    }


def code_state() -> dict:
    """The commit measured and the files changed on top of it: pages change under work."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout

    return {
        "commit": git("rev-parse", "HEAD").strip(),
        "subject": git("log", "-1", "--format=%s").strip()[:200],
        "changed_files": [line[3:] for line in git("status", "--porcelain").splitlines()],
    }


def verdicts(results: dict) -> dict:
    main = results["pages"]
    out = {}
    for key, figures in main.items():
        if figures["path"].startswith(ADMIN):
            continue
        out[f"{key}_under_{TARGET_MS}ms"] = figures["median_ms"] < TARGET_MS
        if "ratio_to_admin" in figures:
            out[f"{key}_within_{TARGET_RATIO}x_admin"] = figures["ratio_to_admin"] <= TARGET_RATIO
    for key, figures in results.get("scale", {}).get("pages", {}).items():
        if key not in CONTROL_PAGES:
            out[f"{key}_queries_constant_at_{SCALE}x"] = figures["same_queries"]
    return out


def mark(ok: bool | None) -> str:
    return {True: "met", False: "MISSED", None: ""}[ok]


def report(results: dict) -> str:
    env, opts = results["environment"], results["options"]
    met = results["targets_met"]
    lines = [
        f"jvtracker pages benchmark, {results['started_at']}",
        f"demo data set ({results['data']['contracts']} contracts, {results['data']['reports']} "
        f"reports); {opts['rounds']} rounds after {opts['warmup']} warm-up, pages interleaved; "
        f"{env['postgresql'].split(' on ')[0]}, {env['cpus']} CPUs; load average "
        f"{results['load_average']['before']} before, {results['load_average']['after']} after",
        "",
        f"{'page':<30}{'median':>8}{'p90':>8}{'min':>8}{'CPU':>8}{'SQL':>7}{'queries':>8}"
        f"{'bytes':>9}{'× admin':>9}  < {TARGET_MS} ms / ≤ {TARGET_RATIO}× admin",
    ]
    for key, f in results["pages"].items():
        ratio = f"{f['ratio_to_admin']:.2f}" if "ratio_to_admin" in f else ""
        verdict = ""
        if not f["path"].startswith(ADMIN):
            verdict = mark(met.get(f"{key}_under_{TARGET_MS}ms"))
            if ratio:
                verdict += " / " + mark(met.get(f"{key}_within_{TARGET_RATIO}x_admin"))
        lines.append(
            f"{f['label']:<30}{f['median_ms']:>8.1f}{f['p90_ms']:>8.1f}{f['min_ms']:>8.1f}"
            f"{f['cpu_median_ms']:>8.1f}{f['sql_ms']:>7.1f}{f['queries']:>8}{f['bytes']:>9,}"
            f"{ratio:>9}  {verdict}".rstrip()
        )
    scale = results.get("scale")
    if scale:
        lines += [
            "",
            f"scale check: {scale['added']['contracts_added']} contracts and "
            f"{scale['added']['reports_added']} reports added ({SCALE}×)",
            f"{'page':<30}{'rows shown':>22}{'median ms':>18}{'× time':>8}{'CPU ms':>18}"
            f"{'queries':>10}{'CPU ms/added row':>18}",
        ]
        for key, s in scale["pages"].items():
            rows = "(control)"
            if s["rows_1x"] is not None:
                rows = " → ".join(
                    str(r["shown"]) if r["shown"] == r["total"] else f"{r['shown']} of {r['total']}"
                    for r in (s["rows_1x"], s["rows_10x"])
                )
            per_row = f"{s['cpu_ms_per_added_row']:.3f}" if "cpu_ms_per_added_row" in s else ""
            lines.append(
                f"{scale['pages_1x'][key]['label']:<30}{rows:>22}"
                f"{s['median_ms_1x']:>8.1f} → {s['median_ms_10x']:>7.1f}{s['time_ratio']:>8.2f}"
                f"{s['cpu_median_ms_1x']:>8.1f} → {s['cpu_median_ms_10x']:>7.1f}"
                f"{s['queries_1x']:>5} → {s['queries_10x']:<3}{per_row:>16}"
            )
    rss = results["maxrss_mib"]
    lines += [
        "",
        "peak RSS of the measuring process: "
        + ", ".join(f"{k} {v} MiB" for k, v in rss.items())
        + f"; of the set-up's process: {results['setup']['peak_rss_mib']} MiB",
    ]
    return "\n".join(lines)


def setup_child(args: argparse.Namespace, url: str) -> None:
    """The data, in a process of its own: ``migrate``, ``seed_demo`` and the reports (the
    seed and the reports' PDFs run WeasyPrint, whose memory would otherwise stay in the
    measuring process's peak RSS). Prints its figures as one JSON line."""
    bk.setup_django(url)
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    figures = {"migrate_s": round(time.perf_counter() - started, 1)}
    log("Seeding the demo (seed_demo) ...")
    figures["seed_demo_s"] = seed_demo()
    log(f"Requesting {args.reports} reports through the report service ...")
    # Rendering a report notifies whoever asked for it: not into the JSON line.
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        figures["reports_added"] = add_reports(args.reports, args.rendered, args.failed)
    figures["peak_rss_mib"] = vm_hwm_mib()
    print("BENCH_SETUP " + json.dumps(figures), flush=True)


def run_setup(args: argparse.Namespace, url: str) -> dict:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--setup-child",
        f"--reports={args.reports}",
        f"--rendered={args.rendered}",
        f"--failed={args.failed}",
    ]
    done = subprocess.run(
        command,
        env={**os.environ, "BENCH_DATABASE_URL": url},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_SETUP ")), None)
    if done.returncode or line is None:
        raise SystemExit(f"the set-up failed ({done.returncode}):\n{done.stdout[-3000:]}")
    return json.loads(line.removeprefix("BENCH_SETUP "))


def vm_hwm_mib() -> float:
    """This process's peak resident set (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return bk.maxrss_mib()


def main() -> None:
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    name = bk.database_name(url)
    # The scale check's copy, with ten times the rows.
    copy = f"{name}_{SCALE}x"
    # Private files outside the repository, kept as long as the database is.
    scratch = Path(tempfile.gettempdir()) / f"{name}-scratch"
    environment_variables(scratch)
    if args.setup_child:
        setup_child(args, url)
        return
    started_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    results: dict = {
        "command": " ".join(["bench/pages.py", *sys.argv[1:]]),
        "started_at": started_at.isoformat(),
        "options": {k: v for k, v in vars(args).items() if k not in ("out", "setup_child")},
        "targets": {"median_ms": TARGET_MS, "ratio_to_admin": TARGET_RATIO},
        "load_average": {"before": load_average()},
        "code": code_state(),
        "maxrss_mib": {"start": bk.maxrss_mib()},
    }
    log(f"Creating database {name} ...")
    bk.recreate_database(url)
    shutil.rmtree(scratch, ignore_errors=True)
    django_ready = False
    try:
        results["setup"] = run_setup(args, url)
        bk.setup_django(url)
        django_ready = True
        results["data"] = data_counts()
        results["maxrss_mib"]["after_django_setup"] = bk.maxrss_mib()
        main_pages = pages()
        log(f"Measuring {len(main_pages)} pages: {args.rounds} rounds ...")
        results["pages"] = measure(main_pages, args.rounds, args.warmup, [name])[name]
        results["maxrss_mib"]["after_pages"] = bk.maxrss_mib()
        slow = {
            key
            for key, f in results["pages"].items()
            if not f["path"].startswith(ADMIN)
            and (f["median_ms"] >= TARGET_MS or f.get("ratio_to_admin", 0) > TARGET_RATIO)
        }
        to_profile = {p.key for p in main_pages} if args.profile else slow
        if to_profile:
            log(f"Profiling {', '.join(sorted(to_profile))} ...")
            results["profile"] = profile_pages(main_pages, to_profile)
        if not args.skip_scale:
            log(f"Scale check: a copy of the database with {SCALE}× the contracts and reports ...")
            base_rows = rows_shown()
            added = scale_up(url, name, copy)
            scaled_rows = rows_shown()
            data = data_counts()
            keys = (*SCALE_PAGES, *CONTROL_PAGES)
            scale_pages = [p for p in main_pages if p.key in keys]
            log(f"Scale check: {len(scale_pages)} pages on both, {args.rounds} rounds ...")
            both = measure(scale_pages, args.rounds, args.warmup, [name, copy])
            results["scale"] = {
                "added": added,
                "data": data,
                "pages_1x": both[name],
                "pages_10x": both[copy],
                "pages": scale_summary(both[name], both[copy], base_rows, scaled_rows),
            }
            results["maxrss_mib"]["after_scale"] = bk.maxrss_mib()
        results["environment"] = environment()
    finally:
        if django_ready:
            from django.db import connections

            connections.close_all()
        if not args.keep:
            log("Dropping the benchmark databases (--keep keeps them).")
            bk.drop_database(url)
            bk.drop_database(make_conninfo(url, dbname=copy))
            shutil.rmtree(scratch, ignore_errors=True)
    results["load_average"]["after"] = load_average()
    results["targets_met"] = verdicts(results)
    print(report(results))
    for key, prof in results.get("profile", {}).items():
        log(f"\n--- profile, {key}: {prof['ms_per_request']} ms of own time per request ---")
        for package, ms in list(prof["own_ms_per_request_by_package"].items())[:12]:
            log(f"  {ms:8.3f} ms  {package}")
        log("\n".join("  " + line for line in prof["top_functions"][:12]))
    out = args.out or (
        None if args.quick else ROOT / "bench" / "results" / f"pages-{started_at:%Y-%m-%d}.json"
    )
    ba.write_json(results, out)


if __name__ == "__main__":
    main()
