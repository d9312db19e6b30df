"""Widgets of the saturation page; each group returns a plain dataclass of its settings."""

from dataclasses import dataclass
from functools import partial

import streamlit as st

from nn_core.experiments.depth import MAX_BATCH, MAX_DEPTH, MAX_WIDTH
from nn_core.initializers import INITIALIZERS
from ui.strings import activation_name, initializer_name
from ui.url_state import Setting, restore_settings

ACTIVATION_CHOICES = ("tanh", "sigmoid", "relu", "leaky_relu", "elu", "selu", "gelu", "swish",
                      "softsign", "identity")
MAX_COMPARED = 2
# Log-spaced choices kept as text, so a shared URL holds exactly the value on screen.
THRESHOLDS = ("0.001", "0.005", "0.01", "0.02", "0.05", "0.1", "0.2")
LEARNING_RATES = ("0.0001", "0.0003", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1")
DEPTH_RANGE = (1, MAX_DEPTH)
WIDTH_RANGE = (8, MAX_WIDTH)
BATCH_RANGE = (16, MAX_BATCH)
GAIN_RANGE = (0.25, 4.0)
SEED_RANGE = (0, 9999)
STEP_RANGE = (10, 100)

SETTINGS = [
    Setting("sat_activations", ["tanh"], choices=ACTIVATION_CHOICES),
    Setting("sat_init", "normal_0.01", choices=INITIALIZERS),
    Setting("sat_gain", 1.0, low=GAIN_RANGE[0], high=GAIN_RANGE[1]),
    Setting("sat_depth", 10, low=DEPTH_RANGE[0], high=DEPTH_RANGE[1]),
    Setting("sat_width", 500, low=WIDTH_RANGE[0], high=WIDTH_RANGE[1]),
    Setting("sat_batch", 1000, low=BATCH_RANGE[0], high=BATCH_RANGE[1]),
    Setting("sat_seed", 0, low=SEED_RANGE[0], high=SEED_RANGE[1]),
    Setting("sat_threshold", "0.01", choices=THRESHOLDS),
    Setting("sat_steps", 20, low=STEP_RANGE[0], high=STEP_RANGE[1], label="sat_train_steps"),
    Setting("sat_lr", "0.01", choices=LEARNING_RATES, label="sat_train_lr"),
]

# The classic experiment: 10 hidden layers of 500 units, one activation/initialisation per case.
CLASSIC_DEPTH, CLASSIC_WIDTH = 10, 500
PRESETS = {
    "tanh_small": (("tanh",), "normal_0.01"),
    "tanh_large": (("tanh",), "normal_1.0"),
    "tanh_xavier": (("tanh",), "xavier"),
    "relu_he": (("relu",), "he"),
    "sigmoid_relu": (("sigmoid", "relu"), "he"),
}


@dataclass(frozen=True)
class NetworkSetup:
    """The network at initialisation and the batch pushed through it."""

    activations: tuple  # one or two names; empty if the user cleared the choice
    depth: int
    width: int
    init: str
    gain: float
    batch_size: int
    seed: int
    threshold: float


@dataclass(frozen=True)
class TrainingSetup:
    steps: int
    learning_rate: float


def restore_saturation_settings(t):
    """``restore_settings`` for this page, plus a notice if a link asked for more than two
    activations (or one twice), which the multiselect could not show."""
    notices = restore_settings(SETTINGS, t)
    chosen = list(dict.fromkeys(st.session_state.sat_activations))
    if len(chosen) > MAX_COMPARED:
        notices.append(t("sat_too_many"))
    st.session_state.sat_activations = chosen[:MAX_COMPARED]
    return notices


def preset_buttons(t):
    """One button per case of the classic experiment; a click sets the controls below."""
    st.markdown(t("sat_presets"))
    # A wrapping row of buttons sized to their labels: nothing is cut off in projector mode.
    row = st.container(horizontal=True, wrap=True)
    for name, (activations, init) in PRESETS.items():
        row.button(t(f"sat_preset_{name}"), key=f"sat_preset_{name}", width="content",
                   help=t("sat_preset_help"), on_click=_apply_preset, args=(activations, init))


def _apply_preset(activations, init):
    # Runs before the next script run, so the widgets are drawn with these values.
    st.session_state.sat_activations = list(activations)
    st.session_state.sat_init = init
    st.session_state.sat_gain = 1.0
    st.session_state.sat_depth = CLASSIC_DEPTH
    st.session_state.sat_width = CLASSIC_WIDTH


def network_controls(t):
    """Draw the network and batch settings; return them as a NetworkSetup."""
    row = st.columns([2, 1, 1])
    activations = row[0].multiselect(
        t("sat_activations"), ACTIVATION_CHOICES, key="sat_activations",
        max_selections=MAX_COMPARED, format_func=partial(activation_name, t),
        help=t("sat_activations_help"),
    )
    init = row[1].selectbox(t("sat_init"), INITIALIZERS, key="sat_init",
                            format_func=partial(initializer_name, t),
                            help=t("sat_init_help"))
    gain = row[2].slider(t("sat_gain"), *GAIN_RANGE, step=0.05, key="sat_gain",
                         help=t("sat_gain_help"))
    row = st.columns(5)
    depth = row[0].slider(t("sat_depth"), *DEPTH_RANGE, key="sat_depth",
                          help=t("sat_depth_help"))
    width = row[1].slider(t("sat_width"), *WIDTH_RANGE, step=4, key="sat_width",
                          help=t("sat_width_help"))
    batch_size = row[2].slider(t("sat_batch"), *BATCH_RANGE, step=8, key="sat_batch",
                               help=t("sat_batch_help"))
    threshold = row[3].select_slider(t("sat_threshold"), THRESHOLDS, key="sat_threshold",
                                     help=t("sat_threshold_help"))
    seed = row[4].number_input(t("sat_seed"), *SEED_RANGE, step=1, key="sat_seed",
                               help=t("sat_seed_help"))
    return NetworkSetup(
        activations=tuple(activations), depth=int(depth), width=int(width), init=init,
        gain=float(gain), batch_size=int(batch_size), seed=int(seed), threshold=float(threshold),
    )


def training_controls(t):
    """Draw the training settings and the train button; return (TrainingSetup, clicked)."""
    row = st.columns([3, 3, 2], vertical_alignment="bottom")
    steps = row[0].slider(t("sat_train_steps"), *STEP_RANGE, step=10, key="sat_steps",
                          help=t("sat_train_steps_help"))
    learning_rate = row[1].select_slider(t("sat_train_lr"), LEARNING_RATES, key="sat_lr",
                                         help=t("sat_train_lr_help"))
    clicked = row[2].button(t("sat_train_button"), key="sat_train", type="primary",
                            width="stretch", icon=":material/play_arrow:",
                            help=t("sat_train_button_help"))
    return TrainingSetup(steps=int(steps), learning_rate=float(learning_rate)), clicked
