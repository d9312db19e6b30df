"""Every string the user sees, in English and Simplified Chinese, looked up by key.

Each page has its own module here (``common``, ``activations``, ...) holding two dicts, ``EN``
and ``ZH``, with the same keys; ``tests/test_strings.py`` checks that they match. Strings may
contain ``str.format`` fields: ``t("epoch_of", epoch=3, total=10)``.
"""

from ui.strings import activations, common, dead_relu, playground, saturation

LANGUAGES = {"en": "English", "zh": "简体中文"}
DEFAULT_LANGUAGE = "en"

_MODULES = (common, activations, saturation, dead_relu, playground)

TABLES = {
    "en": {key: text for module in _MODULES for key, text in module.EN.items()},
    "zh": {key: text for module in _MODULES for key, text in module.ZH.items()},
}


class Translator:
    """``t(key, **fields)`` -> the text for ``key`` in one language, with fields filled in."""

    def __init__(self, lang):
        self.lang = lang if lang in TABLES else DEFAULT_LANGUAGE
        self.table = TABLES[self.lang]

    def __call__(self, key, **fields):
        text = self.table[key]
        return text.format(**fields) if fields else text


def activation_name(t, name):
    """The display name of an activation (e.g. "Leaky ReLU"), the same on every page."""
    return t(f"act_name_{name}")
