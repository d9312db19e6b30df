"""Widgets of the activations page; each group returns a plain dataclass of its settings.

Every widget's state is seeded by ``restore_settings(SETTINGS, t)`` (from the URL or the
default), so no widget here is given a ``value``: the ranges below are the single source of
both the sliders' limits and the URL clamping.
"""

from dataclasses import dataclass
from functools import partial

import streamlit as st

from nn_core import ACTIVATION_PARAMS, ACTIVATIONS
from nn_core.experiments import zero_centred
from nn_core.experiments.explore import MAXOUT_TARGETS, UNIT_RANGES, UNIT_STEP, snap_to_step
from ui.strings import activation_name
from ui.url_state import Setting

ACTIVATION_NAMES = tuple(ACTIVATIONS)
DEFAULT_NAMES = ("relu", "sigmoid", "tanh")
HALF_RANGE = (1.0, 20.0)
LOGIT = (-5.0, 5.0)
DEFAULT_LOGITS = (2.0, 1.0, 0.1, -1.0)
TEMPERATURE = (0.1, 10.0)
OVERFLOW_SHIFT = (0, 2000)
UNIT_WEIGHT, UNIT_BIAS, UNIT_OUTPUT = UNIT_RANGES  # the ranges the fit keeps to
# A start that already looks like half a sine: units 1 and 2 draw the dip and the rise, unit 3
# is left for the student to bend the curve back down (w 1, b -1.5, v -1.2 or so).
DEFAULT_UNITS = ((1.0, 3.0, -0.6), (1.0, 1.5, 1.2), (1.0, -1.5, 0.0))
MAXOUT_PIECES = (1, 16)
ZC_LEARNING_RATE = (0.05, zero_centred.MAX_LEARNING_RATE)
ZC_LEARNING_RATE_STEP = 0.05
ZC_START = (-3.0, 3.0)
ZC_START_STEP = 0.1
ZC_DEFAULT_START = (-2.0, 2.0)
LEAKY_ALPHA = (0.0, 1.0)
ELU_ALPHA = (0.0, 3.0)
PRELU_ALPHA = (0.0, 1.0)
BETA = (0.1, 5.0)
# The activations' own parameters, one widget each: (setting key, activation, parameter, slider
# range and step; None for an on/off switch). Defaults come from nn_core.ACTIVATION_PARAMS.
PARAMETER_WIDGETS = (
    ("act_leaky_alpha", "leaky_relu", "alpha", (*LEAKY_ALPHA, 0.01)),
    ("act_elu_alpha", "elu", "alpha", (*ELU_ALPHA, 0.05)),
    ("act_prelu_alpha", "prelu", "alpha", (*PRELU_ALPHA, 0.01)),
    ("act_swish_beta", "swish", "beta", (*BETA, 0.1)),
    ("act_softplus_beta", "softplus", "beta", (*BETA, 0.1)),
    ("act_gelu_approximate", "gelu", "approximate", None),
)


def _range_setting(key, default, bounds):
    return Setting(key, default, low=bounds[0], high=bounds[1])


TAB_KEYS = ("compare", "properties", "zero_centred", "softmax", "linear", "relu_units", "maxout")

SETTINGS = [
    # the open tab, so a link can open it
    Setting("act_lesson", "compare", choices=TAB_KEYS, label="act_lesson_label"),
    Setting("act_names", list(DEFAULT_NAMES), choices=ACTIVATION_NAMES),
    _range_setting("act_half_range", 6.0, HALF_RANGE),
    Setting("act_show_checks", True),
    *[Setting(key, ACTIVATION_PARAMS[name][parameter],
              *((bounds[0], bounds[1]) if bounds else ()))
      for key, name, parameter, bounds in PARAMETER_WIDGETS],
    Setting("act_code_name", "relu", choices=ACTIVATION_NAMES),
    *[Setting(f"act_logit_{i}", value, *LOGIT, label="act_logit", label_fields=(("i", i + 1),))
      for i, value in enumerate(DEFAULT_LOGITS)],
    _range_setting("act_temperature", 1.0, TEMPERATURE),
    _range_setting("act_overflow_shift", 1000, OVERFLOW_SHIFT),
    *[setting
      for i, (w, b, v) in enumerate(DEFAULT_UNITS)
      for setting in (Setting(f"act_unit_{i}_w", w, *UNIT_WEIGHT, label="act_unit_w",
                              label_fields=(("i", i + 1),)),
                      Setting(f"act_unit_{i}_b", b, *UNIT_BIAS, label="act_unit_b",
                              label_fields=(("i", i + 1),)),
                      Setting(f"act_unit_{i}_v", v, *UNIT_OUTPUT, label="act_unit_v",
                              label_fields=(("i", i + 1),)))],
    Setting("act_maxout_target", "square", choices=tuple(MAXOUT_TARGETS)),
    _range_setting("act_maxout_pieces", 3, MAXOUT_PIECES),
    _range_setting("act_zc_lr", 0.5, ZC_LEARNING_RATE),
    *[Setting(f"act_zc_w{i + 1}", value, *ZC_START, label="act_zc_start",
              label_fields=(("i", i + 1),))
      for i, value in enumerate(ZC_DEFAULT_START)],
]
UNIT_KEYS = tuple(tuple(f"act_unit_{i}_{part}" for i in range(len(DEFAULT_UNITS)))
                  for part in "wbv")  # rows w, b, v of the units, as the fit takes them


@dataclass(frozen=True)
class ComparisonControls:
    names: list  # activation names, in the order picked
    half_range: float
    show_checks: bool


@dataclass(frozen=True)
class SoftmaxControls:
    logits: list
    temperature: float


@dataclass(frozen=True)
class ReluUnitControls:
    weights: list
    biases: list
    output_weights: list


@dataclass(frozen=True)
class ZeroCentredControls:
    learning_rate: float
    start: tuple  # (w1, w2)


@dataclass(frozen=True)
class MaxoutControls:
    target: str
    pieces: int



def current_comparison():
    """The comparison settings as they stand, without drawing their widgets."""
    state = st.session_state
    return ComparisonControls(list(state["act_names"]), state["act_half_range"],
                              state["act_show_checks"])


def current_parameters():
    """The activations' parameters as they stand, without drawing their widgets."""
    return _parameters({key: st.session_state[key] for key, *_ in PARAMETER_WIDGETS})


def _parameters(values):
    """``{activation: {parameter: value}}`` for nn_core, from the widgets' values by key."""
    params = {}
    for key, name, parameter, _ in PARAMETER_WIDGETS:
        params.setdefault(name, {})[parameter] = values[key]
    return params


def comparison_controls(t):
    """Which activations to draw, over which x range, with or without the numeric check."""
    names = st.multiselect(t("act_names"), ACTIVATION_NAMES,
                           format_func=partial(activation_name, t),
                           key="act_names", help=t("act_names_help"))
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    half_range = left.slider(t("act_half_range"), *HALF_RANGE, step=0.5, key="act_half_range",
                             help=t("act_half_range_help"))
    show_checks = right.toggle(t("act_show_checks"), key="act_show_checks",
                               help=t("act_show_checks_help"))
    return ComparisonControls(list(names), half_range, show_checks)


def parameter_controls(t):
    """The activations' own parameters, as ``{name: {parameter: value}}`` for nn_core.

    All of them are drawn whichever activations are picked, so the row does not jump about.
    """
    values = {}
    with st.expander(t("act_parameters"), expanded=False, icon=":material/tune:"):
        columns = st.columns(3)
        for i, (key, _, _, bounds) in enumerate(PARAMETER_WIDGETS):
            column = columns[i % len(columns)]
            if bounds is None:
                values[key] = column.toggle(t(key), key=key, help=t(f"{key}_help"))
            else:
                low, high, step = bounds
                values[key] = column.slider(t(key), low, high, step=step, key=key,
                                            help=t(f"{key}_help"))
    return _parameters(values)


def code_controls(t):
    """Which activation's source code to show."""
    return st.selectbox(t("act_code_name"), ACTIVATION_NAMES,
                        format_func=partial(activation_name, t),
                        key="act_code_name", help=t("act_code_name_help"))


def softmax_controls(t):
    """Four logits and a temperature for the softmax explorer."""
    columns = st.columns(len(DEFAULT_LOGITS) + 1)
    logits = [
        column.slider(t("act_logit", i=i + 1), *LOGIT, step=0.1, key=f"act_logit_{i}",
                      help=t("act_logit_help", i=i + 1))
        for i, column in enumerate(columns[:-1])
    ]
    temperature = columns[-1].slider(t("act_temperature"), *TEMPERATURE, step=0.1,
                                     key="act_temperature", help=t("act_temperature_help"))
    return SoftmaxControls(logits, temperature)


def overflow_controls(t):
    """The offset added to the logits [0, 1, 2] of the overflow demo."""
    return st.slider(t("act_overflow_shift"), *OVERFLOW_SHIFT, step=10, key="act_overflow_shift",
                     help=t("act_overflow_shift_help"))


def current_units():
    """The nine unit sliders as they stand: rows (w, b, v), one value per unit."""
    return tuple(tuple(st.session_state[key] for key in row) for row in UNIT_KEYS)


def set_units(weights, biases, output_weights):
    """Move the unit sliders (before they are drawn in this run), each onto its step grid so
    that what a slider shows is exactly the value plotted; returns the rows as set."""
    rows = (weights, biases, output_weights)
    for keys, values, bounds in zip(UNIT_KEYS, rows, UNIT_RANGES, strict=True):
        _snap_sliders(keys, values, bounds, UNIT_STEP)
    return current_units()


def _snap_sliders(keys, values, bounds, step):
    """Set the sliders ``keys`` (not drawn yet in this run) to ``values`` on their step grid.

    A slider prints its value rounded to its step, so a value between two steps (a link's
    ?act_unit_0_w=0.123, or a float such as 0.15000000000000002) would be plotted as one
    number and read as another. Only values that change are written.
    """
    for key, value in zip(keys, snap_to_step(values, *bounds, step), strict=True):
        if st.session_state.get(key) != float(value):
            st.session_state[key] = float(value)


def relu_unit_controls(t):
    """Input weight, bias and output weight of each hand-set ReLU unit, one column per unit."""
    set_units(*current_units())  # what the sliders show is what is plotted
    w_keys, b_keys, v_keys = UNIT_KEYS
    weights, biases, output_weights = [], [], []
    for i, column in enumerate(st.columns(len(DEFAULT_UNITS))):
        n = i + 1
        with column.container(border=True):
            st.markdown(f"**{t('act_unit', i=n)}**")
            weights.append(st.slider(t("act_unit_w", i=n), *UNIT_WEIGHT, step=UNIT_STEP,
                                     key=w_keys[i], help=t("act_unit_w_help", i=n)))
            biases.append(st.slider(t("act_unit_b", i=n), *UNIT_BIAS, step=UNIT_STEP,
                                    key=b_keys[i], help=t("act_unit_b_help", i=n)))
            output_weights.append(st.slider(t("act_unit_v", i=n), *UNIT_OUTPUT, step=UNIT_STEP,
                                            key=v_keys[i], help=t("act_unit_v_help", i=n)))
    return ReluUnitControls(weights, biases, output_weights)


def maxout_controls(t):
    """Which convex curve to approximate, and with how many pieces."""
    left, right = st.columns(2)
    target = left.segmented_control(
        t("act_maxout_target"), tuple(MAXOUT_TARGETS), format_func=lambda k: t(f"act_target_{k}"),
        key="act_maxout_target", required=True, help=t("act_maxout_target_help"))
    pieces = right.slider(t("act_maxout_pieces"), *MAXOUT_PIECES, key="act_maxout_pieces",
                          help=t("act_maxout_pieces_help"))
    return MaxoutControls(target, pieces)


def zero_centred_controls(t):
    """Learning rate and starting weights of the two descents (both use the same)."""
    start_keys = ("act_zc_w1", "act_zc_w2")
    _snap_sliders(("act_zc_lr",), [st.session_state["act_zc_lr"]], ZC_LEARNING_RATE,
                  ZC_LEARNING_RATE_STEP)
    _snap_sliders(start_keys, [st.session_state[key] for key in start_keys], ZC_START,
                  ZC_START_STEP)
    rate, first, second = st.columns(3)
    learning_rate = rate.slider(t("act_zc_lr"), *ZC_LEARNING_RATE, step=ZC_LEARNING_RATE_STEP,
                                key="act_zc_lr", help=t("act_zc_lr_help"))
    start = tuple(column.slider(t("act_zc_start", i=i + 1), *ZC_START, step=ZC_START_STEP,
                                key=key, help=t("act_zc_start_help"))
                  for i, (column, key) in enumerate(zip((first, second), start_keys, strict=True)))
    return ZeroCentredControls(learning_rate, start)
