"""The programme admin: every page loads, exports work, saves go through the services and
the models' rules show beside the field, history names the admin user, evidence files stay
private."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import BooleanField
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst

from milestones.admin import RiskAdmin
from milestones.choices import GateDecision, MilestoneStatus
from milestones.models import (
    Deliverable,
    EvidenceFile,
    GateCondition,
    GateCriterion,
    Milestone,
    Programme,
    Risk,
    StageGate,
    Track,
)
from milestones.services import evidence_attach
from tests.factories import (
    DeliverableFactory,
    GateConditionFactory,
    GateCriterionFactory,
    MilestoneFactory,
    PMOUserFactory,
    PolicyUserFactory,
    RiskFactory,
    StageGateFactory,
    UserFactory,
)
from tests.milestones.factories_admin import changeform_data

pytestmark = pytest.mark.django_db

MODELS = [
    Programme,
    Track,
    Milestone,
    StageGate,
    GateCriterion,
    GateCondition,
    Deliverable,
    EvidenceFile,
    Risk,
]


def _url(model, action: str, *args) -> str:
    return reverse(f"admin:milestones_{model._meta.model_name}_{action}", args=args)


def _stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


@pytest.fixture
def pmo(client):
    user = PMOUserFactory()
    client.force_login(user)
    return user


@pytest.fixture
def one_of_each(db) -> dict[type, object]:
    """One row of every programme model, linked the way the PMO would build them."""
    gate = StageGateFactory()
    deliverable = DeliverableFactory()
    evidence = evidence_attach(
        deliverable=deliverable,
        upload=SimpleUploadedFile("報告書.pdf", b"%PDF-1.4 report"),
        actor=PMOUserFactory(),
    )
    return {
        Programme: gate.programme,
        Track: deliverable.milestone.track,
        Milestone: deliverable.milestone,
        StageGate: gate,
        GateCriterion: GateCriterionFactory(gate=gate),
        GateCondition: GateConditionFactory(gate=gate),
        Deliverable: deliverable,
        EvidenceFile: evidence,
        Risk: RiskFactory(),
    }


# ------------------------------------------------------------------------------ the pages


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_pmo_can_open_the_list_the_page_and_the_history_of_every_model(
    client, pmo, one_of_each, model
):
    obj = one_of_each[model]

    assert client.get(_url(model, "changelist")).status_code == 200
    assert client.get(_url(model, "change", obj.pk)).status_code == 200
    assert client.get(_url(model, "history", obj.pk)).status_code == 200
    assert client.get(_url(model, "add")).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_policy_staff_can_view_every_model(client, one_of_each, model):
    client.force_login(PolicyUserFactory())

    assert client.get(_url(model, "changelist")).status_code == 200
    assert client.get(_url(model, "change", one_of_each[model].pk)).status_code == 200


@pytest.mark.parametrize(
    ("model", "factory"),
    [(Milestone, MilestoneFactory), (StageGate, None), (Deliverable, DeliverableFactory)],
    ids=["Milestone", "StageGate", "Deliverable"],
)
def test_list_pages_do_not_query_per_row(
    client, pmo, django_assert_max_num_queries, model, factory
):
    def add_rows(count: int, start: int) -> None:
        for n in range(start, start + count):
            if factory is None:
                StageGateFactory(
                    fiscal_year=2026 + n % 5, kind=["annual", "mid_term", "final"][n // 5]
                )
            else:
                factory()

    add_rows(2, 0)
    with django_assert_max_num_queries(100) as few:
        client.get(_url(model, "changelist"))
    add_rows(5, 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(_url(model, "changelist"))


def test_risk_register_is_sorted_by_score_highest_first(client, pmo):
    RiskFactory(code="low", likelihood=1, impact=2)
    RiskFactory(code="high", likelihood=5, impact=5)
    RiskFactory(code="middle", likelihood=3, impact=3)

    response = client.get(_url(Risk, "changelist"))

    codes = [risk.code for risk in response.context["cl"].result_list]
    assert codes == ["high", "middle", "low"]
    assert "score" in RiskAdmin.list_display


# -------------------------------------------------------------------------------- exports


def _export(client, model, file_format: int):
    """Post the export form as the admin renders it: format, resource, every field ticked."""
    page = client.get(_url(model, "export"))
    form = page.context["form"]
    data = {"format": str(file_format), "resource": "0"}
    data.update(
        {name: "on" for name, field in form.fields.items() if isinstance(field, BooleanField)}
    )
    return client.post(_url(model, "export"), data)


def test_milestones_export_as_csv_with_codes_and_labels_not_ids(client, pmo):
    MilestoneFactory(code="y1-alpha", title_ja="モデルα版提示", status=MilestoneStatus.AT_RISK)

    response = _export(client, Milestone, file_format=0)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="Milestone-' in response["Content-Disposition"]
    # A byte-order mark, so Excel reads the Japanese as UTF-8.
    assert response.content.startswith("\ufeff".encode())
    text = response.content.decode("utf-8-sig")
    assert "y1-alpha" in text and "モデルα版提示" in text
    assert "nedo-multimodal" in text  # the programme by its code
    assert "要注意" in text  # the status by its label, in Japanese by default
    assert text.splitlines()[0].lstrip("\ufeff").startswith("事業,コード")


def test_risk_register_exports_as_xlsx_with_its_score_in_the_chosen_language(client, pmo):
    RiskFactory(code="compute-power", likelihood=4, impact=5)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = _export(client, Risk, file_format=1)

    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, row = rows[0], rows[1]
    record = dict(zip(header, row, strict=True))
    assert record["Code"] == "compute-power"
    assert record["Score (likelihood × impact)"] == 20


def test_selected_rows_can_be_exported_from_the_list_action(client, pmo):
    keep, _skip = RiskFactory(code="keep-me"), RiskFactory(code="leave-me")

    form_page = client.post(
        _url(Risk, "changelist"),
        {"action": "export_admin_action", "_selected_action": [keep.pk]},
    )
    form = form_page.context["form"]
    data = {name: "on" for name, field in form.fields.items() if isinstance(field, BooleanField)}
    data.update(format="0", resource="0", export_items=[str(keep.pk)])
    response = client.post(_url(Risk, "export"), data)

    text = response.content.decode("utf-8-sig")
    assert "keep-me" in text and "leave-me" not in text


def test_evidence_export_leaves_out_the_private_storage_name(client, pmo, one_of_each):
    response = _export(client, EvidenceFile, file_format=0)

    text = response.content.decode("utf-8-sig")
    assert "報告書.pdf" in text
    assert one_of_each[EvidenceFile].file.name not in text


# ------------------------------------------------------------- validation shown on the form


def test_a_decision_without_rationale_comes_back_with_an_error_and_saves_nothing(client, pmo):
    gate = StageGateFactory()
    page = client.get(_url(StageGate, "change", gate.pk))

    response = client.post(
        _url(StageGate, "change", gate.pk),
        changeform_data(
            page, decision=GateDecision.CONTINUE, decision_date="2027-12-20", rationale=""
        ),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["rationale"]
    gate.refresh_from_db()
    assert gate.decision == GateDecision.PENDING
    assert gate.history.count() == 1


def test_a_review_date_before_the_fiscal_year_judged_is_rejected_on_review_date(client, pmo):
    gate = StageGateFactory(fiscal_year=2028)
    page = client.get(_url(StageGate, "change", gate.pk))

    response = client.post(
        _url(StageGate, "change", gate.pk), changeform_data(page, review_date="2028-03-31")
    )

    assert "review_date" in response.context["adminform"].form.errors
    gate.refresh_from_db()
    assert gate.review_date == dt.date(2028, 12, 15)


def test_a_milestone_due_after_the_programme_window_is_rejected_on_due_date(client, pmo):
    milestone = MilestoneFactory()
    page = client.get(_url(Milestone, "change", milestone.pk))

    response = client.post(
        _url(Milestone, "change", milestone.pk), changeform_data(page, due_date="2031-04-01")
    )

    assert response.status_code == 200
    assert "due_date" in response.context["adminform"].form.errors
    milestone.refresh_from_db()
    assert milestone.due_date == dt.date(2027, 9, 30)


# ------------------------------------------------------------------ saves through services


def test_a_gate_decision_in_the_admin_is_in_history_with_the_admin_user_and_old_value(client, pmo):
    gate = StageGateFactory()
    page = client.get(_url(StageGate, "change", gate.pk))

    response = client.post(
        _url(StageGate, "change", gate.pk),
        changeform_data(
            page,
            decision=GateDecision.CONTINUE_WITH_CONDITIONS,
            decision_date="2027-12-20",
            rationale="GPU稼働率は目標未達だが改善傾向にある。",
        ),
    )

    assert response.status_code == 302
    latest = gate.history.first()
    assert latest.history_user == pmo
    assert latest.decision == GateDecision.CONTINUE_WITH_CONDITIONS
    assert latest.prev_record.decision == GateDecision.PENDING


def test_the_history_page_shows_who_changed_a_decision_from_what_to_what(client, pmo):
    gate = StageGateFactory()
    page = client.get(_url(StageGate, "change", gate.pk))
    client.post(
        _url(StageGate, "change", gate.pk),
        changeform_data(
            page, decision=GateDecision.CONTINUE, decision_date="2027-12-20", rationale="順調"
        ),
    )

    response = client.get(_url(StageGate, "history", gate.pk))

    latest = response.context["page_obj"][0]
    assert latest.history_user == pmo
    with translation.override("ja"):
        label = capfirst(StageGate._meta.get_field("decision").verbose_name)
        decision = next(c for c in latest.history_delta_changes if c["field"] == label)
        # Labels, not the stored values.
        assert decision["old"] == str(GateDecision.PENDING.label)
        assert decision["new"] == str(GateDecision.CONTINUE.label)


def test_gate_criteria_and_conditions_added_inline_are_saved_with_history(client, pmo):
    gate = StageGateFactory()
    owner = UserFactory().organization
    page = client.get(_url(StageGate, "change", gate.pk))
    data = changeform_data(page)
    data.update(
        {
            "criteria-TOTAL_FORMS": "1",
            "criteria-0-order": "1",
            "criteria-0-axis": "results",
            "criteria-0-text_ja": "GPUが安定稼働していること",
            "criteria-0-assessment": "not_assessed",
            "conditions-TOTAL_FORMS": "1",
            "conditions-0-text_ja": "データ契約を締結すること",
            "conditions-0-owner": str(owner.pk),
            "conditions-0-due_date": "2028-03-31",
        }
    )

    response = client.post(_url(StageGate, "change", gate.pk), data)

    assert response.status_code == 302
    criterion, condition = gate.criteria.get(), gate.conditions.get()
    assert criterion.history.first().history_user == pmo
    assert condition.history.first().history_user == pmo


def test_a_deliverable_added_inline_on_its_milestone_is_saved(client, pmo):
    milestone = MilestoneFactory()
    page = client.get(_url(Milestone, "change", milestone.pk))
    data = changeform_data(page)
    data.update(
        {
            "deliverables-TOTAL_FORMS": "1",
            "deliverables-0-title_ja": "成果報告書",
            "deliverables-0-status": "planned",
        }
    )

    response = client.post(_url(Milestone, "change", milestone.pk), data)

    assert response.status_code == 302
    assert milestone.deliverables.get().history.first().history_user == pmo


# ---------------------------------------------------------------------------- who may do what


def test_policy_staff_get_403_when_posting_a_change(client):
    gate = StageGateFactory()
    client.force_login(PolicyUserFactory())
    page = client.get(_url(StageGate, "change", gate.pk))
    assert page.status_code == 200

    response = client.post(
        _url(StageGate, "change", gate.pk),
        changeform_data(
            page, decision=GateDecision.TERMINATE, rationale="x", decision_date="2027-12-20"
        ),
    )

    assert response.status_code == 403
    gate.refresh_from_db()
    assert gate.decision == GateDecision.PENDING


def test_policy_staff_cannot_revert_a_gate_through_its_history(client):
    gate = StageGateFactory(title_ja="旧題")
    gate.title_ja = "新題"
    gate.save()
    old = gate.history.last()
    client.force_login(PolicyUserFactory())
    url = reverse("admin:milestones_stagegate_simple_history", args=[gate.pk, old.history_id])
    page = client.get(url)
    assert page.status_code == 200

    response = client.post(url, changeform_data(page))

    assert response.status_code == 403
    gate.refresh_from_db()
    assert gate.title_ja == "新題"


def test_a_partner_is_sent_to_the_login_page(client):
    client.force_login(UserFactory())

    response = client.get(_url(Milestone, "changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_admin_index_links_to_the_timeline(client, pmo):
    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert f'href="{reverse("milestones:timeline")}"' in response.content.decode()


# ----------------------------------------------------------------------------- evidence files


def test_an_upload_through_the_admin_stores_the_file_with_its_sha256(client, pmo, _private_media):
    deliverable = DeliverableFactory()
    content = b"%PDF-1.4 evidence of GPU utilisation"

    response = client.post(
        _url(EvidenceFile, "add"),
        {"deliverable": deliverable.pk, "file": SimpleUploadedFile("GPU稼働率.pdf", content)},
    )

    assert response.status_code == 302
    evidence = EvidenceFile.objects.get()
    assert evidence.deliverable == deliverable
    assert evidence.original_name == "GPU稼働率.pdf"
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.uploaded_by == pmo
    assert evidence.history.first().history_user == pmo
    assert [path.read_bytes() for path in _stored_files(_private_media)] == [content]


def test_the_upload_form_preselects_the_deliverable_it_was_opened_from(client, pmo):
    deliverable = DeliverableFactory()

    response = client.get(_url(EvidenceFile, "add"), {"deliverable": deliverable.pk})

    assert response.context["adminform"].form["deliverable"].value() == str(deliverable.pk)


def test_an_oversized_upload_shows_an_error_and_leaves_no_file_and_no_row(
    client, pmo, settings, _private_media
):
    settings.UPLOAD_MAX_BYTES = 16
    deliverable = DeliverableFactory()

    response = client.post(
        _url(EvidenceFile, "add"),
        {"deliverable": deliverable.pk, "file": SimpleUploadedFile("big.bin", b"x" * 17)},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["file"]
    assert not EvidenceFile.objects.exists()
    assert _stored_files(_private_media) == []


def test_evidence_files_are_shown_read_only_on_their_deliverable(client, pmo, one_of_each):
    evidence = one_of_each[EvidenceFile]

    response = client.get(_url(Deliverable, "change", evidence.deliverable.pk))

    html = response.content.decode()
    assert evidence.sha256 in html
    assert reverse("milestones:evidence-download", args=[evidence.pk]) in html
    assert 'name="evidence-0-original_name"' not in html


def test_evidence_files_cannot_be_edited_or_deleted_in_the_admin(client, pmo, one_of_each):
    evidence = one_of_each[EvidenceFile]

    assert client.post(_url(EvidenceFile, "change", evidence.pk), {}).status_code == 403
    assert (
        client.post(_url(EvidenceFile, "delete", evidence.pk), {"post": "yes"}).status_code == 403
    )
    assert EvidenceFile.objects.filter(pk=evidence.pk).exists()


def test_a_pmo_downloads_the_evidence_bytes_under_the_original_name(client, pmo, one_of_each):
    evidence = one_of_each[EvidenceFile]

    response = client.get(reverse("milestones:evidence-download", args=[evidence.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 report"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E5%A0%B1%E5%91%8A%E6%9B%B8.pdf" in response["Content-Disposition"]


def test_downloading_an_unknown_evidence_id_is_404(client, pmo):
    response = client.get(reverse("milestones:evidence-download", args=[987654]))

    assert response.status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "partner"])
def test_anonymous_users_and_partners_are_sent_to_login_instead_of_the_file(
    client, one_of_each, who
):
    if who == "partner":
        client.force_login(UserFactory())

    response = client.get(
        reverse("milestones:evidence-download", args=[one_of_each[EvidenceFile].pk])
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_the_evidence_permission_cannot_tell_a_file_exists(client, one_of_each):
    client.force_login(UserFactory(is_staff=True))

    existing = client.get(
        reverse("milestones:evidence-download", args=[one_of_each[EvidenceFile].pk])
    )
    missing = client.get(reverse("milestones:evidence-download", args=[999_999]))

    assert existing.status_code == missing.status_code == 404


def test_gates_filter_by_fiscal_year_labelled_in_japanese(client, pmo):
    StageGateFactory(fiscal_year=2027)
    StageGateFactory(fiscal_year=2029, review_date=dt.date(2029, 12, 15))

    page = client.get(_url(StageGate, "changelist"))
    filtered = client.get(_url(StageGate, "changelist"), {"fiscal_year": "2029"})

    assert "2027年度" in page.content.decode() and "2029年度" in page.content.decode()
    assert [gate.fiscal_year for gate in filtered.context["cl"].result_list] == [2029]
