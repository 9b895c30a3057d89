"""The timeline page: milestones by track and the stage gates over the fiscal years,
inside the admin, Japanese by default."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.conf import settings
from django.urls import reverse

from milestones.choices import DatePrecision, GateDecision, GateKind, MilestoneStatus
from milestones.models import Programme
from milestones.selectors import programme_timeline
from milestones.timeline import timeline_columns, timeline_lanes
from tests.factories import (
    MilestoneFactory,
    PMOUserFactory,
    PolicyUserFactory,
    ProgrammeFactory,
    StageGateFactory,
    TrackFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = "/admin/timeline/"


@pytest.fixture
def programme(db) -> Programme:
    """The NEDO programme with a corporate and a policy track, and all three gate kinds."""
    programme = ProgrammeFactory()
    corporate = TrackFactory(code="corporate", name_ja="企業", name_en="Corporate", order=1)
    nedo = TrackFactory(code="nedo", name_ja="NEDO政策", name_en="NEDO policy", order=2)
    MilestoneFactory(
        code="jv-founded",
        track=corporate,
        title_ja="新会社設立",
        title_en="Joint venture founded",
        due_date=dt.date(2026, 4, 12),
        status=MilestoneStatus.ACHIEVED,
    )
    MilestoneFactory(
        code="y1-alpha",
        track=corporate,
        title_ja="モデルα版提示",
        title_en="Model alpha shown",
        due_date=dt.date(2027, 11, 30),
        date_precision=DatePrecision.MONTH,
    )
    MilestoneFactory(
        code="award",
        track=nedo,
        title_ja="採択決定および契約締結",
        title_en="Award decision and contract",
        window_start=dt.date(2026, 6, 1),
        due_date=dt.date(2026, 8, 31),
        date_precision=DatePrecision.MONTH,
    )
    StageGateFactory(
        fiscal_year=2027,
        decision=GateDecision.CONTINUE,
        rationale="順調",
        decision_date=dt.date(2027, 12, 20),
    )
    StageGateFactory(
        fiscal_year=2028,
        kind=GateKind.MID_TERM,
        title_ja="中間評価",
        title_en="Mid-term evaluation",
        review_date=dt.date(2029, 3, 31),
    )
    StageGateFactory(
        fiscal_year=2030,
        kind=GateKind.FINAL,
        title_ja="最終評価",
        title_en="Final evaluation",
        review_date=dt.date(2031, 3, 31),
    )
    return programme


@pytest.fixture
def pmo_client(client):
    client.force_login(PMOUserFactory())
    return client


def test_the_timeline_shows_every_milestone_gate_and_fiscal_year_in_japanese(pmo_client, programme):
    response = pmo_client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    for title in ("新会社設立", "モデルα版提示", "採択決定および契約締結"):
        assert title in html
    for title in ("2027年度ステージゲート評価", "中間評価", "最終評価"):
        assert title in html
    for year in range(2025, 2031):
        assert f"{year}年度" in html
    assert "企業" in html and "NEDO政策" in html


def test_dates_are_written_the_japanese_way_to_their_precision(pmo_client, programme):
    html = pmo_client.get(URL).content.decode()

    assert "2026年4月12日" in html  # a day
    assert "2027年11月" in html and "2027年11月30日" not in html  # a month
    assert "2026年6月" in html and "2026年8月" in html  # a window
    assert "2027年12月20日" in html  # the decision date


@pytest.mark.parametrize("how", ["cookie", "accept-language"])
def test_the_timeline_follows_english_when_asked(client, programme, how):
    client.force_login(PMOUserFactory())
    headers = {}
    if how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    else:
        headers["Accept-Language"] = "en"

    html = client.get(URL, headers=headers).content.decode()

    assert "Joint venture founded" in html and "Model alpha shown" in html
    assert "FY2027 stage gate" in html and "Final evaluation" in html
    assert "FY2026" in html and "年度" not in html
    assert "Corporate" in html and "NEDO policy" in html


def test_the_timeline_is_drawn_not_tabled(pmo_client, programme):
    response = pmo_client.get(URL)

    html = response.content.decode()
    assert 'class="tl-bar"' in html  # the award window as a bar
    assert "gate-mid_term" in html and "gate-final" in html and "gate-annual" in html
    assert "decision-continue" in html
    assert 'class="tl-today"' in html
    assert "tl-legend" in html
    assert "<table" not in html.split('id="content-main"')[1]


def test_the_list_below_the_drawing_gives_each_event_its_date(pmo_client, programme):
    html = pmo_client.get(URL).content.decode()

    assert '<time datetime="2026-04-12">' in html
    assert '<time datetime="2031-03-31">' in html


def test_marks_on_a_lane_never_share_a_row_when_their_labels_would_overlap(programme):
    lanes = timeline_lanes(programme_timeline(programme))

    for lane in lanes:
        rows: dict[int, list[tuple[float, float]]] = {}
        for mark in lane.marks:
            rows.setdefault(mark.row, []).append(mark.extent)
        for extents in rows.values():
            extents.sort()
            assert all(before[1] <= after[0] for before, after in itertools.pairwise(extents))


def test_marks_due_together_stack_and_distant_ones_share_a_row(programme):
    crowded = TrackFactory(code="crowded", name_ja="混雑", name_en="Crowded", order=3)
    for n in range(3):
        MilestoneFactory(track=crowded, due_date=dt.date(2027, 6, 30), title_ja=f"同日{n}")

    lanes = timeline_lanes(programme_timeline(programme))

    corporate, crowded_lane = lanes[0], lanes[2]
    # Founded in April 2026 and alpha in November 2027 are far apart: one row is enough.
    assert {mark.row for mark in corporate.marks} == {0}
    assert sorted(mark.row for mark in crowded_lane.marks) == [0, 1, 2]
    assert crowded_lane.height > corporate.height


def test_fiscal_year_columns_tile_the_drawing(programme):
    columns = timeline_columns(programme_timeline(programme))

    assert columns[0].left == 0
    assert round(columns[-1].left + columns[-1].width, 1) == 100
    for before, after in itertools.pairwise(columns):
        assert round(before.left + before.width, 3) == pytest.approx(after.left, abs=0.01)


def test_without_a_programme_the_page_says_so(pmo_client):
    response = pmo_client.get(URL)

    assert response.status_code == 200
    assert "lanes" not in response.context
    assert 'class="tl"' not in response.content.decode()


def test_policy_staff_may_see_the_timeline(client, programme):
    client.force_login(PolicyUserFactory())

    assert client.get(URL).status_code == 200


def test_partners_are_sent_to_the_admin_login(client, programme):
    client.force_login(UserFactory())

    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_permission_to_view_milestones_get_403(client, programme):
    user = UserFactory(is_staff=True)
    user.groups.clear()
    client.force_login(user)

    assert client.get(URL).status_code == 403


def test_the_timeline_url_is_named(programme):
    assert reverse("milestones:timeline") == URL
