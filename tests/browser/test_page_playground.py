"""The MLP playground in a real browser: it renders in both languages and trains live."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.browser.helpers import assert_no_exception, screenshot, wait_for_app, wait_for_charts

CHART = "[data-testid='stVegaLiteChart']"
METRIC = "[data-testid='stMetricValue']"
TALL = {"width": 1400, "height": 2600}  # the whole page in one screenshot


def open_playground(page, app_url, query=""):
    page.set_viewport_size(TALL)
    page.goto(app_url + "/playground" + query)
    wait_for_app(page, settle_ms=700)
    assert_no_exception(page)
    expect(page.locator(CHART).first).to_be_visible(timeout=30_000)


def picture(page, locator):
    """Pixels of an element right now (an element screenshot would wait for it to stop moving)."""
    return page.screenshot(clip=locator.bounding_box())


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the page stopped updating"
        time.sleep(0.25)


def epoch_counter(page):
    """The value of the metric labelled "Epoch"."""
    epoch = page.locator("[data-testid='stMetric']").filter(has_text="Epoch").first
    return int(epoch.locator(METRIC).inner_text().replace(",", ""))


def test_playground_renders_in_english_chinese_and_projector_mode(app_url, page):
    open_playground(page, app_url, "?pg_dataset=spiral&pg_classes=3&pg_units_1=8&pg_units_2=8")
    wait_for_charts(page, 3)
    screenshot(page, "playground_en")

    open_playground(page, app_url, "?lang=zh&pg_view=network")
    expect(page.locator("h1").first).to_contain_text("MLP 训练场")
    screenshot(page, "playground_zh")

    open_playground(page, app_url, "?projector=true&pg_dataset=circles&pg_features=x1,x2,x1sq,x2sq")
    screenshot(page, "playground_projector")


def test_live_training_updates_while_the_page_answers(app_url, page):
    open_playground(page, app_url)
    boundary = page.locator(CHART).first
    before = picture(page, boundary)
    assert epoch_counter(page) == 0

    page.get_by_role("button", name="Play").click()
    wait_until(lambda: epoch_counter(page) > 0)
    first = epoch_counter(page)
    wait_until(lambda: epoch_counter(page) > first)  # still counting: training runs outside
    wait_until(lambda: picture(page, page.locator(CHART).first) != before)

    # A click while training runs is answered: the network diagram appears.
    page.get_by_role("radio", name="Network diagram").click()
    expect(page.get_by_text("Hover an edge for its weight")).to_be_visible(timeout=30_000)
    screenshot(page, "playground_training")
    assert epoch_counter(page) > first

    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible(timeout=30_000)
    assert_no_exception(page)
