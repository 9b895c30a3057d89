"""The stage-gate report of the seeded programme as a real PDF (WeasyPrint, through the
render service), read back with poppler's pdftotext and pdffonts: the Japanese reads back
as rendered, the font is embedded as a subset, the contents have page numbers, and the
English report reads back in English. Two renders in all (each takes a few seconds)."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from datagov.choices import DataTier
from jvtracker.models import Organization
from kpis.choices import BatchSource
from kpis.services import MeasurementRow, measurements_ingest
from milestones.selectors import stage_gate_by_code
from reports.choices import ReportStatus, RequestChannel
from reports.services import report_render, report_request
from tests.factories import ContractTemplateFactory, DataAssetFactory, DataContractFactory

pytestmark = pytest.mark.django_db


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        reason = f"{tool} is missing: install poppler-utils"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return path


def run(tool: str, *args: str) -> str:
    return subprocess.run(
        [poppler(tool), *args], capture_output=True, text=True, check=True, timeout=60
    ).stdout


@pytest.fixture
def seeded(db):
    call_command("seed_programme", stdout=io.StringIO())
    steel = Organization.objects.get(code="nipponsteel")
    for number, tier in enumerate((DataTier.PUBLIC, DataTier.RESTRICTED), start=1):
        DataContractFactory(
            reference=f"DC-2026-{number:04d}",
            provider=steel,
            template=ContractTemplateFactory(tier=tier),
            datasets=[DataAssetFactory(provider=steel, tier=tier)],
        )
    now = timezone.now()
    jv = Organization.objects.get(code="jv")
    measurements_ingest(
        rows=[
            MeasurementRow(
                number=1,
                kpi="gpu_utilization",
                value=72.5,
                unit="percent",
                start=now - dt.timedelta(hours=3),
            )
        ],
        source=BatchSource.API,
        actor=None,
        organization=jv,
        now=now - dt.timedelta(hours=2),
    )
    return stage_gate_by_code("FY2027")


def rendered(gate, language: str, tmp_path: Path) -> Path:
    report = report_request(
        kind="stage_gate",
        actor=None,
        via=RequestChannel.COMMAND,
        gate=gate,
        language=language,
        enqueue=False,
    )
    report = report_render(report_id=report.pk)
    assert report.status == ReportStatus.SUCCEEDED, report.error
    path = tmp_path / f"{report.reference}.pdf"
    with report.file.open("rb") as stored:
        path.write_bytes(stored.read())
    assert report.pages > 1
    return path


def test_the_stage_gate_report_pdf_reads_back_in_japanese_and_in_english(seeded, tmp_path):
    gate = seeded
    japanese = rendered(gate, "ja", tmp_path)
    english = rendered(gate, "en", tmp_path)

    text = run("pdftotext", "-layout", str(japanese), "-")
    for expected in (
        "マルチモーダル基盤モデル開発事業",  # the programme
        "日本AI基盤モデル開発",  # the JV
        "2027年度ステージゲート評価",  # the gate
        "2027年12月15日",  # its review date, in Japanese style
        "GPU稼働率：学習用GPUが安定稼働していること",  # a criterion
        "72.5%",  # the measurement
        "DC-2026-0002",
        "計算資源と電力",  # a risk
    ):
        assert expected in text, expected
    assert "\ufffd" not in text and "□" not in text

    fonts = run("pdffonts", str(japanese))
    # Embedded (emb) and subset (sub): a six-letter tag before the name, "yes yes".
    assert re.search(r"^[A-Z]{6}\+IPAexGothic\S*\s.*\byes\s+yes\b", fonts, re.M), fonts

    pages = int(re.search(r"^Pages:\s+(\d+)", run("pdfinfo", str(japanese)), re.M).group(1))
    assert pages > 1
    # The contents (page 2) give a page number after each entry's leader dots.
    contents = run("pdftotext", "-layout", "-f", "2", "-l", "2", str(japanese), "-")
    numbers = [int(n) for n in re.findall(r"\.{4,}\s*(\d+)\s*$", contents, re.M)]
    assert len(numbers) == 7, contents
    assert numbers == sorted(numbers) and numbers[0] > 2 and numbers[-1] <= pages

    english_text = run("pdftotext", "-layout", str(english), "-")
    with translation.override("en"):
        for heading in (
            "Stage-gate report",
            "Contents",
            "Gate criteria",
            "Milestones by track",
            "KPIs against their targets",
            "Risk register",
            "Appendix: changes since the previous gate",
        ):
            assert heading in english_text, heading
    assert "FY2027 stage gate" in english_text
    assert re.search(r"Gate criteria\s*\.{4,}\s*\d+", english_text)
