"""Helpers for the real-browser (Playwright + Debian Chromium) tests.

Import them in a test module as ``from tests.browser.helpers import wait_for_app``.

Streamlit 1.67 puts both state attributes on the ``[data-testid='stApp']`` div:
``data-test-connection-state`` (``CONNECTED`` once the websocket is up) and
``data-test-script-state`` (``initial`` -> ``running`` -> ``notRunning``).
"""

from __future__ import annotations

from pathlib import Path

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
