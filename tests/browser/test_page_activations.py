"""The activations page renders in a real browser, in both languages, in projector mode and on
a phone, including the fit of the ReLU units, the zero-centred descents and the PyTorch code."""

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

CHARTS = "[data-testid='stVegaLiteChart']"
# Tall enough that a full-page screenshot holds the whole tab (Streamlit scrolls inside).
TALL = {"width": 1400, "height": 1700}
# Playwright's expect waits 5 s by default; a loaded 2-core machine can take longer to draw.
SLOW = 30_000
# tab key -> charts it draws (before any button is pressed)
TAB_CHARTS = {"properties": 0, "zero_centred": 2, "softmax": 1, "linear": 1, "relu_units": 1,
              "maxout": 1}


def open_activations(page, app_url, query="", viewport=TALL):
    page.set_viewport_size(viewport)
    page.goto(f"{app_url}/activations{query}")
    wait_for_app(page, settle_ms=800)
    assert_no_exception(page)
    collapse = page.locator("[data-testid='stSidebarCollapseButton'] button")
    if viewport["width"] < 640 and collapse.is_visible():
        collapse.click()  # on a phone the open sidebar covers the page, as a student closes it
        page.wait_for_timeout(400)


def fit_units(page, t):
    """Press "Fit it for me" and wait for the sliders and the comparison to be drawn."""
    expect(page.get_by_text("0.2746")).to_be_visible(timeout=SLOW)  # the error before the fit
    page.get_by_role("button", name=t("act_fit_button")).click()
    page.mouse.move(0, 0)  # no tooltip over the screenshot
    wait_for_rerun(page, settle_ms=800, start_timeout=1_500)
    assert_no_exception(page)
    wait_for_charts(page, 2)  # yours and, apart, the bigger network for comparison
    # the sliders now show the fit, and the error is the student's own curve at the fit
    expect(page.locator(".st-key-act_unit_0_w")).to_contain_text("0.95", timeout=SLOW)
    expect(page.locator("[data-testid='stMetricValue']").first).to_have_text("0.0054",
                                                                             timeout=SLOW)


def test_activations_page_in_english_with_every_tab(app_url: str, page) -> None:
    t = Translator("en")
    open_activations(page, app_url)
    expect(page.locator("h1").first).to_contain_text(t("act_title"))
    expect(page.locator(CHARTS)).to_have_count(2, timeout=SLOW)
    screenshot(page, "activations_en")

    for key, n_charts in TAB_CHARTS.items():
        page.get_by_role("tab", name=t(f"act_tab_{key}")).click()
        wait_for_rerun(page, settle_ms=600, start_timeout=700)
        assert_no_exception(page)
        expect(page.locator(CHARTS)).to_have_count(n_charts, timeout=SLOW)
        if key == "relu_units":
            fit_units(page, t)
            screenshot(page, "activations_tab_relu_units_fitted")
        if key == "zero_centred":
            screenshot(page, "activations_tab_zero_centred")


def open_tab(page, t, key, n_charts):
    page.get_by_role("tab", name=t(f"act_tab_{key}")).click()
    wait_for_rerun(page, settle_ms=600, start_timeout=700)
    assert_no_exception(page)
    wait_for_charts(page, n_charts)


# One visit per case: the link opens the ReLU tab and sets the code shown and GELU's switch
# (and, in projector mode, five activations), then the tabs are clicked as a student would.
LINK = "act_lesson=relu_units&act_code_name=gelu&act_gelu_approximate=true"


@pytest.mark.parametrize("name, query, viewport", [
    ("zh", "?lang=zh&", TALL),
    ("projector", "?projector=true&act_names=relu,leaky_relu,gelu,swish,tanh&",
     {"width": 1400, "height": 2000}),
    ("phone", "?", {"width": 390, "height": 2400}),
])
def test_the_page_in_chinese_in_projector_mode_and_on_a_phone(
        app_url: str, page, name: str, query: str, viewport: dict) -> None:
    t = Translator("zh" if name == "zh" else "en")
    open_activations(page, app_url, query + LINK, viewport)
    expect(page.locator("h1").first).to_contain_text(t("act_title"))
    fit_units(page, t)
    screenshot(page, f"activations_relu_units_fitted_{name}")
    open_tab(page, t, "zero_centred", 2)
    expect(page.get_by_text(t("act_zc_chart_sigmoid"))).to_be_visible(timeout=SLOW)
    screenshot(page, f"activations_zero_centred_{name}")
    open_tab(page, t, "properties", 0)
    expect(page.get_by_text('F.gelu(x, approximate="tanh")')).to_be_visible(timeout=SLOW)
    screenshot(page, f"activations_pytorch_{name}")
    open_tab(page, t, "compare", 2)
    screenshot(page, f"activations_{name}")
