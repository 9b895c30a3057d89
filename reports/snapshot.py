"""The tracker as it stood at an instant, read from the history tables.

A report states what the tracker knew at its knowledge cut-off, so nothing in it may come
from today's rows: :func:`snapshot_at` reads every model the reports show as it stood then
(``Model.history``), links the objects to each other from the snapshot's own maps (a
historical instance's foreign keys would otherwise fetch today's related rows), and reads
the many-to-many links of data contracts and training runs from their historical through
rows. An object created after the instant is absent; one deleted by then is absent too.

:func:`changes_between` reads the same history tables for what changed in a window: who
changed which object, when, and which fields from what to what.

Both read a fixed number of queries whatever the number of rows: one per model, one per
many-to-many field.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from django.db import models
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from datagov.choices import IN_FORCE_STATUSES, DataTier
from datagov.fields import PurposeSetField, purpose_labels
from datagov.models import (
    REDACTED,
    REDACTED_FIELDS,
    ContractTemplate,
    ContractTransition,
    DataAsset,
    DataContract,
    ModelArtifact,
    TrainingRun,
)
from jvtracker.choices import OrganizationKind
from jvtracker.common.text import listing
from jvtracker.models import Organization, User
from kpis.charts import value_label
from kpis.models import Incident, KPIDefinition, KPITarget, SafetyCheck
from milestones.models import (
    GateCondition,
    GateCriterion,
    Milestone,
    Programme,
    Risk,
    StageGate,
    Track,
)


def _history_model(model: type[models.Model]) -> type[models.Model]:
    return model.history.model


def _latest_records(model: type[models.Model], moment: dt.datetime) -> list:
    """Each object's latest historical record at ``moment`` (deletions dropped), oldest
    object first.

    Two records of one object may share a timestamp (a save and its many-to-many change
    stamped alike): the later record, by its id, wins.
    """
    records = (
        model.history.filter(history_date__lte=moment)
        .latest_of_each()
        .order_by("history_date", "history_id")
    )
    latest: dict[Any, Any] = {}
    pk_name = model._meta.pk.attname
    for record in records:
        latest[getattr(record, pk_name)] = record
    return [record for record in latest.values() if record.history_type != "-"]


def _instance(model: type[models.Model], record: Any) -> models.Model:
    """The object as its historical record holds it, keeping the record as ``_history``.

    Built from the tracked fields alone: the record's own ``instance`` fetches today's row
    for a model with untracked fields (a user's password), one query per object.
    """
    fields = _history_model(model).tracked_fields
    obj = model(**{f.attname: getattr(record, f.attname) for f in fields})
    obj._state.adding = False
    obj._state.db = record._state.db
    obj._history = record
    return obj


def _as_of(model: type[models.Model], moment: dt.datetime) -> list:
    """Instances of ``model`` as they stood at ``moment``."""
    return [_instance(model, record) for record in _latest_records(model, moment)]


def _relate(objects: Iterable[models.Model], name: str, targets: Mapping[int, Any]) -> None:
    """Point the foreign key ``name`` of each object at the snapshot's own object, so that
    reading it never queries today's row. A target missing from the snapshot reads as
    None."""
    attname = f"{name}_id"
    for obj in objects:
        target_id = getattr(obj, attname)
        obj._state.fields_cache[name] = None if target_id is None else targets.get(target_id)


def _by_pk(objects: Iterable[models.Model]) -> dict[int, Any]:
    return {obj.pk: obj for obj in objects}


def _m2m_links(
    model: type[models.Model], field_name: str, objects: Iterable[models.Model]
) -> dict[int, tuple[int, ...]]:
    """For each object, the ids its many-to-many ``field_name`` held in the historical
    record the object was read from: one query for all."""
    history_m2m = getattr(_history_model(model), field_name).model
    target = model._meta.get_field(field_name).m2m_reverse_field_name()
    owner_of = {obj._history.history_id: obj.pk for obj in objects}
    links: dict[int, list[int]] = defaultdict(list)
    rows = (
        history_m2m.objects.filter(history_id__in=list(owner_of))
        .order_by(f"{target}_id")
        .values_list("history_id", f"{target}_id")
    )
    for history_id, target_id in rows:
        links[owner_of[history_id]].append(target_id)
    return {pk: tuple(links.get(pk, ())) for pk in owner_of.values()}


def _frozen(mapping: Mapping) -> MappingProxyType:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Snapshot:
    """What the reports need of the tracker at ``moment``, linked among itself."""

    moment: dt.datetime
    organizations: Mapping[int, Organization]
    users: Mapping[int, User]
    programme: Programme | None
    tracks: Sequence[Track]
    milestones: Sequence[Milestone]
    gates: Sequence[StageGate]
    criteria: Sequence[GateCriterion]
    conditions: Sequence[GateCondition]
    risks: Sequence[Risk]
    kpis: Sequence[KPIDefinition]
    kpi_targets: Sequence[KPITarget]
    templates: Mapping[int, ContractTemplate]
    contracts: Sequence[DataContract]
    contract_datasets: Mapping[int, tuple[int, ...]]
    transitions: Sequence[ContractTransition]
    datasets: Mapping[int, DataAsset]
    artifacts: Mapping[int, ModelArtifact]
    runs: Sequence[TrainingRun]
    run_datasets: Mapping[int, tuple[int, ...]]
    run_inputs: Mapping[int, tuple[int, ...]]
    safety_checks: Sequence[SafetyCheck]
    incidents: Sequence[Incident]
    _gates_by_pk: Mapping[int, StageGate] = field(default_factory=dict, repr=False)

    def gate(self, pk: int | None) -> StageGate | None:
        return self._gates_by_pk.get(pk)

    @property
    def joint_venture(self) -> Organization | None:
        return next(
            (o for o in self.organizations.values() if o.kind == OrganizationKind.JOINT_VENTURE),
            None,
        )

    def previous_gate(self, gate: StageGate) -> StageGate | None:
        """The gate reviewed before ``gate`` (by review date, then kind, as gates sort)."""
        earlier = [g for g in self.gates if (g.review_date, g.kind) < (gate.review_date, gate.kind)]
        return earlier[-1] if earlier else None

    def criteria_of(self, gate: StageGate) -> list[GateCriterion]:
        return [c for c in self.criteria if c.gate_id == gate.pk]

    def conditions_of(self, gate: StageGate) -> list[GateCondition]:
        return [c for c in self.conditions if c.gate_id == gate.pk]

    def targets_for(self, gate: StageGate) -> dict[int, KPITarget]:
        """KPI id → the KPI's target at ``gate``."""
        return {t.kpi_id: t for t in self.kpi_targets if t.gate_id == gate.pk}

    def datasets_of(self, contract: DataContract) -> list[DataAsset]:
        """The datasets the contract covered at the moment."""
        ids = self.contract_datasets.get(contract.pk, ())
        return sorted(
            (self.datasets[pk] for pk in ids if pk in self.datasets), key=lambda d: d.code
        )

    def transitions_of(self, contract: DataContract) -> list[ContractTransition]:
        return list(contract.transitions.all())

    def contracts_by_dataset(self) -> dict[int, list[DataContract]]:
        """Dataset id → the contracts covering it that had come into force, by reference:
        what the data may have been used under."""
        covering: dict[int, list[DataContract]] = defaultdict(list)
        for contract in sorted(self.contracts, key=lambda c: c.reference):
            if contract.status in IN_FORCE_STATUSES:
                for pk in self.contract_datasets.get(contract.pk, ()):
                    covering[pk].append(contract)
        return dict(covering)

    def user_name(self, pk: int | None) -> str:
        """A user's name as it stood then; "system" for a change no person made."""
        if pk is None:
            return _("system")
        user = self.users.get(pk)
        if user is None:
            return _("user #%(id)s") % {"id": pk}
        return display_name(user)


def display_name(user: Any) -> str:
    """A user's (or a user's historical record's) full name, else their user name."""
    return f"{user.first_name} {user.last_name}".strip() or user.username


def snapshot_at(moment: dt.datetime) -> Snapshot:
    """The tracker as it stood at ``moment``: a bounded number of queries (one per model
    and one per many-to-many field), whatever the number of rows."""
    organizations = _by_pk(_as_of(Organization, moment))
    users = _by_pk(_as_of(User, moment))
    _relate(users.values(), "organization", organizations)

    programmes = sorted(_as_of(Programme, moment), key=lambda p: (p.first_fiscal_year, p.code))
    _relate(programmes, "funder", organizations)
    programmes_by_pk = _by_pk(programmes)

    tracks = sorted(_as_of(Track, moment), key=lambda t: (t.order, t.code))
    tracks_by_pk = _by_pk(tracks)

    kpis = sorted(_as_of(KPIDefinition, moment), key=lambda k: (k.order, k.code))
    _relate(kpis, "owner", organizations)
    kpis_by_pk = _by_pk(kpis)

    milestones = sorted(_as_of(Milestone, moment), key=lambda m: (m.due_date, m.code))
    _relate(milestones, "programme", programmes_by_pk)
    _relate(milestones, "track", tracks_by_pk)
    _relate(milestones, "owner", organizations)

    gates = sorted(_as_of(StageGate, moment), key=lambda g: (g.review_date, g.kind))
    _relate(gates, "programme", programmes_by_pk)
    gates_by_pk = _by_pk(gates)

    criteria = sorted(_as_of(GateCriterion, moment), key=lambda c: (c.gate_id, c.order, c.pk))
    _relate(criteria, "gate", gates_by_pk)
    _relate(criteria, "kpi", kpis_by_pk)

    conditions = sorted(_as_of(GateCondition, moment), key=lambda c: (c.gate_id, c.due_date, c.pk))
    _relate(conditions, "gate", gates_by_pk)
    _relate(conditions, "owner", organizations)

    risks = sorted(_as_of(Risk, moment), key=lambda r: r.code)
    _relate(risks, "owner", organizations)

    targets = sorted(_as_of(KPITarget, moment), key=lambda t: (t.kpi_id, t.gate_id))
    _relate(targets, "kpi", kpis_by_pk)
    _relate(targets, "gate", gates_by_pk)

    templates = _by_pk(sorted(_as_of(ContractTemplate, moment), key=lambda t: (t.code, -t.version)))
    _relate(templates.values(), "published_by", users)

    datasets = _by_pk(sorted(_as_of(DataAsset, moment), key=lambda d: d.code))
    _relate(datasets.values(), "provider", organizations)
    _relate(datasets.values(), "derived_from", datasets)
    _relate(datasets.values(), "conversion_approved_by", users)

    contracts = sorted(_as_of(DataContract, moment), key=lambda c: c.reference)
    for name, targets_map in (
        ("provider", organizations),
        ("template", templates),
        ("deviation_approved_by", users),
        ("created_by", users),
    ):
        _relate(contracts, name, targets_map)
    contract_datasets = _m2m_links(DataContract, "datasets", contracts)
    # The status log is append-only: what had been written by then is what was known.
    # Prefetched onto each contract, so DataContract.is_in_force_on reads it, not today's.
    prefetch_related_objects(
        contracts,
        Prefetch(
            "transitions",
            queryset=ContractTransition.objects.filter(at__lte=moment).order_by("at", "pk"),
        ),
    )
    contracts_by_pk = _by_pk(contracts)
    transitions = [t for c in contracts for t in c.transitions.all()]
    _relate(transitions, "contract", contracts_by_pk)
    _relate(transitions, "actor", users)

    artifacts = _by_pk(sorted(_as_of(ModelArtifact, moment), key=lambda a: (a.kind, a.code)))
    _relate(artifacts.values(), "responsible", organizations)

    runs = sorted(_as_of(TrainingRun, moment), key=lambda r: (r.started_on, r.code))
    _relate(runs, "target", artifacts)
    _relate(runs, "responsible", organizations)
    run_datasets = _m2m_links(TrainingRun, "datasets", runs)
    run_inputs = _m2m_links(TrainingRun, "input_artifacts", runs)

    safety_checks = sorted(_as_of(SafetyCheck, moment), key=lambda s: (s.order, s.code))
    incidents = sorted(_as_of(Incident, moment), key=lambda i: (i.occurred_on, i.pk))
    _relate(incidents, "organization", organizations)

    return Snapshot(
        moment=moment,
        organizations=_frozen(organizations),
        users=_frozen(users),
        programme=programmes[0] if programmes else None,
        tracks=tuple(tracks),
        milestones=tuple(milestones),
        gates=tuple(gates),
        criteria=tuple(criteria),
        conditions=tuple(conditions),
        risks=tuple(risks),
        kpis=tuple(kpis),
        kpi_targets=tuple(targets),
        templates=_frozen(templates),
        contracts=tuple(contracts),
        contract_datasets=_frozen(contract_datasets),
        transitions=tuple(transitions),
        datasets=_frozen(datasets),
        artifacts=_frozen(artifacts),
        runs=tuple(runs),
        run_datasets=_frozen(run_datasets),
        run_inputs=_frozen(run_inputs),
        safety_checks=tuple(safety_checks),
        incidents=tuple(incidents),
        _gates_by_pk=_frozen(gates_by_pk),
    )


# ------------------------------------------------------------------------------- changes

# The models whose changes a report's appendix lists, in the order they are tie-broken.
CHANGE_TRACKED_MODELS: tuple[type[models.Model], ...] = (
    StageGate,
    GateCriterion,
    GateCondition,
    Milestone,
    Risk,
    KPIDefinition,
    KPITarget,
    SafetyCheck,
    Incident,
    ContractTemplate,
    DataContract,
    DataAsset,
    ModelArtifact,
    TrainingRun,
)
CHANGES_SHOWN = 300
TEXT_SHOWN = 120


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class Change:
    """One historical record: who did what to which object, and which fields changed."""

    at: dt.datetime
    user: str
    model: str
    object: str
    kind: str  # "created", "changed" or "deleted"
    reason: str
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class ChangeLog:
    start: dt.datetime
    end: dt.datetime
    changes: tuple[Change, ...]
    omitted: int  # earlier changes left out to keep the appendix readable

    @property
    def total(self) -> int:
        return len(self.changes) + self.omitted


KIND_OF_HISTORY_TYPE = {"+": "created", "~": "changed", "-": "deleted"}


def changes_between(
    snapshot: Snapshot, start: dt.datetime, end: dt.datetime, *, limit: int | None = None
) -> ChangeLog:
    """Every change to the tracked models after ``start`` up to ``end``, oldest first;
    only the latest ``limit`` (default CHANGES_SHOWN) are kept. Values are named from
    ``snapshot`` (the tracker at ``end``), so the log reads the same whenever produced.

    A save that changed nothing is not listed. Three queries per model, one more per
    many-to-many field.
    """
    entries: list[tuple[tuple, Change]] = []
    if end > start:
        for order, model in enumerate(CHANGE_TRACKED_MODELS):
            for record, fields in _model_changes(model, snapshot, start, end):
                kind = KIND_OF_HISTORY_TYPE[record.history_type]
                if kind == "changed" and not fields:
                    continue
                key = (record.history_date, order, record.history_id)
                entries.append((key, _change(model, record, kind, fields, snapshot)))
    entries.sort(key=lambda entry: entry[0])
    limit = CHANGES_SHOWN if limit is None else limit
    kept = entries[-limit:] if limit > 0 else []
    return ChangeLog(
        start=start,
        end=end,
        changes=tuple(change for _key, change in kept),
        omitted=len(entries) - len(kept),
    )


def _model_changes(model, snapshot: Snapshot, start: dt.datetime, end: dt.datetime):
    """(record, changed fields) for each of ``model``'s records in (start, end]."""
    history = _history_model(model)
    in_window = history.objects.filter(history_date__gt=start, history_date__lte=end)
    records = list(in_window.order_by("history_date", "history_id"))
    if not records:
        return []
    earlier = list(
        model.history.filter(
            history_date__lte=start, id__in=in_window.values("id")
        ).latest_of_each()
    )
    m2m_names = [f.name for f in history._history_m2m_fields]
    m2m = {name: _history_m2m_values(history, name, [*records, *earlier]) for name in m2m_names}
    previous: dict[int, Any] = {}
    for record in sorted(earlier, key=lambda r: (r.history_date, r.history_id)):
        previous[record.id] = record
    fields = [f for f in history.tracked_fields if not f.primary_key]
    result = []
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        if record.history_type != "~" or before is None:
            result.append((record, ()))
            continue
        # Every report is policy staff's to read, and they see a secret dataset's
        # description and storage redacted (datagov.selectors): so does its history.
        redacted = _redacted_fields(model, before, record)
        changed = [
            FieldChange(
                _label(model, f.name),
                REDACTED
                if f.name in redacted
                else _shown(model, f, getattr(before, f.attname), snapshot),
                REDACTED
                if f.name in redacted
                else _shown(model, f, getattr(record, f.attname), snapshot),
            )
            for f in fields
            if getattr(before, f.attname) != getattr(record, f.attname)
        ]
        for name in m2m_names:
            old, new = m2m[name].get(before.history_id, ()), m2m[name].get(record.history_id, ())
            if old != new:
                changed.append(
                    FieldChange(
                        _label(model, name),
                        _related_names(model._meta.get_field(name), old, snapshot),
                        _related_names(model._meta.get_field(name), new, snapshot),
                    )
                )
        result.append((record, tuple(changed)))
    return result


def _redacted_fields(model: type[models.Model], *records: Any) -> tuple[str, ...]:
    """The fields whose values a change may not show: a dataset's description and storage
    while it was secret, before or after the change."""
    # An unapproved derivative may hold secret data through its source: redacted too,
    # without resolving the source's tier as it stood then.
    if model is DataAsset and any(
        r.tier == DataTier.SECRET
        or (r.derived_from_id is not None and r.conversion_approved_at is None)
        for r in records
    ):
        return REDACTED_FIELDS
    return ()


def _history_m2m_values(history, name: str, records: list) -> dict[int, tuple[int, ...]]:
    model = history.instance_type
    through = getattr(history, name).model
    target = model._meta.get_field(name).m2m_reverse_field_name()
    values: dict[int, list[int]] = defaultdict(list)
    rows = (
        through.objects.filter(history_id__in=[r.history_id for r in records])
        .order_by(f"{target}_id")
        .values_list("history_id", f"{target}_id")
    )
    for history_id, target_id in rows:
        values[history_id].append(target_id)
    return {history_id: tuple(ids) for history_id, ids in values.items()}


def _label(model: type[models.Model], name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _truncated(text: str, length: int = TEXT_SHOWN) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _object_name(obj: Any) -> str:
    if obj is None:
        return ""
    if isinstance(obj, User):
        return display_name(obj)
    if isinstance(obj, DataContract | ModelArtifact | DataAsset | TrainingRun):
        return getattr(obj, "code", None) or obj.reference
    return str(obj)


def _related(snapshot: Snapshot, model: type[models.Model]) -> Mapping[int, Any]:
    """The snapshot's objects of ``model``, by id."""
    maps: dict[type[models.Model], Any] = {
        Organization: snapshot.organizations,
        User: snapshot.users,
        ContractTemplate: snapshot.templates,
        DataAsset: snapshot.datasets,
        ModelArtifact: snapshot.artifacts,
    }
    if model in maps:
        return maps[model]
    sequences = {
        Programme: [snapshot.programme] if snapshot.programme else [],
        Track: snapshot.tracks,
        StageGate: snapshot.gates,
        KPIDefinition: snapshot.kpis,
        DataContract: snapshot.contracts,
    }
    return _by_pk(sequences.get(model, []))


def _related_names(field, ids: Sequence[int], snapshot: Snapshot) -> str:
    if not ids:
        return "—"
    objects = _related(snapshot, field.related_model)
    return listing(_object_name(objects[pk]) if pk in objects else f"#{pk}" for pk in ids)


def _shown(model: type[models.Model], history_field, value: Any, snapshot: Snapshot) -> str:
    """A field's value as a reader sees it: labels for choices, names for links, dates
    in the report's language."""
    original = model._meta.get_field(history_field.name)
    if value is None or value == "" or value == []:
        return "—"
    if original.is_relation:
        objects = _related(snapshot, original.related_model)
        return _object_name(objects[value]) if value in objects else f"#{value}"
    if isinstance(original, PurposeSetField):
        return purpose_labels(value) or "—"
    if original.choices:
        return str(dict(original.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return date_format(value, "DATE_FORMAT")
    if isinstance(value, float):
        return value_label(value)
    return _truncated(value)


def _change(model, record, kind: str, fields, snapshot: Snapshot) -> Change:
    instance = _instance(model, record)
    if isinstance(instance, KPITarget):
        kpis, gates = _by_pk(snapshot.kpis), snapshot._gates_by_pk
        name = _("%(kpi)s at %(gate)s") % {
            "kpi": kpis[instance.kpi_id].name if instance.kpi_id in kpis else f"#{instance.kpi_id}",
            "gate": gates[instance.gate_id].title
            if instance.gate_id in gates
            else f"#{instance.gate_id}",
        }
    elif isinstance(instance, DataContract):
        name = f"{instance.reference} {instance.title}"
    elif isinstance(instance, ModelArtifact | DataAsset):
        name = f"{instance.code} {instance.name}"
    else:
        name = str(instance)
    return Change(
        at=record.history_date,
        user=snapshot.user_name(record.history_user_id),
        model=str(model._meta.verbose_name),
        object=_truncated(name, 80),
        kind=kind,
        reason=record.history_change_reason or "",
        fields=tuple(fields),
    )
