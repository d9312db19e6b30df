"""Multipage navigation in a real browser: deep links (also as a fresh server's first visitor),
page links that carry language and projector mode, and lesson links that hide controls."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import (
    SIDEBAR_LINKS,
    assert_no_exception,
    running_app,
    screenshot,
    wait_for_app,
    wait_for_rerun,
)
from ui.frame import PAGES
from ui.strings import LESSONS, Translator

ZH = Translator("zh")


def expect_projector_type(page) -> None:
    # Retried rather than read once: the style sits in Streamlit's event container, which the
    # browser may draw a moment after the headings (a one-shot read failed once in CI with 16px
    # on a fresh server's first visit, while every element above was already there).
    expect(page.locator("html")).to_have_css("font-size", "20px")


def test_a_deep_link_is_a_fresh_servers_first_visit(browser) -> None:
    # A freshly started server must route /dead_relu through st.navigation (the frame, the
    # sidebar, the language of the link), with no "Page not found" dialog over it (Streamlit's
    # first session on a project with a pages/ folder starts in its old multipage mode: see
    # ui.frame.first_visit), and the visitor's next clicks must work as on any later visit.
    with running_app() as url:
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.goto(url + "/dead_relu?lang=zh&projector=true")
        wait_for_app(page, timeout=60_000, settle_ms=1_000)
        assert_no_exception(page)
        expect(page.locator("[role='dialog']")).to_have_count(0)
        expect(page.locator("h1").first).to_contain_text(ZH("page_dead_relu"))
        expect(page.locator(SIDEBAR_LINKS)).to_have_count(len(PAGES))
        expect_projector_type(page)
        page.locator(SIDEBAR_LINKS).nth(list(PAGES).index("saturation")).click()
        wait_for_rerun(page, timeout=60_000)
        assert "/saturation" in page.url and "lang=zh" in page.url
        expect(page.locator("h1").first).to_contain_text(ZH("page_saturation"))
        expect(page.locator("[role='dialog']")).to_have_count(0)
        page.context.close()


def test_every_lesson_has_its_url(app_url: str, page) -> None:
    for lesson in LESSONS:
        page.goto(f"{app_url}/{lesson}")
        wait_for_app(page, timeout=60_000)
        assert_no_exception(page)
        expect(page.locator("h1").first).to_contain_text(Translator("en")(f"page_{lesson}"))


def test_page_links_carry_language_and_projector_mode(app_url: str, page) -> None:
    page.goto(app_url + "/?lang=zh&projector=true")
    wait_for_app(page)
    page.locator(SIDEBAR_LINKS).nth(list(PAGES).index("playground")).click()
    wait_for_rerun(page, timeout=60_000)
    assert_no_exception(page)
    assert "/playground?" in page.url and "lang=zh" in page.url and "projector=true" in page.url
    expect(page.locator("h1").first).to_contain_text(ZH("page_playground"))
    expect_projector_type(page)
    # And the home page's own cards lead to the lessons.
    page.locator(SIDEBAR_LINKS).first.click()
    wait_for_rerun(page)
    page.get_by_role("link", name=f"{ZH('home_open')}: {ZH('page_saturation')}").click()
    wait_for_rerun(page, timeout=60_000)
    assert "/saturation" in page.url
    expect(page.locator("h1").first).to_contain_text(ZH("page_saturation"))


def test_a_lesson_link_hides_its_controls_and_keeps_its_values(app_url: str, page) -> None:
    page.goto(app_url + "/saturation?sat_depth=12&sat_width=64&sat_batch=128&lock=sat_depth")
    wait_for_app(page, timeout=60_000)
    assert_no_exception(page)
    expect(page.locator(".st-key-sat_depth")).to_be_hidden()
    expect(page.locator(".st-key-sat_width")).to_be_visible()
    # The hidden depth still rules the charts: one histogram per layer, 12 of them.
    expect(page.get_by_text("Layer 12").first).to_be_visible()
    screenshot(page, "navigation_lesson_link")
