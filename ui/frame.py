"""The frame around every page: page config, the shared sidebar and the multipage navigation.

``app.py`` draws it once per run and then runs the page the URL asks for::

    page = frame.navigation()   # st.navigation over PAGES (its own menu hidden)
    frame.draw(page)            # page config, sidebar: language, projector mode, page links
    page.run()

A page script reads what the frame decided with ``current_frame()``:

    frame = current_frame()
    t = frame.t          # translator for the chosen language
    frame.style          # ChartStyle for the chosen projector mode

Language and projector mode live in the session and in the URL (``?lang=zh&projector=true``),
so they survive page switches and a shared link opens in the same language.
"""

import runpy
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from ui.reconnect import reconnect_notice
from ui.strings import DEFAULT_LANGUAGE, LANGUAGES, LESSONS, Translator
from ui.style import ChartStyle
from ui.url_state import (
    TRUE_WORDS,
    is_history_navigation,
    keep_settings,
    link_query,
    restore_lock,
)

HOME = "home"
_ICONS = {
    "home": ":material/home:",
    "activations": ":material/show_chart:",
    "saturation": ":material/stacked_line_chart:",
    "dead_relu": ":material/power_off:",
    "playground": ":material/model_training:",
    "backprop": ":material/account_tree:",
}
# Page key -> (script, icon). The key names the title string ``page_<key>`` and, for a lesson,
# the URL path (``/saturation``); the home page is ``/``.
PAGES = {key: (f"pages/{key}/page.py", _ICONS[key]) for key in (HOME, *LESSONS)}

_PROJECTOR_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 20px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.15rem; }
h1 { font-size: 2.6rem !important; } h2 { font-size: 2.0rem !important; }
h3 { font-size: 1.6rem !important; }
[data-testid="stWidgetLabel"] p { font-size: 1.1rem !important; font-weight: 600; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * { font-size: 2.4rem !important; }
[data-testid="stAppViewContainer"] { color: #000000; }
[data-testid="stSidebar"] [data-testid="stButtonGroup"] p { font-size: 16px !important; }
[data-testid="stSidebar"] [data-testid="stPageLink"] p { white-space: normal !important; }
</style>
"""


@dataclass(frozen=True)
class Frame:
    lang: str
    projector: bool
    t: Translator
    style: ChartStyle


def current_frame():
    """The language and projector mode of this run, as the frame set them."""
    _restore_from_url()
    lang = st.session_state.frame_lang
    projector = bool(st.session_state.frame_projector)
    return Frame(lang=lang, projector=projector, t=Translator(lang),
                 style=ChartStyle(projector=projector))


def navigation():
    """Register every page with ``st.navigation`` (its own menu hidden: the sidebar draws
    translated links) and return the page this run shows."""
    t = current_frame().t
    pages = [st.Page(path, title=t(f"page_{key}"), icon=icon, default=key == HOME,
                     url_path=None if key == HOME else key)
             for key, (path, icon) in PAGES.items()]
    return st.navigation(pages, position="hidden")


def draw(page):
    """Page config and the shared sidebar for ``page`` (what ``navigation`` returned)."""
    t_default = Translator(DEFAULT_LANGUAGE)
    key = page_key(page)
    st.set_page_config(
        page_title=f"{t_default('page_' + key)} · {t_default('app_title')}",
        page_icon=":material/neurology:",
        layout="wide",
        initial_sidebar_state="auto",  # collapsed on a phone, open on a screen
    )
    keep_settings()  # every lesson's settings survive this run, whichever page it draws
    restore_lock()
    # Widget state is dropped on a page switch, so the values live under plain keys and the
    # widgets are re-seeded from them on every run.
    st.session_state.frame_lang_widget = st.session_state.frame_lang
    st.session_state.frame_projector_widget = st.session_state.frame_projector
    with st.sidebar:
        st.segmented_control(
            "Language / 语言", list(LANGUAGES), format_func=LANGUAGES.get,
            key="frame_lang_widget", required=True,
            on_change=_keep, args=("frame_lang", "frame_lang_widget"),
        )
        t = Translator(st.session_state.frame_lang)
        st.toggle(t("sidebar_projector"), key="frame_projector_widget",
                  help=t("sidebar_projector_help"),
                  on_change=_keep, args=("frame_projector", "frame_projector_widget"))
        projector = bool(st.session_state.frame_projector)
        st.divider()
        _page_links(t)
        st.divider()
        st.caption(t("sidebar_about"))
    reconnect_notice(t)
    if projector:
        st.html(_PROJECTOR_CSS)


def first_visit():
    """Run the app from a v1 page script: how a fresh server's first visitor reaches a lesson.

    Streamlit's first session on a server whose project has a ``pages/`` folder runs in the old
    multipage mode (until some session calls ``st.navigation``), which looks up ``/saturation``
    as ``pages/saturation.py``. Without such a file that first visitor would see a "Page not
    found" dialog over the right page. So each lesson has a two-line ``pages/<n>_<lesson>.py`` (the old file names)
    calling this, which runs ``app.py``: the frame and ``st.navigation`` then take over.
    """
    runpy.run_path(str(Path(__file__).resolve().parent.parent / "app.py"), run_name="__main__")


def page_key(page):
    """The PAGES key of a page returned by ``navigation``."""
    return page.url_path or HOME


def _keep(state_key, widget_key):
    value = st.session_state[widget_key]
    if value is not None:  # a segmented control can be deselected; keep the last language
        st.session_state[state_key] = value


def _restore_from_url():
    """On a session's first run, take language and projector mode from the URL.

    The widgets are not bound to the URL directly: a bound select widget writes its *label*
    ("简体中文") into the URL, and links should say ``?lang=zh``. Without ``lang``, a browser
    whose language is Chinese starts in Chinese.
    """
    if is_history_navigation():  # Back or Forward: the URL says how the page looked
        for key in ("frame_lang", "frame_projector"):
            st.session_state.pop(key, None)
    if "frame_lang" not in st.session_state:
        url_lang = st.query_params.get("lang")
        browser = (st.context.locale or "").lower()
        if url_lang in LANGUAGES:
            st.session_state.frame_lang = url_lang
        else:
            st.session_state.frame_lang = "zh" if browser.startswith("zh") else DEFAULT_LANGUAGE
    if "frame_projector" not in st.session_state:
        flag = st.query_params.get("projector", "").lower()
        st.session_state.frame_projector = flag in TRUE_WORDS


def _page_links(t):
    for key, (path, icon) in PAGES.items():
        st.page_link(path, label=t(f"page_{key}"), icon=icon, query_params=link_query(key))
