"""The Prometheus text exposition format (version 0.0.4) as NVIDIA's DCGM exporter writes it,
and the per-GPU utilisation samples in it.

The whole text is parsed, not only the ``DCGM_FI_DEV_GPU_UTIL`` lines, so that a truncated
or garbled scrape is refused instead of half-read; every bad line is named. Lenient where
real inputs differ from the letter of the format: HELP and TYPE may repeat, even with
another type (the scrapes of several exporters, perhaps of different versions, concatenated
into one file), and CRLF line ends are accepted.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

GPU_UTIL_METRIC = "DCGM_FI_DEV_GPU_UTIL"
METRIC_TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
# A garbage file (a binary sent by mistake) would otherwise list thousands of lines.
MAX_REPORTED_ERRORS = 100

_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# Up to the closing quote; a backslash always takes the next character with it.
_LABEL_VALUE = re.compile(r'((?:[^"\\\n]|\\.)*)"')
_ESCAPE = re.compile(r"\\(.)")
_UNESCAPED = {"\\": "\\", '"': '"', "n": "\n"}
# Go's ParseFloat, which Prometheus uses, without its hexadecimal and underscore forms.
# Written so no digit can be matched two ways: "\d+\.?\d*" backtracked quadratically on a
# long run of digits followed by junk (24 s for 40,000 digits).
_FLOAT = re.compile(r"[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)", re.I)
_TIMESTAMP = re.compile(r"[+-]?\d{1,19}")
_BLANKS = " \t"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class LineError(NamedTuple):
    """A problem on one line of the exposition; line 0 means the text as a whole."""

    line: int
    message: str


class ExpositionError(ValueError):
    """The exposition was refused; ``errors`` names every bad line."""

    def __init__(self, errors: list[LineError]) -> None:
        self.errors = errors
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [
            _("line %(line)d: %(message)s") % {"line": e.line, "message": e.message}
            if e.line
            else e.message
            for e in self.errors
        ]


@dataclass(frozen=True)
class Sample:
    """One sample line: ``name{labels} value [timestamp]``."""

    name: str
    labels: Mapping[str, str]
    value: float
    timestamp_ms: int | None
    line: int


@dataclass(frozen=True)
class GpuSample:
    """One GPU's utilisation in percent, and the line it was read from."""

    hostname: str
    gpu: str
    uuid: str
    value: float
    line: int
    # MIG: the GPU instance, when the exporter reports per instance.
    gpu_instance: str = ""
    timestamp_ms: int | None = None

    @property
    def at(self) -> dt.datetime | None:
        """When the value was taken, if the exposition says (Prometheus federation does)."""
        return None if self.timestamp_ms is None else _moment(self.timestamp_ms)


class _Bad(Exception):
    """A malformed line; the message is for the person who sent it."""


def parse_exposition(text: str) -> list[Sample]:
    """Every sample in ``text``; raises :class:`ExpositionError` naming each bad line."""
    samples, errors = _parse(text)
    if errors:
        raise ExpositionError(_reported(errors))
    return samples


def gpu_utilization_samples(text: str) -> list[GpuSample]:
    """The ``DCGM_FI_DEV_GPU_UTIL`` sample of each GPU in ``text``.

    Raises :class:`ExpositionError` for any malformed line, a utilisation that is not a
    number from 0 to 100, the same GPU twice, or no utilisation samples at all.
    """
    samples, errors = _parse(text)
    gpus: list[GpuSample] = []
    seen: dict[tuple[str, str, str], int] = {}
    for sample in samples:
        if sample.name != GPU_UTIL_METRIC:
            continue
        gpu = _gpu_sample(sample, errors)
        if gpu is None:
            continue
        # The UUID names a GPU for good; the index only within its host.
        key = (gpu.hostname, gpu.uuid or f"#{gpu.gpu}", gpu.gpu_instance)
        first = seen.setdefault(key, sample.line)
        if first != sample.line:
            errors.append(
                LineError(
                    sample.line,
                    _("the same GPU (%(gpu)s) as line %(first)d.")
                    % {"gpu": _gpu_name(gpu), "first": first},
                )
            )
            continue
        gpus.append(gpu)
    if not gpus and not errors:
        errors.append(
            LineError(
                0,
                _(
                    "The exposition has no %(metric)s samples: is it a DCGM exporter's, and "
                    "does the exporter collect GPU utilisation?"
                )
                % {"metric": GPU_UTIL_METRIC},
            )
        )
    if errors:
        raise ExpositionError(_reported(errors))
    return gpus


def _gpu_sample(sample: Sample, errors: list[LineError]) -> GpuSample | None:
    labels = sample.labels
    value = sample.value

    def fail(message: str) -> None:
        errors.append(LineError(sample.line, message))

    if not math.isfinite(value):
        fail(_("GPU utilisation must be a finite number, not %(value)s.") % {"value": value})
        return None
    if not 0 <= value <= 100:
        fail(_("GPU utilisation %(value)s is outside 0–100 %%.") % {"value": f"{value:g}"})
        return None
    uuid = labels.get("UUID", "")
    gpu = labels.get("gpu", "")
    if not uuid and not gpu:
        fail(_("a GPU utilisation sample needs a UUID or gpu label to tell the GPUs apart."))
        return None
    if sample.timestamp_ms is not None:
        try:
            _moment(sample.timestamp_ms)
        except OverflowError:
            fail(_("the timestamp %(value)d is out of range.") % {"value": sample.timestamp_ms})
            return None
    return GpuSample(
        # Older exporters and some relabelling rules spell it in lower case.
        hostname=labels.get("Hostname", labels.get("hostname", "")),
        gpu=gpu,
        uuid=uuid,
        value=value,
        line=sample.line,
        gpu_instance=labels.get("GPU_I_ID", ""),
        timestamp_ms=sample.timestamp_ms,
    )


def _moment(timestamp_ms: int) -> dt.datetime:
    """Milliseconds since the epoch as an aware datetime; OverflowError if out of range."""
    return _EPOCH + dt.timedelta(milliseconds=timestamp_ms)


def _gpu_name(gpu: GpuSample) -> str:
    parts = []
    if gpu.hostname:
        parts.append(_("host %(host)s") % {"host": gpu.hostname})
    parts.append(f"UUID {gpu.uuid}" if gpu.uuid else f"gpu {gpu.gpu}")
    if gpu.gpu_instance:
        parts.append(f"GPU_I_ID {gpu.gpu_instance}")
    return ", ".join(parts)


def _reported(errors: list[LineError]) -> list[LineError]:
    errors = sorted(errors, key=lambda e: e.line)
    if len(errors) <= MAX_REPORTED_ERRORS:
        return errors
    more = len(errors) - MAX_REPORTED_ERRORS
    return [
        *errors[:MAX_REPORTED_ERRORS],
        LineError(
            0,
            ngettext("… and %(count)d more error.", "… and %(count)d more errors.", more)
            % {"count": more},
        ),
    ]


def _parse(text: str) -> tuple[list[Sample], list[LineError]]:
    samples: list[Sample] = []
    errors: list[LineError] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.removesuffix("\r").strip(_BLANKS)
        if not line:
            continue
        try:
            if line.startswith("#"):
                _comment(line)
            else:
                samples.append(_sample(line, number))
        except _Bad as bad:
            errors.append(LineError(number, str(bad)))
    return samples, errors


def _comment(line: str) -> None:
    """``# HELP name text`` and ``# TYPE name type`` are checked; other comments ignored."""
    parts = line[1:].split(None, 2)
    if not parts or parts[0] not in ("HELP", "TYPE"):
        return
    keyword, rest = parts[0], parts[1:]
    if not rest or not _METRIC_NAME.fullmatch(rest[0]):
        raise _Bad(_("%(keyword)s must be followed by a metric name.") % {"keyword": keyword})
    name = rest[0]
    if keyword == "HELP":
        text = rest[1] if len(rest) > 1 else ""
        escapes = [m.group(1) for m in _ESCAPE.finditer(text)]
        if any(c not in ("\\", "n") for c in escapes) or "\\" in _ESCAPE.sub("", text):
            raise _Bad(_("the help text may only escape \\\\ and \\n."))
        return
    if len(rest) < 2:
        raise _Bad(_("TYPE %(name)s must be followed by a metric type.") % {"name": name})
    kind = rest[1].strip()
    if kind not in METRIC_TYPES:
        raise _Bad(
            _("“%(type)s” is not a metric type (%(types)s).")
            % {"type": kind, "types": ", ".join(METRIC_TYPES)}
        )


def _sample(line: str, number: int) -> Sample:
    match = _METRIC_NAME.match(line)
    if match is None:
        raise _Bad(_("expected a metric name at “%(text)s”.") % {"text": _excerpt(line)})
    name = match.group()
    pos = _skip_blanks(line, match.end())
    labels: dict[str, str] = {}
    if pos < len(line) and line[pos] == "{":
        pos = _labels(line, pos + 1, labels)
        after = _("the labels")
    elif pos == match.end() and pos < len(line):
        raise _Bad(
            _("unexpected “%(char)s” after the metric name %(name)s.")
            % {"char": line[pos], "name": name}
        )
    else:
        after = _("the metric name")
    tokens = line[pos:].split()
    if not tokens:
        raise _Bad(_("expected a value after %(what)s.") % {"what": after})
    if not _FLOAT.fullmatch(tokens[0]):
        raise _Bad(_("“%(value)s” is not a number.") % {"value": _excerpt(tokens[0])})
    timestamp = None
    if len(tokens) > 1:
        if not _TIMESTAMP.fullmatch(tokens[1]):
            raise _Bad(
                _("“%(value)s” is not a timestamp in milliseconds.")
                % {"value": _excerpt(tokens[1])}
            )
        timestamp = int(tokens[1])
    if len(tokens) > 2:
        raise _Bad(
            _("unexpected “%(text)s” after the timestamp.")
            % {"text": _excerpt(" ".join(tokens[2:]))}
        )
    return Sample(name, labels, float(tokens[0]), timestamp, number)


def _labels(line: str, pos: int, labels: dict[str, str]) -> int:
    """Read ``name="value",…}`` from ``pos`` into ``labels``; the position after ``}``."""
    while True:
        pos = _skip_blanks(line, pos)
        if line.startswith("}", pos):
            return pos + 1
        match = _LABEL_NAME.match(line, pos)
        if match is None:
            raise _Bad(
                _("expected a label name or “}” at “%(text)s”.") % {"text": _excerpt(line[pos:])}
            )
        label = match.group()
        pos = _skip_blanks(line, match.end())
        if not line.startswith("=", pos):
            raise _Bad(_("expected “=” after the label name %(label)s.") % {"label": label})
        pos = _skip_blanks(line, pos + 1)
        if not line.startswith('"', pos):
            raise _Bad(
                _("the value of label %(label)s must be in double quotes.") % {"label": label}
            )
        value = _LABEL_VALUE.match(line, pos + 1)
        if value is None:
            raise _Bad(_('the value of label %(label)s is not closed by “"”.') % {"label": label})
        if label in labels:
            raise _Bad(_("label %(label)s appears twice.") % {"label": label})
        labels[label] = _unescaped(value.group(1), label)
        pos = _skip_blanks(line, value.end())
        if line.startswith(",", pos):
            pos += 1
        elif not line.startswith("}", pos):
            raise _Bad(
                _("expected “,” or “}” after the value of label %(label)s.") % {"label": label}
            )


def _unescaped(value: str, label: str) -> str:
    def replace(match: re.Match) -> str:
        char = match.group(1)
        if char not in _UNESCAPED:
            raise _Bad(
                _(
                    "label %(label)s has the escape “\\%(char)s”; "
                    'only \\\\, \\" and \\n are allowed.'
                )
                % {"label": label, "char": char}
            )
        return _UNESCAPED[char]

    return _ESCAPE.sub(replace, value) if "\\" in value else value


def _skip_blanks(line: str, pos: int) -> int:
    while pos < len(line) and line[pos] in _BLANKS:
        pos += 1
    return pos


def _excerpt(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
