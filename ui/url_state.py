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
"""

import math
from dataclasses import dataclass
from urllib.parse import urlencode

import streamlit as st

from ui.frame import TRUE_WORDS

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
                items = [item for item in text.split(",") if item]
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
    """Seed each setting's session state (from the URL on the page's first run); returns
    the notices to show for values that were clamped or not understood."""
    notices = []
    for setting in settings:
        if setting.key in st.session_state:
            continue
        value = setting.default
        text = st.query_params.get(setting.key) if setting.url else None
        if text is not None:
            value, problem = setting.parse(text)
            if problem == "clamped":
                notices.append(t("notice_clamped", name=setting.key, value=text, fixed=value))
            elif problem == "invalid":
                notices.append(t("notice_invalid", name=setting.key))
        st.session_state[setting.key] = list(value) if isinstance(value, tuple) else value
    return notices


def publish_settings(settings):
    """Write the settings' current values to the URL, leaving defaults out."""
    for setting in settings:
        if not setting.url:
            continue
        value = st.session_state.get(setting.key, setting.default)
        is_default = (list(value) == list(setting.default)
                      if isinstance(setting.default, (list, tuple)) else value == setting.default)
        if is_default:
            if setting.key in st.query_params:
                del st.query_params[setting.key]
        else:
            text = setting.to_text(value)
            if st.query_params.get(setting.key) != text:
                st.query_params[setting.key] = text


def show_notices(notices):
    for notice in notices:
        st.warning(notice, icon=":material/link:")


def locked_keys(settings):
    """The settings the URL's ``lock`` parameter hides; unknown names are ignored."""
    known = {setting.key for setting in settings}
    return [key for key in st.query_params.get(LOCK_PARAM, "").split(",") if key in known]


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
    with st.sidebar.expander(t("share_title"), icon=":material/share:"):
        st.caption(t("copy_link_help"))
        st.code(_link(base, params), language=None, wrap_lines=True)
        keys = [setting.key for setting in settings if setting.url]
        hidden = st.multiselect(
            t("share_lock"), keys, default=locked_keys(settings), key="frame_share_lock",
            format_func=_readable, help=t("share_lock_help"),
        )
        if hidden:
            st.code(_link(base, {**params, LOCK_PARAM: ",".join(hidden)}), language=None,
                    wrap_lines=True)


def _link(base, params):
    return f"{base}?{urlencode(params)}" if params else base


def _readable(key):
    """``sat_depth`` -> ``depth``: the page prefix says nothing a teacher needs."""
    return key.split("_", 1)[-1].replace("_", " ")
