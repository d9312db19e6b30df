"""The teacher's setup survives page switches, Back/Forward and a reload, in a real browser.

(AppTest keeps every widget's state across ``switch_page``; a browser session does not unless
the app keeps it, so this is where page switches are really tested.)
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import (
    go_to,
    screenshot,
    wait_for_app,
    wait_for_rerun,
)
from ui.strings import Translator

EN = Translator("en")
SMALL = "sat_width=64&sat_batch=128"



def slider(page, key: str):
    return page.locator(f".st-key-{key} input[type='range']")


def slider_value(page, key: str) -> str:
    return slider(page, key).get_attribute("value")


def expect_slider(page, key: str, value: str) -> None:
    """The slider shows ``value``, retried for the suite's expect timeout: a read right after a
    navigation may still see the run before the page's settings were restored (seen once in a
    full suite on a busy machine)."""
    expect(slider(page, key)).to_have_attribute("value", value)


def move_slider_to(page, key: str, target: int) -> None:
    """Step a slider with the arrow keys, as a keyboard user does, until it shows ``target``.

    The page may still be laying out its charts (and take the focus away) right after it
    loads, so each step re-focuses the slider and checks what it shows."""
    for _ in range(40):
        value = int(slider_value(page, key))
        if value == target:
            break
        slider(page, key).focus()
        page.keyboard.press("ArrowRight" if value < target else "ArrowLeft")
        page.wait_for_timeout(250)
    wait_for_rerun(page, timeout=60_000)
    expect_slider(page, key, str(target))


def epoch_metric(page):
    metric = page.locator("[data-testid='stMetric']").filter(has_text=EN("pg_metric_epoch"))
    return metric.locator("[data-testid='stMetricValue']")


def test_settings_and_a_trained_model_survive_page_switches(app_url: str, page) -> None:
    page.goto(f"{app_url}/saturation?{SMALL}")
    wait_for_app(page, timeout=60_000)
    move_slider_to(page, "sat_depth", 12)

    go_to(page, "playground")
    for _ in range(3):
        page.get_by_role("button", name=EN("pg_step")).click()
        wait_for_rerun(page, timeout=60_000)
    expect(page.locator("[data-testid='stMetricValue']").first).to_have_text("3")

    go_to(page, "saturation")
    expect_slider(page, "sat_depth", "12")
    expect(page).to_have_url(re.compile(r"[?&]sat_depth=12\b"))  # the URL says where it is

    go_to(page, "home")
    go_to(page, "playground")
    expect(epoch_metric(page)).to_have_text("3")  # the same model, not a fresh one at epoch 0
    screenshot(page, "persistence_playground_back")


def test_back_forward_and_reload_land_where_the_student_was(app_url: str, page) -> None:
    page.goto(f"{app_url}/saturation?{SMALL}&sat_depth=7")
    wait_for_app(page, timeout=60_000)
    go_to(page, "dead_relu")
    page.go_back()
    wait_for_app(page, timeout=60_000)
    expect(page).to_have_url(re.compile("/saturation"))
    expect(page.locator("h1").first).to_contain_text(EN("page_saturation"))
    expect_slider(page, "sat_depth", "7")
    page.go_forward()
    wait_for_app(page, timeout=60_000)
    expect(page.locator("h1").first).to_contain_text(EN("page_dead_relu"))
    page.go_back()
    wait_for_app(page, timeout=60_000)
    page.reload()  # a new session, from the URL alone
    wait_for_app(page, timeout=60_000)
    expect_slider(page, "sat_depth", "7")
    expect_slider(page, "sat_width", "64")
