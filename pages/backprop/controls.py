"""Widgets of the backprop page; each group returns the plain values the lesson needs.

Every widget's state is seeded by ``restore_settings(SETTINGS, t)`` (from the URL or the
default), so no widget here is given a ``value``: the ranges below are the single source of
both the widgets' limits and the URL clamping.

Where the student is in each backward pass (``bp_shop_step``, ``bp_act_step``,
``bp_net_step``) is a setting too, not a widget: it is part of what the screen shows, so it
travels in the URL like every other setting. A reload, the browser's Back button or a
teacher's link ("open this: we are at step 3") lands on the same step, and the frame keeps it
across page switches. A lesson link that locks it hides that section's step buttons: the class
then sees the step the teacher chose.
"""

from dataclasses import dataclass
from functools import partial

import streamlit as st

from pages.backprop import lesson
from ui.strings import activation_name
from ui.url_state import Setting

TAB_KEYS = ("shopping", "activation", "relu", "affine", "network", "speed")
PRICE = (0.0, 10_000.0)
COUNT = (0, 1_000)
TAX = (0.0, 10.0)
ACTIVATION_X = (-1_000.0, 1_000.0)  # wide enough to reach the expanded sigmoid's overflow
NETWORK_INPUT = (-10.0, 10.0)
SEED = (0, 999)
# The longest backward pass of each stepped section: the apples-and-oranges graph has 4 steps,
# the expanded tanh 5, the network 4 layers. A graph with fewer steps shows its last one.
SHOP_STEPS, ACTIVATION_STEPS, NETWORK_STEPS = 4, 5, len(lesson.NETWORK_STEPS)


SETTINGS = [
    Setting("bp_lesson", "shopping", choices=TAB_KEYS, label="bp_lesson_label"),
    # 1. the shopping graph
    Setting("bp_shop_graph", "apples", choices=lesson.SHOP_GRAPHS),
    Setting("bp_apple_price", 100.0, *PRICE),
    Setting("bp_apples", 2, *COUNT),
    Setting("bp_orange_price", 150.0, *PRICE),
    Setting("bp_oranges", 3, *COUNT),
    Setting("bp_tax", 1.1, *TAX),
    Setting("bp_shop_step", 0, low=0, high=SHOP_STEPS),
    # 2. sigmoid and tanh as graphs
    Setting("bp_act_function", "sigmoid", choices=lesson.ACTIVATION_GRAPHS),
    Setting("bp_act_x", 1.0, *ACTIVATION_X),
    Setting("bp_act_step", 0, low=0, high=ACTIVATION_STEPS),
    # 3. ReLU's mask: matrices as text, checked by the lesson
    Setting("bp_relu_x", "1.0, -0.5; -2.0, 3.0"),
    Setting("bp_relu_dout", "1.0, 2.0; 3.0, 4.0"),
    # 4. Affine and Softmax-with-Loss
    Setting("bp_aff_x", "1.0, 0.5; -1.5, 2.0"),
    Setting("bp_aff_w", "0.1, -0.2, 0.3; 0.4, 0.5, -0.6"),
    Setting("bp_aff_b", "0.1, 0.0, -0.1"),
    Setting("bp_aff_t", "2, 0"),
    Setting("bp_aff_activation", "sigmoid", choices=lesson.SINGLE_LAYER_ACTIVATIONS),
    # 5. a whole tiny network
    Setting("bp_net_hidden", 2, low=min(lesson.HIDDEN_UNITS), high=max(lesson.HIDDEN_UNITS)),
    Setting("bp_net_activation", "relu", choices=lesson.NETWORK_ACTIVATIONS),
    Setting("bp_net_x1", 1.0, *NETWORK_INPUT),
    Setting("bp_net_x2", -0.5, *NETWORK_INPUT),
    Setting("bp_net_label", 1, low=0, high=1),
    Setting("bp_net_seed", 1, *SEED),  # seed 0 starts with both ReLU units dead on x
    Setting("bp_net_step", 0, low=0, high=NETWORK_STEPS),
    # 6. why backprop
    Setting("bp_speed_depth", 1, *lesson.SPEED_DEPTH),
    Setting("bp_speed_width", 10, *lesson.SPEED_WIDTH),
]

# Network sizes for the speed comparison, P ≈ 50, 500 and 5,000: (depth, width).
SPEED_PRESETS = {"small": (1, 10), "medium": (2, 20), "large": (3, 48)}


@dataclass(frozen=True)
class NetworkSetup:
    hidden: int
    activation: str
    x1: float
    x2: float
    label: int
    seed: int



def step_buttons(t, key, n_steps):
    """Reset, back, next step and run all for the backward pass whose place is ``key``.

    The place is clamped to this graph's ``n_steps`` first (another graph may have had more),
    so the URL always says the step on screen. The buttons sit in a container keyed by the
    setting, which a lesson link's lock hides.
    """
    k = st.session_state[key] = max(0, min(st.session_state[key], n_steps))
    row = st.container(key=key, horizontal=True, wrap=True)
    # (name, icon, disabled, new place from the place when clicked): relative moves, so two
    # quick clicks on "next step" go two steps even if the page had no time to redraw.
    buttons = [("reset", ":material/restart_alt:", k == 0, lambda place: 0),
               ("back", ":material/arrow_back:", k == 0, lambda place: place - 1),
               ("next", ":material/arrow_forward:", k == n_steps, lambda place: place + 1),
               ("all", ":material/fast_forward:", k == n_steps, lambda place: n_steps)]
    for name, icon, disabled, move in buttons:
        row.button(t(f"bp_button_{name}"), key=f"{key}_{name}", icon=icon, disabled=disabled,
                   type="primary" if name == "next" else "secondary", width="content",
                   on_click=_move, args=(key, move, n_steps))


def _move(key, move, n_steps):
    st.session_state[key] = max(0, min(move(st.session_state[key]), n_steps))


def shopping_controls(t):
    """Which graph, and its prices, counts and tax."""
    graph = st.segmented_control(t("bp_shop_graph"), lesson.SHOP_GRAPHS, key="bp_shop_graph",
                                 format_func=lambda key: t(f"bp_shop_graph_{key}"),
                                 required=True, help=t("bp_shop_graph_help"))
    with_oranges = graph == "apples_oranges"
    columns = st.columns(5 if with_oranges else 3)
    apple_price = columns[0].number_input(t("bp_apple_price"), *PRICE, step=10.0,
                                          key="bp_apple_price")
    apples = columns[1].number_input(t("bp_apples"), *COUNT, step=1, key="bp_apples")
    orange_price, oranges = st.session_state.bp_orange_price, st.session_state.bp_oranges
    if with_oranges:
        orange_price = columns[2].number_input(t("bp_orange_price"), *PRICE, step=10.0,
                                               key="bp_orange_price")
        oranges = columns[3].number_input(t("bp_oranges"), *COUNT, step=1, key="bp_oranges")
    tax = columns[-1].number_input(t("bp_tax"), *TAX, step=0.05, format="%.2f", key="bp_tax")
    return lesson.Shopping(graph, apple_price, apples, orange_price, oranges, tax)


def activation_controls(t):
    """sigmoid or tanh, and the x it is evaluated at."""
    left, right = st.columns([2, 3])
    function = left.segmented_control(
        t("bp_act_function"), lesson.ACTIVATION_GRAPHS, key="bp_act_function", required=True,
        format_func=partial(activation_name, t), help=t("bp_act_function_help"))
    x = right.number_input(t("bp_act_x"), *ACTIVATION_X, step=0.5, key="bp_act_x",
                           help=t("bp_act_x_help"))
    return function, x


def matrix_inputs(t, keys, columns=2):
    """A text box per matrix, {setting key: its text} (the lesson parses them)."""
    grid = st.columns(columns)
    return {key: grid[i % columns].text_input(t(key), key=key, max_chars=lesson.MAX_TEXT,
                                              help=t("bp_matrix_help"))
            for i, key in enumerate(keys)}


def single_layer_controls(t):
    return st.segmented_control(
        t("bp_aff_activation"), lesson.SINGLE_LAYER_ACTIVATIONS, key="bp_aff_activation",
        required=True, format_func=partial(activation_name, t), help=t("bp_aff_activation_help"))


def network_controls(t):
    """The tiny network's hidden width and activation, the sample, its class and the seed."""
    top = st.columns([1, 2, 1])
    hidden = top[0].segmented_control(t("bp_net_hidden"), lesson.HIDDEN_UNITS,
                                      key="bp_net_hidden", required=True,
                                      help=t("bp_net_hidden_help"))
    activation = top[1].segmented_control(
        t("bp_net_activation"), lesson.NETWORK_ACTIVATIONS, key="bp_net_activation",
        required=True, format_func=partial(activation_name, t), help=t("bp_net_activation_help"))
    seed = top[2].number_input(t("bp_net_seed"), *SEED, step=1, key="bp_net_seed",
                               help=t("bp_net_seed_help"))
    bottom = st.columns(3)
    x1 = bottom[0].number_input(t("bp_net_x1"), *NETWORK_INPUT, step=0.1, key="bp_net_x1")
    x2 = bottom[1].number_input(t("bp_net_x2"), *NETWORK_INPUT, step=0.1, key="bp_net_x2")
    label = bottom[2].segmented_control(t("bp_net_label"), (0, 1), key="bp_net_label",
                                        required=True, help=t("bp_net_label_help"))
    return NetworkSetup(hidden, activation, x1, x2, label, seed)


def speed_controls(t):
    """Depth and width of the timed network, with presets at P ≈ 50, 500 and 5,000."""
    row = st.container(horizontal=True, wrap=True)
    for name, (depth, width) in SPEED_PRESETS.items():
        row.button(t(f"bp_speed_preset_{name}", parameters=lesson.speed_parameters(depth, width)),
                   key=f"bp_speed_preset_{name}", width="content", on_click=_set_size,
                   args=(depth, width))
    left, right = st.columns(2)
    depth = left.slider(t("bp_speed_depth"), *lesson.SPEED_DEPTH, key="bp_speed_depth")
    width = right.slider(t("bp_speed_width"), *lesson.SPEED_WIDTH, key="bp_speed_width")
    return depth, width


def _set_size(depth, width):
    st.session_state.bp_speed_depth = depth
    st.session_state.bp_speed_width = width
