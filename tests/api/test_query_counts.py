"""Every list of the API issues as many SQL queries for 100 rows as for 10: no query per
row (N+1). Lists are discovered from the schema, so a new list without a row builder in
``tests/api/world.py`` fails ``test_every_list_of_the_schema_has_a_row_builder``.

Measured as the PMO, and as a partner wherever partners read the list and it grows with
their organization's rows. Queries are counted, never timed.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.operations import is_list, operations
from tests.api.test_permission_matrix import TABLE
from tests.api.world import ROW_BUILDERS, Rows, World

pytestmark = pytest.mark.django_db

PAGE = 100


def _lists(schema: dict) -> set[str]:
    return {
        path
        for (method, path), operation in operations(schema).items()
        if method == "GET" and is_list(schema, path, operation)
    }


def test_every_list_of_the_schema_has_a_row_builder(api_schema):
    lists = _lists(api_schema)
    assert not lists - set(ROW_BUILDERS), (
        f"lists without a row builder in tests/api/world.py: {sorted(lists - set(ROW_BUILDERS))}"
    )
    assert not set(ROW_BUILDERS) - lists, (
        f"row builders for no list of the schema: {sorted(set(ROW_BUILDERS) - lists)}"
    )


def _cases() -> list[tuple[str, str]]:
    cases = []
    for path, rows in ROW_BUILDERS.items():
        cases.append((path, "pmo"))
        if rows.partner and TABLE[("GET", path)].partner == 200:
            cases.append((path, "partner"))
    return cases


def _get(world: World, role: str, path: str, rows: Rows) -> tuple[int, int]:
    """(queries issued, rows answered) for one page of ``PAGE`` rows."""
    url = rows.url(world) if rows.url else path
    query = {"page_size": PAGE, **(rows.query(world) if rows.query else {})}
    client = world.client(role)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query)
    assert response.status_code == 200, response.content[:2000]
    body = response.json()
    answered = len(body) if isinstance(body, list) else len(body["results"])
    return len(queries), answered


@pytest.mark.parametrize(("path", "role"), _cases(), ids=lambda value: value)
def test_list_issues_as_many_queries_for_100_rows_as_for_10(world, path, role):
    rows = ROW_BUILDERS[path]
    rows.build(world, 10)
    few, answered = _get(world, role, path, rows)
    assert answered >= 10, f"the builder's rows do not reach {role}'s list ({answered} rows)"
    rows.build(world, 90)
    many, answered = _get(world, role, path, rows)
    assert answered >= PAGE, f"the builder's rows do not reach {role}'s list ({answered} rows)"
    assert many == few, f"{path} as {role}: {few} queries for 10 rows, {many} for {PAGE}"
