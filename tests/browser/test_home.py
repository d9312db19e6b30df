"""The home page renders in a real browser."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import assert_no_exception, screenshot, wait_for_app


def test_home_renders(app_url: str, page) -> None:
    page.goto(app_url + "/")
    wait_for_app(page)
    screenshot(page, "home")

    assert_no_exception(page)
    assert "Activation Lab" in page.title()
    expect(page.locator("h1").first).to_contain_text("Activation Lab")
