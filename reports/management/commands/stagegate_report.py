"""``manage.py stagegate_report --gate FY2027 [--as-of 2027-03-31] [--lang en] --output
report.pdf``: a stage-gate report from the command line, recorded like every other.

It goes through the same ``report_request`` service as the admin and the API (recorded as
requested via the command line, by no user: the server's operator), then renders in this
process with ``report_render``, the service a worker runs, and copies the stored PDF out.
A refused request leaves nothing behind; a failed render leaves its failed Report (the
record of the attempt) and no output file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from milestones.selectors import programme_current, stage_gate_by_code, stage_gates_for
from reports.choices import ReportKind, ReportLanguage, ReportStatus, RequestChannel
from reports.models import Report
from reports.services import (
    TRANSIENT_ERRORS,
    failure_reason,
    report_fail,
    report_render,
    report_request,
)

# The service's field names as the options that carry them.
OPTION_OF_FIELD = {"gate": "--gate", "as_of": "--as-of", "language": "--lang", "kind": "--gate"}


class Command(BaseCommand):
    help = (
        "Generate a stage-gate report in this process and write its PDF to --output. The "
        "report is recorded (requested via the command line) and stored like any other, "
        "so verify_reports and the admin list it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--gate", required=True, metavar="CODE", help="The gate: FY2027, FY2028-MID, …"
        )
        parser.add_argument(
            "--as-of",
            dest="as_of",
            metavar="YYYY-MM-DD",
            help="State what the tracker knew at the end of this day (default: today).",
        )
        # No argparse choices: the service judges the language, in the same words as for
        # the admin and the API.
        parser.add_argument(
            "--lang",
            default=ReportLanguage.JAPANESE,
            metavar="LANG",
            help="ja (default) or en.",
        )
        parser.add_argument(
            "--output", required=True, metavar="FILE", help="Where to write the PDF."
        )
        parser.add_argument("--force", action="store_true", help="Overwrite --output if it exists.")

    def handle(
        self,
        *args,
        gate: str,
        as_of: str | None,
        lang: str,
        output: str,
        force: bool,
        **options,
    ) -> None:
        output_path = _writable_output(Path(output), force=force)
        stage_gate = stage_gate_by_code(gate)
        if stage_gate is None:
            raise CommandError(
                _("--gate: no stage gate has the code %(code)r. Known codes: %(codes)s.")
                % {"code": gate, "codes": _known_codes() or _("(none: load the programme)")}
            )
        as_of_date = _parsed_date(as_of)
        try:
            report = report_request(
                kind=ReportKind.STAGE_GATE,
                actor=None,
                via=RequestChannel.COMMAND,
                gate=stage_gate,
                as_of=as_of_date,
                language=lang,
                enqueue=False,
            )
        except ValidationError as error:
            raise CommandError(_option_errors(error)) from error
        self.stdout.write(
            _("%(reference)s requested; rendering…") % {"reference": report.reference}
        )
        report = _rendered(report)
        if report.status != ReportStatus.SUCCEEDED:
            raise CommandError(
                _("%(reference)s failed: %(error)s")
                % {"reference": report.reference, "error": report.error or report.status}
            )
        _copy_out(report, output_path, force=force)
        self.stdout.write(
            self.style.SUCCESS(
                _("%(reference)s written to %(output)s")
                % {
                    "reference": report.reference,
                    "output": output_path,
                }
            )
        )
        self.stdout.write(_("pages: %(pages)s") % {"pages": report.pages})
        self.stdout.write(
            _("size: %(size)s (%(bytes)s bytes)")
            % {"size": filesizeformat(report.size), "bytes": f"{report.size:,}"}
        )
        self.stdout.write(_("SHA-256: %(sha256)s") % {"sha256": report.sha256})


def _rendered(report: Report) -> Report:
    """The report after rendering it here, ended as failed if this process could not
    finish it (no worker should pick up a command's report later: nobody would get it)."""
    try:
        return report_render(report_id=report.pk) or Report.objects.get(pk=report.pk)
    except KeyboardInterrupt:
        report_fail(report_id=report.pk, reason=_("The command was interrupted."))
        raise
    except TRANSIENT_ERRORS as error:
        # The worker's task would retry; a person at a terminal runs the command again.
        report_fail(report_id=report.pk, reason=failure_reason(error))
        return Report.objects.get(pk=report.pk)


def _known_codes() -> str:
    programme = programme_current()
    if programme is None:
        return ""
    return ", ".join(gate.code for gate in stage_gates_for(programme))


def _parsed_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(
            _("--as-of: %(value)r is not a date; write it as YYYY-MM-DD.") % {"value": value}
        ) from None


def _option_errors(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return " ".join(
        f"{OPTION_OF_FIELD.get(field, field)}: {' '.join(ValidationError(errors).messages)}"
        for field, errors in error.error_dict.items()
    )


def _writable_output(path: Path, *, force: bool) -> Path:
    """``path`` made absolute, checked before anything is requested."""
    path = path.expanduser().absolute()
    if path.is_dir():
        raise CommandError(_("--output: %(path)s is a directory.") % {"path": path})
    if path.exists() and not force:
        raise CommandError(_exists_message(path))
    if not path.parent.is_dir():
        raise CommandError(
            _("--output: the directory %(path)s does not exist.") % {"path": path.parent}
        )
    return path


def _exists_message(path: Path) -> str:
    return _("--output: %(path)s exists; add --force to overwrite it.") % {"path": path}


def _copy_out(report: Report, path: Path, *, force: bool) -> None:
    """Copy the stored PDF to ``path`` through a temporary file in the same directory, so
    a failure leaves no partial file and ``path`` appears whole or not at all."""
    digest = hashlib.sha256()
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out, report.file.open("rb") as stored:
            for chunk in iter(lambda: stored.read(1 << 20), b""):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != report.sha256:
            raise CommandError(
                _(
                    "%(reference)s: the stored PDF no longer has its recorded SHA-256; "
                    "nothing was written. Run verify_reports."
                )
                % {"reference": report.reference}
            )
        # mkstemp makes the file private to its owner; give it the mode a plain write would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        if force:
            os.replace(temporary, path)
        else:
            try:
                # Fails if the file appeared meanwhile: never overwrite without --force.
                os.link(temporary, path)
            except FileExistsError:
                raise CommandError(_exists_message(path)) from None
            except OSError:
                # No hard links on this file system: check, then rename.
                if path.exists():
                    raise CommandError(_exists_message(path)) from None
                os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
