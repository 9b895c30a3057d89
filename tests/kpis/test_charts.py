"""The trend chart: plain SVG drawn on the server, the same bytes for the same data, gaps
where a month has no data, the target as a dashed line, and nothing unescaped."""

from __future__ import annotations

import datetime as dt
import math
import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation
from django.utils.safestring import SafeString

from kpis.charts import STATUS_COLOURS, trend_svg, value_label
from kpis.choices import Status

SVG = "{http://www.w3.org/2000/svg}"
TARGET_DASHES = "4 2"
AMBER_DASHES = "1 2"


def _months(values: list[float | None]) -> list[tuple[dt.date, float | None]]:
    return [(dt.date(2026 + (i + 4) // 12, (i + 4) % 12 + 1, 1), v) for i, v in enumerate(values)]


def _parse(svg: str) -> ET.Element:
    """The chart as XML: it must be well-formed on its own, as WeasyPrint reads it."""
    return ET.fromstring(svg)


def _lines(root: ET.Element, dashes: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}line") if e.get("stroke-dasharray") == dashes]


def _last_dot(root: ET.Element) -> ET.Element:
    return [e for e in root.iter(f"{SVG}circle") if e.get("r") == "2.5"][-1]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_a_chart_is_safe_plain_svg_with_no_external_resources():
    svg = trend_svg(_months([50.0, 60.0, 70.0]), target=80.0, amber=70.0, higher_is_better=True)

    assert isinstance(svg, SafeString)
    root = _parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("version") == "1.1"
    assert root.get("width") == "160" and root.get("height") == "40"
    # Nothing to fetch, nothing to run: no links, scripts, styles or foreign objects.
    assert not re.search(r"href|<script|<style|<image|<foreignObject|url\(", svg)


def test_consecutive_months_are_one_line_and_a_missing_month_breaks_it():
    values = [10.0, 20.0, None, 30.0, 40.0, 50.0, None, None, 60.0, None, 70.0, 80.0]

    root = _parse(trend_svg(_months(values), higher_is_better=True))

    runs = [e.get("points").split() for e in root.iter(f"{SVG}polyline")]
    assert [len(run) for run in runs] == [2, 3, 2]
    # The month between two gaps is drawn as a dot of its own.
    lone = [e for e in root.iter(f"{SVG}circle") if e.get("r") == "1.5"]
    assert len(lone) == 1


def test_the_gap_is_where_the_missing_month_is():
    root = _parse(trend_svg(_months([10.0, 20.0, None, 30.0, 40.0]), higher_is_better=True))

    first, second = (
        [float(p.split(",")[0]) for p in e.get("points").split()]
        for e in root.iter(f"{SVG}polyline")
    )
    # Five months across the width: the third (index 2) is missing between the runs.
    step = first[1] - first[0]
    assert second[0] == pytest.approx(first[1] + 2 * step, abs=0.11)


def test_the_target_is_a_dashed_line_and_the_amber_bound_a_dotted_one():
    root = _parse(trend_svg(_months([50.0, 60.0]), target=80.0, amber=70.0, higher_is_better=True))

    (target,) = _lines(root, TARGET_DASHES)
    (amber,) = _lines(root, AMBER_DASHES)
    assert target.get("y1") == target.get("y2")
    # Higher values are drawn higher: the target (80) above the amber bound (70).
    assert float(target.get("y1")) < float(amber.get("y1"))


def test_without_a_target_there_is_no_target_line():
    root = _parse(trend_svg(_months([50.0, 60.0]), higher_is_better=True))

    assert _lines(root, TARGET_DASHES) == []
    assert _lines(root, AMBER_DASHES) == []


def test_an_amber_bound_equal_to_the_target_draws_one_line():
    root = _parse(trend_svg(_months([50.0]), target=80.0, amber=80.0, higher_is_better=True))

    assert len(_lines(root, TARGET_DASHES)) == 1
    assert _lines(root, AMBER_DASHES) == []


@pytest.mark.parametrize("higher_is_better", [True, False])
def test_the_good_side_of_the_target_is_shaded(higher_is_better):
    root = _parse(
        trend_svg(_months([50.0, 90.0]), target=80.0, amber=70.0, higher_is_better=higher_is_better)
    )

    (band,) = root.iter(f"{SVG}rect")
    (target,) = _lines(root, TARGET_DASHES)
    level = float(target.get("y1"))
    top, bottom = float(band.get("y")), float(band.get("y")) + float(band.get("height"))
    if higher_is_better:
        assert bottom == pytest.approx(level, abs=0.11) and top < level
    else:
        assert top == pytest.approx(level, abs=0.11) and bottom > level


def test_the_last_known_value_is_marked_in_the_status_colour():
    root = _parse(
        trend_svg(
            _months([50.0, 75.0, None]),
            target=80.0,
            amber=70.0,
            higher_is_better=True,
            status=Status.AMBER,
        )
    )

    dot = _last_dot(root)
    assert dot.get("fill") == STATUS_COLOURS[Status.AMBER]
    # On the second month, the last with data, not on the empty third.
    polyline = next(root.iter(f"{SVG}polyline"))
    assert polyline.get("points").split()[-1] == f"{dot.get('cx')},{dot.get('cy')}"


def test_the_title_says_the_months_and_the_latest_value():
    svg = trend_svg(_months([1250.0] + [None] * 10 + [1300.5]), higher_is_better=True)

    root = _parse(svg)
    title = root.find(f"{SVG}title").text
    assert title == "Trend 2026-05 to 2027-04: latest 1,300 (2027-04)"
    assert root.get("aria-label") == title
    assert root.get("role") == "img"


def test_text_in_the_chart_is_escaped():
    svg = trend_svg(
        _months([1.0, 2.0]), higher_is_better=True, name='<script>alert("x")</script> & Co'
    )

    assert "<script>" not in svg
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in svg
    assert _parse(svg).find(f"{SVG}title").text.startswith('<script>alert("x")</script> & Co: ')


def test_the_same_data_gives_the_same_bytes():
    values = [71.5, None, 68.25, 90.0, 0.0]
    first = trend_svg(_months(values), target=80.0, amber=70.0, higher_is_better=True, status="red")
    again = trend_svg(
        tuple(_months(values)), target=80, amber=70, higher_is_better=True, status=Status.RED
    )

    assert first == again


def test_months_without_any_data_draw_an_empty_chart_that_says_so():
    svg = trend_svg(_months([None] * 12), target=80.0, amber=70.0, higher_is_better=True)

    root = _parse(svg)
    assert list(root.iter(f"{SVG}polyline")) == []
    assert list(root.iter(f"{SVG}circle")) == []
    assert root.find(f"{SVG}title").text == "Trend 2026-05 to 2027-04: no data"
    # The target is still shown, so the reader sees what is missing.
    assert len(_lines(root, TARGET_DASHES)) == 1


def test_no_points_at_all_is_an_empty_chart():
    root = _parse(trend_svg([], higher_is_better=False))

    assert root.find(f"{SVG}title").text == "Trend: no data"
    assert [child.tag for child in root] == [f"{SVG}title"]


def test_non_finite_values_are_gaps_not_errors():
    root = _parse(trend_svg(_months([1.0, math.nan, 2.0, math.inf, 3.0]), higher_is_better=True))

    assert list(root.iter(f"{SVG}polyline")) == []
    assert len([e for e in root.iter(f"{SVG}circle") if e.get("r") == "1.5"]) == 3
    assert all(
        "nan" not in value and "inf" not in value
        for e in root.iter()
        for value in e.attrib.values()
    )


def test_a_flat_line_is_drawn_inside_the_chart():
    root = _parse(trend_svg(_months([5.0, 5.0, 5.0]), higher_is_better=True, height=40))

    ys = {float(p.split(",")[1]) for p in next(root.iter(f"{SVG}polyline")).get("points").split()}
    assert ys == {20.0}


@pytest.mark.parametrize(
    ("value", "label"),
    [(71.5, "71.5"), (0.42, "0.42"), (1300.5, "1,300"), (0.0000123, "0.0000123"), (0.0, "0")],
)
def test_values_are_labelled_for_people(value, label):
    assert value_label(value) == label
