"""The activations page renders in a real browser, in both languages and in projector mode."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import assert_no_exception, screenshot, wait_for_app, wait_for_rerun
from ui.strings import Translator

CHARTS = "[data-testid='stVegaLiteChart']"
# Tall enough that a full-page screenshot holds the whole tab (Streamlit scrolls inside).
TALL = {"width": 1400, "height": 1700}
# tab key -> charts it draws (before any button is pressed)
TAB_CHARTS = {"properties": 0, "softmax": 1, "linear": 1, "relu_units": 1, "maxout": 1}


def open_activations(page, app_url, query=""):
    page.set_viewport_size(TALL)
    page.goto(f"{app_url}/activations{query}")
    wait_for_app(page, settle_ms=800)
    assert_no_exception(page)


def test_activations_page_in_english_with_every_tab(app_url: str, page) -> None:
    t = Translator("en")
    open_activations(page, app_url)
    expect(page.locator("h1").first).to_contain_text(t("act_title"))
    expect(page.locator(CHARTS)).to_have_count(2)
    screenshot(page, "activations_en")

    for key, n_charts in TAB_CHARTS.items():
        page.get_by_role("tab", name=t(f"act_tab_{key}")).click()
        wait_for_rerun(page, settle_ms=600, start_timeout=700)
        assert_no_exception(page)
        expect(page.locator(CHARTS)).to_have_count(n_charts)
        if key == "relu_units":
            page.get_by_role("button", name=t("act_fit_button")).click()
            wait_for_rerun(page, settle_ms=600, start_timeout=700)
            assert_no_exception(page)
            expect(page.locator(CHARTS)).to_have_count(3)  # yours, the trained fit, the loss
            screenshot(page, "activations_tab_relu_units_fitted")


def test_activations_page_in_chinese(app_url: str, page) -> None:
    t = Translator("zh")
    open_activations(page, app_url, "?lang=zh")
    expect(page.locator("h1").first).to_contain_text(t("act_title"))
    expect(page.get_by_role("tab", name=t("act_tab_softmax"))).to_be_visible()
    expect(page.locator(CHARTS)).to_have_count(2)
    screenshot(page, "activations_zh")


def test_activations_page_in_projector_mode(app_url: str, page) -> None:
    open_activations(page, app_url, "?projector=true&act_names=relu,leaky_relu,gelu,swish,tanh")
    expect(page.locator(CHARTS)).to_have_count(2)
    screenshot(page, "activations_projector")
