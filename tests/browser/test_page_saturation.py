"""The gradient-saturation page in a real browser: English, Chinese, projector mode, a phone,
the brief training, and its results still there after leaving the page and coming back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    assert_no_exception,
    go_to,
    screenshot,
    wait_for_app,
    wait_for_charts,
    wait_for_rerun,
)
from ui.strings import Translator

EN = Translator("en")
CHART = "[data-testid='stVegaLiteChart']"
# Streamlit scrolls inside its own container, so a tall window is what shows the whole page.
TALL = {"width": 1400, "height": 3400}
PHONE = {"width": 390, "height": 844}
SMALL = "sat_depth=4&sat_width=32&sat_batch=128"


def reading_box(page):
    return page.locator("[data-testid='stAlertContentInfo']").filter(has_text="layers:").first


@pytest.mark.parametrize("name, query, lang", [
    ("en", "?sat_init=normal_1.0", "en"),  # tanh with std 1.0: the gradient explodes
    ("zh", "?lang=zh", "zh"),
    ("projector", "?projector=true&sat_activations=sigmoid,relu&sat_init=he", "en"),
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


def test_saturation_page_on_a_phone(app_url: str, page) -> None:
    page.set_viewport_size(PHONE)
    page.goto(app_url + "/saturation?sat_activations=sigmoid&sat_init=xavier")
    wait_for_app(page, timeout=60_000, settle_ms=1_500)
    assert_no_exception(page)
    wait_for_charts(page, 6)
    screenshot(page, "saturation_phone_top", full_page=False)
    box = reading_box(page)
    box.scroll_into_view_if_needed()
    expect(box).to_contain_text("vanishes")
    page.wait_for_timeout(500)
    screenshot(page, "saturation_phone_reading", full_page=False)



def test_training_survives_leaving_the_page_and_coming_back(app_url: str, page) -> None:
    page.set_viewport_size(TALL)
    page.goto(app_url + "/saturation?" + SMALL + "&sat_activations=sigmoid,relu&sat_init=he")
    wait_for_app(page, timeout=60_000)
    wait_for_charts(page, 8)  # forward and backward views, two activations
    page.get_by_role("button", name=EN("sat_train_button")).click()
    wait_for_rerun(page, timeout=60_000, settle_ms=1_500)
    assert_no_exception(page)
    expect(page.locator(CHART)).to_have_count(12)  # plus gradient norms, loss, 2 update ratios
    reading = reading_box(page).inner_text()
    screenshot(page, "saturation_training")

    go_to(page, "home")
    expect(page.locator(CHART)).to_have_count(0)
    go_to(page, "saturation")
    # The same charts, trained result included, without pressing anything: nothing was lost
    # (a changed setting would show "settings changed" instead) and nothing needs retraining.
    wait_for_charts(page, 12)
    expect(page.locator(CHART)).to_have_count(12)
    expect(page.get_by_text(EN("sat_train_stale"))).to_have_count(0)
    expect(page.get_by_text(EN("sat_train_prompt"))).to_have_count(0)
    assert reading_box(page).inner_text() == reading
    screenshot(page, "saturation_training_after_return")
