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

import streamlit as st

from ui.frame import TRUE_WORDS

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
