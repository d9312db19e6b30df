"""The dead-ReLU page trains and draws its charts in a real browser, in both languages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_no_exception, screenshot, wait_for_app

CHART = "[data-testid='stVegaLiteChart']"
# A link a teacher might share: ReLU against leaky ReLU at a learning rate that kills units.
COMPARE = "dead_lr=0.3&dead_compare=true"


# Dead fraction, accuracy and loss, then a heatmap and a histogram per trained run.
SINGLE_CHARTS, COMPARE_CHARTS = 5, 7


@pytest.mark.parametrize(
    ("query", "screen", "heading", "n_charts"),
    [
        ("", "dead_relu_en", "Dead ReLUs", SINGLE_CHARTS),
        ("?lang=zh", "dead_relu_zh", "死亡 ReLU", SINGLE_CHARTS),
        (f"?projector=true&{COMPARE}", "dead_relu_projector", "Dead ReLUs", COMPARE_CHARTS),
    ],
)
def test_dead_relu_page_renders(app_url: str, page, query: str, screen: str, heading: str,
                                n_charts: int) -> None:
    # Streamlit scrolls inside its own container: a tall window puts the whole page on screen.
    page.set_viewport_size({"width": 1400, "height": 3400})
    page.goto(f"{app_url}/dead_relu{query}")
    wait_for_app(page)
    assert_no_exception(page)
    expect(page.locator("h1").first).to_contain_text(heading)
    # The chart component loads lazily: it can appear a moment after the script run ends.
    expect(page.locator(CHART)).to_have_count(n_charts)
    page.wait_for_timeout(500)  # let Vega finish drawing before the screenshot
    screenshot(page, screen)
