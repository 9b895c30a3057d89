"""The DCGM exporter's Prometheus text exposition: what is read from it, and every way a bad
one is refused with its line named."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import pytest
from django.utils import translation

from kpis.dcgm import (
    GPU_UTIL_METRIC,
    MAX_REPORTED_ERRORS,
    ExpositionError,
    LineError,
    gpu_utilization_samples,
    parse_exposition,
)
from tests.kpis.dcgm_helpers import (
    CLUSTER_A,
    CLUSTER_A_UTILIZATION,
    CLUSTER_B,
    fixture_text,
)

GOOD_GPU = 'DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-0",Hostname="gpu-x01"} 50'


def errors_of(text: str) -> list[LineError]:
    with translation.override("en"), pytest.raises(ExpositionError) as caught:
        gpu_utilization_samples(text)
    return caught.value.errors


def with_bad_line_3(bad: str) -> str:
    """A valid exposition with ``bad`` as its third line."""
    return f"# HELP {GPU_UTIL_METRIC} GPU utilization (in %).\n{GOOD_GPU}\n{bad}\n"


# The realistic exposition: three nodes' exporters, one after another.


def test_each_gpu_of_each_host_is_read_with_its_utilisation():
    gpus = gpu_utilization_samples(fixture_text(CLUSTER_A))

    assert Counter(g.hostname for g in gpus) == {"gpu-a01": 8, "gpu-a02": 8, "gpu-a03": 8}
    by_host = {
        host: [g.value for g in gpus if g.hostname == host] for host in CLUSTER_A_UTILIZATION
    }
    assert by_host == CLUSTER_A_UTILIZATION
    assert [g.gpu for g in gpus[:8]] == [str(i) for i in range(8)]
    assert len({g.uuid for g in gpus}) == 24
    assert all(g.timestamp_ms is None and g.at is None for g in gpus)


def test_each_gpu_sample_names_the_line_it_came_from():
    text = fixture_text(CLUSTER_A)
    lines = text.split("\n")

    for gpu in gpu_utilization_samples(text):
        line = lines[gpu.line - 1]
        assert line.startswith(f'{GPU_UTIL_METRIC}{{gpu="{gpu.gpu}",UUID="{gpu.uuid}"')
        assert f'Hostname="{gpu.hostname}"' in line
        assert line.endswith(f"}} {gpu.value:g}")


def test_every_metric_is_parsed_and_comments_help_and_type_lines_are_not_samples():
    text = fixture_text(CLUSTER_A)
    lines = text.split("\n")

    samples = parse_exposition(text)

    # 24 metrics of the default counters and DCP fields, for 24 GPUs.
    assert len(samples) == 24 * 24
    assert Counter(s.name for s in samples)["DCGM_FI_PROF_PIPE_TENSOR_ACTIVE"] == 24
    comment_lines = {n for n, line in enumerate(lines, start=1) if line.startswith("#")}
    assert len(comment_lines) == 2 + 3 * (1 + 2 * 24)  # header, host banners, HELP and TYPE
    assert not comment_lines & {s.line for s in samples}
    assert all(lines[s.line - 1].startswith(s.name + "{") for s in samples)


def test_labels_and_values_are_read_as_the_exporter_wrote_them():
    samples = parse_exposition(fixture_text(CLUSTER_A))

    def sample(name: str, host: str, gpu: str):
        (found,) = [
            s
            for s in samples
            if s.name == name and s.labels["Hostname"] == host and s.labels["gpu"] == gpu
        ]
        return found

    pod_gpu = sample(GPU_UTIL_METRIC, "gpu-a02", "4")
    assert pod_gpu.labels == {
        "gpu": "4",
        "UUID": "GPU-5ca188d2-882c-b1a3-7af0-53c3f0ca25e4",
        "pci_bus_id": "00000000:9D:00.0",
        "device": "nvidia4",
        "modelName": "NVIDIA H100 80GB HBM3",
        "Hostname": "gpu-a02",
        "DCGM_FI_DRIVER_VERSION": "550.127.05",
        "container": "harness",
        "namespace": "safety-eval",
        "pod": "eval-harness-7d9f8c6b5-xk2lq",
    }
    assert pod_gpu.value == 73.0
    assert sample("DCGM_FI_DEV_GPU_UTIL", "gpu-a03", "0").labels["modelName"] == (
        "NVIDIA A100-SXM4-80GB"
    )
    assert sample("DCGM_FI_DEV_POWER_USAGE", "gpu-a01", "0").value == 645.011
    assert sample("DCGM_FI_PROF_GR_ENGINE_ACTIVE", "gpu-a02", "2").value == 0.0
    # Counters far beyond 2**32: read whole.
    energy = sample("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "gpu-a01", "0").value
    assert energy > 8e13 and energy == int(energy)


def test_prometheus_federation_output_is_read_with_its_timestamps():
    gpus = gpu_utilization_samples(fixture_text(CLUSTER_B))

    assert Counter(g.hostname for g in gpus) == {"gpu-b01": 8, "gpu-b02": 8}
    assert Counter(g.at for g in gpus) == {
        dt.datetime(2026, 11, 23, 13, 59, 51, 482000, tzinfo=dt.UTC): 8,
        dt.datetime(2026, 11, 23, 13, 59, 56, 907000, tzinfo=dt.UTC): 8,
    }
    assert gpus[0].timestamp_ms == 1795442391482
    sample = next(s for s in parse_exposition(fixture_text(CLUSTER_B)) if s.name == GPU_UTIL_METRIC)
    assert sample.labels["instance"] == "10.20.1.11:9400"
    assert sample.labels["cluster"] == "cluster-b"


# The format's corners, each in a few lines.


def test_label_values_unescape_backslash_quote_and_newline():
    text = (
        'DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-0",Hostname="rack \\"A\\" \\\\ node\\n2",'
        'note="{not, labels=\\"x\\"}"} 42\n'
    )

    (gpu,) = gpu_utilization_samples(text)
    (sample,) = parse_exposition(text)

    assert gpu.hostname == 'rack "A" \\ node\n2'
    assert sample.labels["note"] == '{not, labels="x"}'
    assert gpu.value == 42


def test_metrics_without_labels_and_with_timestamps_are_read():
    text = (
        "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
        "# TYPE process_resident_memory_bytes gauge\n"
        "process_resident_memory_bytes 4.2991616e+07 1795442396907\n"
        "dcgm_exporter_up 1\n"
        "go_gc_duration_seconds_sum -0.5E-3 -1000\n"
        f"{GOOD_GPU} 1795442396907\n"
    )

    samples = parse_exposition(text)

    assert [(s.name, s.labels, s.value, s.timestamp_ms, s.line) for s in samples] == [
        ("process_resident_memory_bytes", {}, 42991616.0, 1795442396907, 3),
        ("dcgm_exporter_up", {}, 1.0, None, 4),
        ("go_gc_duration_seconds_sum", {}, -0.0005, -1000, 5),
        (
            GPU_UTIL_METRIC,
            {"gpu": "0", "UUID": "GPU-0", "Hostname": "gpu-x01"},
            50.0,
            1795442396907,
            6,
        ),
    ]
    assert gpu_utilization_samples(text)[0].at == dt.datetime(
        2026, 11, 23, 13, 59, 56, 907000, tzinfo=dt.UTC
    )


def test_values_may_be_nan_infinite_or_in_exponent_form_outside_gpu_utilisation():
    values = ["NaN", "+Inf", "-Inf", "Inf", "1e3", "1.5E-3", ".5", "5.", "-0", "+7"]
    text = "\n".join(f"m{i} {v}" for i, v in enumerate(values))

    parsed = [s.value for s in parse_exposition(text)]

    assert math.isnan(parsed[0])
    assert parsed[1:] == [math.inf, -math.inf, math.inf, 1000.0, 0.0015, 0.5, 5.0, 0.0, 7.0]


def test_blanks_tabs_trailing_commas_empty_braces_and_crlf_are_accepted():
    text = (
        "\r\n"
        "  # a comment with leading blanks\r\n"
        "#TYPE DCGM_FI_DEV_GPU_UTIL gauge\r\n"
        # Old exporters put a blank after each comma.
        'DCGM_FI_DEV_GPU_UTIL{gpu="0", UUID="GPU-0"} 10\r\n'
        'DCGM_FI_DEV_GPU_UTIL { gpu = "1" ,\tUUID="GPU-1", }\t20   \r\n'
        "DCGM_FI_DEV_COUNT{} 2\r\n"
        "\r\n"
    )

    samples = parse_exposition(text)

    assert [(s.name, s.labels, s.value, s.line) for s in samples] == [
        (GPU_UTIL_METRIC, {"gpu": "0", "UUID": "GPU-0"}, 10.0, 4),
        (GPU_UTIL_METRIC, {"gpu": "1", "UUID": "GPU-1"}, 20.0, 5),
        ("DCGM_FI_DEV_COUNT", {}, 2.0, 6),
    ]


def test_a_gpu_is_its_host_and_uuid_or_else_its_host_and_index():
    text = "\n".join(
        [
            # The same index on two hosts: two GPUs.
            'DCGM_FI_DEV_GPU_UTIL{gpu="0",Hostname="gpu-x01"} 10',
            'DCGM_FI_DEV_GPU_UTIL{gpu="0",Hostname="gpu-x02"} 20',
            # MIG: one physical GPU, two GPU instances.
            'DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-1",GPU_I_ID="1",Hostname="gpu-x01"} 30',
            'DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-1",GPU_I_ID="2",Hostname="gpu-x01"} 40',
            # Relabelled in lower case.
            'DCGM_FI_DEV_GPU_UTIL{gpu="2",UUID="GPU-2",hostname="gpu-x03"} 50',
        ]
    )

    gpus = gpu_utilization_samples(text)

    assert [(g.hostname, g.gpu, g.uuid, g.gpu_instance, g.value) for g in gpus] == [
        ("gpu-x01", "0", "", "", 10.0),
        ("gpu-x02", "0", "", "", 20.0),
        ("gpu-x01", "1", "GPU-1", "1", 30.0),
        ("gpu-x01", "1", "GPU-1", "2", 40.0),
        ("gpu-x03", "2", "GPU-2", "", 50.0),
    ]


# Bad expositions: each bad line named, nothing half-read.


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-1"}', "expected a value after the labels."),
        ("DCGM_FI_DEV_COUNT", "expected a value after the metric name."),
        (
            'DCGM_FI_DEV_SM_CLOCK{gpu="1" UUID="GPU-1"} 1410',
            "expected “,” or “}” after the value of label gpu.",
        ),
        ('DCGM_FI_DEV_SM_CLOCK{gpu="1",UUID="GPU-1', "the value of label UUID is not closed"),
        ("DCGM_FI_DEV_SM_CLOCK{gpu=1} 1410", "the value of label gpu must be in double quotes."),
        ('DCGM_FI_DEV_SM_CLOCK{gpu="1",gpu="2"} 1410', "label gpu appears twice."),
        ('DCGM_FI_DEV_SM_CLOCK{9gpu="1"} 1410', "expected a label name or “}”"),
        ('DCGM_FI_DEV_SM_CLOCK{gpu:"1"} 1410', "expected “=” after the label name gpu."),
        (
            'DCGM_FI_DEV_SM_CLOCK{modelName="H100\\tSXM"} 1410',
            'label modelName has the escape “\\t”; only \\\\, \\" and \\n are allowed.',
        ),
        ('{gpu="1"} 1410', 'expected a metric name at “{gpu="1"} 1410”.'),
        ("DCGM-FI-DEV-SM-CLOCK 1410", "unexpected “-” after the metric name DCGM."),
        ('DCGM_FI_DEV_SM_CLOCK{gpu="1"} fast', "“fast” is not a number."),
        ('DCGM_FI_DEV_SM_CLOCK{gpu="1"} 1_410', "“1_410” is not a number."),
        ('DCGM_FI_DEV_SM_CLOCK{gpu="1"} 0x586', "“0x586” is not a number."),
        (
            'DCGM_FI_DEV_SM_CLOCK{gpu="1"} 1410 2026-11-23T14:00:00Z',
            "“2026-11-23T14:00:00Z” is not a timestamp in milliseconds.",
        ),
        (
            'DCGM_FI_DEV_SM_CLOCK{gpu="1"} 1410 1795442396907 # scraped',
            "unexpected “# scraped” after the timestamp.",
        ),
        ("# TYPE DCGM_FI_DEV_SM_CLOCK meter", "“meter” is not a metric type"),
        (
            "# TYPE DCGM_FI_DEV_SM_CLOCK",
            "TYPE DCGM_FI_DEV_SM_CLOCK must be followed by a metric type.",
        ),
        ("# HELP", "HELP must be followed by a metric name."),
        ("# TYPE 3d gauge", "TYPE must be followed by a metric name."),
        ("# HELP DCGM_FI_DEV_SM_CLOCK SM clock\\t(in MHz).", "the help text may only escape"),
        (
            'DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-1"} NaN',
            "GPU utilisation must be a finite number, not nan.",
        ),
        (
            'DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-1"} +Inf',
            "GPU utilisation must be a finite number, not inf.",
        ),
        (
            'DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-1"} 100.5',
            "GPU utilisation 100.5 is outside 0–100 %.",
        ),
        ('DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-1"} -1', "GPU utilisation -1 is outside 0–100 %."),
        # DCGM's "blank" value for a field the GPU cannot report.
        (
            'DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-1"} 9223372036854775794',
            "GPU utilisation 9.22337e+18 is outside 0–100 %.",
        ),
        (
            'DCGM_FI_DEV_GPU_UTIL{Hostname="gpu-x01"} 50',
            "a GPU utilisation sample needs a UUID or gpu label",
        ),
        (
            'DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-1"} 50 9999999999999999999',
            "the timestamp 9999999999999999999 is out of range.",
        ),
    ],
)
def test_a_malformed_line_is_refused_with_its_number(bad, message):
    (error,) = errors_of(with_bad_line_3(bad))

    assert error.line == 3
    assert message in error.message


def test_every_bad_line_is_named_not_only_the_first():
    lines = fixture_text(CLUSTER_A).split("\n")
    assert lines[6].startswith('DCGM_FI_DEV_SM_CLOCK{gpu="0"')
    lines[6] = lines[6].replace("} 1980", "}")
    assert lines[76].startswith('DCGM_FI_DEV_GPU_UTIL{gpu="0"')
    lines[76] = lines[76].replace("} 97", "} 970")
    lines[700] = lines[700].replace('gpu="', "gpu=", 1)

    errors = errors_of("\n".join(lines))

    assert [e.line for e in errors] == [7, 77, 701]


def test_a_scrape_cut_off_mid_line_is_refused_at_that_line():
    text = fixture_text(CLUSTER_A)
    cut = text.index('DCGM_FI_DEV_GPU_UTIL{gpu="4"', text.index("# ---- gpu-a03")) + 60

    (error,) = errors_of(text[:cut])

    assert error.line == text[:cut].count("\n") + 1
    assert "is not closed" in error.message


def test_the_same_gpu_twice_names_both_lines():
    text = fixture_text(CLUSTER_A)
    lines = text.split("\n")
    first = next(n for n, line in enumerate(lines, start=1) if line.startswith(GPU_UTIL_METRIC))
    copy = lines[first - 1].replace("} 97", "} 12")

    (error,) = errors_of(f"{text}{copy}\n")

    assert error.line == len(lines)
    assert error.message == (
        f"the same GPU (host gpu-a01, UUID GPU-d5b5002b-024d-4d0c-80e6-4168890e9b0b) "
        f"as line {first}."
    )


def test_the_same_gpu_index_twice_on_a_host_without_uuids_is_refused():
    text = (
        'DCGM_FI_DEV_GPU_UTIL{gpu="3",Hostname="h"} 1\nDCGM_FI_DEV_GPU_UTIL{gpu="3",Hostname="h"} 2'
    )

    (error,) = errors_of(text)

    assert error == LineError(2, "the same GPU (host h, gpu 3) as line 1.")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).\n", id="comments only"),
        pytest.param(
            "\n".join(
                line
                for line in fixture_text(CLUSTER_A).split("\n")
                if not line.startswith(GPU_UTIL_METRIC)
            ),
            id="exporter without the GPU_UTIL field",
        ),
    ],
)
def test_an_exposition_without_gpu_utilisation_is_refused_as_a_whole(text):
    (error,) = errors_of(text)

    assert error.line == 0
    assert error.message.startswith("The exposition has no DCGM_FI_DEV_GPU_UTIL samples")


def test_a_garbage_file_lists_the_first_hundred_bad_lines_and_counts_the_rest():
    text = "\n".join(["\x00\x01binary"] * (MAX_REPORTED_ERRORS + 50))

    errors = errors_of(text)

    assert [e.line for e in errors[:-1]] == list(range(1, MAX_REPORTED_ERRORS + 1))
    assert errors[-1] == LineError(0, "… and 50 more errors.")


def test_the_error_reads_line_by_line():
    with translation.override("en"):
        with pytest.raises(ExpositionError) as caught:
            parse_exposition('ok 1\nDCGM_FI_DEV_GPU_UTIL{gpu="0"}\nm 1 2 3')

        assert caught.value.lines() == [
            "line 2: expected a value after the labels.",
            "line 3: unexpected “3” after the timestamp.",
        ]


def test_a_long_run_of_digits_followed_by_junk_is_refused_at_once():
    """The value pattern matches each digit one way only, so a hostile token is refused
    in linear time (it once backtracked quadratically: 24 s for 40,000 digits)."""
    with translation.override("en"), pytest.raises(ExpositionError) as caught:
        parse_exposition('DCGM_FI_DEV_GPU_UTIL{gpu="0"} ' + "1" * 200_000 + "x\n")

    assert [e.line for e in caught.value.errors] == [1]
