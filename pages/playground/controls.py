"""The playground's widgets: data, network and training controls, each group returning a plain
dataclass. Every widget's state is declared once in ``SETTINGS`` and lives in the URL."""

from dataclasses import dataclass
from functools import partial

import streamlit as st

from nn_core import ACTIVATIONS, INITIALIZERS, OPTIMIZERS
from pages.playground.model import (
    FEATURES,
    MAX_HIDDEN,
    MAX_UNITS,
    PLAYGROUND_DATASETS,
    NetworkSpec,
    TrainingConfig,
    available_features,
    nearest_class_count,
)
from pages.playground.trainer import AUTO
from ui.strings import activation_name, initializer_name
from ui.url_state import Setting

UPLOAD = "upload"
DATA_SOURCES = (*PLAYGROUND_DATASETS, UPLOAD)
LEARNING_RATES = ("0.00001", "0.0001", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1",
                  "3", "10")
PENALTIES = ("0", "0.0001", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1")
VIEWS = ("warp", "confusion", "gradients")
# Views that moved into the board (the unit maps and the diagram): old links naming them open
# the default view without a notice.
FORMER_VIEWS = ("units", "network")
SEED_MAX = 9999
# Epochs a second while playing: "auto" starts slow and speeds up (trainer.AutoPace).
SPEEDS = (AUTO, "1", "3", "10", "30", "100", "max")
DEFAULT_UNITS = 8

SETTINGS = [
    Setting("pg_dataset", "moons", choices=DATA_SOURCES),
    Setting("pg_classes", 3, low=2, high=5),
    Setting("pg_points", 400, low=50, high=1000),
    Setting("pg_noise", 0.2, low=0.0, high=1.0),
    Setting("pg_train_percent", 70, low=10, high=90),
    Setting("pg_data_seed", 0, low=0, high=SEED_MAX),
    Setting("pg_show_test", False),
    Setting("pg_features", ["x1", "x2"], choices=tuple(FEATURES)),
    Setting("pg_layers", 2, low=0, high=MAX_HIDDEN),
    *[Setting(f"pg_units_{i}", DEFAULT_UNITS, low=1, high=MAX_UNITS, label="pg_units",
              label_fields=(("layer", i),)) for i in range(1, MAX_HIDDEN + 1)],
    *[Setting(f"pg_act_{i}", "tanh", choices=tuple(ACTIVATIONS), label="pg_activation",
              label_fields=(("layer", i),)) for i in range(1, MAX_HIDDEN + 1)],
    Setting("pg_init", "xavier", choices=INITIALIZERS),
    Setting("pg_seed", 0, low=0, high=SEED_MAX),
    Setting("pg_optimizer", "adam", choices=OPTIMIZERS),
    Setting("pg_lr", "0.01", choices=LEARNING_RATES),
    Setting("pg_momentum", 0.9, low=0.0, high=0.99),
    Setting("pg_batch", 10, low=1, high=200),
    Setting("pg_l1", "0", choices=PENALTIES),
    Setting("pg_l2", "0", choices=PENALTIES),
    Setting("pg_stop_epochs", 0, low=0, high=100_000),
    Setting("pg_stop_loss", 0.0, low=0.0, high=10.0),
    Setting("pg_discretize", False),
    Setting("pg_view", VIEWS[0], choices=VIEWS + FORMER_VIEWS),
    Setting("pg_speed", AUTO, choices=SPEEDS),
    Setting("pg_warp_layer", 1, low=1, high=MAX_HIDDEN),
    Setting("pg_warp_u", 1, low=1, high=MAX_UNITS),
    Setting("pg_warp_v", 2, low=1, high=MAX_UNITS),
    Setting("pg_compare_epochs", 200, low=10, high=1000),
]


@dataclass(frozen=True)
class DataControls:
    source: str  # a DATASETS name or "upload"
    n_classes: int  # what the set will actually have (0: regression or upload)
    requested_classes: int
    n_points: int
    noise: float
    test_fraction: float
    seed: int
    show_test: bool

    @property
    def is_upload(self):
        return self.source == UPLOAD

    @property
    def generation(self):
        """What decides the data (display options such as ``show_test`` do not)."""
        return (self.source, self.n_classes, self.n_points, self.noise, self.test_fraction,
                self.seed)


def dataset_control(t):
    """Which data set: the first choice, so it sits next to Play."""
    return st.selectbox(t("pg_dataset"), DATA_SOURCES, key="pg_dataset",
                        format_func=lambda name: t(f"pg_dataset_{name}"),
                        help=t("pg_dataset_help"))


def data_controls(t, source):
    """The data set's size and noise, the train/test split and the seed."""
    allows_classes = source != UPLOAD and len(PLAYGROUND_DATASETS[source].class_choices) > 1
    if allows_classes:
        st.slider(t("pg_classes"), 2, 5, key="pg_classes", help=t("pg_classes_help"))
    if source != UPLOAD:
        st.slider(t("pg_points"), 50, 1000, step=50, key="pg_points", help=t("pg_points_help"))
        st.slider(t("pg_noise"), 0.0, 1.0, step=0.05, key="pg_noise", help=t("pg_noise_help"))
    st.slider(t("pg_train_percent"), 10, 90, step=5, key="pg_train_percent", format="%d%%",
              help=t("pg_train_percent_help"))
    st.number_input(t("pg_data_seed"), 0, SEED_MAX, step=1, key="pg_data_seed",
                    help=t("pg_data_seed_help"))
    st.button(t("pg_regenerate"), key="pg_regenerate_button", icon=":material/refresh:",
              help=t("pg_regenerate_help"), on_click=_bump, args=("pg_data_seed", SEED_MAX),
              width="stretch")
    state = st.session_state
    requested = int(state.pg_classes)
    return DataControls(
        source=source,
        n_classes=nearest_class_count(source, requested) if source != UPLOAD else 0,
        requested_classes=requested if allows_classes else 0,
        n_points=int(state.pg_points), noise=float(state.pg_noise),
        test_fraction=1.0 - state.pg_train_percent / 100.0, seed=int(state.pg_data_seed),
        show_test=bool(state.pg_show_test),
    )


def _bump(key, high):
    """Move a seed on by one (wrapping), so 'regenerate' and 're-initialise' stay shareable."""
    st.session_state[key] = (int(st.session_state[key]) + 1) % (high + 1)


def feature_controls(t, n_inputs):
    """The input features the data can feed, as toggles; returns the chosen ones.

    One-input data (the sine) offers only the features of x₁: a choice that includes x₂ is
    put aside while such data is shown and comes back with two-input data."""
    state = st.session_state
    usable = available_features(n_inputs)
    chosen = list(state.pg_features)
    if any(name not in usable for name in chosen):
        state.pg_features_aside = chosen
        state.pg_features = [name for name in chosen if name in usable] or usable[:1]
    elif "pg_features_aside" in state and n_inputs == 2:
        aside = state.pop("pg_features_aside")
        if chosen == [name for name in aside if name in available_features(1)] or chosen == ["x1"]:
            state.pg_features = aside
    st.pills(t("pg_features"), tuple(usable), selection_mode="multi", key="pg_features",
             format_func=lambda name: t(f"pg_feature_{name}"), help=t("pg_features_help"))
    return tuple(name for name in FEATURES if name in state.pg_features)


def display_toggles(t, task):
    """Under the board, as in TensorFlow Playground: show the test points, discretise."""
    test_column, discretize_column = st.columns(2, gap="small")
    test_column.toggle(t("pg_show_test"), key="pg_show_test", help=t("pg_show_test_help"))
    discretize_column.toggle(t("pg_discretize"), key="pg_discretize",
                             help=t("pg_discretize_help"), disabled=task != "classification")


def speed_control(t):
    """How fast Play trains: epochs a second, "auto" (speeding up) or "max"."""
    st.select_slider(t("pg_speed"), SPEEDS, key="pg_speed", help=t("pg_speed_help"),
                     format_func=lambda speed: t(f"pg_speed_{speed}") if speed in (AUTO, "max")
                     else t("pg_speed_rate", rate=speed))


def speed_value(speed):
    """The trainer's pace for a ``pg_speed`` setting: AUTO, epochs a second, or None (max)."""
    if speed == "max":
        return None
    return AUTO if speed == AUTO else float(speed)


def structure_buttons(t, hidden):
    """TensorFlow Playground's +/- next to the diagram: one pair for the number of hidden
    layers, one pair per hidden layer for its units."""
    columns = st.columns(1 + max(len(hidden), 1), gap="small")
    with columns[0]:
        _plus_minus(t("pg_structure_layers", layers=len(hidden)), "pg_layers", 0, MAX_HIDDEN,
                    "pg_layer")
    for i, units in enumerate(hidden, start=1):
        with columns[i]:
            _plus_minus(t("pg_structure_units", layer=i, units=units), f"pg_units_{i}", 1,
                        MAX_UNITS, f"pg_unit_{i}")


def _plus_minus(label, key, low, high, prefix):
    st.caption(label)
    minus, plus = st.columns(2, gap="small")
    value = int(st.session_state[key])
    minus.button("−", key=f"{prefix}_remove", on_click=_change, args=(key, -1, low, high),
                 disabled=value <= low, width="stretch")
    plus.button("+", key=f"{prefix}_add", on_click=_change, args=(key, 1, low, high),
                disabled=value >= high, width="stretch")


def _change(key, by, low, high):
    st.session_state[key] = int(min(high, max(low, int(st.session_state[key]) + by)))


def network_controls(t, features, task, n_outputs):
    """Hidden layers (units and activation for each), initialisation and seed -> NetworkSpec."""
    n_layers = st.slider(t("pg_layers"), 0, MAX_HIDDEN, key="pg_layers", help=t("pg_layers_help"))
    hidden, activations = [], []
    for i in range(1, n_layers + 1):
        units_column, activation_column = st.columns([2, 3])
        hidden.append(int(units_column.number_input(
            t("pg_units", layer=i), 1, MAX_UNITS, step=1, key=f"pg_units_{i}",
            help=t("pg_units_help"))))
        activations.append(activation_column.selectbox(
            t("pg_activation", layer=i), tuple(ACTIVATIONS), key=f"pg_act_{i}",
            format_func=partial(activation_name, t), help=t("pg_activation_help")))
    init = st.selectbox(t("pg_init"), INITIALIZERS, key="pg_init",
                        format_func=partial(initializer_name, t), help=t("pg_init_help"))
    seed = st.number_input(t("pg_seed"), 0, SEED_MAX, step=1, key="pg_seed", help=t("pg_seed_help"))
    st.button(t("pg_reinit"), key="pg_reinit_button", icon=":material/casino:",
              help=t("pg_reinit_help"), on_click=_bump, args=("pg_seed", SEED_MAX), width="stretch")
    return NetworkSpec(features=features, hidden=tuple(hidden), activations=tuple(activations),
                       task=task, n_outputs=n_outputs, init=init, seed=int(seed))


def training_controls(t):
    """Optimiser, learning rate, batch size, penalties and stop condition -> TrainingConfig."""
    optimizer = st.segmented_control(
        t("pg_optimizer"), OPTIMIZERS, key="pg_optimizer", required=True,
        format_func=lambda name: t(f"pg_optimizer_{name}"), help=t("pg_optimizer_help"))
    st.select_slider(t("pg_lr"), LEARNING_RATES, key="pg_lr", help=t("pg_lr_help"))
    if optimizer == "momentum":
        st.slider(t("pg_momentum"), 0.0, 0.99, step=0.01, key="pg_momentum",
                  help=t("pg_momentum_help"))
    st.slider(t("pg_batch"), 1, 200, key="pg_batch", help=t("pg_batch_help"))
    l1_column, l2_column = st.columns(2)
    l1_column.select_slider(t("pg_l1"), PENALTIES, key="pg_l1", help=t("pg_l1_help"))
    l2_column.select_slider(t("pg_l2"), PENALTIES, key="pg_l2", help=t("pg_l2_help"))
    epochs_column, loss_column = st.columns(2)
    epochs_column.number_input(t("pg_stop_epochs"), 0, 100_000, step=100, key="pg_stop_epochs",
                               help=t("pg_stop_epochs_help"))
    loss_column.number_input(t("pg_stop_loss"), 0.0, 10.0, step=0.01, format="%.3f",
                             key="pg_stop_loss", help=t("pg_stop_loss_help"))
    state = st.session_state
    return TrainingConfig(
        optimizer=optimizer or "adam", lr=float(state.pg_lr), momentum=float(state.pg_momentum),
        batch_size=int(state.pg_batch), l1=float(state.pg_l1), l2=float(state.pg_l2),
        stop_epochs=int(state.pg_stop_epochs), stop_loss=float(state.pg_stop_loss),
    )


def view_controls(t):
    """Which detailed view to show under the board."""
    if st.session_state.get("pg_view") not in VIEWS:
        st.session_state.pg_view = VIEWS[0]
    return st.segmented_control(t("pg_view"), VIEWS, key="pg_view", required=True,
                                format_func=lambda name: t(f"pg_view_{name}"),
                                help=t("pg_view_help")) or VIEWS[0]


def warp_controls(t, hidden):
    """The hidden layer and the two units the space-warping view plots; 0-based units."""
    layer_column, u_column, v_column = st.columns(3)
    layer = layer_column.number_input(t("pg_warp_layer"), 1, MAX_HIDDEN, key="pg_warp_layer",
                                      help=t("pg_warp_layer_help"))
    u = u_column.number_input(t("pg_warp_u"), 1, MAX_UNITS, key="pg_warp_u",
                              help=t("pg_warp_unit_help"))
    v = v_column.number_input(t("pg_warp_v"), 1, MAX_UNITS, key="pg_warp_v",
                              help=t("pg_warp_unit_help"))
    layer = min(int(layer), len(hidden))
    units = hidden[layer - 1] if hidden else 1
    return layer, min(int(u), units) - 1, min(int(v), units) - 1
