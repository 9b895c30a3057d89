"""The GPU-utilisation scrape: one measurement of the cluster's mean per scrape, from text, a
file or a real HTTP exporter, through the one ingest service; and the two commands."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone, translation

from kpis.choices import BatchSource
from kpis.models import IngestBatch, Measurement, MonthlyValue
from kpis.scrape import (
    ExporterUnreachable,
    gpu_utilization_scrape_file,
    gpu_utilization_scrape_text,
    gpu_utilization_scrape_url,
)
from kpis.services import IngestRejected, MeasurementRow, RowError, measurements_ingest
from tests.factories import KPIDefinitionFactory, PMOUserFactory, PolicyUserFactory
from tests.kpis.dcgm_helpers import (
    CLUSTER_A,
    CLUSTER_A_MEAN,
    CLUSTER_B,
    CLUSTER_B_MEAN,
    CLUSTER_B_SCRAPED,
    FIXTURES,
    SCRAPED_AT,
    TOKYO,
    LocalExporter,
    fixture_text,
    gpu_kpi,
    refused_url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def kpi():
    return gpu_kpi()


@pytest.fixture
def exporter():
    with LocalExporter() as server:
        yield server


def scrape(text: str, *, cluster: str = "cluster-a", now: dt.datetime = SCRAPED_AT, **options):
    return gpu_utilization_scrape_text(
        text=text, cluster=cluster, source_name="metrics.prom", now=now, **options
    )


def rejected(call, *args, **kwargs) -> IngestRejected:
    with translation.override("en"), pytest.raises(IngestRejected) as caught:
        call(*args, **kwargs)
    return caught.value


def nothing_stored() -> bool:
    return not IngestBatch.objects.exists() and not Measurement.objects.exists()


# From text.


def test_the_mean_over_every_gpu_is_stored_as_one_measurement_of_the_cluster(kpi):
    result = scrape(fixture_text(CLUSTER_A))

    measurement = Measurement.objects.get()
    assert measurement.kpi == kpi
    assert measurement.subject == "cluster-a"
    assert measurement.start == SCRAPED_AT and measurement.end is None
    assert measurement.value == pytest.approx(CLUSTER_A_MEAN)
    assert measurement.batch == result.batch
    assert (result.created, result.gpus, result.hosts) == (True, 24, 3)
    assert (result.value, result.at, result.cluster) == (measurement.value, SCRAPED_AT, "cluster-a")
    batch = result.batch
    assert (batch.source, batch.row_count, batch.file_name) == (
        BatchSource.SCRAPE,
        1,
        "metrics.prom",
    )
    assert batch.submitted_by is None and batch.organization == kpi.owner
    month = MonthlyValue.objects.get(kpi=kpi, subject="cluster-a")
    assert month.month == dt.date(2026, 11, 1) and month.value == pytest.approx(CLUSTER_A_MEAN)


def test_the_same_scrape_again_is_recognised_and_not_stored_twice(kpi):
    first = scrape(fixture_text(CLUSTER_A))

    again = scrape(fixture_text(CLUSTER_A))

    assert again.created is False
    assert again.batch == first.batch
    assert Measurement.objects.count() == 1


def test_the_same_text_scraped_later_is_a_new_measurement(kpi):
    scrape(fixture_text(CLUSTER_A))

    later = scrape(fixture_text(CLUSTER_A), now=SCRAPED_AT + dt.timedelta(minutes=15))

    assert later.created is True
    assert sorted(Measurement.objects.values_list("start", flat=True)) == [
        SCRAPED_AT,
        SCRAPED_AT + dt.timedelta(minutes=15),
    ]


def test_a_federated_exposition_is_measured_when_prometheus_scraped_it(kpi):
    result = scrape(fixture_text(CLUSTER_B), cluster="cluster-b")
    # The same file imported again an hour later is still the same measurement.
    again = scrape(
        fixture_text(CLUSTER_B), cluster="cluster-b", now=SCRAPED_AT + dt.timedelta(hours=1)
    )

    measurement = Measurement.objects.get()
    assert measurement.start == CLUSTER_B_SCRAPED
    assert measurement.value == pytest.approx(CLUSTER_B_MEAN)
    assert (result.gpus, result.hosts) == (16, 2)
    assert again.created is False and again.batch == result.batch


def test_an_empty_cluster_records_the_whole_fleet(kpi):
    result = scrape(fixture_text(CLUSTER_A), cluster="")

    assert Measurement.objects.get().subject == ""
    assert result.cluster == ""


def test_a_pmo_scrape_is_recorded_for_the_kpi_owner_by_that_user(kpi):
    pmo = PMOUserFactory()

    result = scrape(fixture_text(CLUSTER_A), actor=pmo)

    assert result.batch.submitted_by == pmo
    assert result.batch.organization == kpi.owner


def test_policy_staff_may_not_record_a_scrape(kpi):
    with pytest.raises(PermissionDenied):
        scrape(fixture_text(CLUSTER_A), actor=PolicyUserFactory())

    assert nothing_stored()


def test_a_malformed_exposition_stores_nothing_and_names_each_bad_line(kpi):
    lines = fixture_text(CLUSTER_A).split("\n")
    lines[76] = lines[76].replace("} 97", "} 970")
    lines[100] = lines[100].rsplit(" ", 1)[0]

    error = rejected(scrape, "\n".join(lines))

    assert error.numbering == "line"
    assert error.errors == [
        RowError(77, "exposition", "GPU utilisation 970 is outside 0–100 %."),
        RowError(101, "exposition", "expected a value after the labels."),
    ]
    assert error.lines() == [
        "line 77, exposition: GPU utilisation 970 is outside 0–100 %.",
        "line 101, exposition: expected a value after the labels.",
    ]
    assert nothing_stored()


def test_without_the_gpu_utilization_kpi_the_scrape_is_refused_plainly():
    error = rejected(scrape, fixture_text(CLUSTER_A))

    assert error.errors == [
        RowError(
            0,
            "kpi",
            "There is no KPI with the code “gpu_utilization” to store GPU utilisation in; "
            "create it first.",
        )
    ]
    assert nothing_stored()


def test_a_gpu_kpi_kept_in_another_unit_refuses_the_scrape():
    gpu_kpi(unit="count")

    error = rejected(scrape, fixture_text(CLUSTER_A))

    assert error.errors[0].field == "unit"
    assert nothing_stored()


def test_a_scrape_stamped_in_the_future_is_refused(kpi):
    error = rejected(scrape, fixture_text(CLUSTER_B), now=CLUSTER_B_SCRAPED - dt.timedelta(hours=1))

    assert error.errors[0].field == "start"
    assert "in the future" in error.message
    assert nothing_stored()


# From a file.


def test_a_saved_file_is_stored_under_its_name(kpi):
    result = gpu_utilization_scrape_file(
        path=FIXTURES / CLUSTER_A, cluster="cluster-a", now=SCRAPED_AT
    )

    assert result.batch.file_name == CLUSTER_A
    assert Measurement.objects.get().value == pytest.approx(CLUSTER_A_MEAN)


def test_a_missing_file_is_refused(kpi, tmp_path):
    error = rejected(gpu_utilization_scrape_file, path=tmp_path / "none.prom", cluster="a")

    assert error.errors[0].message.startswith("Could not read ")
    assert "No such file or directory" in error.errors[0].message


# From a real HTTP server.


def test_an_exporter_url_is_fetched_over_http_and_stored_under_its_url(kpi, exporter):
    url = exporter.serve("/metrics", fixture_text(CLUSTER_A))

    result = gpu_utilization_scrape_url(url=url, cluster="cluster-a", now=SCRAPED_AT)

    assert exporter.requests == ["/metrics"]
    assert exporter.headers[0]["Accept"] == "text/plain; version=0.0.4"
    assert result.batch.file_name == url
    assert (result.gpus, result.hosts) == (24, 3)
    assert Measurement.objects.get().value == pytest.approx(CLUSTER_A_MEAN)


def test_credentials_in_the_url_are_sent_as_basic_auth_and_never_stored(kpi, exporter):
    url = exporter.serve("/metrics", fixture_text(CLUSTER_A))
    with_credentials = url.replace("http://", "http://scraper:s%40cret@")

    result = gpu_utilization_scrape_url(url=with_credentials, cluster="a", now=SCRAPED_AT)

    sent = exporter.headers[0]["Authorization"]
    assert base64.b64decode(sent.removeprefix("Basic ")) == b"scraper:s@cret"
    assert result.batch.file_name == url


def test_credentials_are_not_passed_on_to_another_host_on_redirect(kpi, exporter):
    with LocalExporter() as elsewhere:
        target = elsewhere.serve("/metrics", fixture_text(CLUSTER_A))
        url = exporter.serve("/metrics", "", status=307, headers={"Location": target})

        gpu_utilization_scrape_url(
            url=url.replace("http://", "http://scraper:secret@"), cluster="a", now=SCRAPED_AT
        )

    assert "Authorization" in exporter.headers[0]
    assert "Authorization" not in elsewhere.headers[0]


def test_an_exporter_without_the_kpi_is_not_even_asked(exporter):
    url = exporter.serve("/metrics", fixture_text(CLUSTER_A))

    rejected(gpu_utilization_scrape_url, url=url, cluster="a")

    assert exporter.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "ftp://exporter.example/metrics",
        'data:text/plain,DCGM_FI_DEV_GPU_UTIL{gpu="0"} 50',
        "gopher://exporter.example:70/metrics",
        "127.0.0.1:9400/metrics",
        "http:///metrics",
        "http://127.0.0.1:99999/metrics",
    ],
)
def test_only_http_and_https_urls_are_scraped(kpi, url):
    error = rejected(gpu_utilization_scrape_url, url=url, cluster="a")

    assert not isinstance(error, ExporterUnreachable)  # not worth retrying
    assert error.errors[0].message.startswith("Only http:// and https:// exporter URLs")
    assert nothing_stored()


def test_a_file_url_is_refused_even_for_a_readable_exposition(kpi, tmp_path):
    path = tmp_path / "metrics.prom"
    path.write_text(fixture_text(CLUSTER_A), encoding="utf-8")

    error = rejected(gpu_utilization_scrape_url, url=path.as_uri(), cluster="a")

    assert error.errors[0].message == (
        f"Only http:// and https:// exporter URLs can be scraped, not “{path.as_uri()}”."
    )
    assert nothing_stored()


@pytest.mark.parametrize("status", [500, 503, 404])
def test_an_http_error_is_a_clear_error_naming_the_url_and_stores_nothing(kpi, exporter, status):
    url = exporter.serve("/metrics", "upstream unavailable\n", status=status)

    with translation.override("en"), pytest.raises(ExporterUnreachable) as caught:
        gpu_utilization_scrape_url(url=url, cluster="a")

    assert caught.value.lines() == [
        f"Could not scrape the exporter at {url}: it answered HTTP {status}."
    ]
    assert nothing_stored()


def test_an_exporter_that_refuses_the_connection_is_a_clear_error(kpi):
    url = refused_url()

    with translation.override("en"), pytest.raises(ExporterUnreachable) as caught:
        gpu_utilization_scrape_url(url=url, cluster="a")

    assert caught.value.errors[0].message.startswith(f"Could not scrape the exporter at {url}: ")
    assert "refused" in caught.value.errors[0].message.lower()
    assert nothing_stored()


def test_a_redirect_to_another_http_path_is_followed(kpi, exporter):
    exporter.serve("/metrics", fixture_text(CLUSTER_A))
    old = exporter.serve("/old", "", status=302, headers={"Location": exporter.url("/metrics")})

    result = gpu_utilization_scrape_url(url=old, cluster="a", now=SCRAPED_AT)

    assert exporter.requests == ["/old", "/metrics"]
    assert result.gpus == 24


def test_a_redirect_to_a_file_url_is_refused(kpi, exporter, tmp_path):
    target = (tmp_path / "metrics.prom").as_uri()
    url = exporter.serve("/metrics", "", status=302, headers={"Location": target})

    error = rejected(gpu_utilization_scrape_url, url=url, cluster="a")

    assert error.errors[0].message == (
        f"{url} redirected to “{target}”; only http and https are followed."
    )
    assert nothing_stored()


@pytest.mark.parametrize("content_length", [True, False], ids=["declared", "streamed"])
def test_an_answer_larger_than_the_cap_is_refused(kpi, exporter, monkeypatch, content_length):
    monkeypatch.setattr("kpis.scrape.MAX_EXPOSITION_BYTES", 10_000)
    url = exporter.serve("/metrics", fixture_text(CLUSTER_A), content_length=content_length)

    error = rejected(gpu_utilization_scrape_url, url=url, cluster="a")

    assert error.errors[0].message == (
        f"{url} is larger than 10,000 bytes; is it really one scrape?"
    )
    assert nothing_stored()


def test_an_answer_that_is_not_utf8_is_refused(kpi, exporter):
    url = exporter.serve(
        "/metrics", 'DCGM_FI_DEV_GPU_UTIL{gpu="0",modelName="Té"} 50'.encode("latin-1")
    )

    error = rejected(gpu_utilization_scrape_url, url=url, cluster="a")

    assert error.errors[0].message == (
        f"{url} is not UTF-8 text, as the exposition format requires."
    )
    assert nothing_stored()


# manage.py scrape_gpu_utilization


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command(command, *args, stdout=out)
    return out.getvalue()


def command_error(command: str, *args: str) -> str:
    with translation.override("en"), pytest.raises(CommandError) as caught:
        call_command(command, *args, stdout=io.StringIO())
    return str(caught.value)


def test_the_command_stores_a_file_and_says_what_it_stored(kpi):
    output = run(
        "scrape_gpu_utilization", "--file", str(FIXTURES / CLUSTER_A), "--cluster", "cluster-a"
    )

    measurement = Measurement.objects.get()
    at = timezone.localtime(measurement.start, TOKYO)
    assert output == (
        f"Stored batch #{measurement.batch_id}: gpu_utilization [cluster-a] "
        f"{at:%Y-%m-%d %H:%M} JST = 71.3 % (24 GPUs on 3 hosts)\n"
    )
    assert measurement.subject == "cluster-a"
    assert abs(measurement.start - timezone.now()) < dt.timedelta(minutes=5)


def test_the_command_says_when_the_same_scrape_was_already_stored(kpi):
    path = str(FIXTURES / CLUSTER_B)

    first = run("scrape_gpu_utilization", "--file", path, "--cluster", "cluster-b")
    second = run("scrape_gpu_utilization", "--file", path, "--cluster", "cluster-b")

    batch = IngestBatch.objects.get()
    measurement = "gpu_utilization [cluster-b] 2026-11-23 22:59 JST = 52.3 % (16 GPUs on 2 hosts)"
    assert first == f"Stored batch #{batch.pk}: {measurement}\n"
    assert second == f"Already stored as batch #{batch.pk}: {measurement}; nothing new.\n"


@override_settings(KPI_GPU_CLUSTER="cluster-z")
def test_the_cluster_defaults_to_the_setting(kpi):
    output = run("scrape_gpu_utilization", "--file", str(FIXTURES / CLUSTER_B))

    assert "gpu_utilization [cluster-z] " in output
    assert Measurement.objects.get().subject == "cluster-z"


@override_settings(KPI_GPU_CLUSTER="")
def test_without_a_cluster_the_command_records_the_whole_fleet(kpi):
    output = run("scrape_gpu_utilization", "--file", str(FIXTURES / CLUSTER_B))

    assert "Stored batch" in output and ": gpu_utilization 2026-11-23 22:59 JST = 52.3 %" in output
    assert Measurement.objects.get().subject == ""


def test_the_command_scrapes_a_url(kpi, exporter):
    url = exporter.serve("/metrics", fixture_text(CLUSTER_A))

    output = run("scrape_gpu_utilization", "--url", url, "--cluster", "cluster-a")

    assert re.fullmatch(
        r"Stored batch #\d+: gpu_utilization \[cluster-a\] \S+ \S+ JST = 71\.3 % "
        r"\(24 GPUs on 3 hosts\)\n",
        output,
    )
    assert IngestBatch.objects.get().file_name == url


def test_the_command_lists_each_bad_line_and_stores_nothing(kpi, tmp_path):
    lines = fixture_text(CLUSTER_A).split("\n")
    lines[76] = lines[76].replace("} 97", "} NaN")
    lines[330] = lines[330].replace('{gpu="', "{gpu=", 1)
    path = tmp_path / "cluster-a.prom"
    path.write_text("\n".join(lines), encoding="utf-8")

    message = command_error("scrape_gpu_utilization", "--file", str(path))

    assert message.split("\n") == [
        f"Nothing was stored from {path}:",
        "line 77, exposition: GPU utilisation must be a finite number, not nan.",
        "line 331, exposition: the value of label gpu must be in double quotes.",
    ]
    assert nothing_stored()


def test_the_command_reports_an_http_500_and_stores_nothing(kpi, exporter):
    url = exporter.serve("/metrics", "boom", status=500)

    message = command_error("scrape_gpu_utilization", "--url", url)

    assert message == (
        f"Nothing was stored from {url}:\n"
        f"Could not scrape the exporter at {url}: it answered HTTP 500."
    )
    assert nothing_stored()


def test_the_command_never_prints_the_password_of_an_exporter_url(kpi, exporter):
    url = exporter.serve("/metrics", "boom", status=500)

    message = command_error("scrape_gpu_utilization", "--url", url.replace("//", "//u:secret@"))

    assert "secret" not in message
    assert message.startswith(f"Nothing was stored from {url}:\n")


def test_the_command_refuses_a_file_url(kpi):
    message = command_error("scrape_gpu_utilization", "--url", (FIXTURES / CLUSTER_A).as_uri())

    assert "Only http:// and https:// exporter URLs can be scraped" in message
    assert nothing_stored()


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([], id="neither"),
        pytest.param(["--file", "a.prom", "--url", "http://127.0.0.1:9400/metrics"], id="both"),
    ],
)
def test_the_command_takes_exactly_one_source(kpi, args):
    message = command_error("scrape_gpu_utilization", *args)

    assert "--file" in message and "--url" in message


# manage.py rebuild_monthly_values


def _monthly() -> dict[tuple[str, str, dt.date], tuple[float, int]]:
    return {
        (m.kpi.code, m.subject, m.month): (m.value, m.samples)
        for m in MonthlyValue.objects.select_related("kpi")
    }


@pytest.fixture
def two_kpis_with_history(kpi):
    cost = KPIDefinitionFactory(code="inference_cost", unit="jpy_per_1k_tokens", direction="lower")
    rows = []
    for month in (9, 10, 11):
        for day, value in ((3, 60.0), (17, 80.0)):
            at = dt.datetime(2026, month, day, 9, 0, tzinfo=TOKYO)
            rows.append((kpi, "cluster-a", at, value + month))
            rows.append((kpi, "cluster-b", at, value - month))
            rows.append((cost, "", at, 0.4 + month / 100))
    measurements_ingest(
        rows=[
            MeasurementRow(number=i, kpi=k.code, value=v, unit=k.unit, start=at, subject=s)
            for i, (k, s, at, v) in enumerate(rows, start=1)
        ],
        source=BatchSource.API,
        actor=None,
        organization=kpi.owner,
        now=SCRAPED_AT,
    )
    return kpi, cost


def test_rebuild_restores_deleted_monthly_values_to_the_same_values(two_kpis_with_history):
    before = _monthly()
    assert len(before) == 3 * 3  # three months of three series
    MonthlyValue.objects.all().delete()

    output = run("rebuild_monthly_values")

    assert _monthly() == before
    assert output == "gpu_utilization: 6 monthly values\ninference_cost: 3 monthly values\n"


def test_rebuild_of_one_kpi_leaves_the_others_alone(two_kpis_with_history):
    before = _monthly()
    MonthlyValue.objects.all().delete()

    output = run("rebuild_monthly_values", "--kpi", "inference_cost")

    assert _monthly() == {key: value for key, value in before.items() if key[0] == "inference_cost"}
    assert output == "inference_cost: 3 monthly values\n"


def test_rebuild_of_an_unknown_kpi_is_an_error(kpi):
    assert command_error("rebuild_monthly_values", "--kpi", "gpu_utilisation") == (
        "Unknown KPI code “gpu_utilisation”."
    )
