"""The dead-ReLU page trains and draws its charts in a real browser, in both languages, in
projector mode and on a phone; the suggested lesson; and a return to the page shows the same
run."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    assert_no_exception,
    go_to,
    screenshot,
    wait_for_app,
    wait_for_rerun,
)
from ui.strings import Translator

EN = Translator("en")
CHART = "[data-testid='stVegaLiteChart']"
METRIC_VALUES = "[data-testid='stMetricValue']"
# The suggested lesson, as a teacher shares it: ReLU against leaky ReLU, units killed.
LESSON = "dead_lr=0.3&dead_bias=-0.5&dead_compare=true"
TALL = {"width": 1400, "height": 3400}
PHONE = {"width": 390, "height": 844}

# Dead fraction, accuracy and loss, then a heatmap and a histogram per trained run.
SINGLE_CHARTS, COMPARE_CHARTS = 5, 7


@pytest.mark.parametrize(
    ("query", "screen", "heading", "n_charts"),
    [
        ("", "dead_relu_en", "Dead ReLUs", SINGLE_CHARTS),
        (f"?lang=zh&{LESSON}", "dead_relu_zh", "死亡 ReLU", COMPARE_CHARTS),
        (f"?projector=true&{LESSON}", "dead_relu_projector", "Dead ReLUs", COMPARE_CHARTS),
    ],
)
def test_dead_relu_page_renders(app_url: str, page, query: str, screen: str, heading: str,
                                n_charts: int) -> None:
    # Streamlit scrolls inside its own container: a tall window puts the whole page on screen.
    page.set_viewport_size(TALL)
    page.goto(f"{app_url}/dead_relu{query}")
    wait_for_app(page, timeout=60_000)
    assert_no_exception(page)
    expect(page.locator("h1").first).to_contain_text(heading)
    # The chart component loads lazily: it can appear a moment after the script run ends.
    expect(page.locator(CHART)).to_have_count(n_charts)
    page.wait_for_timeout(800)  # let Vega finish drawing before the screenshot
    screenshot(page, screen)


def test_dead_relu_on_a_phone(app_url: str, page) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"{app_url}/dead_relu?{LESSON}")
    wait_for_app(page, timeout=60_000)
    assert_no_exception(page)
    expect(page.locator(CHART)).to_have_count(COMPARE_CHARTS)
    screenshot(page, "dead_relu_phone_top", full_page=False)
    metrics = page.get_by_text(EN("dead_metric_negative")).first
    metrics.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    screenshot(page, "dead_relu_phone_metrics", full_page=False)



def test_the_lesson_button_and_a_return_that_does_not_retrain(app_url: str, page) -> None:
    page.set_viewport_size(TALL)
    page.goto(f"{app_url}/dead_relu?dead_width=8")
    wait_for_app(page, timeout=60_000)
    page.get_by_role("button", name=EN("dead_lesson")).click()
    wait_for_rerun(page, timeout=60_000, settle_ms=1_000)
    assert_no_exception(page)
    expect(page.locator(CHART)).to_have_count(COMPARE_CHARTS)
    expect(page.get_by_text(EN("dead_status_current"))).to_be_visible()
    assert "dead_lr=0.3" in page.url and "dead_compare=true" in page.url  # shareable
    # ReLU's dead units and accuracy, then leaky ReLU's dead, accuracy, negative-side-only.
    shown = page.locator(METRIC_VALUES).all_inner_texts()
    assert shown[0] != "0 / 64" and shown[2] == "0 / 64" and len(shown) == 5
    screenshot(page, "dead_relu_lesson")

    go_to(page, "saturation")
    go_to(page, "dead_relu")
    expect(page.locator(CHART)).to_have_count(COMPARE_CHARTS)
    expect(page.get_by_text(EN("dead_status_current"))).to_be_visible()
    # The same run (that it is the same object, not trained again, is checked in
    # tests/test_persistence.py: a browser cannot tell a quick retraining from none).
    assert page.locator(METRIC_VALUES).all_inner_texts() == shown
