"""The gradient-saturation page in a real browser: English, Chinese, projector mode, training."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    assert_no_exception,
    screenshot,
    wait_for_app,
    wait_for_charts,
    wait_for_rerun,
)
from ui.strings import Translator

CHART = "[data-testid='stVegaLiteChart']"
# Streamlit scrolls inside its own container, so a tall window is what shows the whole page.
TALL = {"width": 1400, "height": 3400}


@pytest.mark.parametrize("name, query, lang", [
    ("en", "", "en"),
    ("zh", "?lang=zh", "zh"),
    ("projector", "?projector=true&sat_activations=sigmoid,relu&sat_init=xavier", "en"),
])
def test_saturation_page_renders(app_url: str, page, name: str, query: str, lang: str) -> None:
    page.set_viewport_size(TALL)
    page.goto(app_url + "/saturation" + query)
    wait_for_app(page, timeout=60_000, settle_ms=1_500)
    assert_no_exception(page)
    expect(page.locator("h1").first).to_contain_text(Translator(lang)("page_saturation"))
    wait_for_charts(page, 6)
    expect(page.locator(CHART).first).to_be_visible()
    screenshot(page, f"saturation_{name}")


def test_saturation_training_in_the_browser(app_url: str, page) -> None:
    page.set_viewport_size(TALL)
    page.goto(app_url + "/saturation?sat_depth=4&sat_width=32&sat_batch=128")
    wait_for_app(page, timeout=60_000)
    expect(page.locator(CHART)).to_have_count(6)  # forward and backward views, one activation
    page.get_by_role("button", name=Translator("en")("sat_train_button")).click()
    wait_for_rerun(page, timeout=60_000, settle_ms=1_500)
    assert_no_exception(page)
    expect(page.locator(CHART)).to_have_count(9)  # plus gradient norms, loss, update ratios
    screenshot(page, "saturation_training")
