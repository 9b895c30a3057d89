"""Plain Django views returning the same rows as the API's list endpoints, as JSON.

Each reads the same selector for the same user, the same first rows in the same order,
and writes the same fields with the same values as the API's page holds in ``results``,
with ``values_list`` and ``JsonResponse``: no REST framework, no serializer, no
pagination, filtering or ordering backends, no count. They authenticate as the pages do,
by the session (the API accepts the same session, and a token besides). bench/api.py
checks once, before measuring, that their rows equal the API's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, QuerySet
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from jvtracker.models import User
from jvtracker.selectors import organizations_visible_to

# The API's page size in the benchmark (?page_size=100).
PAGE = 100
# As the REST framework renders: UTF-8 rather than \u escapes, no spaces.
JSON_PARAMS = {"ensure_ascii": False, "separators": (",", ":")}


def _datetime(value: dt.datetime | None) -> str | None:
    # The REST framework's DateTimeField: in the current time zone, ISO 8601.
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


@dataclass(frozen=True)
class Listing:
    """One endpoint's rows: the selector, the order, and per output key the column (a field
    name or an expression) and an optional conversion to JSON."""

    selector: Callable[[User], QuerySet]
    ordering: tuple[str, ...]
    columns: tuple[tuple[str, object, Callable | None], ...]

    def rows(self, user: User) -> list[dict]:
        keys = [key for key, _, _ in self.columns]
        columns = [column for _, column, _ in self.columns]
        converters = [(i, convert) for i, (_, _, convert) in enumerate(self.columns) if convert]
        values = self.selector(user).order_by(*self.ordering).values_list(*columns)[:PAGE]
        rows = []
        for row in values:
            if converters:
                row = list(row)
                for i, convert in converters:
                    row[i] = convert(row[i])
            rows.append(dict(zip(keys, row, strict=True)))
        return rows


def _unauthenticated() -> JsonResponse:
    return JsonResponse(
        {"code": "not_authenticated", "message": "Not signed in.", "errors": []}, status=401
    )


def _respond(listing: Listing, request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        return _unauthenticated()
    return JsonResponse(listing.rows(request.user), safe=False, json_dumps_params=JSON_PARAMS)


ORGANIZATIONS = Listing(
    selector=organizations_visible_to,
    ordering=("code",),
    columns=(
        ("id", "id", None),
        ("code", "code", None),
        ("name_ja", "name_ja", None),
        ("name_en", "name_en", None),
        ("kind", "kind", None),
        ("industry", "industry", None),
        ("equity_share", "equity_share", _decimal),
        ("equity_note", "equity_note", None),
        ("provides_data", "provides_data", None),
        ("role_description_ja", "role_description_ja", None),
        ("role_description_en", "role_description_en", None),
    ),
)


KPI_COLUMNS = (
    "code",
    "name_ja",
    "name_en",
    "description_ja",
    "description_en",
    "unit",
    "direction",
    "aggregation",
    "combination",
    "source",
    "owner",
    "order",
)


def kpi_rows(user: User) -> list[dict]:
    """The first KPIs in the API's order, each with its targets per gate (one more query
    for all of them), as ``GET /api/v1/kpis/`` gives them."""
    from kpis.models import KPITarget
    from kpis.selectors import kpis_visible_to
    from milestones.models import GATE_CODE_SUFFIX

    kpis = list(
        kpis_visible_to(user)
        .order_by("order", "code")
        .values_list("id", *KPI_COLUMNS[:-2], F("owner__code"), "order")[:PAGE]
    )
    targets: dict[int, list[dict]] = defaultdict(list)
    for kpi_id, gate, year, kind, review, target, amber, note_ja, note_en in (
        KPITarget.objects.filter(kpi_id__in=[row[0] for row in kpis])
        .order_by("gate__review_date", "gate__kind")
        .values_list(
            "kpi_id",
            "gate_id",
            "gate__fiscal_year",
            "gate__kind",
            "gate__review_date",
            "target_value",
            "amber_value",
            "note_ja",
            "note_en",
        )
    ):
        targets[kpi_id].append(
            {
                "gate": gate,
                "gate_code": f"FY{year}{GATE_CODE_SUFFIX[kind]}",
                "review_date": review.isoformat(),
                "target_value": target,
                "amber_value": amber,
                "note_ja": note_ja,
                "note_en": note_en,
            }
        )
    return [
        {**dict(zip(KPI_COLUMNS, row[1:], strict=True)), "targets": targets[row[0]]} for row in kpis
    ]


CONTRACT_COLUMNS = (
    ("id", "id"),
    ("reference", "reference"),
    ("title", "title"),
    ("provider", F("provider__code")),
    ("template", "template_id"),
    ("template_code", F("template__code")),
    ("template_version", F("template__version")),
    ("tier", F("template__tier")),
    ("status", "status"),
    ("permitted_uses", "permitted_uses"),
    ("standard_uses", F("template__permitted_uses")),
    ("deviation_reason", "deviation_reason"),
    ("deviation_approved_by", F("deviation_approved_by__username")),
    ("deviation_approved_at", "deviation_approved_at"),
    ("effective_date", "effective_date"),
    ("expiry_date", "expiry_date"),
    ("notes", "notes"),
    ("created_by", F("created_by__username")),
)


def contract_rows(user: User) -> list[dict]:
    """The first contracts in the API's order, each with the datasets ``user`` may see, its
    status log and its signed documents (one query each for all of them), as
    ``GET /api/v1/contracts/`` gives them."""
    from datagov.models import ContractTransition, SignedDocument
    from datagov.selectors import contracts_visible_to, datasets_visible_to

    keys = [key for key, _ in CONTRACT_COLUMNS]
    contracts = [
        dict(zip(keys, row, strict=True))
        for row in contracts_visible_to(user)
        .order_by("reference")
        .values_list(*(column for _, column in CONTRACT_COLUMNS))[:PAGE]
    ]
    ids = [c["id"] for c in contracts]
    datasets: dict[int, list[str]] = defaultdict(list)
    for contract_id, code in (
        datasets_visible_to(user)
        .filter(contracts__in=ids)
        .order_by("code")
        .values_list("contracts", "code")
    ):
        datasets[contract_id].append(code)
    transitions: dict[int, list[dict]] = defaultdict(list)
    for contract_id, from_status, to_status, actor, at, effective_on, note in (
        ContractTransition.objects.filter(contract_id__in=ids)
        .order_by("at", "pk")
        .values_list(
            "contract_id",
            "from_status",
            "to_status",
            F("actor__username"),
            "at",
            "effective_on",
            "note",
        )
    ):
        transitions[contract_id].append(
            {
                "from_status": from_status,
                "to_status": to_status,
                "actor": actor,
                "at": _datetime(at),
                "effective_on": _date(effective_on),
                "note": note,
            }
        )
    documents: dict[int, list[dict]] = defaultdict(list)
    for contract_id, pk, name, size, sha256, pages, uploaded_by, uploaded_at in (
        SignedDocument.objects.filter(contract_id__in=ids)
        .order_by("-uploaded_at", "-pk")
        .values_list(
            "contract_id",
            "id",
            "original_name",
            "size",
            "sha256",
            "page_count",
            F("uploaded_by__username"),
            "uploaded_at",
        )
    ):
        documents[contract_id].append(
            {
                "id": pk,
                "original_name": name,
                "size": size,
                "sha256": sha256,
                "page_count": pages,
                "uploaded_by": uploaded_by,
                "uploaded_at": _datetime(uploaded_at),
            }
        )
    rows = []
    for c in contracts:
        standard = set(c.pop("standard_uses"))
        rows.append(
            {
                **{k: c[k] for k in keys[:9]},
                "datasets": datasets[c["id"]],
                "permitted_uses": c["permitted_uses"],
                "deviation_uses": [p for p in c["permitted_uses"] if p not in standard],
                "deviation_reason": c["deviation_reason"],
                "deviation_approved_by": c["deviation_approved_by"],
                "deviation_approved_at": _datetime(c["deviation_approved_at"]),
                "effective_date": _date(c["effective_date"]),
                "expiry_date": _date(c["expiry_date"]),
                "notes": c["notes"],
                "created_by": c["created_by"],
                "transitions": transitions[c["id"]],
                "documents": documents[c["id"]],
            }
        )
    return rows


def plain_organizations(request: HttpRequest) -> JsonResponse:
    return _respond(ORGANIZATIONS, request)


def plain_kpis(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        return _unauthenticated()
    return JsonResponse(kpi_rows(request.user), safe=False, json_dumps_params=JSON_PARAMS)


def plain_contracts(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        return _unauthenticated()
    return JsonResponse(contract_rows(request.user), safe=False, json_dumps_params=JSON_PARAMS)


# Each endpoint's rows, by name: bench/api.py times them apart from the request.
ROWS = {
    "organizations": ORGANIZATIONS.rows,
    "kpis": kpi_rows,
    "contracts": contract_rows,
}
