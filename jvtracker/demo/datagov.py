"""The demo's data governance: datasets, templates, contracts and the models trained on them.

Part of ``seed_demo`` only (see :func:`seed_datagov`). Applied through ``datagov.services``
like the rest of the seed: a row is created only when its natural key is missing, and a
template is published, or a contract driven through its workflow, only by the run that has
just created it. The PMO's later edits and decisions are never undone, and a second run
writes nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from collections.abc import Callable
from typing import TypeVar

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join

from datagov import services
from datagov.choices import ContractStatus, TemplateStatus
from datagov.fields import purpose_labels
from datagov.models import (
    ContractTemplate,
    DataAsset,
    DataContract,
    ModelArtifact,
    SignedDocument,
    TrainingRun,
)
from jvtracker.common.pdf import html_to_pdf, japanese_fonts_installed
from jvtracker.demo import SeedResult, _add_missing, _without
from jvtracker.demo.data import (
    CONTRACTS,
    DATASETS,
    ENDS_TODAY,
    EXPIRES_SOON,
    MODEL_ARTIFACTS,
    RENEWAL_STARTS,
    TEMPLATES,
    TRAINING_RUNS,
    Record,
)
from jvtracker.models import Organization, User

M = TypeVar("M", bound=models.Model)

# How far the workflow takes a contract, step by step.
WORKFLOW_ORDER = (
    ContractStatus.DRAFT,
    ContractStatus.SUBMITTED,
    ContractStatus.UNDER_REVIEW,
    ContractStatus.ACTIVE,
)


def seed_datagov(
    result: SeedResult,
    organizations: dict[str, Organization],
    users: dict[str, User],
    *,
    today: dt.date | None = None,
) -> None:
    """Add whatever of the data-governance demo is missing.

    Creations have no actor and the change reason ``seed_demo``. What a person does in the
    workflow is done by the demo accounts, because the services record who did it (and a
    conversion or deviation approval must name its approver): the provider's partner
    account uploads the signed PDF and submits, the ``pmo`` account publishes templates,
    approves the synthetic conversion and reviews, approves or terminates contracts.
    """
    today = today or timezone.localdate()
    seeder = _DatagovSeed(result, organizations, users, today)
    try:
        seeder.run()
    except BaseException:
        # The transaction rolls the rows back; the PDFs already stored must go too.
        for document in seeder.documents:
            document.file.delete(save=False)
        raise


class _DatagovSeed:
    def __init__(
        self,
        result: SeedResult,
        organizations: dict[str, Organization],
        users: dict[str, User],
        today: dt.date,
    ) -> None:
        self.result = result
        self.organizations = organizations
        self.users = users
        self.pmo = users["pmo"]
        self.today = today
        self.datasets: dict[str, DataAsset] = {}
        self.artifacts: dict[str, ModelArtifact] = {}
        self.documents: list[SignedDocument] = []

    def run(self) -> None:
        for record in DATASETS:
            self._dataset(record)
        # Each contract is signed while the template version it pins is the current one:
        # version 1 contracts before version 2 is published (which withdraws version 1).
        for version in sorted({record["version"] for record in TEMPLATES}):
            for record in TEMPLATES:
                if record["version"] == version:
                    self._template(record)
            for record in CONTRACTS:
                if record["template"][1] == version:
                    self._contract(record)
        for record in MODEL_ARTIFACTS:
            self.artifacts[record["code"]] = _add_missing(
                ModelArtifact,
                {"code": record["code"]},
                {
                    **_without(record, "code", "responsible"),
                    "responsible": self.organizations[record["responsible"]],
                },
                lambda obj: services.artifact_save(artifact=obj, actor=None),
                self.result,
            )
        for record in TRAINING_RUNS:
            self._training_run(record)

    def _add(
        self, model: type[M], key: Record, fields: Record, save: Callable[[M], object]
    ) -> tuple[M, bool]:
        """:func:`_add_missing`, also saying whether this run created the row."""
        before = self.result.created[model]
        instance = _add_missing(model, key, fields, save, self.result)
        return instance, self.result.created[model] > before

    # ------------------------------------------------------------------------- datasets

    def _dataset(self, record: Record) -> None:
        source = record.get("derived_from")
        dataset, created = self._add(
            DataAsset,
            {"code": record["code"]},
            {
                **_without(record, "code", "provider", "derived_from"),
                "provider": self.organizations[record["provider"]],
                "derived_from": self.datasets[source] if source else None,
            },
            lambda obj: services.dataset_save(dataset=obj, actor=None),
        )
        if created and source:
            dataset = services.dataset_conversion_approve(dataset=dataset, actor=self.pmo)
        self.datasets[record["code"]] = dataset

    # ------------------------------------------------------------------------ templates

    def _template(self, record: Record) -> None:
        template, created = self._add(
            ContractTemplate,
            {"code": record["code"], "version": record["version"]},
            _without(record, "code", "version"),
            lambda obj: services.template_save(template=obj, actor=None),
        )
        if created:
            services.template_publish(template=template, actor=self.pmo)

    @staticmethod
    def _current_template(code: str, version: int) -> ContractTemplate | None:
        """The pinned version, or the code's current one if that has been replaced since
        (a contract added back later is signed under what is current then)."""
        template = ContractTemplate.objects.filter(code=code, version=version).first()
        if template is None or template.status != TemplateStatus.PUBLISHED:
            template = ContractTemplate.objects.filter(
                code=code, status=TemplateStatus.PUBLISHED
            ).first()
        return template

    # ------------------------------------------------------------------------ contracts

    def _date(self, value: dt.date | str) -> dt.date:
        if value == ENDS_TODAY:
            return self.today
        expires_soon = _month_end(self.today + dt.timedelta(days=59))
        if value == EXPIRES_SOON:
            return expires_soon
        if value == RENEWAL_STARTS:
            return expires_soon + dt.timedelta(days=1)
        return value

    def _contract(self, record: Record) -> None:
        provider = self.organizations[record["provider"]]
        template = self._current_template(*record["template"])
        datasets = [self.datasets[code] for code in record["datasets"]]
        standard = list(template.permitted_uses) if template is not None else []
        contract, created = self._add(
            DataContract,
            {"provider": provider, "title": record["title"]},
            {
                "template": template,
                "permitted_uses": standard + list(record.get("deviation_uses", ())),
                "deviation_reason": record.get("deviation_reason", ""),
                "effective_date": self._date(record["effective_date"]),
                "expiry_date": self._date(record["expiry_date"]),
                "notes": record.get("notes", ""),
            },
            lambda obj: services.contract_save(contract=obj, actor=None, datasets=datasets),
        )
        if created:
            self._drive(contract, record, datasets)

    def _drive(self, contract: DataContract, record: Record, datasets: list[DataAsset]) -> None:
        """Take a new contract through the workflow to the record's status."""
        target = ContractStatus(record["status"])
        reached = (
            WORKFLOW_ORDER.index(target)
            if target in WORKFLOW_ORDER
            else WORKFLOW_ORDER.index(ContractStatus.ACTIVE)
        )
        if reached >= WORKFLOW_ORDER.index(ContractStatus.SUBMITTED):
            partner = self.users.get(f"partner-{contract.provider.code}", self.pmo)
            document = services.contract_document_upload(
                contract=contract, upload=self._signed_pdf(contract, datasets), actor=partner
            )
            self.documents.append(document)
            self.result.created[SignedDocument] += 1
            contract = services.contract_submit(contract=contract, actor=partner)
        if reached >= WORKFLOW_ORDER.index(ContractStatus.UNDER_REVIEW):
            contract = services.contract_review_start(contract=contract, actor=self.pmo)
            if contract.deviation_uses:
                contract = services.contract_deviation_approve(contract=contract, actor=self.pmo)
        if reached >= WORKFLOW_ORDER.index(ContractStatus.ACTIVE):
            contract = services.contract_approve(contract=contract, actor=self.pmo)
        if target == ContractStatus.EXPIRED:
            # It ends today, so it could still be approved; the nightly sweep would mark it
            # tomorrow. Sweep as of tomorrow now, so the demo shows an expired contract.
            services.contracts_mark_expired(today=contract.expiry_date + dt.timedelta(days=1))
        elif target == ContractStatus.TERMINATED:
            services.contract_terminate(
                contract=contract, actor=self.pmo, reason=record["termination_reason"]
            )

    def _signed_pdf(self, contract: DataContract, datasets: list[DataAsset]) -> SimpleUploadedFile:
        """A one-page stand-in for the signed contract the partner scans and uploads."""
        japanese = bool(japanese_fonts_installed())
        html = _signed_html(contract, datasets, self.today, japanese=japanese)
        return SimpleUploadedFile(
            f"{contract.reference}-signed.pdf",
            _render(html, japanese=japanese),
            content_type="application/pdf",
        )

    # ---------------------------------------------------------------------- training runs

    def _training_run(self, record: Record) -> None:
        datasets = [self.datasets[code] for code in record["datasets"]]
        inputs = [self.artifacts[code] for code in record["input_artifacts"]]
        _add_missing(
            TrainingRun,
            {"code": record["code"]},
            {
                **_without(record, "code", "target", "responsible", "datasets", "input_artifacts"),
                "target": self.artifacts[record["target"]],
                "responsible": self.organizations[record["responsible"]],
            },
            lambda obj: services.training_run_register(
                run=obj, datasets=datasets, input_artifacts=inputs, actor=None
            ),
            self.result,
        )


@functools.lru_cache(maxsize=32)
def _render(html: str, *, japanese: bool) -> bytes:
    """The PDF of ``html``; a page seeded again in the same process (as the test suite
    does, once per test) is rendered once."""
    if japanese:
        return html_to_pdf(html)
    # Without a Japanese font the stand-in is printed in English only, rather than with
    # empty boxes or not at all.
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _purpose_labels(purposes: list[str], language: str) -> str:
    with translation.override(language):
        return purpose_labels(purposes)


def _signed_html(
    contract: DataContract, datasets: list[DataAsset], signed_on: dt.date, *, japanese: bool
) -> str:
    template = contract.template
    provider = contract.provider
    if japanese:
        heading = "データ契約書（署名済み） / Data contract (signed)"
        rows = [
            ("契約番号 / Reference", contract.reference),
            ("件名 / Title", contract.title),
            ("提供者 / Provider", f"{provider.name_ja} / {provider.name_en}"),
            ("ひな形 / Template", f"{template.title_ja} v{template.version}"),
            ("対象データ / Datasets", "、".join(d.name_ja for d in datasets)),
            ("許諾用途 / Permitted uses", _purpose_labels(contract.permitted_uses, "ja")),
            ("契約期間 / Term", f"{contract.effective_date} 〜 {contract.expiry_date}"),
            ("署名日 / Signed on", signed_on.isoformat()),
        ]
        signatures = [
            (f"提供者：{provider.name_ja}", "記名押印済み / signed"),
            ("当社：日本AI基盤モデル開発", "記名押印済み / signed"),
        ]
    else:
        heading = "Data contract (signed)"
        rows = [
            ("Reference", contract.reference),
            ("Provider", provider.name_en),
            ("Template", f"{template.title_en} v{template.version}"),
            ("Datasets", ", ".join(d.name_en for d in datasets)),
            ("Permitted uses", _purpose_labels(contract.permitted_uses, "en")),
            ("Term", f"{contract.effective_date} to {contract.expiry_date}"),
            ("Signed on", signed_on.isoformat()),
        ]
        signatures = [
            (f"For the provider: {provider.name_en}", "signed"),
            ("For the JV: Japan AI Foundation Model Development", "signed"),
        ]
    font = "IPAexMincho, serif" if japanese else "serif"
    return format_html(
        "<!doctype html><html><head><meta charset='utf-8'><style>"
        "body {{ font-family: {}; font-size: 10.5pt; margin: 2cm; }}"
        "th {{ text-align: left; padding-right: 1em; vertical-align: top; }}"
        "td, th {{ padding-bottom: 0.4em; }}"
        "</style></head><body><h1>{}</h1><table>{}</table><hr><table>{}</table>"
        "</body></html>",
        font,
        heading,
        format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
        format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", signatures),
    )
