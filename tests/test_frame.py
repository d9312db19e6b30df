"""The frame every page shares: language, projector mode, page links, URL state, strings."""

import pytest

from tests.apptest_helpers import template_fields
from ui.frame import PAGES
from ui.strings import LANGUAGES, TABLES, Translator, string_modules
from ui.url_state import Setting

STRING_MODULES = string_modules()  # the shared strings and every lesson's

PAGE_FILES = [path for path, _ in PAGES.values()]


def test_both_languages_have_the_same_keys_and_fields():
    for module in STRING_MODULES:
        assert module.EN.keys() == module.ZH.keys(), module.__name__
        for key in module.EN:
            assert template_fields(module.EN[key]) == template_fields(module.ZH[key]), key
            assert module.ZH[key].strip(), f"empty Chinese text for {key}"


def test_no_key_is_defined_by_two_modules():
    total = sum(len(module.EN) for module in STRING_MODULES)
    assert len(TABLES["en"]) == total


def test_translator_falls_back_to_english_for_unknown_language():
    assert Translator("xx").lang == "en"
    assert Translator("zh")("app_title") != Translator("en")("app_title")


@pytest.mark.parametrize("path", PAGE_FILES)
@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_page_runs_in_both_languages(open_page, path, lang):
    at = open_page(path, lang=lang)
    assert not at.exception
    links = [link.proto.label for link in at.sidebar.get("page_link")]
    t = Translator(lang)
    assert [t(f"page_{key}") for key in PAGES] == links[: len(PAGES)]
    assert at.query_params["lang"] == [lang] or at.query_params["lang"] == lang


def test_language_switch_carries_across_pages(app_test):
    at = app_test("app.py").run()
    at.button_group[0].set_value("zh").run()
    assert at.title[0].value == Translator("zh")("app_title")
    at.switch_page("pages/saturation/page.py").run()
    assert not at.exception
    assert at.title[0].value.startswith(Translator("zh")("page_saturation"))


def test_projector_mode_from_url_and_toggle(app_test):
    at = app_test("app.py")
    at.query_params["projector"] = "true"
    at.run()
    assert at.toggle[0].value is True
    assert any("font-size" in (html.proto.body or "") for html in at.get("html"))
    at.toggle[0].set_value(False).run()
    assert "projector" not in at.query_params


def test_browser_locale_chooses_chinese_without_url_parameter(app_test):
    at = app_test("app.py")
    at.context = {"locale": "zh-CN"}
    at.run()
    assert at.title[0].value == Translator("zh")("app_title")


@pytest.mark.parametrize("value", ["klingon", "", "zh;DROP TABLE", "%00"])
def test_tampered_language_falls_back_to_english(app_test, value):
    at = app_test("app.py")
    at.query_params["lang"] = value
    at.run()
    assert not at.exception
    assert at.title[0].value == Translator("en")("app_title")


def test_home_links_every_page(app_test):
    at = app_test("app.py").run()
    targets = [link.proto.page for link in at.get("page_link")]
    for key in list(PAGES)[1:]:
        assert targets.count(key) == 2, key  # one card on the page, one sidebar link


@pytest.mark.parametrize(
    "setting, text, expected, problem",
    [
        (Setting("depth", 10, low=1, high=20), "12", 12, None),
        (Setting("depth", 10, low=1, high=20), "10000", 20, "clamped"),
        (Setting("depth", 10, low=1, high=20), "-3", 1, "clamped"),
        (Setting("depth", 10, low=1, high=20), "2.5", 10, "invalid"),
        (Setting("depth", 10, low=1, high=20), "banana", 10, "invalid"),
        (Setting("depth", 10, low=1, high=20), "1e400", 10, "invalid"),
        (Setting("lr", 0.1, low=1e-4, high=3.0), "nan", 0.1, "invalid"),
        (Setting("lr", 0.1, low=1e-4, high=3.0), "1e308", 3.0, "clamped"),
        (Setting("lr", 0.1, low=1e-4, high=3.0), "inf", 0.1, "invalid"),
        (Setting("act", "relu", choices=("relu", "tanh")), "tanh", "tanh", None),
        (Setting("act", "relu", choices=("relu", "tanh")), "relux", "relu", "invalid"),
        (Setting("on", False), "true", True, None),
        (Setting("on", False), "maybe", False, "invalid"),
        (Setting("acts", ("relu",), choices=("relu", "tanh")), "relu,tanh", ["relu", "tanh"], None),
        (Setting("acts", ("relu",), choices=("relu", "tanh")), "relu,evil", ["relu"], "invalid"),
        (Setting("acts", ("relu",), choices=("relu", "tanh")), "relu,relu,relu,tanh",
         ["relu", "tanh"], None),
        (Setting("acts", ("relu",), choices=("relu", "tanh")), "tanh,evil,tanh", ["tanh"],
         "invalid"),
    ],
)
def test_url_settings_are_clamped_or_replaced(setting, text, expected, problem):
    assert setting.parse(text) == (expected, problem)


def test_share_panel_gives_a_link_and_a_lesson_link_that_hides_controls(open_page):
    at = open_page("pages/saturation/page.py", sat_depth="12", lock="sat_depth,sat_width,evil")
    assert not at.exception
    css = " ".join(html.proto.body for html in at.get("html"))
    assert ".st-key-sat_depth" in css and ".st-key-sat_width" in css
    assert "evil" not in css  # unknown names in a link are ignored
    links = [code.value for code in at.sidebar.get("code")]
    assert any("sat_depth=12" in link for link in links)
    lock = at.multiselect(key="frame_share_lock")
    assert lock.value == ["sat_depth", "sat_width"]
    lock.set_value(["sat_seed"]).run()
    links = [code.value for code in at.sidebar.get("code")]
    assert any("lock=sat_seed" in link for link in links)
