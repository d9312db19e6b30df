"""Page settings that live in the URL, so one link shows a whole class the same setup.

A page declares its settings once:

    SETTINGS = [
        Setting("sat_depth", 10, low=1, high=20),
        Setting("sat_activation", "tanh", choices=("tanh", "relu", "sigmoid")),
        Setting("sat_compare", False),
    ]
    notices = restore_settings(SETTINGS, t)   # before the widgets
    depth = st.slider(label, 1, 20, key="sat_depth")   # no value=: it comes from the state
    ...
    publish_settings(SETTINGS)                # after the widgets

On the first run of the page in a session, each setting is read from the URL (``?sat_depth=12``):
numbers are clamped to [low, high], unknown choices and unreadable values fall back to the
default, and each correction comes back as a notice to show. Nothing is allocated from a URL
value before it is clamped, so a link asking for 10,000 layers costs nothing.
``publish_settings`` writes every non-default value back to the URL.

Settings outlive their page: Streamlit forgets the state of a widget it did not draw in a run
(another page, a closed tab), so the frame calls ``keep_settings`` on every run, for every
lesson's settings, and a page switch keeps the teacher's setup. A lesson link's ``lock`` (the
controls it hides) is kept for the whole visit the same way, and travels with the page links.
"""

import importlib
import math
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlencode

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui.strings import LESSONS

TRUE_WORDS = ("1", "true", "yes", "on")

# Query parameter listing the settings a lesson link hides (TensorFlow Playground's lock-down).
LOCK_PARAM = "lock"

_FALSE_WORDS = ("0", "false", "no", "off")


@dataclass(frozen=True)
class Setting:
    key: str
    default: object
    low: float | None = None
    high: float | None = None
    choices: tuple | None = None  # allowed values (for a list setting: allowed items)
    url: bool = True  # False for settings that should not travel in links
    # What a teacher reads for it (the widget's label): a string key and its fields; by
    # default the string under the setting's own key.
    label: str | None = None
    label_fields: tuple = ()  # (name, value) pairs, e.g. (("layer", 2),)

    def display_name(self, t):
        """The setting as its widget's label names it, in the reader's language."""
        return t(self.label or self.key, **dict(self.label_fields))

    def parse(self, text):
        """(value, problem) for the URL text; problem is None, "clamped" or "invalid"."""
        default = self.default
        try:
            if isinstance(default, bool):
                word = text.lower()
                if word in TRUE_WORDS or word in _FALSE_WORDS:
                    return word in TRUE_WORDS, None
                return default, "invalid"
            if isinstance(default, (list, tuple)):
                # A list setting is a selection: an item named twice is selected once.
                items = list(dict.fromkeys(item for item in text.split(",") if item))
                if self.choices is not None and any(item not in self.choices for item in items):
                    items = [item for item in items if item in self.choices]
                    return (items or list(default)), "invalid"
                return items, None
            if isinstance(default, str):
                if self.choices is not None and text not in self.choices:
                    return default, "invalid"
                return text, None
            number = float(text)
            if not math.isfinite(number):
                return default, "invalid"
            if isinstance(default, int):
                if number != int(number):
                    return default, "invalid"
                number = int(number)
            return self._clamp(number)
        except (ValueError, OverflowError):
            return default, "invalid"

    def _clamp(self, number):
        clamped = number
        if self.low is not None:
            clamped = max(clamped, type(self.default)(self.low))
        if self.high is not None:
            clamped = min(clamped, type(self.default)(self.high))
        return clamped, (None if clamped == number else "clamped")

    def to_text(self, value):
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (list, tuple)):
            return ",".join(map(str, value))
        return str(value)


def restore_settings(settings, t):
    """Seed each setting's session state (from the URL on the page's first run, and again when
    the student goes Back or Forward in the browser's history); returns the notices to show
    for values that were clamped or not understood."""
    notices = []
    from_history = is_history_navigation()
    for setting in settings:
        if setting.key in st.session_state and not from_history:
            continue
        value = setting.default
        text = st.query_params.get(setting.key) if setting.url else None
        if text is not None:
            value, problem = setting.parse(text)
            if problem == "clamped":
                notices.append(t("notice_clamped", name=setting.display_name(t), value=text,
                                 fixed=value))
            elif problem == "invalid":
                notices.append(t("notice_invalid", name=setting.display_name(t)))
        st.session_state[setting.key] = list(value) if isinstance(value, tuple) else value
    return notices


def publish_settings(settings):
    """Write the whole URL of this view at once, so that a reload, a copied address or the
    browser's Back button lands exactly here: language, mode and lock, then the settings that
    differ from their defaults. One write per run keeps one history entry per change."""
    wanted = view_query(settings)
    if list(st.query_params.to_dict().items()) != list(wanted.items()):
        st.query_params.from_dict(wanted)


def view_query(settings):
    """The URL query of a page showing ``settings`` as they stand: the frame's parameters,
    then every setting that differs from its default, in the order the page declares them."""
    query = frame_query()
    state = st.session_state
    for setting in settings:
        if not setting.url or setting.key not in state:
            continue
        value = state[setting.key]
        is_default = (list(value) == list(setting.default)
                      if isinstance(setting.default, (list, tuple)) else value == setting.default)
        if not is_default:
            query[setting.key] = setting.to_text(value)
    return query


def frame_query():
    """Language, projector mode and the visit's lock: what every link of the app carries."""
    state = st.session_state
    query = {"lang": state.get("frame_lang", "en")}
    if state.get("frame_projector"):
        query["projector"] = "true"
    query.update(lock_query_params())
    return query


def link_query(page):
    """The query of a link to ``page`` ("home" or a lesson): the view as the student left it,
    so following the link (or Back to it) shows the page's current setup."""
    return view_query(lesson_settings().get(page, []))


def is_history_navigation():
    """True in the run the browser's Back or Forward button started (the URL is the truth)."""
    context = get_script_run_ctx(suppress_warning=True)
    return bool(context is not None and context.is_history_navigation)


def lesson_tabs(t, prefix, keys):
    """A lesson page's tabs, {tab key: container}; only the open one has ``.open`` True.

    The tabs rerun the page when switched, so only the open tab's lesson is computed. Their
    state (``<prefix>_tab``) is the tab's *label*, so the open tab is also remembered by
    position (``<prefix>_tab_index``): after a language switch it is the same tab under its new
    label. Its key is the URL setting ``<prefix>_lesson``, which a shared link opens at.
    """
    state, tab, index, lesson = st.session_state, f"{prefix}_tab", f"{prefix}_tab_index", \
        f"{prefix}_lesson"
    labels = [t(f"{prefix}_tab_{key}") for key in keys]
    if index in state:
        state[tab] = labels[state[index]]
    elif tab not in state:  # first run: the lesson a shared link asked for
        state[tab] = labels[keys.index(state[lesson])]

    def remember():
        state[index] = labels.index(state[tab]) if state[tab] in labels else 0

    tabs = st.tabs(labels, key=tab, on_change=remember)
    if state.get(tab) in labels:  # the open lesson travels in the URL
        state[lesson] = keys[labels.index(state[tab])]
    return dict(zip(keys, tabs, strict=True))


def show_notices(notices):
    for notice in notices:
        st.warning(notice, icon=":material/link:")


@cache
def lesson_settings():
    """{lesson: its SETTINGS}, read from each lesson's ``controls`` module (constants)."""
    return {lesson: importlib.import_module(f"pages.{lesson}.controls").SETTINGS
            for lesson in LESSONS}


def all_settings():
    return [setting for settings in lesson_settings().values() for setting in settings]


def keep_settings():
    """Make every lesson's settings survive runs in which their widgets are not drawn (another
    page, another tab of a page): a value written through ``st.session_state`` is kept, where
    the state of a widget Streamlit did not draw is dropped."""
    state = st.session_state
    for setting in all_settings():
        if setting.key in state:
            state[setting.key] = state[setting.key]


def restore_lock():
    """On a session's first run, remember which controls the link's ``lock`` hides, for the
    whole visit. Only names of real settings are kept (they end up in CSS selectors)."""
    if "frame_lock" not in st.session_state:
        known = {setting.key for setting in all_settings()}
        asked = st.query_params.get(LOCK_PARAM, "").split(",")
        st.session_state.frame_lock = tuple(key for key in asked if key in known)
    return st.session_state.frame_lock


def lock_query_params():
    """The ``lock`` URL parameter of this visit, to carry along links ({} without a lock)."""
    locked = st.session_state.get("frame_lock", ())
    return {LOCK_PARAM: ",".join(locked)} if locked else {}


def locked_keys(settings):
    """The settings of this page that the visit's lesson link hides."""
    locked = set(restore_lock())
    return [setting.key for setting in settings if setting.key in locked]


def hide_locked_controls(settings):
    """Hide the locked settings' widgets. Their values still come from the link.

    Streamlit gives a keyed widget's container the CSS class ``st-key-<key>``; the keys come
    from the page's own settings (never from the URL text), so nothing can be injected.
    """
    locked = locked_keys(settings)
    if locked:
        rules = " ".join(f".st-key-{key} {{ display: none !important; }}" for key in locked)
        st.html(f"<style>{rules}</style>")


def share_panel(settings, t):
    """Sidebar: a link to this view to copy, and a lesson link that hides chosen controls."""
    hide_locked_controls(settings)
    base = (st.context.url or "").split("?")[0]
    params = {key: value for key, value in st.query_params.to_dict().items() if key != LOCK_PARAM}
    by_key = {setting.key: setting for setting in settings}
    with st.sidebar.expander(t("share_title"), icon=":material/share:"):
        st.caption(t("copy_link_help"))
        st.code(_link(base, params), language=None, wrap_lines=True)
        keys = [setting.key for setting in settings if setting.url]
        hidden = st.multiselect(
            t("share_lock"), keys, default=locked_keys(settings), key="frame_share_lock",
            format_func=lambda key: by_key[key].display_name(t), help=t("share_lock_help"),
        )
        if hidden:
            st.code(_link(base, {**params, LOCK_PARAM: ",".join(hidden)}), language=None,
                    wrap_lines=True)


def _link(base, params):
    return f"{base}?{urlencode(params)}" if params else base
