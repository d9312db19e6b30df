"""The frame every page starts with: page config, shared sidebar, language and projector mode.

    frame = page_frame("activations")
    t = frame.t          # translator for the chosen language
    frame.style          # ChartStyle for the chosen projector mode

Language and projector mode are widgets bound to the URL (``?lang=zh&projector=true``), so they
survive page switches and a shared link opens in the same language.
"""

from dataclasses import dataclass

import streamlit as st

from ui.charts.style import ChartStyle
from ui.reconnect import reconnect_notice
from ui.strings import DEFAULT_LANGUAGE, LANGUAGES, Translator

# Page key -> (file, icon). The key names the title string ``page_<key>``.
PAGES = {
    "home": ("app.py", ":material/home:"),
    "activations": ("pages/1_activations.py", ":material/show_chart:"),
    "saturation": ("pages/2_saturation.py", ":material/stacked_line_chart:"),
    "dead_relu": ("pages/3_dead_relu.py", ":material/power_off:"),
    "playground": ("pages/4_playground.py", ":material/model_training:"),
}

TRUE_WORDS = ("1", "true", "yes", "on")

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


def page_frame(page_key, layout="wide"):
    """Set the page config and draw the shared sidebar; returns the page's Frame."""
    t_default = Translator(DEFAULT_LANGUAGE)
    st.set_page_config(
        page_title=f"{t_default('page_' + page_key)} · {t_default('app_title')}",
        page_icon=":material/neurology:",
        layout=layout,
        initial_sidebar_state="expanded",
    )
    _restore_from_url()
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
        lang, projector = t.lang, bool(st.session_state.frame_projector)
        st.divider()
        _page_links(t, lang, projector)
        st.divider()
        st.caption(t("sidebar_about"))
    _write_to_url(lang, projector)
    reconnect_notice(t)
    if projector:
        st.html(_PROJECTOR_CSS)
    return Frame(lang=lang, projector=projector, t=t, style=ChartStyle(projector=projector))


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


def _write_to_url(lang, projector):
    for key, value in shared_query_params(lang, projector, always_lang=True).items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value
    if not projector and "projector" in st.query_params:
        del st.query_params["projector"]


def shared_query_params(lang, projector, always_lang=False):
    """The frame's URL parameters to carry along a page link (defaults are left out)."""
    params = {}
    if always_lang or lang != DEFAULT_LANGUAGE:
        params["lang"] = lang
    if projector:
        params["projector"] = "true"
    return params


def _page_links(t, lang, projector):
    params = shared_query_params(lang, projector)
    for key, (path, icon) in PAGES.items():
        st.page_link(path, label=t(f"page_{key}"), icon=icon, query_params=params or None)
