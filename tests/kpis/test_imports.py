"""CSV and Excel files as measurement rows: the file's layout is checked here, the values
by the ingest service, and every error names the file's own line (the header is line 1)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from jvtracker.choices import OrganizationKind
from kpis.choices import BatchSource, KPISource, Unit
from kpis.imports import rows_from_upload
from kpis.models import IngestBatch, Measurement
from kpis.services import IngestRejected, MeasurementRow, measurements_ingest
from tests.factories import KPIDefinitionFactory, OrganizationFactory, PMOUserFactory
from tests.kpis.core_helpers import NOW

HEADER = "kpi,subject,at,start,end,value,unit"
GPU_LINE = "gpu_utilization,cluster-a,2027-04-01T09:00:00+09:00,,,71.5,%"
COST_LINE = (
    "inference_cost,,,2027-04-01T00:00:00+09:00,2027-05-01T00:00:00+09:00,0.42,JPY/1k tokens"
)


def csv_upload(text: str, *, name: str = "measurements.csv", encoding: str = "utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_upload(rows: list[list], *, name: str = "measurements.xlsx", formats=None):
    """A workbook whose first sheet holds ``rows``; ``formats`` maps a cell ("F2") to
    its Excel number format."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "measurements"
    for row in rows:
        sheet.append(row)
    for cell, number_format in (formats or {}).items():
        sheet[cell].number_format = number_format
    # A second sheet, which the import must not read.
    workbook.create_sheet("notes").append(["kpi", "value", "unit", "at"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def rejection(upload) -> IngestRejected:
    with translation.override("en"), pytest.raises(IngestRejected) as caught:
        rows_from_upload(upload)
    assert caught.value.numbering == "line"
    return caught.value


def only_error(upload) -> tuple[int, str, str]:
    rejected = rejection(upload)
    assert len(rejected.errors) == 1, rejected.errors
    error = rejected.errors[0]
    return error.number, error.field, error.message


# ------------------------------------------------------------------------------------ CSV


def test_csv_rows_are_numbered_by_line_and_keep_their_text():
    rows = rows_from_upload(csv_upload(f"{HEADER}\n{GPU_LINE}\n{COST_LINE}\n"))

    assert rows == [
        MeasurementRow(
            number=2,
            kpi="gpu_utilization",
            value="71.5",
            unit="%",
            start="2027-04-01T09:00:00+09:00",
            end=None,
            subject="cluster-a",
            start_field="at",
        ),
        MeasurementRow(
            number=3,
            kpi="inference_cost",
            value="0.42",
            unit="JPY/1k tokens",
            start="2027-04-01T00:00:00+09:00",
            end="2027-05-01T00:00:00+09:00",
            subject="",
        ),
    ]


def test_csv_with_a_utf8_byte_order_mark_reads_its_first_column():
    """Excel's "CSV UTF-8" starts with a BOM, which must not become part of "kpi"."""
    text = f"{HEADER}\ngpu_utilization,東京クラスタ,2027-04-01T09:00:00+09:00,,,71.5,%\n"

    [row] = rows_from_upload(csv_upload(text, encoding="utf-8-sig"))

    assert (row.kpi, row.subject) == ("gpu_utilization", "東京クラスタ")


def test_csv_saved_by_japanese_excel_in_cp932_is_read():
    text = f"{HEADER}\r\nsales,関西支社,,2027-04-01T00:00:00+09:00,,1200,千円\r\n"

    [row] = rows_from_upload(csv_upload(text, encoding="cp932"))

    assert (row.number, row.subject, row.value, row.unit) == (2, "関西支社", "1200", "千円")


def test_column_names_ignore_case_order_and_surrounding_spaces():
    text = " Value ,UNIT, KPI ,At\n71.5,%,gpu_utilization,2027-04-01T09:00:00+09:00\n"

    [row] = rows_from_upload(csv_upload(text))

    assert (row.kpi, row.value, row.unit, row.subject, row.end) == (
        "gpu_utilization",
        "71.5",
        "%",
        "",
        None,
    )
    assert row.start == "2027-04-01T09:00:00+09:00"


def test_blank_lines_are_skipped_and_later_lines_keep_their_numbers():
    text = f"\n{HEADER}\n\n{GPU_LINE}\n,,,,,,\n{COST_LINE}\n\n"

    rows = rows_from_upload(csv_upload(text))

    assert [row.number for row in rows] == [4, 6]


def test_a_quoted_cell_spanning_lines_does_not_shift_later_line_numbers():
    text = (
        f'{HEADER}\ngpu_utilization,"cluster\na",2027-04-01T09:00:00+09:00,,,71.5,%\n{COST_LINE}\n'
    )

    rows = rows_from_upload(csv_upload(text))

    assert [row.number for row in rows] == [2, 4]


def test_a_file_in_neither_utf8_nor_cp932_is_refused():
    data = HEADER.encode() + b"\n\x81\x7f\xff,,,,,1,%\n"

    number, field, message = only_error(SimpleUploadedFile("m.csv", data))

    assert (number, field) == (0, "file")
    assert "neither UTF-8 nor Shift_JIS" in message


def test_csv_saved_as_utf16_is_refused_as_binary():
    message = only_error(csv_upload(f"{HEADER}\n{GPU_LINE}\n", encoding="utf-16"))[2]

    assert "CSV UTF-8" in message


# ---------------------------------------------------------------------------------- Excel


def test_excel_numbers_stay_numbers_and_the_first_sheet_is_read():
    upload = xlsx_upload(
        [
            ["kpi", "subject", "at", "value", "unit"],
            ["gpu_utilization", 7, "2027-04-01T09:00:00+09:00", 71.5, "%"],
            [None, None, None, None, None],
            ["contracts", "steel", "2027-04-01T09:00:00+09:00", 3, "count"],
        ]
    )

    rows = rows_from_upload(upload)

    assert [(r.number, r.kpi, r.subject, r.value) for r in rows] == [
        (2, "gpu_utilization", "7", 71.5),
        (4, "contracts", "steel", 3),
    ]
    assert isinstance(rows[0].value, float)
    assert rows[0].start == "2027-04-01T09:00:00+09:00"


def test_a_cell_excel_shows_as_a_percentage_gives_the_number_shown():
    upload = xlsx_upload(
        [
            ["kpi", "at", "value", "unit"],
            ["gpu_utilization", "2027-04-01T09:00:00+09:00", 0.715, "%"],
        ],
        formats={"C2": "0.0%"},
    )

    [row] = rows_from_upload(upload)

    assert row.value == 71.5


def test_an_excel_date_cell_reaches_the_service_without_a_time_zone():
    upload = xlsx_upload(
        [["kpi", "at", "value", "unit"], ["gpu_utilization", dt.datetime(2027, 4, 1, 9), 71.5, "%"]]
    )

    [row] = rows_from_upload(upload)

    assert row.start == dt.datetime(2027, 4, 1, 9)
    assert row.start.tzinfo is None


def test_a_renamed_file_that_is_not_a_workbook_is_refused():
    number, field, message = only_error(
        SimpleUploadedFile("m.xlsx", f"{HEADER}\n{GPU_LINE}\n".encode())
    )

    assert (number, field) == (0, "file")
    assert "not an Excel workbook" in message


def test_a_damaged_workbook_is_refused_not_crashed_on():
    good = xlsx_upload([["kpi", "at", "value", "unit"]]).read()

    message = only_error(SimpleUploadedFile("m.xlsx", good[: len(good) // 2]))[2]

    assert "damaged or unreadable" in message


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")

    message = only_error(SimpleUploadedFile("m.xlsx", buffer.getvalue()))[2]

    assert "damaged or unreadable" in message


def test_a_workbook_that_unpacks_far_beyond_the_upload_limit_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 100_000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b" " * 2_000_000)
    assert len(buffer.getvalue()) < settings.UPLOAD_MAX_BYTES

    message = only_error(SimpleUploadedFile("m.xlsx", buffer.getvalue()))[2]

    assert "unpacks to more data" in message


# ------------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    "header, words",
    [
        ("kpi,at,value,unit,comment,source", "Unknown columns “comment”, “source”"),
        ("kpi,at,value", "Missing columns: “unit”"),
        ("kpi,value,unit,end", "Missing columns: “at” or “start”"),
        ("kpi,at,value,unit,Value", "more than once: “value”"),
        ("gpu_utilization,2027-04-01T09:00:00+09:00,71.5,%", "must be a header"),
    ],
    ids=["unknown columns", "missing unit", "no time column", "repeated column", "no header"],
)
def test_a_bad_header_is_refused_naming_line_1_and_the_columns(header, words):
    number, field, message = only_error(csv_upload(f"{header}\n{GPU_LINE}\n"))

    assert (number, field) == (1, "header")
    assert words in message


def test_a_header_without_data_rows_is_refused():
    message = only_error(csv_upload(f"{HEADER}\n\n"))[2]

    assert "no data rows" in message


def test_an_empty_file_is_refused():
    assert "empty" in only_error(csv_upload(""))[2]


def test_a_file_of_blank_lines_is_refused():
    assert "header line" in only_error(csv_upload("\n,,,\n\n"))[2]


def test_a_value_in_a_column_without_a_header_is_named():
    text = "kpi,at,value,unit,\ngpu_utilization,2027-04-01T09:00:00+09:00,71.5,%,oops\n"

    assert only_error(csv_upload(text))[:2] == (2, "column 5")


def test_an_instant_with_an_end_is_named():
    text = f"{HEADER}\ngpu_utilization,a,2027-04-01T09:00:00+09:00,,2027-04-02T09:00:00+09:00,1,%\n"

    assert only_error(csv_upload(text))[:2] == (2, "end")


def test_a_row_with_both_an_instant_and_a_period_start_is_named():
    text = f"{HEADER}\ngpu_utilization,a,2027-04-01T09:00:00+09:00,2027-04-01T09:00:00+09:00,,1,%\n"

    assert only_error(csv_upload(text))[:2] == (2, "at")


# -------------------------------------------------------------------------------- limits


def test_more_data_rows_than_the_limit_are_refused_before_reading_on(settings):
    settings.KPI_FILE_IMPORT_MAX_ROWS = 3
    lines = [GPU_LINE.replace("cluster-a", f"c{n}") for n in range(4)]
    # Line 6 would be an error of its own, were the file read that far.
    text = "\n".join([HEADER, *lines, "x,y,z,,,,,,,,,,,,,,,"]) + "\n"

    number, field, message = only_error(csv_upload(text))

    assert (number, field) == (0, "file")
    assert "more than 3 data rows" in message


def test_exactly_the_limit_of_data_rows_is_read(settings):
    settings.KPI_FILE_IMPORT_MAX_ROWS = 3
    lines = [GPU_LINE.replace("cluster-a", f"c{n}") for n in range(3)]

    assert len(rows_from_upload(csv_upload("\n".join([HEADER, *lines])))) == 3


def test_a_file_over_the_upload_limit_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 100

    number, field, message = only_error(csv_upload(f"{HEADER}\n{GPU_LINE}\n{COST_LINE}\n"))

    assert (number, field) == (0, "file")
    assert "the limit is 100" in message


@pytest.mark.parametrize(
    "name, data, words",
    [
        ("measurements.txt", f"{HEADER}\n{GPU_LINE}\n".encode(), "Only CSV (.csv) and Excel"),
        ("measurements.json", b'{"measurements": []}', "Only CSV (.csv) and Excel"),
        ("measurements", f"{HEADER}\n{GPU_LINE}\n".encode(), "Only CSV (.csv) and Excel"),
        ("measurements.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        ("measurements.csv", b"PK\x03\x04" + b"\x00" * 100, "holds an Excel workbook"),
    ],
    ids=["txt", "json", "no extension", "old xls", "workbook named csv"],
)
def test_an_unsupported_file_type_is_refused(name, data, words):
    number, field, message = only_error(SimpleUploadedFile(name, data))

    assert (number, field) == (0, "file")
    assert words in message


# ------------------------------------------------------------------ through the service


@pytest.fixture
def pmo(db):
    OrganizationFactory(code="jv", kind=OrganizationKind.JOINT_VENTURE)
    KPIDefinitionFactory(code="gpu_utilization", unit=Unit.PERCENT, source=KPISource.PUSHED)
    KPIDefinitionFactory(code="inference_cost", unit=Unit.JPY_PER_1K_TOKENS)
    return PMOUserFactory()


def file_ingest(upload, actor):
    return measurements_ingest(
        rows=rows_from_upload(upload),
        source=BatchSource.FILE,
        actor=actor,
        numbering="line",
        file_name=upload.name,
        now=NOW,
    )


def test_a_csv_file_is_stored_as_one_file_batch(pmo):
    result = file_ingest(csv_upload(f"{HEADER}\n{GPU_LINE}\n{COST_LINE}\n"), pmo)

    batch = IngestBatch.objects.get()
    assert result.created
    assert (batch.source, batch.file_name, batch.row_count) == (
        BatchSource.FILE,
        "measurements.csv",
        2,
    )
    assert sorted(Measurement.objects.values_list("value", flat=True)) == [0.42, 71.5]


def test_the_services_errors_name_the_files_lines(pmo):
    text = f"{HEADER}\n\n{GPU_LINE}\ngpu_utilization,cluster-b,2027-04-01T09:00:00+09:00,,,101,%\n"

    with translation.override("en"), pytest.raises(IngestRejected) as caught:
        file_ingest(csv_upload(text), pmo)

    assert [(e.number, e.field) for e in caught.value.errors] == [(4, "value")]
    assert caught.value.lines() == ["line 4, value: A percentage must be between 0 and 100."]
    assert Measurement.objects.count() == 0


def test_an_excel_date_cell_is_refused_by_the_service_for_its_missing_time_zone(pmo):
    upload = xlsx_upload(
        [
            ["kpi", "at", "value", "unit"],
            ["gpu_utilization", "2027-04-01T09:00:00+09:00", 71.5, "%"],
            ["gpu_utilization", dt.datetime(2027, 4, 1, 10), 72.5, "%"],
        ]
    )

    with translation.override("en"), pytest.raises(IngestRejected) as caught:
        file_ingest(upload, pmo)

    [error] = caught.value.errors
    assert error.number == 3
    assert "no time zone" in error.message
    assert IngestBatch.objects.count() == 0


def test_an_excel_file_is_stored_with_its_numbers(pmo):
    upload = xlsx_upload(
        [
            ["KPI", "Subject", "Start", "End", "Value", "Unit"],
            [
                "inference_cost",
                "",
                "2027-04-01T00:00:00+09:00",
                "2027-05-01T00:00:00+09:00",
                420,
                "JPY/1M tokens",
            ],
        ]
    )

    file_ingest(upload, pmo)

    assert Measurement.objects.get().value == pytest.approx(0.42)
