"""Helpers for the real-browser (Playwright + Debian Chromium) tests.

Import them in a test module as ``from tests.browser.helpers import wait_for_app``.

Streamlit 1.67 puts both state attributes on the ``[data-testid='stApp']`` div:
``data-test-connection-state`` (``CONNECTED`` once the websocket is up) and
``data-test-script-state`` (``initial`` -> ``running`` -> ``notRunning``).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
SCREENS_DIR = Path("/tmp/screens")
REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_START_TIMEOUT = 60.0  # seconds

CONNECTED = "[data-testid='stApp'][data-test-connection-state='CONNECTED']"
NOT_RUNNING = "[data-testid='stApp'][data-test-script-state='notRunning']"
RUNNING = "[data-testid='stApp'][data-test-script-state='running']"
EXCEPTION = "[data-testid='stException']"


def wait_for_app(page: Page, timeout: float = 30_000, settle_ms: int = 300) -> None:
    """Wait until the app is connected and its script run has finished, then settle.

    Call it after ``page.goto(...)``. ``timeout`` is in milliseconds, as in Playwright.
    The settle lets charts (Vega) and fonts finish drawing after the run ends.
    """
    page.wait_for_selector(CONNECTED, timeout=timeout)
    page.wait_for_selector(NOT_RUNNING, timeout=timeout)
    page.wait_for_timeout(settle_ms)


def wait_for_rerun(
    page: Page, timeout: float = 30_000, settle_ms: int = 300, start_timeout: float = 2_000
) -> None:
    """Wait for the rerun triggered by a widget interaction to finish.

    Right after a click the attribute may still say ``notRunning`` from the previous run,
    so first give the run a moment to start (it may also be over already), then wait for
    it to end. If no run is seen starting, this costs ``start_timeout`` ms.
    """
    try:
        page.wait_for_selector(RUNNING, timeout=start_timeout)
    except PlaywrightError:
        pass  # the rerun was too quick to observe, or there was none
    wait_for_app(page, timeout=timeout, settle_ms=settle_ms)


def assert_no_exception(page: Page) -> None:
    """Fail if the page shows a Streamlit exception box, with its text in the message."""
    boxes = page.locator(EXCEPTION)
    n = boxes.count()
    if n:
        texts = "\n---\n".join(boxes.all_inner_texts())
        raise AssertionError(f"page shows {n} Streamlit exception(s):\n{texts}")
    expect(boxes).to_have_count(0)


SIDEBAR_LINKS = "[data-testid='stSidebar'] [data-testid='stPageLink'] a"


def go_to(page: Page, key: str) -> None:
    """Click the sidebar's link to the page ``key`` (a ``ui.frame.PAGES`` key), as a student
    does, and wait for that page's run."""
    from ui.frame import HOME, PAGES

    page.locator(SIDEBAR_LINKS).nth(list(PAGES).index(key)).click()
    # The address changes once the server has answered with the new page: until then a Back
    # would leave the page the test came from (so wait for it), and another address means the
    # click landed on another link (a full suite once saw /backprop after a click here).
    path = "/" if key == HOME else f"/{key}"
    expect(page).to_have_url(re.compile(rf"^[^?]*{re.escape(path)}(\?|$)"), timeout=60_000)
    wait_for_rerun(page, timeout=60_000, settle_ms=800)
    assert_no_exception(page)


def screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    """Save a PNG to /tmp/screens/<name>.png for humans to look at; return its path."""
    SCREENS_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


CHART = "[data-testid='stVegaLiteChart']"


def wait_for_charts(page: Page, at_least: int, timeout: float = 30_000) -> None:
    """Wait until at least ``at_least`` charts are in the page.

    Streamlit loads its chart component lazily, so a finished script run does not mean every
    chart element exists yet; counting right after ``wait_for_app`` is flaky.
    """
    page.wait_for_function(
        "([selector, n]) => document.querySelectorAll(selector).length >= n",
        arg=[CHART, at_least], timeout=timeout,
    )


# --- the app server --------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, n: int = 60) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError as exc:
        return f"(could not read {path}: {exc})"
    return "\n".join(lines[-n:])


def _health(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.read().decode(errors="replace").strip()
    except (urllib.error.URLError, OSError):
        return None


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


@contextlib.contextmanager
def running_app() -> Iterator[str]:
    """``streamlit run app.py`` on a free loopback port, healthy; yields its base URL and stops
    the whole process group afterwards."""
    if not (REPO_ROOT / "app.py").is_file():
        pytest.fail(f"no app.py at the repo root {REPO_ROOT}")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_fd, log_name = tempfile.mkstemp(prefix="streamlit-", suffix=".log")
    log_path = Path(log_name)
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
    ]
    with os.fdopen(log_fd, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group, so the teardown kills all of it
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"streamlit exited with code {proc.returncode} before answering health;"
                    f" log {log_path}:\n{_tail(log_path)}"
                )
            if _health(f"{base}/_stcore/health") == "ok":
                break
            if time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit did not answer {base}/_stcore/health within"
                    f" {SERVER_START_TIMEOUT:.0f} s; log {log_path}:\n{_tail(log_path)}"
                )
            time.sleep(0.25)
        yield base
    finally:
        _stop(proc)
