"""Fixtures for the real-browser tests: one `streamlit run` server and one Chromium per session.

Every test in this folder is marked ``browser`` automatically. These tests need Debian's
``/usr/bin/chromium`` (``.ci/run`` installs it); without it they FAIL, they do not skip.
Never run ``playwright install``: it downloads a browser, and this workplace cannot.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, running_app

_BROWSER_DIR = Path(__file__).resolve().parent
# Playwright's expect() waits 5 s by default. The suite runs on two workers on two cores, each
# with its own server and browser, and a page that trains or draws many charts can take longer
# than that there; a real failure still fails, 20 s later.
expect.set_options(timeout=20_000)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees every collected item of the session: mark only the ones in this folder.
    for item in items:
        if _BROWSER_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """Start ``streamlit run app.py`` once for the whole session; yield its base URL."""
    with running_app() as base:
        yield base


@pytest.fixture(scope="session")
def browser():  # -> playwright.sync_api.Browser
    """One headless Debian Chromium for the whole session, driven by Playwright."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: browser tests need Debian's chromium"
            " (`apt-get install chromium fonts-noto-cjk`, as .ci/run does)."
            " Do not run `playwright install`."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):  # -> playwright.sync_api.Page
    """A fresh context and page per test (no cookies or session state shared between tests)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    try:
        yield pg
    finally:
        context.close()
