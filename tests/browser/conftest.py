"""Browser tests: Playwright for Python drives Debian's Chromium against pytest-django's
live server (real HTTP into a real, committed database: PostgreSQL in CI).

One browser for the whole package; each page gets a fresh context (its own cookies, a
Japanese browser, downloads accepted), closed before the test's data is flushed.

Chromium is the system's (``apt-get install chromium``), never one Playwright downloads:
``$CHROMIUM_PATH``, else /usr/bin/chromium. Without it the tests are skipped, or fail
under REQUIRE_SERVICES=1 (as .ci/run sets). Screenshots (tests/browser/helpers.py) go to
``$ARTIFACTS_DIR/screenshots``, by default artifacts/screenshots, which CI keeps.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from django.core.signals import request_finished, request_started
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Response,
    expect,
    sync_playwright,
)

from jvtracker.roles import sync_role_groups
from tests.conftest import _missing

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1280, "height": 900}
# Hang detection only: how long an action or an expectation may wait before failing.
ACTION_TIMEOUT_MS = 10_000
EXPECT_TIMEOUT_MS = 5_000
# How long the test waits for the live server to finish the requests it is serving.
QUIET_TIMEOUT_S = 30


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Chromium, launched once for the package and closed after its last test.

    Package-scoped rather than session-scoped: while Playwright's sync API is started, an
    asyncio event loop counts as running in this thread, and every later test of the run
    would live under it (asyncio.run and async_to_sync refuse to work there).
    """
    executable = shutil.which(CHROMIUM_PATH)
    if executable is None:
        _missing(f"needs Chromium at {CHROMIUM_PATH} (apt-get install chromium, or CHROMIUM_PATH)")
    with pytest.MonkeyPatch.context() as patch:
        # Django's ORM refuses to run in a thread with a running event loop, taking it for
        # async code (SynchronousOnlyOperation). Playwright's sync API keeps one running
        # in this thread while the browser is open, yet the tests themselves are plain
        # synchronous code between browser steps: allow it, for as long as Playwright runs.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            expect.set_options(timeout=EXPECT_TIMEOUT_MS)
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()


@pytest.fixture(autouse=True)
def _role_groups(transactional_db) -> None:
    """The role groups and their permissions come from data migrations, which the flush
    after each transactional test empties: put them back before any user is created."""
    sync_role_groups()


@pytest.fixture
def new_page(browser, live_server, transactional_db) -> Iterator[Callable[[], Page]]:
    """Open a page in a context of its own, as a separate person's browser would be:
    Japanese, 1280×900, downloads accepted, relative URLs on the live server. Every
    context is closed after the test, before its data is flushed. A JavaScript error, a
    server error or a missing static file on any page fails the test."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def check(response: Response) -> None:
        if response.status >= 500 or (
            response.status == 404 and urlsplit(response.url).path.startswith("/static/")
        ):
            errors.append(f"{response.request.method} {response.url}: {response.status}")

    def open_page() -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            locale="ja-JP",
            viewport=VIEWPORT,
            accept_downloads=True,
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        # Nothing of ours serves an icon: keep Chromium's request for one off the server.
        context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        page.on("response", check)
        return page

    try:
        yield open_page
    finally:
        for context in contexts:
            context.close()
    assert not errors, "errors in the browser:\n" + "\n".join(errors)


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


@pytest.fixture
def quiet_server() -> Iterator[Callable[[], contextlib.AbstractContextManager[None]]]:
    """``with quiet_server():`` waits until the live server has finished every request it
    is serving and holds new ones at their start until the block ends.

    For database work in the test while a page keeps asking the server (a page polling a
    status): on SQLite the test database lives in memory and the live server shares the
    test's one connection, which two threads must not use at once (Django's
    LiveServerTestCase says the same). On PostgreSQL it only costs the wait. Request it
    before the page fixtures, so it counts every request the pages make.
    """
    condition = threading.Condition()
    state = {"serving": 0, "held": False}

    def started(**kwargs) -> None:
        with condition:
            condition.wait_for(lambda: not state["held"])
            state["serving"] += 1

    def finished(**kwargs) -> None:
        with condition:
            state["serving"] = max(0, state["serving"] - 1)
            condition.notify_all()

    @contextlib.contextmanager
    def quiet() -> Iterator[None]:
        with condition:
            state["held"] = True
            idle = condition.wait_for(lambda: state["serving"] == 0, timeout=QUIET_TIMEOUT_S)
        try:
            assert idle, f"the live server was still serving a request after {QUIET_TIMEOUT_S} s"
            yield
        finally:
            with condition:
                state["held"] = False
                condition.notify_all()

    request_started.connect(started, weak=False, dispatch_uid="browser-quiet-started")
    request_finished.connect(finished, weak=False, dispatch_uid="browser-quiet-finished")
    try:
        yield quiet
    finally:
        request_started.disconnect(dispatch_uid="browser-quiet-started")
        request_finished.disconnect(dispatch_uid="browser-quiet-finished")
        with condition:
            state["held"] = False
            condition.notify_all()
