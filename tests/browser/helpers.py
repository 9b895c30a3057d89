"""What the browser tests do over and over: sign in through the real form, save a
screenshot, read back a download."""

from __future__ import annotations

import io
import os
from pathlib import Path

from playwright.sync_api import Download, Page, expect

REPO_ROOT = Path(__file__).resolve().parents[2]
# The factories' password (tests/factories.py: UserFactory.password).
PASSWORD = "correct-horse-battery"
LOGIN_PATH = "/accounts/login/"
ADMIN_LOGIN_PATH = "/admin/login/"


def login(page: Page, username: str, *, password: str = PASSWORD, path: str = LOGIN_PATH) -> None:
    """Sign in through the login form at ``path`` (everyone's, or the admin's for staff)
    and wait until the page that follows shows the log-out button."""
    page.goto(path)
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("#login-form [type=submit]").click()
    expect(page.locator("#logout-form")).to_be_attached()


def artifacts_dir() -> Path:
    """``$ARTIFACTS_DIR`` (relative to the repository root), else ``artifacts/``: what a CI
    run keeps (.ci/run)."""
    path = Path(os.environ.get("ARTIFACTS_DIR") or "artifacts")
    return path if path.is_absolute() else REPO_ROOT / path


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as ``screenshots/<name>.png`` under the artifacts directory."""
    path = artifacts_dir() / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True)
    return path


def downloaded(download: Download) -> bytes:
    """The bytes of a finished download; fails the test if the download failed."""
    assert download.failure() is None, f"download of {download.url} failed: {download.failure()}"
    return Path(download.path()).read_bytes()


def assert_pdf(data: bytes) -> int:
    """``data`` is a PDF that pypdf reads; its page count."""
    from pypdf import PdfReader

    assert data[:5] == b"%PDF-", f"not a PDF: starts with {data[:16]!r}"
    pages = len(PdfReader(io.BytesIO(data)).pages)
    assert pages >= 1
    return pages
