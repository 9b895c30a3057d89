"""The KPI admin: the board with its status colours and trends, definitions and targets
saved through the services, the append-only measurement history and ingest batches, the
PMO's file import, and what policy staff and partners may reach."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jvtracker.choices import OrganizationKind
from jvtracker.common.fiscal import FiscalYear
from kpis.choices import BatchSource, Status
from kpis.models import IngestBatch, KPIDefinition, KPITarget, Measurement
from kpis.periods import add_months, month_bounds, month_of
from kpis.services import MeasurementRow, measurements_ingest
from milestones.models import GateCriterion
from tests.factories import (
    GateCriterionFactory,
    IncidentFactory,
    KPIDefinitionFactory,
    KPITargetFactory,
    OrganizationFactory,
    PartnerUserFactory,
    PMOUserFactory,
    PolicyUserFactory,
    SafetyCheckFactory,
    StageGateFactory,
)
from tests.milestones.factories_admin import changeform_data

pytestmark = pytest.mark.django_db

BOARD = "admin:kpis_board"
IMPORT = "admin:kpis_measurement_import"


def _url(model, action: str, *args) -> str:
    return reverse(f"admin:kpis_{model._meta.model_name}_{action}", args=args)


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _in_english(client) -> None:
    # Assertions on labels and messages read the English source text.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def pmo(client):
    user = PMOUserFactory()
    client.force_login(user)
    _in_english(client)
    return user


@pytest.fixture
def policy(client):
    user = PolicyUserFactory()
    client.force_login(user)
    _in_english(client)
    return user


def _gate_ahead(days: int):
    """A gate reviewed ``days`` from today: the tests judge today's figures against it,
    so it must stay ahead whenever they run."""
    review = timezone.localdate() + dt.timedelta(days=days)
    return StageGateFactory(fiscal_year=FiscalYear.of(review).year, review_date=review)


@pytest.fixture
def gate(db):
    """The next gate to be reviewed, in the future."""
    return _gate_ahead(180)


def _last_month_moment() -> dt.datetime:
    """A moment in last month (Tokyo), so in every gate's trend window and never ahead."""
    start, _ = month_bounds(add_months(month_of(timezone.now()), -1))
    return start + dt.timedelta(days=1, hours=9)


def _record(kpi: KPIDefinition, value: float, *, subject: str = "", at=None) -> IngestBatch:
    at = at or _last_month_moment()
    row = MeasurementRow(
        number=1, kpi=kpi.code, value=value, unit=kpi.unit, start=at.isoformat(), subject=subject
    )
    result = measurements_ingest(
        rows=[row], source=BatchSource.SEED, actor=None, organization=kpi.owner
    )
    return result.batch


def _board_rows(response) -> dict[str, str]:
    """Each KPI code on the board with its status."""
    return dict(
        re.findall(r'<tr data-kpi="([\w-]+)" data-status="(\w+)">', response.content.decode())
    )


def _board_row_html(response, code: str) -> str:
    html = response.content.decode()
    return re.search(rf'<tr data-kpi="{code}".*?</tr>', html, re.S).group(0)


# ------------------------------------------------------------------------------ the board


@pytest.fixture
def four_kpis(gate):
    """Higher-is-better KPIs with target 80 and amber bound 70 at the gate."""
    kpis = {
        name: KPIDefinitionFactory(code=f"kpi_{name}", name_en=f"KPI {name}")
        for name in ("green", "amber", "red", "silent")
    }
    for kpi in kpis.values():
        KPITargetFactory(kpi=kpi, gate=gate, target_value=80.0, amber_value=70.0)
    _record(kpis["green"], 80.0)  # the target itself is green
    _record(kpis["amber"], 70.0)  # the amber bound itself is amber
    _record(kpis["red"], 69.5)
    return kpis


def test_the_board_shows_each_kpi_in_its_status_colour_with_the_status_in_words(
    client, pmo, four_kpis
):
    response = client.get(reverse(BOARD))

    assert response.status_code == 200
    assert _board_rows(response) == {
        "kpi_green": Status.GREEN,
        "kpi_amber": Status.AMBER,
        "kpi_red": Status.RED,
        "kpi_silent": Status.NO_DATA,
    }
    expected = {
        "kpi_green": ("kb-green", "Green: meets the target"),
        "kpi_amber": ("kb-amber", "Amber: within the threshold"),
        "kpi_red": ("kb-red", "Red: misses the threshold"),
        "kpi_silent": ("kb-no_data", "No data"),
    }
    for code, (colour, words) in expected.items():
        row = _board_row_html(response, code)
        assert f'<span class="kb-badge {colour}">{words}</span>' in row


def test_each_board_row_has_target_latest_value_trend_and_a_link_to_its_history(
    client, pmo, four_kpis
):
    kpi = four_kpis["red"]

    row = _board_row_html(client.get(reverse(BOARD)), kpi.code)

    assert "KPI red" in row and "<code" in row
    assert ">80 %<" in row and ">70 %<" in row
    assert "69.5 %" in row
    assert "<svg" in row and "stroke-dasharray" in row
    assert f"{reverse('admin:kpis_measurement_changelist')}?kpi={kpi.pk}" in row


def test_a_kpi_without_a_target_at_the_gate_says_so(client, pmo, gate):
    KPIDefinitionFactory(code="untargeted")

    response = client.get(reverse(BOARD))

    assert _board_rows(response) == {"untargeted": "no_target"}
    assert "No target at this gate" in _board_row_html(response, "untargeted")


def test_the_board_judges_against_the_next_gate_unless_another_is_chosen(client, pmo, gate):
    later = _gate_ahead(545)
    kpi = KPIDefinitionFactory(code="capacity")
    KPITargetFactory(kpi=kpi, gate=gate, target_value=80.0, amber_value=70.0)
    KPITargetFactory(kpi=kpi, gate=later, target_value=95.0, amber_value=90.0)
    _record(kpi, 85.0)

    default = client.get(reverse(BOARD))
    chosen = client.get(reverse(BOARD), {"gate": later.pk})

    assert default.context["gate"] == gate
    assert _board_rows(default) == {"capacity": Status.GREEN}
    assert chosen.context["gate"] == later
    assert _board_rows(chosen) == {"capacity": Status.RED}
    # Every gate can be chosen, the one shown selected.
    html = chosen.content.decode()
    assert f'<option value="{gate.pk}">' in html
    assert f'<option value="{later.pk}" selected>' in html


def test_an_unknown_gate_falls_back_to_the_next_one(client, pmo, gate):
    response = client.get(reverse(BOARD), {"gate": "999999"})

    assert response.status_code == 200
    assert response.context["gate"] == gate


def test_the_board_without_any_gate_says_why_it_is_empty(client, pmo):
    KPIDefinitionFactory()

    response = client.get(reverse(BOARD))

    assert response.status_code == 200
    assert "No stage gates are defined yet" in response.content.decode()


def test_policy_staff_read_the_board(client, policy, four_kpis):
    response = client.get(reverse(BOARD))

    assert response.status_code == 200
    assert len(_board_rows(response)) == 4


def test_partners_are_sent_to_the_login_from_the_board(client, gate):
    client.force_login(PartnerUserFactory())

    response = client.get(reverse(BOARD))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_admin_index_links_to_the_board_the_import_and_the_batches(client, pmo):
    html = client.get(reverse("admin:index")).content.decode()

    assert reverse(BOARD) in html
    assert reverse(IMPORT) in html
    assert reverse("admin:kpis_ingestbatch_changelist") in html


def test_policy_staff_see_no_import_link_on_the_index_or_the_measurement_list(client, policy):
    index = client.get(reverse("admin:index")).content.decode()
    measurements = client.get(_url(Measurement, "changelist")).content.decode()

    assert reverse(BOARD) in index
    assert reverse(IMPORT) not in index
    assert reverse(IMPORT) not in measurements


def test_the_kpi_and_measurement_lists_link_to_the_board_and_the_import(client, pmo):
    kpis = client.get(_url(KPIDefinition, "changelist")).content.decode()
    measurements = client.get(_url(Measurement, "changelist")).content.decode()

    assert reverse(BOARD) in kpis
    assert reverse(BOARD) in measurements
    assert reverse(IMPORT) in measurements


# ------------------------------------------------------------------- definitions, targets


def _add_kpi_data(client, owner, **changes) -> dict:
    page = client.get(_url(KPIDefinition, "add"))
    fields = {
        "code": "gpu_utilization",
        "name_ja": "GPU稼働率",
        "name_en": "GPU utilisation",
        "owner": str(owner.pk),
        "order": "1",
        "unit": "percent",
        "direction": "higher",
        "aggregation": "time_weighted_mean",
        "combination": "mean",
        "source": "scraped",
    }
    return changeform_data(page, **{**fields, **changes})


def test_a_kpi_saved_in_the_admin_records_the_user_in_its_history(client, pmo):
    owner = OrganizationFactory()

    response = client.post(_url(KPIDefinition, "add"), _add_kpi_data(client, owner))

    assert response.status_code == 302
    kpi = KPIDefinition.objects.get(code="gpu_utilization")
    assert kpi.history.get().history_user == pmo


def test_a_target_saved_with_a_new_kpi_records_the_user(client, pmo, gate):
    owner = OrganizationFactory()
    data = _add_kpi_data(
        client,
        owner,
        **{
            "targets-TOTAL_FORMS": "1",
            "targets-0-gate": str(gate.pk),
            "targets-0-target_value": "80",
            "targets-0-amber_value": "70",
        },
    )

    response = client.post(_url(KPIDefinition, "add"), data)

    assert response.status_code == 302
    target = KPITarget.objects.get(kpi__code="gpu_utilization", gate=gate)
    assert target.history.get().history_user == pmo


def _inline_errors(response) -> dict:
    (inline,) = response.context["inline_admin_formsets"]
    return inline.formset.forms[0].errors


def test_an_amber_bound_above_the_target_of_a_higher_is_better_kpi_is_shown_beside_the_field(
    client, pmo, gate
):
    kpi = KPIDefinitionFactory(direction="higher")
    target = KPITargetFactory(kpi=kpi, gate=gate, target_value=80.0, amber_value=70.0)
    page = client.get(_url(KPIDefinition, "change", kpi.pk))

    response = client.post(
        _url(KPIDefinition, "change", kpi.pk),
        changeform_data(page, **{"targets-0-amber_value": "90"}),
    )

    assert response.status_code == 200
    assert "amber threshold may not exceed the target" in " ".join(
        _inline_errors(response)["amber_value"]
    )
    target.refresh_from_db()
    assert target.amber_value == 70.0


def test_a_service_refusal_of_a_new_kpis_target_is_shown_beside_the_field_and_nothing_is_saved(
    client, pmo, gate
):
    # A new KPI has no id while its forms are checked, so the target's rule is first
    # applied by the service when saving; the admin shows it beside the field all the same.
    owner = OrganizationFactory()
    data = _add_kpi_data(
        client,
        owner,
        direction="lower",
        unit="jpy_per_1k_tokens",
        **{
            "targets-TOTAL_FORMS": "1",
            "targets-0-gate": str(gate.pk),
            "targets-0-target_value": "0.5",
            "targets-0-amber_value": "0.4",
        },
    )

    response = client.post(_url(KPIDefinition, "add"), data)

    assert response.status_code == 200
    assert "amber threshold may not be below the target" in " ".join(
        _inline_errors(response)["amber_value"]
    )
    assert not KPIDefinition.objects.exists()
    assert not KPITarget.objects.exists()


def test_a_target_changed_on_its_own_page_records_the_user_and_shows_in_its_history(
    client, pmo, gate
):
    target = KPITargetFactory(gate=gate, target_value=80.0, amber_value=70.0)
    page = client.get(_url(KPITarget, "change", target.pk))

    response = client.post(
        _url(KPITarget, "change", target.pk), changeform_data(page, target_value="85")
    )
    history = client.get(_url(KPITarget, "history", target.pk))

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.target_value == 85.0
    assert target.history.first().history_user == pmo
    assert history.status_code == 200
    assert pmo.username in history.content.decode()


def test_an_amber_bound_on_the_wrong_side_is_refused_beside_the_field_on_the_targets_page(
    client, pmo, gate
):
    target = KPITargetFactory(gate=gate, target_value=80.0, amber_value=70.0)
    page = client.get(_url(KPITarget, "change", target.pk))

    response = client.post(
        _url(KPITarget, "change", target.pk), changeform_data(page, amber_value="81")
    )

    assert response.status_code == 200
    assert "amber threshold may not exceed the target" in " ".join(
        response.context["adminform"].form.errors["amber_value"]
    )


def test_a_kpis_unit_is_fixed_once_it_has_measurements_and_the_admin_says_so_beside_it(client, pmo):
    kpi = KPIDefinitionFactory(unit="percent")
    _record(kpi, 50.0)
    page = client.get(_url(KPIDefinition, "change", kpi.pk))

    response = client.post(
        _url(KPIDefinition, "change", kpi.pk), changeform_data(page, unit="count")
    )

    assert response.status_code == 200
    assert "Fixed once the KPI has measurements" in " ".join(
        response.context["adminform"].form.errors["unit"]
    )
    kpi.refresh_from_db()
    assert kpi.unit == "percent"


def test_a_services_permission_refusal_is_a_message_and_changes_nothing(client, policy):
    # Policy staff given the admin permission by mistake are still refused by the service.
    policy.user_permissions.add(Permission.objects.get(codename="change_kpidefinition"))
    kpi = KPIDefinitionFactory(name_en="Before")
    page = client.get(_url(KPIDefinition, "change", kpi.pk))

    response = client.post(
        _url(KPIDefinition, "change", kpi.pk), changeform_data(page, name_en="After"), follow=True
    )

    assert response.status_code == 200
    assert "Only the PMO may change KPI definitions and targets." in _messages(response)
    kpi.refresh_from_db()
    assert kpi.name_en == "Before"


def test_the_kpi_page_links_to_its_measurements_and_shows_the_last_months_by_subject(client, pmo):
    kpi = KPIDefinitionFactory()
    _record(kpi, 61.0, subject="cluster-a")
    _record(kpi, 72.5, subject="cluster-b")

    html = client.get(_url(KPIDefinition, "change", kpi.pk)).content.decode()

    assert f"{reverse('admin:kpis_measurement_changelist')}?kpi={kpi.pk}" in html
    table = re.search(r'<table class="kpi-subject-months">.*?</table>', html, re.S).group(0)
    assert table.count('<th scope="col">') == 13  # the subject and twelve months
    assert re.search(r"cluster-a</th>(\s*<td[^>]*>—</td>){11}\s*<td[^>]*>61</td>", table)
    assert re.search(r"cluster-b</th>(\s*<td[^>]*>—</td>){11}\s*<td[^>]*>72.5</td>", table)


def test_nothing_kpi_related_can_be_deleted_even_by_the_pmo(client, pmo, gate):
    kpi = KPIDefinitionFactory()
    target = KPITargetFactory(kpi=kpi, gate=gate)
    objects = [kpi, target, SafetyCheckFactory(), IncidentFactory()]

    for obj in objects:
        response = client.post(_url(type(obj), "delete", obj.pk), {"post": "yes"})
        assert response.status_code == 403
        assert type(obj).objects.filter(pk=obj.pk).exists()
    page = client.get(_url(KPIDefinition, "change", kpi.pk))
    (inline,) = page.context["inline_admin_formsets"]
    assert not inline.formset.can_delete


def test_policy_staff_read_kpis_but_get_no_add_or_change_and_their_posts_are_refused(
    client, policy, gate
):
    kpi = KPIDefinitionFactory(name_en="Before")

    listing = client.get(_url(KPIDefinition, "changelist"))
    page = client.get(_url(KPIDefinition, "change", kpi.pk))
    add = client.get(_url(KPIDefinition, "add"))
    post = client.post(_url(KPIDefinition, "change", kpi.pk), {"name_en": "After"})

    assert listing.status_code == 200
    assert listing.context["has_add_permission"] is False
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert add.status_code == 403
    assert post.status_code == 403
    kpi.refresh_from_db()
    assert kpi.name_en == "Before"


def test_policy_staff_cannot_revert_history(client, policy):
    kpi = KPIDefinitionFactory()
    version = kpi.history.get()

    response = client.post(_url(KPIDefinition, "simple_history", kpi.pk, version.pk), {})

    assert response.status_code == 403


def test_the_kpi_history_is_visible(client, pmo):
    kpi = KPIDefinitionFactory()

    response = client.get(_url(KPIDefinition, "history", kpi.pk))

    assert response.status_code == 200


# ------------------------------------------------------- safety checklist and incidents


def test_a_safety_check_saved_in_the_admin_records_the_user(client, pmo):
    page = client.get(_url(SafetyCheckFactory._meta.model, "add"))

    response = client.post(
        _url(SafetyCheckFactory._meta.model, "add"),
        changeform_data(
            page, code="red_team", text_ja="レッドチーム評価", required="on", order="1"
        ),
    )

    assert response.status_code == 302
    check = SafetyCheckFactory._meta.model.objects.get(code="red_team")
    assert check.history.get().history_user == pmo


def test_an_incident_saved_in_the_admin_records_the_user(client, pmo):
    organization = OrganizationFactory()
    model = IncidentFactory._meta.model
    page = client.get(_url(model, "add"))

    response = client.post(
        _url(model, "add"),
        changeform_data(
            page,
            occurred_on="2026-06-01",
            severity="4",
            organization=str(organization.pk),
            title="冷却停止",
            description="GPUクラスタの冷却系統が停止した。",
        ),
    )

    assert response.status_code == 302
    assert model.objects.get(title="冷却停止").history.get().history_user == pmo


def test_an_incident_resolved_before_it_occurred_is_refused_beside_the_field(client, pmo):
    incident = IncidentFactory(occurred_on=dt.date(2026, 6, 1))
    model = type(incident)
    page = client.get(_url(model, "change", incident.pk))

    response = client.post(
        _url(model, "change", incident.pk), changeform_data(page, resolved_on="2026-05-01")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    incident.refresh_from_db()
    assert incident.resolved_on is None


# ----------------------------------------------------------- measurements and batches


def test_the_measurement_history_refuses_add_change_and_delete_even_to_the_pmo(client, pmo):
    kpi = KPIDefinitionFactory()
    _record(kpi, 50.0)
    measurement = Measurement.objects.get()

    assert client.get(_url(Measurement, "add")).status_code == 403
    page = client.get(_url(Measurement, "change", measurement.pk))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert (
        client.post(_url(Measurement, "change", measurement.pk), {"value": "1"}).status_code == 403
    )
    assert (
        client.post(_url(Measurement, "delete", measurement.pk), {"post": "yes"}).status_code == 403
    )
    measurement.refresh_from_db()
    assert measurement.value == 50.0


def test_the_measurement_list_is_built_for_millions_of_rows(client, pmo):
    from kpis.admin import MeasurementAdmin

    assert MeasurementAdmin.show_full_result_count is False
    assert MeasurementAdmin.date_hierarchy is None
    assert {"kpi", "batch"} <= set(MeasurementAdmin.list_select_related)
    kpi = KPIDefinitionFactory()
    _record(kpi, 50.0)
    backfilled = _record(kpi, 40.0, at=_last_month_moment() - dt.timedelta(days=3))
    response = client.get(_url(Measurement, "changelist"))
    assert response.status_code == 200
    # Newest recorded first (the primary key's order), not by time, which would sort the
    # whole table when no KPI is chosen.
    assert response.context["cl"].result_list[0].batch_id == backfilled.pk
    # No facet counts: nothing counts the measurements per filter choice.
    assert response.context["cl"].add_facets is False


def _queries(client, url: str, query: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, query or {}).status_code == 200
    return len(queries)


def test_the_measurement_list_reads_a_fixed_number_of_queries_however_many_rows(client, pmo):
    kpi = KPIDefinitionFactory()
    moment = _last_month_moment()
    for hour in range(2):
        _record(kpi, 10.0 + hour, subject="a", at=moment + dt.timedelta(hours=hour))
    _record(kpi, 11.0, subject="a", at=moment + dt.timedelta(hours=1))  # a correction
    few = _queries(client, _url(Measurement, "changelist"))

    for hour in range(2, 30):
        _record(kpi, 10.0 + hour, subject="a", at=moment + dt.timedelta(hours=hour))
    _record(kpi, 12.0, subject="a", at=moment + dt.timedelta(hours=2))

    assert _queries(client, _url(Measurement, "changelist")) == few


def test_the_board_reads_a_fixed_number_of_queries_however_many_kpis(client, pmo, gate):
    def kpi_with_data(code: str) -> None:
        kpi = KPIDefinitionFactory(code=code)
        KPITargetFactory(kpi=kpi, gate=gate)
        _record(kpi, 75.0)

    kpi_with_data("first")
    few = _queries(client, reverse(BOARD))
    for index in range(10):
        kpi_with_data(f"more_{index}")

    assert _queries(client, reverse(BOARD)) == few


def test_the_measurement_list_filters_by_kpi_subject_and_batch_source(client, pmo):
    first, second = KPIDefinitionFactory(code="first"), KPIDefinitionFactory(code="second")
    _record(first, 10.0, subject="cluster-a")
    _record(first, 20.0, subject="cluster-b")
    _record(second, 30.0)

    def values(**query) -> list[float]:
        response = client.get(_url(Measurement, "changelist"), query)
        return sorted(m.value for m in response.context["cl"].result_list)

    assert values() == [10.0, 20.0, 30.0]
    assert values(kpi=first.pk) == [10.0, 20.0]
    assert values(kpi=first.pk, subject="cluster-b") == [20.0]
    assert values(kpi=second.pk, subject="__programme__") == [30.0]
    assert values(batch__source="seed") == [10.0, 20.0, 30.0]
    assert values(batch__source="file") == []


def test_the_measurement_list_shows_value_with_unit_batch_and_corrections(client, pmo):
    kpi = KPIDefinitionFactory(code="util", unit="percent")
    moment = _last_month_moment()
    first = _record(kpi, 50.0, at=moment)
    correction = _record(kpi, 55.0, at=moment)
    old = Measurement.objects.get(batch=first)
    new = Measurement.objects.get(batch=correction)

    html = client.get(_url(Measurement, "changelist"), {"kpi": kpi.pk}).content.decode()

    assert "50 %" in html and "55 %" in html
    assert f'href="{_url(IngestBatch, "change", first.pk)}">#{first.pk}</a>' in html
    assert f'superseded by <a href="{_url(Measurement, "change", new.pk)}">#{new.pk}</a>' in html
    assert f'corrects <a href="{_url(Measurement, "change", old.pk)}">#{old.pk}</a>' in html


def test_ingest_batches_are_read_only_and_link_to_their_measurements(client, pmo):
    kpi = KPIDefinitionFactory()
    batch = _record(kpi, 50.0)

    listing = client.get(_url(IngestBatch, "changelist"))
    page = client.get(_url(IngestBatch, "change", batch.pk))

    assert listing.status_code == 200
    assert listing.context["has_add_permission"] is False
    html = listing.content.decode()
    assert f"{batch.checksum[:12]}…" in html
    assert f"{reverse('admin:kpis_measurement_changelist')}?batch__id__exact={batch.pk}" in html
    assert page.context["has_change_permission"] is False
    assert client.get(_url(IngestBatch, "add")).status_code == 403
    assert client.post(_url(IngestBatch, "change", batch.pk), {"row_count": "9"}).status_code == 403
    assert client.post(_url(IngestBatch, "delete", batch.pk), {"post": "yes"}).status_code == 403
    batch.refresh_from_db()
    assert batch.row_count == 1


def test_a_batchs_measurement_link_lists_only_that_batch(client, pmo):
    kpi = KPIDefinitionFactory()
    batch = _record(kpi, 50.0, subject="a")
    _record(kpi, 60.0, subject="b")

    response = client.get(_url(Measurement, "changelist"), {"batch__id__exact": batch.pk})

    assert [m.value for m in response.context["cl"].result_list] == [50.0]


def test_policy_staff_read_measurements_and_batches(client, policy):
    kpi = KPIDefinitionFactory()
    _record(kpi, 50.0)

    assert client.get(_url(Measurement, "changelist")).status_code == 200
    assert client.get(_url(IngestBatch, "changelist")).status_code == 200


# ------------------------------------------------------------------------------ the import


def _csv(text: str, name: str = "measurements.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


GOOD_CSV = (
    "kpi,subject,at,value,unit\n"
    "gpu_utilization,cluster-a,2026-04-01T09:00:00+09:00,71.5,%\n"
    "gpu_utilization,cluster-b,2026-04-01T09:00:00+09:00,64,%\n"
)


@pytest.fixture
def utilization(db) -> KPIDefinition:
    # A file imported without naming an organization holds the joint venture's figures.
    OrganizationFactory(code="jv", kind=OrganizationKind.JOINT_VENTURE)
    return KPIDefinitionFactory(code="gpu_utilization", unit="percent", source="scraped")


def test_the_import_page_shows_the_expected_columns_and_an_example(client, pmo):
    response = client.get(reverse(IMPORT))

    assert response.status_code == 200
    table = re.search(
        r'<table class="mi-example" id="import-columns">.*?</table>',
        response.content.decode(),
        re.S,
    ).group(0)
    for column in ("kpi", "subject", "at", "start", "end", "value", "unit"):
        assert f'<th scope="col">{column}</th>' in table
    assert "<td>gpu_utilization</td>" in table


def test_a_good_csv_is_stored_as_one_file_batch(client, pmo, utilization):
    organization = OrganizationFactory()

    response = client.post(
        reverse(IMPORT), {"file": _csv(GOOD_CSV), "organization": organization.pk}, follow=True
    )

    batch = IngestBatch.objects.get()
    assert response.redirect_chain[-1][0] == _url(IngestBatch, "change", batch.pk)
    assert (batch.source, batch.submitted_by, batch.organization) == (
        BatchSource.FILE,
        pmo,
        organization,
    )
    assert (batch.row_count, batch.file_name) == (2, "measurements.csv")
    assert sorted(batch.measurements.values_list("subject", "value")) == [
        ("cluster-a", 71.5),
        ("cluster-b", 64.0),
    ]
    assert f"Imported 2 measurements as batch #{batch.pk}." in _messages(response)


def test_a_bad_csv_is_answered_400_naming_each_bad_line_and_nothing_is_stored(
    client, pmo, utilization
):
    text = (
        "kpi,subject,at,value,unit\n"
        "gpu_utilization,cluster-a,2026-04-01T09:00:00+09:00,71.5,%\n"
        "gpu_utilization,cluster-b,2026-04-01T09:00:00+09:00,140,%\n"
        "no_such_kpi,cluster-c,2026-04-01T09:00:00+09:00,10,%\n"
    )

    response = client.post(reverse(IMPORT), {"file": _csv(text)})

    assert response.status_code == 400
    html = response.content.decode()
    errors = re.search(r'<div class="errornote" id="import-rejected">.*?</div>', html, re.S)
    assert "line 3, value: A percentage must be between 0 and 100." in errors.group(0)
    assert "line 4, kpi: Unknown KPI code “no_such_kpi”." in errors.group(0)
    assert "line 2" not in errors.group(0)
    assert not IngestBatch.objects.exists()
    assert not Measurement.objects.exists()


def test_without_a_joint_venture_the_import_asks_whose_measurements_they_are(client, pmo):
    KPIDefinitionFactory(code="gpu_utilization", unit="percent")

    response = client.post(reverse(IMPORT), {"file": _csv(GOOD_CSV)})

    assert response.status_code == 400
    assert response.context["form"].errors["organization"] == ["Say whose measurements these are."]
    assert not IngestBatch.objects.exists()


def test_a_file_that_is_not_csv_or_excel_is_refused_with_400(client, pmo, utilization):
    response = client.post(reverse(IMPORT), {"file": _csv(GOOD_CSV, name="measurements.txt")})

    assert response.status_code == 400
    assert "Only CSV (.csv) and Excel (.xlsx) files can be imported" in response.content.decode()
    assert not IngestBatch.objects.exists()


def test_the_same_file_twice_says_it_was_already_imported_as_that_batch(client, pmo, utilization):
    client.post(reverse(IMPORT), {"file": _csv(GOOD_CSV)})
    batch = IngestBatch.objects.get()

    response = client.post(reverse(IMPORT), {"file": _csv(GOOD_CSV)}, follow=True)

    assert IngestBatch.objects.count() == 1
    assert Measurement.objects.count() == 2
    assert response.redirect_chain[-1][0] == _url(IngestBatch, "change", batch.pk)
    assert (
        f"This file was already imported as batch #{batch.pk}; nothing was stored again."
        in _messages(response)
    )


def test_a_corrected_file_reports_its_corrections(client, pmo, utilization):
    client.post(reverse(IMPORT), {"file": _csv(GOOD_CSV)})

    response = client.post(
        reverse(IMPORT), {"file": _csv(GOOD_CSV.replace("71.5", "72.0"))}, follow=True
    )

    batch = IngestBatch.objects.first()
    assert (batch.row_count, batch.superseded_count, batch.unchanged_count) == (1, 1, 1)
    assert f"Imported 1 measurement as batch #{batch.pk}." in _messages(response)
    assert "1 of them corrects an earlier measurement." in _messages(response)
    assert "1 row repeated a current value and was not stored again." in _messages(response)


def test_policy_staff_cannot_reach_the_import_page(client, policy, utilization):
    assert client.get(reverse(IMPORT)).status_code == 403
    assert client.post(reverse(IMPORT), {"file": _csv(GOOD_CSV)}).status_code == 403
    assert not IngestBatch.objects.exists()


def test_partners_are_sent_to_the_login_from_the_import_page(client, utilization):
    client.force_login(PartnerUserFactory())

    response = client.get(reverse(IMPORT))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# ------------------------------------------------------------- gate criteria and KPIs


def test_a_gate_criterion_can_name_a_kpi_and_shows_whether_it_holds(client, pmo, gate):
    kpi = KPIDefinitionFactory()
    KPITargetFactory(kpi=kpi, gate=gate, target_value=80.0, amber_value=70.0)
    _record(kpi, 85.0)
    criterion = GateCriterionFactory(gate=gate, text_ja="GPU稼働率が目標に達する", kpi=kpi)
    missed = GateCriterionFactory(gate=gate, text_ja="別の基準")

    listing = client.get(reverse("admin:milestones_gatecriterion_changelist")).content.decode()
    gate_page = client.get(reverse("admin:milestones_stagegate_change", args=[gate.pk]))

    assert "Holds: the KPI meets its target" in listing
    inline = next(
        i for i in gate_page.context["inline_admin_formsets"] if i.formset.model is GateCriterion
    )
    assert "kpi" in inline.formset.forms[0].fields
    assert "Holds: the KPI meets its target" in gate_page.content.decode()
    assert missed.kpi is None and criterion.kpi == kpi


def test_a_kpi_can_be_bound_to_a_criterion_in_the_gate_page(client, pmo, gate):
    kpi = KPIDefinitionFactory()
    criterion = GateCriterionFactory(gate=gate, text_ja="基準")
    page = client.get(reverse("admin:milestones_stagegate_change", args=[gate.pk]))
    prefix = next(
        i.formset.prefix
        for i in page.context["inline_admin_formsets"]
        if i.formset.model is GateCriterion
    )

    response = client.post(
        reverse("admin:milestones_stagegate_change", args=[gate.pk]),
        changeform_data(page, **{f"{prefix}-0-kpi": str(kpi.pk)}),
    )

    assert response.status_code == 302
    criterion.refresh_from_db()
    assert criterion.kpi == kpi
    assert criterion.history.first().history_user == pmo


def test_a_kpi_filter_that_is_not_an_id_lists_everything_instead_of_failing(client, pmo):
    # "²".isdigit() is true, but it is no number int() takes.
    response = client.get(_url(Measurement, "changelist"), {"kpi": "²"})

    assert response.status_code == 200
