"""Widgets of the dead-ReLU page; each group returns a plain dataclass of its settings."""

from dataclasses import dataclass
from functools import partial

import streamlit as st

from nn_core import OPTIMIZERS
from nn_core.experiments.dead_units import CLASSIFICATION_SETS, DeadUnitConfig
from nn_core.initializers import INITIALIZERS
from ui.strings import activation_name, initializer_name
from ui.url_state import Setting

ACTIVATION_CHOICES = ("relu", "leaky_relu", "prelu", "elu", "gelu", "swish")
ALTERNATIVE_CHOICES = ACTIVATION_CHOICES[1:]
# A log scale from gentle to "kills most units in a few steps"; text, so the URL stays exact.
LEARNING_RATES = ("0.0001", "0.0003", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3")
BIAS_RANGE = (-3.0, 1.0)
# Bounds that keep the slowest allowed run (compare mode: two trainings) to a few seconds.
WIDTH_RANGE = (2, 64)
DEPTH_RANGE = (1, 5)
EPOCH_RANGE = (10, 200)
SEED_RANGE = (0, 9999)

SETTINGS = [
    Setting("dead_dataset", "moons", choices=CLASSIFICATION_SETS),
    Setting("dead_activation", "relu", choices=ACTIVATION_CHOICES),
    Setting("dead_lr", "0.01", choices=LEARNING_RATES),
    Setting("dead_optimizer", "adam", choices=OPTIMIZERS),
    Setting("dead_init", "he", choices=INITIALIZERS),
    Setting("dead_bias", 0.0, low=BIAS_RANGE[0], high=BIAS_RANGE[1]),
    Setting("dead_width", 32, low=WIDTH_RANGE[0], high=WIDTH_RANGE[1]),
    Setting("dead_depth", 2, low=DEPTH_RANGE[0], high=DEPTH_RANGE[1]),
    Setting("dead_epochs", 100, low=EPOCH_RANGE[0], high=EPOCH_RANGE[1]),
    Setting("dead_seed", 0, low=SEED_RANGE[0], high=SEED_RANGE[1]),
    Setting("dead_compare", False),
    Setting("dead_alternative", "leaky_relu", choices=ALTERNATIVE_CHOICES),
    Setting("dead_layer", 1, low=1, high=DEPTH_RANGE[1]),
    Setting("dead_unit", 1, low=1, high=WIDTH_RANGE[1]),
]


# The lesson the page suggests: Adam with large steps and every unit starting below zero kills
# most ReLU units (seed 0: 77-92 %, by the machine's BLAS), while leaky ReLU, from the same start,
# keeps every unit. Measured in tests/test_dead_units.py; over seeds 0-7 the ReLU deaths range
# from 56 % to 92 % and leaky ReLU never loses a unit. The page promises nothing of accuracy:
# over seeds 0-23 leaky ReLU was ahead at 16 and behind at 6 (95 % against 90 % on average).
LESSON = {
    "dead_dataset": "moons", "dead_activation": "relu", "dead_lr": "0.3",
    "dead_optimizer": "adam", "dead_init": "he", "dead_bias": -0.5, "dead_width": 32,
    "dead_depth": 2, "dead_epochs": 100, "dead_seed": 0, "dead_compare": True,
    "dead_alternative": "leaky_relu",
}


@dataclass(frozen=True)
class TrainingRequest:
    """What to train: one config, and the alternative activation in compare mode (else None).
    Equal requests give equal results, so a stored result is current when its request is."""

    config: DeadUnitConfig
    alternative: str | None = None


@dataclass(frozen=True)
class ViewChoice:
    """Chart options that never retrain: which hidden layer and which unit to look inside."""

    layer: int  # 1-based
    unit: int  # 1-based


def training_controls(t):
    """Draw the training settings; return the TrainingRequest they describe."""
    row = st.columns(4)
    dataset = row[0].selectbox(t("dead_dataset"), CLASSIFICATION_SETS, key="dead_dataset",
                               format_func=lambda name: t(f"dead_set_{name}"),
                               help=t("dead_dataset_help"))
    activation = row[1].selectbox(t("dead_activation"), ACTIVATION_CHOICES,
                                  key="dead_activation", format_func=partial(activation_name, t),
                                  help=t("dead_activation_help"))
    optimizer = row[2].selectbox(t("dead_optimizer"), OPTIMIZERS, key="dead_optimizer",
                                 format_func=lambda name: t(f"dead_opt_{name}"),
                                 help=t("dead_optimizer_help"))
    init = row[3].selectbox(t("dead_init"), INITIALIZERS, key="dead_init",
                            format_func=partial(initializer_name, t),
                            help=t("dead_init_help"))
    row = st.columns(4)
    learning_rate = row[0].select_slider(t("dead_lr"), LEARNING_RATES, key="dead_lr",
                                         help=t("dead_lr_help"))
    bias = row[1].slider(t("dead_bias"), *BIAS_RANGE, step=0.1, key="dead_bias",
                         help=t("dead_bias_help"))
    width = row[2].slider(t("dead_width"), *WIDTH_RANGE, key="dead_width",
                          help=t("dead_width_help"))
    depth = row[3].slider(t("dead_depth"), *DEPTH_RANGE, key="dead_depth",
                          help=t("dead_depth_help"))
    row = st.columns(4)
    epochs = row[0].slider(t("dead_epochs"), *EPOCH_RANGE, key="dead_epochs",
                           help=t("dead_epochs_help"))
    seed = row[1].number_input(t("dead_seed"), *SEED_RANGE, step=1, key="dead_seed",
                               help=t("dead_seed_help"))
    compare = row[2].toggle(t("dead_compare"), key="dead_compare", help=t("dead_compare_help"))
    alternative = row[3].selectbox(t("dead_alternative"), ALTERNATIVE_CHOICES,
                                   key="dead_alternative", format_func=partial(activation_name, t),
                                   disabled=not compare, help=t("dead_alternative_help"))
    config = DeadUnitConfig(
        dataset=dataset, activation=activation, learning_rate=float(learning_rate),
        optimizer=optimizer, init=init, initial_bias=float(bias), width=int(width),
        depth=int(depth), epochs=int(epochs), seed=int(seed),
    )
    return TrainingRequest(config, alternative if compare else None)


def view_controls(t, depth, width):
    """Pick the layer and unit to look inside, within the trained network's depth and width."""
    # A stored choice can exceed a smaller network trained since: pull it in before drawing.
    st.session_state.dead_layer = min(int(st.session_state.dead_layer), depth)
    st.session_state.dead_unit = min(int(st.session_state.dead_unit), width)
    row = st.columns(2)
    layer = row[0].select_slider(t("dead_layer"), list(range(1, depth + 1)), key="dead_layer",
                                 help=t("dead_layer_help"), disabled=depth == 1)
    unit = row[1].slider(t("dead_unit"), 1, width, key="dead_unit",
                         help=t("dead_unit_help"))
    return ViewChoice(layer=int(layer), unit=int(unit))


def lesson_button(t, container):
    """The suggested lesson in one click: set its settings (before the run) and train."""
    return container.button(t("dead_lesson"), key="dead_lesson", icon=":material/school:",
                            help=t("dead_lesson_help"), on_click=_apply_lesson)


def _apply_lesson():
    st.session_state.update(LESSON)
