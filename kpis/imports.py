"""Measurements from a CSV or Excel file, as rows for the ingest service.

The file's layout is checked here (type, encoding, header, size); the values are the
service's to judge. Rows are numbered by the file's own line (CSV) or row (Excel), the
header being line 1, so every error points at a line the user can find::

    kpi,subject,at,start,end,value,unit
    gpu_utilization,cluster-a,2027-04-01T09:00:00+09:00,,,71.5,%
    inference_cost,,,2027-04-01T00:00:00+09:00,2027-05-01T00:00:00+09:00,0.42,JPY/1k tokens
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jvtracker.common.text import listing
from jvtracker.common.uploads import inspect_upload
from kpis.services import IngestRejected, IngestResult, MeasurementRow, RowError

logger = logging.getLogger(__name__)

COLUMNS = ("kpi", "subject", "at", "start", "end", "value", "unit")
REQUIRED_COLUMNS = ("kpi", "value", "unit")
# Cells holding names, which a spreadsheet may have turned into numbers (a cluster "7").
TEXT_COLUMNS = ("kpi", "subject", "unit")

ZIP_SIGNATURE = b"PK\x03\x04"  # .xlsx is a zip archive
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls
# A workbook may expand to at most this many times the upload limit when unzipped: a
# real sheet of 100,000 rows expands to tens of megabytes, a zip bomb to gigabytes (and
# openpyxl holds the shared-strings part in memory whole).
XLSX_MAX_EXPANSION = 10

Record = tuple[int, list[object]]


def rows_from_upload(upload: UploadedFile) -> list[MeasurementRow]:
    """The measurements in a CSV (UTF-8, with or without BOM, or Japanese Excel's cp932)
    or Excel ``.xlsx`` upload (its first sheet), numbered by line.

    Raises :class:`IngestRejected` (numbering "line") for a file of another type, an
    unreadable or oversized one, a missing or unknown header, no data rows, or more than
    ``KPI_FILE_IMPORT_MAX_ROWS`` data rows (reading stops there).

    Excel cells keep their types: numbers stay numbers, and a cell Excel formats as a
    percentage gives the number it shows (71.5 for 71.5 %, which Excel stores as 0.715).
    A date-time cell is passed on as it is, without a time zone, because Excel stores
    none: the service refuses it with its "no time zone" message, and users type times as
    ISO text with an offset instead (2027-04-01T09:00:00+09:00).
    """
    try:
        inspect_upload(upload)
    except ValidationError as error:
        raise _file_error(" ".join(error.messages)) from None
    kind = _kind(upload)
    records = _csv_records(upload) if kind == "csv" else _xlsx_records(upload)
    with contextlib.closing(records):
        return _rows(records, limit=settings.KPI_FILE_IMPORT_MAX_ROWS)


def _file_error(message: str) -> IngestRejected:
    return IngestRejected([RowError(0, "file", message)], numbering="line")


def _kind(upload: UploadedFile) -> str:
    """Which reader the file needs, "csv" or "xlsx", when its name and content agree."""
    extension = PurePath(upload.name or "").suffix.casefold()
    upload.seek(0)
    head = upload.read(len(OLE2_SIGNATURE))
    upload.seek(0)
    if extension == ".csv":
        if head.startswith(ZIP_SIGNATURE) or head.startswith(OLE2_SIGNATURE):
            raise _file_error(
                _(
                    "The file is named .csv but holds an Excel workbook or other binary "
                    "data; upload the workbook as .xlsx or save it as CSV."
                )
            )
        return "csv"
    if extension == ".xlsx":
        if not head.startswith(ZIP_SIGNATURE):
            raise _file_error(
                _("The file is named .xlsx but is not an Excel workbook; save it again.")
            )
        return "xlsx"
    if extension == ".xls":
        raise _file_error(
            _("Old Excel .xls files are not read; save the sheet as .xlsx or as CSV.")
        )
    raise _file_error(
        _("Only CSV (.csv) and Excel (.xlsx) files can be imported, not “%(name)s”.")
        % {"name": upload.name}
    )


def _csv_records(upload: UploadedFile) -> Iterator[Record]:
    # Whole, not streamed: the file is within UPLOAD_MAX_BYTES, and a decoding error
    # late in the file must be able to send the whole file to the other encoding.
    upload.seek(0)
    data = upload.read()
    if b"\x00" in data:
        raise _file_error(
            _(
                "The file is not CSV text (it holds binary data). In Excel, choose "
                "“CSV UTF-8 (comma delimited)” when saving."
            )
        )
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _file_error(
            _(
                "The file is neither UTF-8 nor Shift_JIS (cp932) text. In Excel, choose "
                "“CSV UTF-8 (comma delimited)” when saving."
            )
        )
    del data
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        # A quoted cell may span lines: a record starts on the line after the last one.
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise IngestRejected(
                [
                    RowError(
                        line,
                        "file",
                        _("This line cannot be read as CSV: %(error)s") % {"error": error},
                    )
                ],
                numbering="line",
            ) from None
        yield line, cells


def _xlsx_records(upload: UploadedFile) -> Iterator[Record]:
    from openpyxl import load_workbook

    unreadable = _("The Excel file is damaged or unreadable; save it again as .xlsx.")
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        logger.info("Rejected an unreadable workbook %r: %s", upload.name, error)
        raise _file_error(unreadable) from None
    if expanded > XLSX_MAX_EXPANSION * settings.UPLOAD_MAX_BYTES:
        raise _file_error(
            _("The workbook unpacks to more data than can be imported; split it or use CSV.")
        )
    upload.seek(0)
    workbook = None
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
        if not workbook.worksheets:
            raise _file_error(_("The workbook has no sheet."))
        sheet = workbook.worksheets[0]
        # The stored dimensions may be stale (some writers never update them); read
        # every row there is instead of trusting them.
        sheet.reset_dimensions()
        # Rows come in order, missing ones filled in, so counting gives the row number.
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            yield number, [_excel_value(cell) for cell in cells]
    except IngestRejected:
        raise
    except Exception as error:
        # A damaged or hostile workbook fails in many ways inside openpyxl and zipfile;
        # each is the same refusal to the user, never a crash.
        logger.info("Rejected an unreadable workbook %r: %s", upload.name, error)
        raise _file_error(unreadable) from None
    finally:
        if workbook is not None:
            workbook.close()


def _excel_value(cell) -> object:
    value = getattr(cell, "value", None)
    if isinstance(value, int | float) and not isinstance(value, bool):
        number_format = getattr(cell, "number_format", "") or ""
        if "%" in number_format:
            # Shown as 71.5 %, stored as 0.715: the user means what they see.
            return float(Decimal(repr(value)) * 100)
    return value


def _rows(records: Iterator[Record], *, limit: int) -> list[MeasurementRow]:
    columns: list[str] | None = None
    rows: list[MeasurementRow] = []
    errors: list[RowError] = []
    data_rows = 0
    for line, raw in records:
        cells = [_clean(cell) for cell in raw]
        if all(cell is None for cell in cells):
            continue
        if columns is None:
            columns = _columns(line, cells)
            continue
        data_rows += 1
        if data_rows > limit:
            raise _file_error(
                _("The file has more than %(limit)s data rows; split it into smaller files.")
                % {"limit": f"{limit:,}"}
            )
        row, row_errors = _row(line, columns, cells)
        errors.extend(row_errors)
        if row is not None:
            rows.append(row)
    if columns is None:
        raise _file_error(
            _("The file is empty: it needs a header line (%(columns)s) and data rows.")
            % {"columns": ", ".join(COLUMNS)}
        )
    if errors:
        raise IngestRejected(errors, numbering="line")
    if not rows:
        raise _file_error(_("The file has a header but no data rows."))
    return rows


def _clean(cell: object) -> object:
    """None for an empty cell; text without surrounding spaces; anything else as it is."""
    if isinstance(cell, str):
        cell = cell.strip()
        return cell or None
    return cell


def _columns(line: int, cells: list[object]) -> list[str]:
    """Each cell's column name ("" for a column without a header), or IngestRejected."""
    names = ["" if cell is None else str(cell).strip().casefold() for cell in cells]
    known = [name for name in names if name in COLUMNS]
    unknown = [name for name in names if name and name not in COLUMNS]
    expected = ", ".join(COLUMNS)
    errors: list[str] = []
    if not known:
        errors.append(
            _("The first line must be a header naming the columns: %(columns)s.")
            % {"columns": expected}
        )
    else:
        if unknown:
            errors.append(
                _("Unknown columns %(names)s; the columns are %(columns)s.")
                % {"names": listing(_quoted(n) for n in unknown), "columns": expected}
            )
        repeated = sorted({name for name in known if known.count(name) > 1})
        if repeated:
            errors.append(
                _("Columns named more than once: %(names)s.")
                % {"names": listing(_quoted(n) for n in repeated)}
            )
        missing = [_quoted(name) for name in REQUIRED_COLUMNS if name not in names]
        if "at" not in names and "start" not in names:
            missing.append(_("“at” or “start”"))
        if missing:
            errors.append(_("Missing columns: %(names)s.") % {"names": listing(missing)})
    if errors:
        raise IngestRejected(
            [RowError(line, "header", message) for message in errors], numbering="line"
        )
    return names


def _row(
    line: int, columns: list[str], cells: list[object]
) -> tuple[MeasurementRow | None, list[RowError]]:
    errors: list[RowError] = []
    values: dict[str, object] = {}
    for index, cell in enumerate(cells):
        name = columns[index] if index < len(columns) else ""
        if name:
            values[name] = _as_text(cell) if name in TEXT_COLUMNS else cell
        elif cell is not None:
            errors.append(
                RowError(
                    line,
                    _("column %(number)d") % {"number": index + 1},
                    _("This cell has a value but its column has no header."),
                )
            )
    at, start, end = values.get("at"), values.get("start"), values.get("end")
    if at is not None and start is not None:
        errors.append(
            RowError(
                line, "at", _("Give either “at” (an instant) or “start” (a period), not both.")
            )
        )
    if at is not None and end is not None:
        errors.append(
            RowError(
                line,
                "end",
                _("An instant (“at”) has no end; give “start” and “end” for a period."),
            )
        )
    if errors:
        return None, errors
    row = MeasurementRow(
        number=line,
        kpi=values.get("kpi"),
        value=values.get("value"),
        unit=values.get("unit"),
        start=at if at is not None else start,
        end=end,
        subject=values.get("subject") or "",
        start_field="at" if at is not None else "start",
    )
    return row, errors


def _as_text(cell: object) -> object:
    """A name typed as a number comes back from Excel as one: 7 and 7.0 mean "7"."""
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, int | float):
        return str(cell)
    return cell


def _quoted(name: str) -> str:
    """A column name in the active language's quotation marks."""
    return _("“%(name)s”") % {"name": name}


def outcome_messages(result: IngestResult, *, file: bool = True) -> list[tuple[int, str]]:
    """What an ingest did, in words, as (message level, text) for the admin's import and
    the measurements page alike: a file imported, or one measurement recorded."""
    batch = result.batch.pk
    if not result.created:
        if file:
            text = _(
                "This file was already imported as batch #%(batch)s; nothing was stored again."
            )
        else:
            text = _(
                "This measurement was already recorded (batch #%(batch)s); nothing was "
                "stored again."
            )
        return [(messages.WARNING, text % {"batch": batch})]
    if file:
        stored = ngettext(
            "Imported %(count)s measurement as batch #%(batch)s.",
            "Imported %(count)s measurements as batch #%(batch)s.",
            result.stored,
        ) % {"count": f"{result.stored:,}", "batch": batch}
    else:
        stored = _("Recorded the measurement as batch #%(batch)s.") % {"batch": batch}
    outcome = [(messages.SUCCESS, stored)]
    if result.superseded:
        outcome.append(
            (
                messages.INFO,
                ngettext(
                    "%(count)s of them corrects an earlier measurement.",
                    "%(count)s of them correct earlier measurements.",
                    result.superseded,
                )
                % {"count": f"{result.superseded:,}"},
            )
        )
    if result.unchanged:
        outcome.append(
            (
                messages.INFO,
                ngettext(
                    "%(count)s row repeated a current value and was not stored again.",
                    "%(count)s rows repeated current values and were not stored again.",
                    result.unchanged,
                )
                % {"count": f"{result.unchanged:,}"},
            )
        )
    return outcome
