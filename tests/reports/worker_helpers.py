"""Real processes for the worker tests: a private Redis server, a Celery worker started as
a subprocess, and the app of that worker.

The worker is started with ``-A tests.reports.worker_helpers`` so it loads the project's
own Celery app plus one test seam: with PAUSE_MARKER_ENV set, the first render in the
worker's pool (across restarts, as the marker is a file) pauses after WeasyPrint has
produced the PDF and before it is stored, having written the pool child's pid to the
marker. The test then knows the render is mid-way, which child runs it, and kills it there:
no race with a render that might already have finished, and nothing faked (the worker,
broker, database and WeasyPrint are all real; the pause only holds the render still).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import kombu.pools
from celery.signals import worker_process_init

# The worker subprocess loads this module as its app (-A), so it finds ``app`` here.
from jvtracker.celery import app

ROOT = Path(__file__).resolve().parents[2]
PAUSE_MARKER_ENV = "JVTRACKER_TEST_PAUSE_MARKER"
PAUSE_SECONDS = 120


@worker_process_init.connect
def _pause_first_render(**kwargs) -> None:
    """In a pool child of the worker subprocess: pause the first render (see above)."""
    marker = os.environ.get(PAUSE_MARKER_ENV)
    if not marker:
        return
    import reports.rendering

    render_pdf = reports.rendering.render_pdf

    def render_then_pause(html: str):
        rendered = render_pdf(html)
        try:
            descriptor = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return rendered  # not the first render: carry on
        os.write(descriptor, str(os.getpid()).encode())
        os.close(descriptor)
        time.sleep(PAUSE_SECONDS)  # the test kills this process meanwhile
        return rendered

    reports.rendering.render_pdf = render_then_pause


# ------------------------------------------------------------------------ waiting


def wait_until(condition: Callable[[], object], *, timeout: float, what: str, log=None):
    """Poll ``condition`` until it returns something truthy, which is returned; fail the
    test (with the worker's log, if given) after ``timeout`` seconds. The timeout only
    detects a hang: nothing is asserted about how long it took."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            details = f"\n--- worker log ---\n{log.tail()}" if log is not None else ""
            raise AssertionError(f"timed out after {timeout} s waiting for {what}{details}")
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ------------------------------------------------------------------------- Redis


class PrivateRedis:
    """A redis-server of the test's own, on a free port, without persistence, that the
    test may stop and start again on the same port."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process: subprocess.Popen | None = None

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def client(self):
        import redis

        return redis.Redis(port=self.port, socket_connect_timeout=1)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self.ping, timeout=10, what=f"redis-server on port {self.port}")

    def freeze(self) -> None:
        """SIGSTOP: connections are still accepted (by the kernel), nothing is answered,
        as with a broker that hangs or a network that drops packets without resetting."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        self.process = None


# ------------------------------------------------------------------- Celery worker


def worker_database_url() -> str:
    """The URL of the database this test runs against (pytest-django's test database),
    for a worker process to connect to."""
    from django.db import connection

    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


class WorkerLog:
    def __init__(self, path: Path) -> None:
        self.path = path

    def text(self) -> str:
        return self.path.read_text(errors="replace") if self.path.exists() else ""

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.text().splitlines()[-lines:])


class WorkerProcess:
    """``celery worker`` as a subprocess (prefork, one child), in a session of its own so
    the worker and every pool child it forks can be killed together."""

    def __init__(
        self,
        *,
        broker_url: str,
        queue: str,
        private_media: Path,
        log_path: Path,
        pause_marker: Path | None = None,
        settings: dict[str, str] | None = None,
    ) -> None:
        self.broker_url = broker_url
        self.settings = settings or {}
        self.queue = queue
        self.private_media = private_media
        self.log = WorkerLog(log_path)
        self.pause_marker = pause_marker
        self.name = f"reports-test-{uuid.uuid4().hex[:8]}@%h"
        self.process: subprocess.Popen | None = None
        self._log_file = None

    def environment(self) -> dict[str, str]:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "jvtracker.settings.test",
            "DATABASE_URL": worker_database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            "PRIVATE_MEDIA_ROOT": str(self.private_media),
            "PYTHONUNBUFFERED": "1",
            **self.settings,
        }
        environment.pop(PAUSE_MARKER_ENV, None)
        if self.pause_marker is not None:
            environment[PAUSE_MARKER_ENV] = str(self.pause_marker)
        return environment

    def start(self) -> None:
        self._log_file = self.log.path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery",
                "-A", "tests.reports.worker_helpers",
                "worker",
                "--pool=prefork", "--concurrency=1",
                "-Q", self.queue,
                "-n", self.name,
                "--without-heartbeat", "--without-gossip", "--without-mingle",
                "-l", "info",
            ],
            cwd=ROOT,
            env=self.environment(),
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def children(self) -> list[int]:
        """The pool's child processes, read from /proc."""
        found = []
        for task in Path(f"/proc/{self.pid}/task").glob("*"):
            with contextlib.suppress(OSError):
                found += [int(pid) for pid in (task / "children").read_text().split()]
        return found

    def session_processes(self) -> list[int]:
        """Every live process of the worker's session: the worker and what it forked."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[3]) == self.pid and fields[0] != "Z":  # session id; not a zombie
                    found.append(int(stat.parent.name))
        return found

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the worker and its pool children at once, as a crash would."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Kill whatever is left of the worker's session and wait until it is gone; safe
        to call twice."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
            # Anything of the session that left the process group is killed by pid.
            for pid in self.session_processes():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            wait_until(lambda: not self.session_processes(), timeout=10, what="the worker to die")
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


def process_exists(pid: int) -> bool:
    """True while ``pid`` runs (a zombie awaiting its parent counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def parent_pid(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


# ------------------------------------------------------------- the test's own app


def _forget_connections() -> None:
    """Drop what Celery built from the previous config (broker pools, queues and routes);
    it caches them on first use and has no public reset."""
    kombu.pools.reset()
    app._pool = None
    app.__dict__.pop("amqp", None)


@contextlib.contextmanager
def publishing_to(broker_url: str, queue: str) -> Iterator[None]:
    """This process's Celery app publishes to ``broker_url``, queue ``queue``, for real
    (not eagerly); restored afterwards."""
    overrides = {
        # Celery prefers the CELERY_BROKER_URL environment variable to broker_url, but
        # not to the read and write URLs, which the connections are made from.
        "broker_url": broker_url,
        "broker_read_url": broker_url,
        "broker_write_url": broker_url,
        "task_always_eager": False,
        "task_default_queue": queue,
    }
    saved = {key: app.conf[key] for key in overrides}
    app.conf.update(overrides)
    _forget_connections()
    try:
        yield
    finally:
        app.conf.update(saved)
        _forget_connections()
