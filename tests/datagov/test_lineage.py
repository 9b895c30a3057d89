"""Training lineage: the contamination guard on every run, and the contamination report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from datagov.choices import (
    ARTIFACT_KIND_OF_PURPOSE,
    ArtifactKind,
    ContractStatus,
    DataPurpose,
    DataTier,
)
from datagov.models import TrainingRun
from datagov.selectors import contamination_report
from datagov.services import training_run_register, training_run_update
from tests.factories import (
    DataAssetFactory,
    DataContractFactory,
    ModelArtifactFactory,
    OrganizationFactory,
    PartnerUserFactory,
    PMOUserFactory,
    TrainingRunFactory,
)

pytestmark = pytest.mark.django_db

BASE, FINE, RAG, SYNTH, EDGE = (
    DataPurpose.BASE_PRETRAINING,
    DataPurpose.FINE_TUNING,
    DataPurpose.RAG_INDEX,
    DataPurpose.SYNTHETIC_DERIVATION,
    DataPurpose.EDGE_LEARNING,
)
START = dt.date(2027, 1, 10)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def jv():
    return OrganizationFactory(code="jv")


@pytest.fixture
def pmo(jv):
    return PMOUserFactory(organization=jv)


def _covered(code: str, tier: DataTier, *purposes: str, **contract_fields):
    """A dataset with an active contract permitting ``purposes`` (all of its tier's
    standard uses by default)."""
    dataset = DataAssetFactory(code=code, tier=tier)
    fields = {"datasets": [dataset], "template__tier": tier, **contract_fields}
    if purposes:
        fields["permitted_uses"] = list(purposes)
    contract = DataContractFactory(provider=dataset.provider, **fields)
    return dataset, contract


def _artifact(code: str, purpose: str):
    return ModelArtifactFactory(code=code, kind=ARTIFACT_KIND_OF_PURPOSE[purpose])


def _run(code: str, purpose: str, target, jv, started_on: dt.date = START) -> TrainingRun:
    return TrainingRun(
        code=code, purpose=purpose, target=target, started_on=started_on, responsible=jv
    )


def _register(pmo, jv, code, purpose, target, datasets=(), inputs=(), started_on=START):
    return training_run_register(
        run=_run(code, purpose, target, jv, started_on),
        datasets=datasets,
        input_artifacts=inputs,
        actor=pmo,
    )


def _refused(pmo, jv, code, purpose, target, datasets=(), inputs=(), started_on=START):
    runs = TrainingRun.objects.count()
    with pytest.raises(ValidationError) as error:
        _register(pmo, jv, code, purpose, target, datasets, inputs, started_on)
    assert TrainingRun.objects.count() == runs
    assert not TrainingRun.objects.filter(code=code).exists()
    return error.value.message_dict


class TestDirectInputs:
    def test_restricted_data_is_refused_for_base_pretraining(self, pmo, jv):
        logs, contract = _covered("kimitsu-logs", DataTier.RESTRICTED, FINE, RAG)
        public, _ = _covered("jis-standards", DataTier.PUBLIC)

        errors = _refused(
            pmo, jv, "base-v1", BASE, _artifact("base", BASE), datasets=[public, logs]
        )

        assert list(errors) == ["datasets"]
        [reason] = errors["datasets"]
        assert "kimitsu-logs" in reason
        assert str(DataTier.RESTRICTED.label) in reason
        assert contract.reference in reason

    @pytest.mark.parametrize("purpose", [BASE, FINE, RAG])
    def test_secret_data_is_refused_outside_edge_learning_and_synthetic_derivation(
        self, purpose, pmo, jv
    ):
        video, contract = _covered("worker-video", DataTier.SECRET, EDGE, SYNTH)

        errors = _refused(pmo, jv, "run", purpose, _artifact("model", purpose), datasets=[video])

        [reason] = errors["datasets"]
        assert "worker-video" in reason
        assert str(DataTier.SECRET.label) in reason
        assert contract.reference in reason

    @pytest.mark.parametrize("purpose", [EDGE, SYNTH])
    def test_secret_data_is_allowed_for_edge_learning_and_synthetic_derivation(
        self, purpose, pmo, jv
    ):
        video, _ = _covered("worker-video", DataTier.SECRET, EDGE, SYNTH)

        run = _register(pmo, jv, "run", purpose, _artifact("model", purpose), datasets=[video])

        run.refresh_from_db()
        assert list(run.datasets.all()) == [video]
        assert run.history.first().history_user == pmo

    @pytest.mark.parametrize("purpose", [FINE, RAG])
    def test_restricted_data_is_allowed_for_specialised_models(self, purpose, pmo, jv):
        logs, _ = _covered("kimitsu-logs", DataTier.RESTRICTED)

        _register(pmo, jv, "run", purpose, _artifact("model", purpose), datasets=[logs])

        assert TrainingRun.objects.filter(code="run").exists()

    @pytest.mark.parametrize(
        ("contract_fields", "started_on"),
        [
            pytest.param({"status": ContractStatus.SUBMITTED}, START, id="submitted"),
            pytest.param({"effective_date": dt.date(2027, 4, 1)}, START, id="not-yet-effective"),
            pytest.param({"expiry_date": dt.date(2026, 12, 31)}, START, id="expired-by-then"),
        ],
    )
    def test_a_dataset_whose_contract_is_not_in_force_at_the_start_is_refused(
        self, contract_fields, started_on, pmo, jv
    ):
        logs, contract = _covered("kimitsu-logs", DataTier.RESTRICTED, **contract_fields)

        errors = _refused(
            pmo, jv, "ft", FINE, _artifact("ft", FINE), datasets=[logs], started_on=started_on
        )

        [reason] = errors["datasets"]
        assert "kimitsu-logs" in reason
        assert contract.reference in reason
        assert str(DataTier.RESTRICTED.label) in reason

    def test_a_deviation_use_needs_the_approved_deviation(self, pmo, jv):
        logs, contract = _covered(
            "kimitsu-logs", DataTier.RESTRICTED, FINE, EDGE, deviation_reason="エッジ学習"
        )

        errors = _refused(pmo, jv, "edge", EDGE, _artifact("edge", EDGE), datasets=[logs])
        assert contract.reference in errors["datasets"][0]

        contract.deviation_approved_by = pmo
        contract.deviation_approved_at = timezone.now()
        contract.save()
        _register(pmo, jv, "edge", EDGE, _artifact("edge-2", EDGE), datasets=[logs])

    def test_every_refused_input_is_named(self, pmo, jv):
        logs, _ = _covered("kimitsu-logs", DataTier.RESTRICTED)
        video, _ = _covered("worker-video", DataTier.SECRET)
        public, _ = _covered("jis-standards", DataTier.PUBLIC)

        errors = _refused(
            pmo, jv, "base", BASE, _artifact("base", BASE), datasets=[logs, public, video]
        )

        reasons = " ".join(errors["datasets"])
        assert len(errors["datasets"]) == 2
        assert "kimitsu-logs" in reasons
        assert "worker-video" in reasons
        assert "jis-standards" not in reasons


class TestTransitiveInputs:
    def test_a_base_model_trained_from_a_fine_tune_on_restricted_data_is_refused(self, pmo, jv):
        logs, contract = _covered("kimitsu-logs", DataTier.RESTRICTED)
        public, _ = _covered("jis-standards", DataTier.PUBLIC)
        fine_tune = _artifact("steel-ft", FINE)
        _register(pmo, jv, "ft-v1", FINE, fine_tune, datasets=[logs])

        errors = _refused(
            pmo,
            jv,
            "base-v2",
            BASE,
            _artifact("base-v2", BASE),
            datasets=[public],
            inputs=[fine_tune],
        )

        assert list(errors) == ["input_artifacts"]
        [reason] = errors["input_artifacts"]
        assert "steel-ft" in reason
        assert "kimitsu-logs" in reason
        assert str(DataTier.RESTRICTED.label) in reason
        assert contract.reference in reason

    def test_restricted_data_two_levels_up_is_refused_naming_the_path(self, pmo, jv):
        logs, contract = _covered("kimitsu-logs", DataTier.RESTRICTED)
        fine_tune = _artifact("steel-ft", FINE)
        _register(pmo, jv, "ft-v1", FINE, fine_tune, datasets=[logs])
        distillate = _artifact("steel-edge", EDGE)
        _register(pmo, jv, "edge-v1", EDGE, distillate, inputs=[fine_tune])

        errors = _refused(pmo, jv, "base-v2", BASE, _artifact("base-v2", BASE), inputs=[distillate])

        [reason] = errors["input_artifacts"]
        assert "steel-edge" in reason
        assert "steel-ft" in reason
        assert "kimitsu-logs" in reason
        assert contract.reference in reason

    def test_secret_data_cannot_reach_a_fine_tune_through_an_edge_distillate(self, pmo, jv):
        video, contract = _covered("worker-video", DataTier.SECRET)
        distillate = _artifact("worker-edge", EDGE)
        _register(pmo, jv, "edge-v1", EDGE, distillate, datasets=[video])

        errors = _refused(pmo, jv, "ft", FINE, _artifact("ft", FINE), inputs=[distillate])

        [reason] = errors["input_artifacts"]
        assert "worker-edge" in reason
        assert "worker-video" in reason
        assert str(DataTier.SECRET.label) in reason
        assert contract.reference in reason

    def test_a_base_model_may_start_from_a_clean_base_model(self, pmo, jv):
        public, _ = _covered("jis-standards", DataTier.PUBLIC)
        v1 = _artifact("base-v1", BASE)
        _register(pmo, jv, "base-v1", BASE, v1, datasets=[public])

        run = _register(pmo, jv, "base-v2", BASE, _artifact("base-v2", BASE), inputs=[v1])

        assert list(run.input_artifacts.all()) == [v1]

    def test_a_fine_tune_may_start_from_a_fine_tune_on_restricted_data(self, pmo, jv):
        logs, _ = _covered("kimitsu-logs", DataTier.RESTRICTED)
        v1 = _artifact("ft-v1", FINE)
        _register(pmo, jv, "ft-v1", FINE, v1, datasets=[logs])

        _register(pmo, jv, "ft-v2", FINE, _artifact("ft-v2", FINE), inputs=[v1])

        assert TrainingRun.objects.filter(code="ft-v2").exists()


class TestRunShape:
    def test_a_run_whose_target_kind_does_not_match_its_purpose_is_invalid(self, pmo, jv):
        public, _ = _covered("jis-standards", DataTier.PUBLIC)
        rag = ModelArtifactFactory(code="rag", kind=ArtifactKind.RAG_INDEX)

        errors = _refused(pmo, jv, "base", BASE, rag, datasets=[public])

        assert "target" in errors

    def test_a_run_cannot_use_its_own_target_as_input(self, pmo, jv):
        model = _artifact("ft", FINE)

        errors = _refused(pmo, jv, "ft-again", FINE, model, inputs=[model])

        assert "input_artifacts" in errors
        assert "ft" in errors["input_artifacts"][0]

    def test_a_run_cannot_close_a_cycle_of_artifacts(self, pmo, jv):
        first = _artifact("ft-a", FINE)
        second = _artifact("ft-b", FINE)
        _register(pmo, jv, "ft-a-from-b", FINE, first, inputs=[second])

        errors = _refused(pmo, jv, "ft-b-from-a", FINE, second, inputs=[first])

        assert "ft-b" in errors["input_artifacts"][0]

    def test_a_partner_cannot_register_runs(self, jv):
        public, _ = _covered("jis-standards", DataTier.PUBLIC)
        partner = PartnerUserFactory(organization=jv)

        with pytest.raises(PermissionDenied):
            _register(partner, jv, "base", BASE, _artifact("base", BASE), datasets=[public])

        assert not TrainingRun.objects.exists()


class TestRunUpdate:
    @pytest.fixture
    def run(self, pmo, jv):
        public, _ = _covered("jis-standards", DataTier.PUBLIC)
        return _register(pmo, jv, "base-v1", BASE, _artifact("base", BASE), datasets=[public])

    def test_the_end_of_a_run_can_be_recorded(self, run, pmo):
        run.finished_on = dt.date(2027, 3, 1)
        run.notes = "損失が収束"
        training_run_update(run=run, actor=pmo)

        run.refresh_from_db()
        assert run.finished_on == dt.date(2027, 3, 1)
        assert run.history.first().history_user == pmo

    def test_a_run_cannot_finish_before_it_starts(self, run, pmo):
        run.finished_on = START - dt.timedelta(days=1)
        with pytest.raises(ValidationError) as error:
            training_run_update(run=run, actor=pmo)
        assert "finished_on" in error.value.message_dict

    @pytest.mark.parametrize(
        ("field", "make_value"),
        [
            ("purpose", lambda: FINE),
            ("target", lambda: ModelArtifactFactory(kind=ArtifactKind.BASE_MODEL)),
            ("started_on", lambda: START - dt.timedelta(days=30)),
            ("responsible", lambda: OrganizationFactory()),
        ],
    )
    def test_what_a_run_trained_for_and_when_is_fixed(self, run, pmo, field, make_value):
        setattr(run, field, make_value())

        with pytest.raises(ValidationError) as error:
            training_run_update(run=run, actor=pmo)

        assert field in error.value.message_dict
        stored = TrainingRun.objects.get(pk=run.pk)
        assert (stored.purpose, stored.started_on) == (BASE, START)
        assert stored.target.code == "base"

    def test_a_partner_cannot_update_a_run(self, run, jv):
        run.finished_on = dt.date(2027, 3, 1)
        with pytest.raises(PermissionDenied):
            training_run_update(run=run, actor=PartnerUserFactory(organization=jv))


# --------------------------------------------------------------------------- the report


class TestContaminationReport:
    """A small lineage, worked out by hand:

    ============  =======================  ==========================================
    artifact      trained on               reaches (tier, via)
    ============  =======================  ==========================================
    base-clean    jis (public)             jis public
    base-old      jis, drive               drive restricted (reclassified after the run),
                                           jis public
    steel-ft      logs (restricted),       logs restricted; drive restricted via
                  from base-old            base-old; jis public via base-old
    steel-edge    video (secret),          video secret; logs restricted via steel-ft;
                  from steel-ft            drive via steel-ft, base-old; jis likewise
    ============  =======================  ==========================================
    Only base-old is a contaminated base model.
    """

    @pytest.fixture
    def lineage(self, jv):
        jis, c_jis = _covered("jis", DataTier.PUBLIC)
        drive, c_drive = _covered("drive", DataTier.PUBLIC)
        logs, c_logs = _covered("logs", DataTier.RESTRICTED)
        video, c_video = _covered("video", DataTier.SECRET)
        artifacts = {
            "base-clean": ModelArtifactFactory(code="base-clean", kind=ArtifactKind.BASE_MODEL),
            "base-old": ModelArtifactFactory(code="base-old", kind=ArtifactKind.BASE_MODEL),
            "steel-ft": ModelArtifactFactory(code="steel-ft", kind=ArtifactKind.SPECIALISED),
            "steel-edge": ModelArtifactFactory(
                code="steel-edge", kind=ArtifactKind.EDGE_DISTILLATE
            ),
            "unused": ModelArtifactFactory(code="unused", kind=ArtifactKind.RAG_INDEX),
        }
        TrainingRunFactory(purpose=BASE, target=artifacts["base-clean"], datasets=[jis])
        TrainingRunFactory(purpose=BASE, target=artifacts["base-old"], datasets=[jis, drive])
        TrainingRunFactory(
            purpose=FINE,
            target=artifacts["steel-ft"],
            datasets=[logs],
            input_artifacts=[artifacts["base-old"]],
        )
        TrainingRunFactory(
            purpose=EDGE,
            target=artifacts["steel-edge"],
            datasets=[video],
            input_artifacts=[artifacts["steel-ft"]],
        )
        # Honda reclassifies the driving data after the base model was trained on it.
        drive.tier = DataTier.RESTRICTED
        drive.save()
        datasets = {"jis": jis, "drive": drive, "logs": logs, "video": video}
        contracts = {"jis": c_jis, "drive": c_drive, "logs": c_logs, "video": c_video}
        return artifacts, datasets, contracts

    @staticmethod
    def _by_code(report):
        return {item.artifact.code: item for item in report}

    def test_every_artifact_is_in_the_report(self, lineage):
        artifacts, _, _ = lineage
        assert {item.artifact.code for item in contamination_report()} == set(artifacts)

    def test_only_the_base_model_touched_by_restricted_data_is_flagged_and_comes_first(
        self, lineage
    ):
        report = contamination_report()

        assert report[0].artifact.code == "base-old"
        assert [item.artifact.code for item in report if item.contaminated] == ["base-old"]
        [reach] = report[0].contaminating
        assert reach.dataset.code == "drive"
        assert reach.tier == DataTier.RESTRICTED

    def test_each_artifact_reaches_the_tiers_datasets_and_contracts_worked_out_by_hand(
        self, lineage
    ):
        _, _, contracts = lineage
        report = self._by_code(contamination_report())
        expected = {
            "base-clean": ([DataTier.PUBLIC], {"jis"}),
            "base-old": ([DataTier.PUBLIC, DataTier.RESTRICTED], {"jis", "drive"}),
            "steel-ft": ([DataTier.PUBLIC, DataTier.RESTRICTED], {"jis", "drive", "logs"}),
            "steel-edge": (
                [DataTier.PUBLIC, DataTier.RESTRICTED, DataTier.SECRET],
                {"jis", "drive", "logs", "video"},
            ),
            "unused": ([], set()),
        }
        for code, (tiers, datasets) in expected.items():
            item = report[code]
            assert item.tiers == tiers, code
            assert {reach.dataset.code for reach in item.datasets} == datasets, code
            assert item.contracts == sorted(
                (contracts[d] for d in datasets), key=lambda c: c.reference
            ), code

    def test_datasets_reached_through_other_artifacts_list_the_path(self, lineage):
        report = self._by_code(contamination_report())

        def via(artifact, dataset):
            [reach] = [r for r in report[artifact].datasets if r.dataset.code == dataset]
            return [a.code for a in reach.via]

        assert via("steel-ft", "logs") == []
        assert via("steel-ft", "drive") == ["base-old"]
        assert via("steel-edge", "video") == []
        assert via("steel-edge", "logs") == ["steel-ft"]
        assert via("steel-edge", "jis") == ["steel-ft", "base-old"]
        assert [a.code for a in report["steel-edge"].upstream] == ["steel-ft", "base-old"]

    def test_the_strictest_data_is_listed_first(self, lineage):
        edge = self._by_code(contamination_report())["steel-edge"]
        assert [reach.dataset.code for reach in edge.datasets] == ["video", "drive", "logs", "jis"]

    def test_a_specialised_model_on_restricted_data_is_not_flagged(self, lineage):
        report = self._by_code(contamination_report())
        assert not report["steel-ft"].contaminated
        assert not report["steel-edge"].contaminated
        assert not report["base-clean"].contaminated

    def test_an_approved_synthetic_derivative_of_secret_data_does_not_flag_a_base_model(self, pmo):
        video, _ = _covered("video", DataTier.SECRET)
        synthetic = DataAssetFactory(
            code="video-sim",
            provider=video.provider,
            derived_from=video,
            conversion_method="simulation",
        )
        base = ModelArtifactFactory(code="base", kind=ArtifactKind.BASE_MODEL)
        TrainingRunFactory(purpose=BASE, target=base, datasets=[synthetic])

        assert self._by_code(contamination_report())["base"].contaminated
        synthetic.conversion_approved_by = pmo
        synthetic.conversion_approved_at = timezone.now()
        synthetic.save()
        assert not self._by_code(contamination_report())["base"].contaminated


def test_the_report_reads_the_whole_lineage_in_a_fixed_number_of_queries():
    def chain(length: int) -> None:
        base = ModelArtifactFactory(kind=ArtifactKind.BASE_MODEL)
        TrainingRunFactory(target=base, datasets=[DataAssetFactory()])
        previous = base
        for _ in range(length):
            tuned = ModelArtifactFactory(kind=ArtifactKind.SPECIALISED)
            TrainingRunFactory(
                purpose=DataPurpose.FINE_TUNING,
                target=tuned,
                datasets=[DataAssetFactory(tier=DataTier.RESTRICTED)],
                input_artifacts=[previous],
            )
            previous = tuned

    chain(1)
    with CaptureQueriesContext(connection) as small:
        contamination_report()
    chain(6)
    with CaptureQueriesContext(connection) as large:
        assert len(contamination_report()) == 9

    assert len(large.captured_queries) == len(small.captured_queries)
