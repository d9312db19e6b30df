"""The backprop page in a real browser: its graphs render with Streamlit's own Graphviz (no
system Graphviz), stay readable in projector mode and on a phone, and the place in a backward
pass survives a reload; in English and Chinese, and from a tampered link."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import assert_no_exception, screenshot, wait_for_app, wait_for_rerun
from ui.strings import Translator

GRAPHS = "[data-testid='stGraphVizChart'] svg:visible"
TALL = {"width": 1400, "height": 1800}  # a full-page screenshot holds a whole section
PHONE = {"width": 390, "height": 2400}  # a phone's width; tall, for the same reason
# Rendered height of a label's line box, in CSS pixels (about 1.3 × the font size): what a
# reader sees, after Streamlit has fitted the drawing to its column.
READABLE_ON_A_PHONE = 12
READABLE_ON_A_PROJECTOR = 17

EN, ZH = Translator("en"), Translator("zh")

# For every visible drawing: [its width, its boxes and circles, its smallest label height].
MEASURE = """svgs => svgs.map(svg => {
  const heights = [...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect().height);
  return [svg.getBoundingClientRect().width, svg.querySelectorAll('g.node').length,
          Math.min(...heights)];
})"""


def open_backprop(page, app_url, query="", viewport=TALL, graphs=True):
    page.set_viewport_size(viewport)
    page.goto(f"{app_url}/backprop{query}")
    wait_for_app(page, settle_ms=800)
    assert_no_exception(page)
    if graphs:  # Graphviz lays out in the browser (WebAssembly) after the run has ended
        page.locator(GRAPHS).first.wait_for(timeout=30_000)


def graph_text(page):
    return " ".join(page.locator(GRAPHS).all_text_contents())


def click(page, name):
    page.get_by_role("button", name=name, exact=True).click()
    wait_for_rerun(page, settle_ms=600, start_timeout=700)
    assert_no_exception(page)


def test_stepping_the_shopping_graph_and_a_reload_keeps_the_step(app_url: str, page) -> None:
    open_backprop(page, app_url)
    expect(page.locator("h1").first).to_contain_text(EN("page_backprop"))
    expect(page.locator(GRAPHS)).to_have_count(1)  # the wide drawing; the phone's is hidden
    assert "grad ?" in graph_text(page) and "data 220" in graph_text(page)
    click(page, EN("bp_button_next"))
    expect(page.get_by_text("Step 1 of 2:")).to_be_visible()
    assert "grad 1.1" in graph_text(page) and "grad 200" in graph_text(page)
    click(page, EN("bp_button_all"))
    assert "grad ?" not in graph_text(page) and "grad 2.2" in graph_text(page)
    expect(page.get_by_text(EN("bp_shop_result"))).to_be_visible()
    screenshot(page, "backprop_en_shopping_done")
    click(page, EN("bp_button_back"))
    assert "bp_shop_step=1" in page.url
    page.reload()  # a new session: the place comes back from the URL
    wait_for_app(page, settle_ms=800)
    page.locator(GRAPHS).first.wait_for()
    expect(page.get_by_text("Step 1 of 2:")).to_be_visible()
    assert "grad ?" in graph_text(page) and "grad 1.1" in graph_text(page)


def test_the_chinese_network_section_steps_layer_by_layer(app_url: str, page) -> None:
    open_backprop(page, app_url, "?lang=zh&bp_lesson=network")
    expect(page.get_by_role("tab", name=ZH("bp_tab_network"))).to_have_attribute(
        "aria-selected", "true")
    assert "梯度 ?" in graph_text(page)
    for _ in range(2):
        click(page, ZH("bp_button_next"))
    expect(page.get_by_text("第 2 步（共 4 步）")).to_be_visible()
    screenshot(page, "backprop_zh_network_step2")
    click(page, ZH("bp_button_all"))
    assert "梯度 ?" not in graph_text(page) and "Softmax-with-Loss" in graph_text(page)
    expect(page.get_by_text(ZH("bp_net_checks"))).to_be_visible()


def test_graphs_stay_readable_in_projector_mode(app_url: str, page) -> None:
    open_backprop(page, app_url, "?projector=true&bp_lesson=network&bp_net_step=4"
                                 "&bp_shop_graph=apples_oranges")
    page.get_by_test_id("stTabs").locator("summary").click()  # the network of scalar nodes
    page.wait_for_timeout(1500)
    measured = page.locator(GRAPHS).evaluate_all(MEASURE)
    assert len(measured) == 2
    layers, values = measured
    assert values[1] >= 30  # every weight, product and sum its own node
    for _, _, smallest_label in measured:
        assert smallest_label >= READABLE_ON_A_PROJECTOR, measured
    screenshot(page, "backprop_projector_network")
    page.get_by_role("tab", name=EN("bp_tab_shopping")).click()  # the link's other graph
    wait_for_rerun(page, settle_ms=800, start_timeout=700)
    page.locator(GRAPHS).first.wait_for()
    (_, nodes, smallest_label), = page.locator(GRAPHS).evaluate_all(MEASURE)
    assert nodes == 9 + 4 and smallest_label >= READABLE_ON_A_PROJECTOR  # values, operations
    screenshot(page, "backprop_projector_shopping")


def test_graphs_stay_readable_on_a_phone(app_url: str, page) -> None:
    open_backprop(page, app_url, "?bp_shop_graph=apples_oranges&bp_shop_step=4", PHONE)
    page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
    page.wait_for_timeout(800)
    (width, _, smallest_label), = page.locator(GRAPHS).evaluate_all(MEASURE)
    assert width <= PHONE["width"] and smallest_label >= READABLE_ON_A_PHONE
    assert page.locator(".st-key-bp_tall_shop [data-testid='stGraphVizChart'] svg").is_visible()
    screenshot(page, "backprop_phone_shopping")
    page.get_by_role("tab", name=EN("bp_tab_network")).click()
    wait_for_rerun(page, settle_ms=800, start_timeout=700)
    page.get_by_test_id("stTabs").locator("summary").click()
    page.wait_for_timeout(1500)
    for _, _, smallest_label in page.locator(GRAPHS).evaluate_all(MEASURE):
        assert smallest_label >= READABLE_ON_A_PHONE  # drawn at its size, scrolling sideways
    screenshot(page, "backprop_phone_network")


def test_a_tampered_link_gives_messages(app_url: str, page) -> None:
    open_backprop(page, app_url, "?bp_lesson=relu&bp_relu_x=1,abc;2,3&bp_shop_step=99",
                  graphs=False)
    alerts = " ".join(page.get_by_test_id("stAlert").all_inner_texts())
    assert "99" in alerts and "4" in alerts  # the clamped step
    assert EN("bp_problem_not_number", name="x", cell="abc", row=1, column=2) in alerts
    screenshot(page, "backprop_tampered")


def test_timing_backprop_against_finite_differences(app_url: str, page) -> None:
    open_backprop(page, app_url, "?bp_lesson=speed", graphs=False)
    click(page, EN("bp_speed_run"))
    metrics = page.get_by_test_id("stMetricValue")
    expect(metrics).to_have_count(3)
    assert metrics.nth(2).inner_text().startswith("×")
    expect(page.locator("[data-testid='stVegaLiteChart']")).to_have_count(1)
    screenshot(page, "backprop_speed")
