"""The command-line way in: ``stagegate_report`` records and renders a report through the
same services as the admin and writes its PDF whole or not at all; ``verify_reports``
finds stored PDFs that are missing or altered."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation
from pypdf import PdfReader

from reports.choices import ReportStatus, RequestChannel
from reports.models import Report
from tests.factories import ReportFactory, StageGateFactory
from tests.reports.test_views import stored_report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Assertions read the English source text of the messages.
    with translation.override("en"):
        yield


@pytest.fixture
def programme(db) -> None:
    call_command("seed_programme", stdout=io.StringIO())


@pytest.fixture
def out_dir(tmp_path):
    """Where the command writes; empty (private storage lives beside it, in tmp_path)."""
    directory = tmp_path / "out"
    directory.mkdir()
    return directory


def stagegate_report(*args: str) -> str:
    out = io.StringIO()
    call_command("stagegate_report", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def verify_reports() -> str:
    out = io.StringIO()
    call_command("verify_reports", stdout=out)
    return out.getvalue()


def _files(directory) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def test_stagegate_report_records_renders_and_writes_the_pdf(programme, out_dir):
    output = out_dir / "report.pdf"

    printed = stagegate_report("--gate", "fy2027", "--as-of", "2026-09-30", "--output", str(output))

    report = Report.objects.get()
    assert report.status == ReportStatus.SUCCEEDED
    assert (report.kind, report.gate.code, report.as_of, report.language) == (
        "stage_gate",
        "FY2027",
        dt.date(2026, 9, 30),
        "ja",
    )
    assert (report.requested_via, report.requested_by) == (RequestChannel.COMMAND, None)
    data = output.read_bytes()
    assert data.startswith(b"%PDF-")
    assert hashlib.sha256(data).hexdigest() == report.sha256
    assert len(PdfReader(io.BytesIO(data)).pages) == report.pages
    assert report.reference in printed
    assert report.sha256 in printed
    assert f"{report.size:,}" in printed
    assert f"pages: {report.pages}" in printed
    # Only the PDF: the temporary file was renamed, not left beside it.
    assert _files(out_dir) == ["report.pdf"]


def test_stagegate_report_in_english_on_request(programme, out_dir):
    output = out_dir / "report-en.pdf"

    stagegate_report("--gate", "FY2027", "--lang", "en", "--output", str(output))

    report = Report.objects.get()
    assert report.language == "en"
    assert report.as_of == timezone.localdate()
    text = PdfReader(output).pages[0].extract_text()
    assert report.reference in text


def test_stagegate_report_overwrites_an_existing_file_only_with_force(programme, out_dir):
    output = out_dir / "report.pdf"
    output.write_bytes(b"an earlier report")

    with pytest.raises(CommandError, match=r"--output.*exists.*--force"):
        stagegate_report("--gate", "FY2027", "--output", str(output))
    assert not Report.objects.exists()
    assert output.read_bytes() == b"an earlier report"

    stagegate_report("--gate", "FY2027", "--output", str(output), "--force")

    assert hashlib.sha256(output.read_bytes()).hexdigest() == Report.objects.get().sha256
    assert _files(out_dir) == ["report.pdf"]


BAD_INVOCATIONS = {
    "unknown-gate": (
        ["--gate", "FY2099"],
        r"--gate: .*FY2099.*Known codes: FY2027, FY2028, FY2028-MID",
    ),
    "gate-not-a-code": (["--gate", "last year"], r"--gate: .*Known codes"),
    "not-a-date": (["--gate", "FY2027", "--as-of", "2027-02-30"], r"--as-of: .*YYYY-MM-DD"),
    "future-as-of": (["--gate", "FY2027", "--as-of", "2999-04-01"], r"--as-of: .*in the future"),
    "as-of-before-the-programme": (
        ["--gate", "FY2027", "--as-of", "2025-04-01"],
        r"--as-of: .*before the programme",
    ),
    "unknown-language": (["--gate", "FY2027", "--lang", "fr"], r"--lang: .*'fr'"),
}


@pytest.mark.parametrize(("args", "message"), BAD_INVOCATIONS.values(), ids=BAD_INVOCATIONS)
def test_stagegate_report_refuses_bad_input_and_leaves_nothing_behind(
    programme, out_dir, args, message
):
    output = out_dir / "report.pdf"

    with pytest.raises(CommandError, match=message):
        stagegate_report(*args, "--output", str(output))

    assert not Report.objects.exists()
    assert _files(out_dir) == []


def test_stagegate_report_refuses_an_output_in_a_missing_directory(programme, out_dir):
    with pytest.raises(CommandError, match=r"--output: .*does not exist"):
        stagegate_report("--gate", "FY2027", "--output", str(out_dir / "nowhere" / "r.pdf"))

    assert not Report.objects.exists()


def test_a_failed_render_keeps_its_record_writes_nothing_and_says_why(programme, out_dir, settings):
    # A report that may not be attempted at all fails at its first claim: a real failure
    # of the render service, reached without touching the renderer.
    settings.REPORT_MAX_ATTEMPTS = 0
    output = out_dir / "report.pdf"

    with pytest.raises(CommandError, match=r"RPT-\d{6} failed: .*tried 0 times"):
        stagegate_report("--gate", "FY2027", "--output", str(output))

    report = Report.objects.get()
    assert report.status == ReportStatus.FAILED
    assert report.requested_via == RequestChannel.COMMAND
    assert _files(out_dir) == []


# ------------------------------------------------------------------------ verify_reports


def test_verify_reports_on_an_intact_store_exits_zero(db):
    gate = StageGateFactory()
    stored_report(gate=gate), stored_report(gate=gate)
    # A report without a PDF (still queued) is not a problem.
    ReportFactory(gate=gate)

    printed = verify_reports()

    assert "2 reports checked, 0 problems" in printed


def test_verify_reports_names_an_altered_pdf_and_exits_non_zero(db):
    gate = StageGateFactory()
    intact, altered = stored_report(gate=gate), stored_report(gate=gate)
    path = altered.file.path
    with open(path, "r+b") as handle:
        handle.seek(-20, io.SEEK_END)
        handle.write(b"% quietly edited \n")
    found = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    out = io.StringIO()

    with pytest.raises(CommandError, match=r"2 reports checked, 1 problem$"):
        call_command("verify_reports", stdout=out)

    printed = out.getvalue()
    assert f"{altered.reference} altered: recorded SHA-256 {altered.sha256}, found {found}" in (
        printed
    )
    assert intact.reference not in printed


def test_verify_reports_names_a_missing_pdf(db):
    report = stored_report()
    report.file.storage.delete(report.file.name)
    out = io.StringIO()

    with pytest.raises(CommandError, match=r"1 report checked, 1 problem$"):
        call_command("verify_reports", stdout=out)

    assert f"{report.reference} missing" in out.getvalue()


def test_verify_reports_fails_the_process_with_status_1(db, capsys):
    report = stored_report()
    report.file.storage.delete(report.file.name)
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "verify_reports"]).execute()

    assert exited.value.code == 1
    assert "1 report checked, 1 problem" in capsys.readouterr().err
