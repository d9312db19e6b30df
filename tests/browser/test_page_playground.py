"""The MLP playground in a real browser: the board (diagram with unit maps next to the output
plot), live training at a chosen speed, a weight edited and a unit added from the diagram, in
English, Chinese, projector mode and on a phone. Screenshots go to /tmp/screens."""

from __future__ import annotations

import json
import time

from playwright.sync_api import expect

from tests.browser.helpers import (
    assert_no_exception,
    screenshot,
    wait_for_app,
    wait_for_rerun,
)
from ui.frame import PAGES
from ui.strings import Translator

EN, ZH = Translator("en"), Translator("zh")
BOARD = ".st-key-pg_board"  # the board chart's container (its widget key)
METRIC = "[data-testid='stMetricValue']"
PHONE_AGENT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
               "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")


def open_playground(page, app_url, query="", size=(1400, 1000)):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(app_url + "/playground" + query)
    wait_for_app(page, timeout=60_000, settle_ms=700)
    assert_no_exception(page)
    expect(page.locator(f"{BOARD} [data-testid='stVegaLiteChart']")).to_be_visible(
        timeout=30_000)
    page.wait_for_function(  # the node maps are drawn (Vega loads them as images)
        """s => [...document.querySelectorAll(s + ' svg image')].filter(i =>
            (i.getAttribute('href') || i.getAttribute('xlink:href') || '')
            .startsWith('data:image/png')).length > 5""", arg=BOARD, timeout=30_000)


def wait_until(condition, timeout=45.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the page stopped updating"
        time.sleep(0.25)


def epoch_counter(page, t=EN):
    epoch = page.locator("[data-testid='stMetric']").filter(has_text=t("pg_metric_epoch")).first
    return int(epoch.locator(METRIC).inner_text().replace(",", ""))


def board_box(page):
    return page.locator(f"{BOARD} [data-testid='stVegaLiteChart']").bounding_box()


def test_play_pause_and_speed(app_url, page):
    open_playground(page, app_url, "?pg_speed=3")
    assert epoch_counter(page) == 0
    page.get_by_role("button", name=EN("pg_play")).click()
    wait_until(lambda: epoch_counter(page) >= 3)
    started = time.monotonic()
    first = epoch_counter(page)
    wait_until(lambda: epoch_counter(page) >= first + 3)
    paced = (epoch_counter(page) - first) / (time.monotonic() - started)
    assert paced < 6  # about 3 epochs a second: the class can watch (server load only slows)
    # Faster while it runs: "max" (the select slider's last stop, by keyboard).
    slider = page.locator(".st-key-pg_speed input[type='range']")
    slider.focus()
    page.keyboard.press("End")
    wait_for_rerun(page, timeout=60_000)
    fast_from = epoch_counter(page)
    wait_until(lambda: epoch_counter(page) >= fast_from + 40)
    screenshot(page, "playground_training")
    page.get_by_role("button", name=EN("pg_pause")).click()
    expect(page.get_by_role("button", name=EN("pg_play"))).to_be_visible(timeout=30_000)
    paused = epoch_counter(page)
    page.wait_for_timeout(1500)
    assert epoch_counter(page) == paused  # paused means paused
    assert_no_exception(page)


def test_hover_click_an_edge_edit_its_weight_and_add_a_unit(app_url, page):
    open_playground(page, app_url)
    box = board_box(page)
    # Where the diagram draws things: its own data (the edges' pixel coordinates) plus the
    # view's offset, found from the first node's image element.
    first_node = page.locator(f"{BOARD} svg image").first.bounding_box()
    nodes = page.evaluate("""s => [...document.querySelectorAll(s + ' svg image')]
        .map(i => i.getBoundingClientRect()).map(r => [r.x + r.width / 2, r.y + r.height / 2])""",
                          BOARD)
    assert len(nodes) >= 7 + 16 + 2
    # Hover a hidden unit: its map fills the output plot (no rerun: the browser does it).
    unit = nodes[7 + 2]
    page.mouse.move(*unit)
    expect(page.locator(f"{BOARD} svg").get_by_text(
        EN("pg_node_hidden", layer=1, unit=3), exact=True).last).to_be_visible(timeout=10_000)
    screenshot(page, "playground_hover", full_page=False)
    page.mouse.move(box["x"] + 5, box["y"] + 5)
    # Click the edge from x1 (the first input node) to unit 1 of layer 1, half-way along.
    x1, unit1 = nodes[0], nodes[7]
    half = first_node["width"] / 2
    page.mouse.click((x1[0] + half + unit1[0] - half) / 2, (x1[1] + unit1[1]) / 2)
    weight = page.locator(".st-key-pg_edge_value input")
    expect(weight).to_be_visible(timeout=30_000)
    label = EN("pg_edge_weight", source="x₁", target=EN("pg_node_hidden", layer=1, unit=1))
    expect(page.locator(".st-key-pg_edge_box")).to_contain_text(label)
    weight.fill("2.5")
    weight.press("Enter")
    expect(page.locator(".st-key-pg_edge_box")).to_contain_text("2.5000", timeout=30_000)
    screenshot(page, "playground_edit_weight")
    # + next to layer 1: a unit more, drawn as a node more in the diagram.
    page.locator(".st-key-pg_unit_1_add button").click()
    wait_for_rerun(page, timeout=60_000)
    expect(page.get_by_text(EN("pg_structure_units", layer=1, units=9))).to_be_visible()
    page.wait_for_function(
        "s => document.querySelectorAll(s + ' svg image').length >= 7 + 17 + 2", arg=BOARD)
    assert "pg_units_1=9" in page.url
    assert_no_exception(page)


def test_chinese_projector_and_phone_screenshots(app_url, page, browser):
    open_playground(page, app_url, "?lang=zh&pg_dataset=tf_spiral&pg_show_test=true")
    expect(page.locator("h1").first).to_contain_text(ZH("page_playground"))
    expect(page.get_by_text(ZH("pg_header_inputs"), exact=True).first).to_be_visible()
    screenshot(page, "playground_zh", full_page=False)
    # Streamlit's own uploader texts, translated by the page (CSS replaces them).
    weights = page.locator(".st-key-pg_weights_file [data-testid='stFileUploaderDropzone']")
    weights.scroll_into_view_if_needed()
    after = weights.locator("[data-testid='stFileUploaderDropzoneInstructions'] > div").evaluate(
        "e => getComputedStyle(e, '::after').content")
    assert json.loads(after) == f"{ZH('pg_uploader_limit')} • NPZ"
    screenshot(page, "playground_zh_uploader", full_page=False)

    open_playground(page, app_url, "?projector=true&pg_dataset=tf_circle", size=(1920, 1080))
    box = board_box(page)
    assert box["x"] + box["width"] <= 1920  # nothing cut off on the right
    # Waited for, not read once: projector mode's style may be drawn a moment after the board.
    page.wait_for_function(
        "() => parseFloat(getComputedStyle("
        "document.querySelector(\"[data-testid='stCaptionContainer']\")).fontSize) >= 18",
        timeout=20_000)  # as expect() waits in this suite (conftest)
    screenshot(page, "playground_projector", full_page=False)

    phone = browser.new_context(viewport={"width": 390, "height": 844}, user_agent=PHONE_AGENT,
                                is_mobile=True, has_touch=True)
    try:
        small = phone.new_page()
        open_playground(small, app_url, size=(390, 844))
        expect(small.locator("[data-testid='stSidebar']")).to_have_attribute(
            "data-collapsed", "true")  # collapsed: the page has the whole screen
        play = small.get_by_role("button", name=EN("pg_play")).bounding_box()
        assert play["y"] + play["height"] < 844  # Play on the first screen
        board = board_box(small)
        assert board["x"] >= 0 and board["x"] + board["width"] <= 390  # nothing clipped
        assert board["y"] - (play["y"] + play["height"]) < 400  # the board right after Play
        screenshot(small, "playground_phone", full_page=False)
        small.locator(BOARD).scroll_into_view_if_needed()
        small.wait_for_timeout(500)
        screenshot(small, "playground_phone_board", full_page=False)
    finally:
        phone.close()


def test_a_running_training_keeps_running_on_other_pages(app_url, page):
    open_playground(page, app_url, "?pg_speed=10")
    page.get_by_role("button", name=EN("pg_play")).click()
    wait_until(lambda: epoch_counter(page) >= 3)
    left_at = epoch_counter(page)
    page.locator("[data-testid='stSidebar'] [data-testid='stPageLink'] a").nth(
        list(PAGES).index("saturation")).click()
    wait_for_rerun(page, timeout=60_000)
    expect(page.locator("h1").first).to_contain_text(EN("page_saturation"))
    page.wait_for_timeout(3000)
    page.locator("[data-testid='stSidebar'] [data-testid='stPageLink'] a").nth(
        list(PAGES).index("playground")).click()
    wait_for_rerun(page, timeout=60_000)
    expect(page.get_by_role("button", name=EN("pg_pause"))).to_be_visible(timeout=30_000)
    back_at = epoch_counter(page)
    assert back_at >= left_at + 10  # it trained on while the student was away
    wait_until(lambda: epoch_counter(page) > back_at)  # and is still live on the page
    page.get_by_role("button", name=EN("pg_pause")).click()
    expect(page.get_by_role("button", name=EN("pg_play"))).to_be_visible(timeout=30_000)
    assert_no_exception(page)
