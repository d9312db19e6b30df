"""The playground's views: data loading, the live trainer, the board and the tools.

The page calls these in order; each draws one part of the page. Live panels are
``st.fragment(run_every=...)`` functions that redraw from the trainer's latest snapshot while
training runs in its worker thread (see ``pages.playground.trainer``).
"""

import hashlib
import json
import re
import time

import numpy as np
import pandas as pd
import streamlit as st

from nn_core import confusion_matrix, gradient_check
from pages.playground import charts
from pages.playground.compare import compare_with_sklearn
from pages.playground.controls import (
    SEED_MAX,
    speed_value,
    structure_buttons,
    view_controls,
    warp_controls,
)
from pages.playground.files import (
    UploadError,
    history_to_csv,
    parse_csv,
    quoted,
    template_csv,
    weights_from_npz,
    weights_mismatch,
    weights_to_npz,
)
from pages.playground.model import (
    GRADCHECK_MAX_PARAMETERS,
    TrainingRun,
    feature_matrix,
    gradient_check_subset,
    hidden_projection,
    input_grid,
    make_playground_data,
    map_resolution,
    model_with_weights,
    network_diagram,
    network_maps,
    plane_extent,
    split_data,
    warped_grid,
)
from pages.playground.trainer import LiveTrainer
from ui.admission import turn
from ui.strings import activation_name

# How often the board and curves redraw while training runs: at the default pace an epoch or
# two per redraw early on, so the class sees the boundary form.
REFRESH_SECONDS = 0.4
# The curves and the detailed views redraw less often: the browser stays free to answer clicks.
# Three periods that rarely meet: ticks of two fragments that arrive together are served by
# one slower run (measured: up to 4 s, and some never answered, with two fragments on 1.3 s).
CURVES_REFRESH_SECONDS = 1.1
DETAIL_REFRESH_SECONDS = 1.7
# While several sessions train at once, the live panels redraw this many times less often: the
# charts still move every second or so, and the server keeps up with the whole class.
BUSY_SLOWDOWN = 2
WAIT_POLL_SECONDS = 3.0  # how often a session waiting for a training slot asks again
# 96 x 96 cells for the output image (one forward pass of 9,216 points); node maps take every
# third cell (32 x 32) or fewer for big networks: see ``map_resolution``.
BOARD_RESOLUTION = 96
BOARD_KEY = "pg_board"  # the board chart's widget key: its selection is the clicked edge
REDRAW_ALL = "pg_redraw_all"  # session flag: the next fragment run reruns the whole page
# A weight a student types is kept within this range (a larger one only saturates the units).
MAX_EDITED_WEIGHT = 100.0


def is_phone():
    """True for a phone's browser (its user agent says "Mobi", as phones' do): the page then
    stacks the diagram under the plot and puts the board before the controls."""
    agent = st.context.headers.get("User-Agent", "") if st.context.headers else ""
    return "Mobi" in agent


def page_css(t, projector):
    """The page's own style: metrics that never truncate, Streamlit's uploader texts in the
    page's language, and in projector mode the small print a room must read, larger."""
    rules = ['[data-testid="stMetricValue"] > div { overflow: visible !important; '
             'text-overflow: clip !important; }']
    if t.lang != "en":
        rules.append(uploader_css(t))
    if projector:
        rules.append(PROJECTOR_CSS)
    return "<style>" + "\n".join(rules) + "</style>"


UPLOADERS = {"pg_csv_file": "CSV", "pg_weights_file": "NPZ"}  # widget key -> its file type


def uploader_css(t):
    """Streamlit's file uploader writes its button and its size limit in English only: hide
    those texts and put translated ones in their place (CSS ``::after``). Both uploaders of
    the page are addressed by their keys."""
    button = json.dumps(t("pg_uploader_button"), ensure_ascii=False)
    rules = [
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p '
        '{ font-size: 0 !important; }',
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] '
        f'p::after {{ content: {button}; font-size: 0.875rem; }}',
    ]
    for key, kind in UPLOADERS.items():
        limit = json.dumps(f"{t('pg_uploader_limit')} • {kind}", ensure_ascii=False)
        instructions = f'.st-key-{key} [data-testid="stFileUploaderDropzoneInstructions"] > div'
        rules.append(f"{instructions} > * {{ display: none !important; }}")
        rules.append(f"{instructions}::after {{ content: {limit}; font-size: 0.875rem; "
                     "opacity: 0.7; }")
    return "\n".join(rules)


PROJECTOR_CSS = """
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { font-size: 19px !important; }
[data-testid="stTable"] th, [data-testid="stTable"] td { font-size: 19px !important; }
[data-testid="stTab"] p { font-size: 21px !important; font-weight: 600; }
[data-testid="stButtonGroup"] p { font-size: 18px !important; }
[data-testid="stSliderTickBarMin"], [data-testid="stSliderTickBarMax"],
[data-testid="stSliderThumbValue"] { font-size: 17px !important; }
[data-testid="stMetricLabel"] p { font-size: 19px !important; }
[data-testid="stFileUploaderDropzoneInstructions"] span,
[data-testid="stFileUploaderDropzoneInstructions"] small { font-size: 17px !important; }
"""


# --- data -------------------------------------------------------------------------------------
@st.cache_data(max_entries=32, show_spinner=False)
def generated_data(name, n_points, noise, test_fraction, seed, n_classes):
    return make_playground_data(name, n_points, noise, test_fraction, seed,
                                n_classes=n_classes or None)


@st.cache_data(max_entries=8, show_spinner=False)
def uploaded_data(content, test_fraction, seed):
    X, y, task = parse_csv(content)
    try:
        return split_data(X, y, task, test_fraction, seed)
    except ValueError:  # parsed data splits; standardize refuses values it would make infinite
        raise UploadError("not_standardisable") from None


def upload_error_text(t, error):
    """The translated message of a refused file. Text copied from the file is shown as code, so
    Markdown in it (a link, an image, a colour) stays plain text; the task is translated."""
    fields = dict(error.fields)
    for name in UploadError.FILE_TEXT & set(fields):
        fields[name] = as_code(quoted(fields[name]))
    if "task" in fields:
        fields["task"] = t(f"pg_task_{fields['task']}")
    return t(f"pg_upload_error_{error.code}", **fields)


def as_code(text):
    """``text`` as a Markdown code span: nothing inside it is interpreted (CommonMark: a fence
    longer than any run of backticks in the text, padded by spaces)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


def read_upload(parse, content):
    """``parse(content)``, with every failure a refused file: a parser error of any kind must
    become a message on the page, never a traceback (the file is anybody's bytes)."""
    try:
        return parse(content)
    except UploadError:
        raise
    except Exception:  # noqa: BLE001 - see the docstring
        raise UploadError("not_npz" if parse is weights_from_npz else "not_text") from None


def load_data(t, controls):
    """(data, key identifying it) for the chosen source; (None, None) after showing why not."""
    if controls.requested_classes and controls.n_classes != controls.requested_classes:
        st.caption(t("pg_classes_adjusted", classes=controls.n_classes))
    if not controls.is_upload:
        data = generated_data(controls.source, controls.n_points, controls.noise,
                              controls.test_fraction, controls.seed, controls.n_classes)
        return data, ("generated", *controls.generation)
    st.download_button(t("pg_template"), template_csv(), "playground_template.csv",
                       mime="text/csv", key="pg_template_button", on_click="ignore",
                       icon=":material/download:", help=t("pg_template_help"))
    uploaded = st.file_uploader(t("pg_upload"), type=["csv"], key="pg_csv_file",
                                help=t("pg_upload_help"))
    if uploaded is None:  # the page says what to upload where the board would be
        return None, None
    content = uploaded.getvalue()
    try:
        data = read_upload(lambda raw: uploaded_data(raw, controls.test_fraction, controls.seed),
                           content)
    except UploadError as error:
        st.error(upload_error_text(t, error), icon=":material/error:")
        return None, None
    st.success(t("pg_upload_ok", rows=len(data.X_train) + len(data.X_test),
                 task=t(f"pg_task_{data.task}")), icon=":material/check_circle:")
    return data, ("upload", hashlib.sha256(content).hexdigest(), *controls.generation)


# --- the trainer ------------------------------------------------------------------------------
def current_trainer(t, data_key, data, spec, config):
    """The session's trainer for this data and network; a new one when either changed."""
    state = st.session_state
    pending = state.pop("pg_pending_weights", None)
    trainer = state.get("pg_trainer")
    signature = (data_key, spec)
    if trainer is not None and state.get("pg_signature") == signature and pending is None:
        trainer.configure(config)
        trainer.pace(speed_value(state.pg_speed))
        return trainer
    if trainer is not None:
        trainer.pause()
    run = TrainingRun(data, spec, config)
    if pending is not None:
        loaded_spec, theta = pending
        mismatch = weights_mismatch(loaded_spec, spec, data.n_inputs)
        if mismatch is None:
            run.load_weights(theta)
            st.toast(t("pg_weights_loaded"), icon=":material/upload:")
        else:
            key, fields = mismatch
            fields = {name: t(f"pg_task_{value}") if name in ("saved", "data") and
                      isinstance(value, str) else value for name, value in fields.items()}
            state.pg_weights_notice = t(key, **fields)
    for key in ("pg_gradcheck", "pg_comparison", "pg_edge"):
        state.pop(key, None)
    state.pg_trainer, state.pg_signature = LiveTrainer(run), signature
    state.pg_trainer.pace(speed_value(state.pg_speed))
    return state.pg_trainer


def stop_training():
    """Pause the session's trainer, if any (e.g. while no data set is loaded)."""
    trainer = st.session_state.get("pg_trainer")
    if trainer is not None:
        trainer.pause()


def _play(trainer):
    if not trainer.start():
        st.session_state.pg_play_refused = True


def transport_buttons(t, trainer):
    """Play or pause, step one epoch, reset to the initial weights; while the server is full,
    the waiting message (Pause cancels the wait)."""
    play, step, reset = st.columns(3, gap="small")
    if trainer.running or trainer.waiting:
        play.button(t("pg_pause"), key="pg_pause_button", icon=":material/pause:",
                    type="primary", on_click=trainer.pause, help=t("pg_pause_help"),
                    width="stretch")
    else:
        play.button(t("pg_play"), key="pg_play_button", icon=":material/play_arrow:",
                    type="primary", on_click=_play, args=(trainer,), help=t("pg_play_help"),
                    width="stretch")
    step.button(t("pg_step"), key="pg_step_button", icon=":material/skip_next:",
                on_click=trainer.step, help=t("pg_step_help"), width="stretch")
    reset.button(t("pg_reset"), key="pg_reset_button", icon=":material/restart_alt:",
                 on_click=trainer.reset, help=t("pg_reset_help"), width="stretch")
    if st.session_state.pop("pg_play_refused", False):
        st.warning(t("pg_play_refused"), icon=":material/block:")
    waiting_panel(t, trainer)


def waiting_panel(t, trainer):
    """While Play waits for a training slot: a small fragment that asks for one every
    ``WAIT_POLL_SECONDS`` (without blocking) and says how busy the server is. When the slot
    comes, one full rerun starts the live panels."""
    waiting = trainer.waiting

    @st.fragment(run_every=WAIT_POLL_SECONDS if waiting else None)
    def panel():
        if not waiting:
            return
        if trainer.poll() or not trainer.waiting:
            st.rerun(scope="app")
        training, position, queued = trainer.queue_status()
        st.info(t("pg_waiting", training=training, position=position, waiting=queued),
                icon=":material/hourglass_top:")

    panel()


# --- live panels ------------------------------------------------------------------------------
def live_fragment(trainer, draw, every=REFRESH_SECONDS):
    """Run ``draw(snapshot)`` in a fragment that refreshes every ``every`` seconds while
    ``trainer`` runs. When the worker stops by itself (stop condition, divergence), one full
    rerun turns the timer off."""
    live = trainer.running
    if live and trainer.slots.running > 1:
        every *= BUSY_SLOWDOWN  # others train too: redraw less often, keep every page responsive

    @st.fragment(run_every=every if live else None)
    def panel():
        snapshot = trainer.snapshot()
        draw(snapshot)
        # A click in one fragment that the other draws (an edge picked on the board opens the
        # weight box under it; a typed weight redraws the board) reruns the whole page.
        if (live and not trainer.running) or st.session_state.pop(REDRAW_ALL, False):
            st.rerun(scope="app")

    panel()


def data_splits(data, show_test):
    splits = [(data.X_train, data.y_train, "train")]
    if show_test:
        splits.append((data.X_test, data.y_test, "test"))
    return splits


def plane_grid(data, resolution):
    extent = plane_extent(data.X_train, data.X_test)
    return input_grid(extent, data.n_inputs, resolution)


def status_messages(t, trainer, snapshot):
    if trainer.error:
        st.error(t("error_generic", detail=trainer.error), icon=":material/error:")
    if snapshot.diverged:
        st.error(t("pg_diverged", epoch=snapshot.epoch + 1), icon=":material/warning:")
    elif snapshot.finished:
        st.success(t("pg_finished", epoch=snapshot.epoch), icon=":material/flag:")


def metrics_row(t, data, snapshot, phone=False):
    """Epoch, losses and test accuracy; on a phone one line of text instead of four stacked
    metrics, so the board stays next to Play."""
    history = snapshot.history
    last = (lambda name: history[name][-1]) if history["epoch"] else (lambda name: None)
    shown = [("pg_metric_epoch", f"{snapshot.epoch:,}"),
             ("pg_metric_train_loss", _number(last("train_loss"))),
             ("pg_metric_test_loss", _number(last("test_loss")))]
    if data.task == "classification":
        value = last("test_accuracy")
        shown.append(("pg_metric_test_accuracy", "–" if value is None else _percent(value)))
    if phone:
        st.markdown(" · ".join(f"{t(label)} **{value}**" for label, value in shown))
        return
    for column, (label, value) in zip(st.columns(4, gap="small"), shown, strict=False):
        column.metric(t(label), value)


def _number(value):
    return "–" if value is None else f"{value:.3f}"


def _percent(value):
    """An accuracy as the page shows it: "100%" rather than "100.0%" (it must fit its box)."""
    return "100%" if value >= 1.0 else f"{value:.1%}"


def node_names(t, diagram, data):
    """What each node of ``diagram`` is called on the page."""
    names = []
    for node in diagram.node_id:
        kind, _, rest = node.partition("_")
        if kind == "input":
            names.append(t(f"pg_feature_{rest}"))
        elif kind == "unit":
            layer, unit = rest.split("_")
            names.append(t("pg_node_hidden", layer=int(layer), unit=int(unit)))
        elif data.task == "classification":
            names.append(t("pg_output_class", label=int(rest)))
        else:
            names.append(t("pg_output_value"))
    return names


def target_scale(data):
    """The largest |target| of a regression set: its colours run from -that to +that."""
    return max(float(np.max(np.abs(data.y_train))), 1e-9)


def board(t, style, model, data, spec, show_test, discretize, phone=False):
    """The board's Vega-Lite spec for ``model``: diagram with unit maps next to the output
    plot (the work of one live tick)."""
    diagram = network_diagram(model, spec.features, data.n_inputs)
    geometry = charts.board_geometry(style, diagram.column_sizes, phone)
    grid = plane_grid(data, BOARD_RESOLUTION)
    maps = network_maps(model, spec.features, grid)
    regression = data.task == "regression"
    scale = target_scale(data) if regression else None
    images = charts.board_images(maps, diagram, data.n_classes, scale or 1.0,
                                 discretize=discretize,
                                 node_size=map_resolution(len(diagram.node_id)))
    headers = [t("pg_header_inputs")]
    header = "pg_header_layer_narrow" if geometry.stacked else "pg_header_layer"
    headers += [t(header, units=units, activation=activation_name(t, spec.activations[i]))
                for i, units in enumerate(spec.hidden)]
    headers.append(t("pg_header_output"))
    names = node_names(t, diagram, data)
    frames = charts.board_frames(t, diagram, images, geometry, names,
                                 data_splits(data, show_test), grid.extent, headers, scale)
    curve = None
    if data.n_inputs == 1:
        curve = pd.DataFrame({"x1": grid.points[:, 0], "prediction": maps.output.predicted})
    return charts.board_chart(t, style, geometry, frames, task=data.task,
                              n_classes=data.n_classes, n_raw_inputs=data.n_inputs,
                              extent=grid.extent, curve=curve), diagram


def board_panel(frame, trainer, data, spec, show_test, discretize, phone):
    """Epoch counter and losses, then the board (diagram next to the output plot)."""
    t, style = frame.t, frame.style

    def draw(snapshot):
        status_messages(t, trainer, snapshot)
        metrics_row(t, data, snapshot, phone)
        model = model_with_weights(spec, snapshot.theta)
        chart, diagram = board(t, style, model, data, spec, show_test, discretize, phone)
        st.vega_lite_chart(chart, key=BOARD_KEY, on_select=_pick_edge, selection_mode=[
            charts.EDGE], width="content")
        if diagram.edges_total > len(diagram.edge_weight):
            st.caption(t("pg_network_thinned", shown=len(diagram.edge_weight),
                         total=diagram.edges_total))

    live_fragment(trainer, draw)


def board_details(frame, trainer, data, spec):
    """Under the board: what it shows, the clicked edge's weight to edit, and the curves
    (a fragment of its own, so that the +/- buttons between the two can rerun the page)."""
    t, style = frame.t, frame.style

    def draw(snapshot):
        st.caption(t("pg_board_caption"))
        if not spec.hidden:
            st.caption(t("pg_no_hidden"))
        if st.session_state.get("pg_edge") is not None:
            # The diagram (an id per weight) is built only for the editor of a clicked edge,
            # not on every tick of the curves.
            model = model_with_weights(spec, snapshot.theta)
            diagram = network_diagram(model, spec.features, data.n_inputs)
            edge_editor(t, trainer, diagram, node_names(t, diagram, data), snapshot)
        curves = st.columns(2 if data.task == "classification" else 1)
        if snapshot.history["epoch"]:
            curves[0].vega_lite_chart(charts.history_chart(t, style, snapshot.history, "loss"),
                                      width="stretch")
            if data.task == "classification":
                curves[1].vega_lite_chart(
                    charts.history_chart(t, style, snapshot.history, "accuracy"), width="stretch")
        else:
            st.caption(t("pg_no_history"))

    live_fragment(trainer, draw, every=CURVES_REFRESH_SECONDS)


def _pick_edge():
    """The board's selection changed: remember the clicked edge (or none) and offer its
    weight for editing, starting from the weight it has now. What the browser sent is checked:
    an id that names no weight of this network selects nothing."""
    state = st.session_state
    picked = state[BOARD_KEY].selection.get(charts.EDGE) or []
    edge = picked[0].get("id") if picked and isinstance(picked[0], dict) else None
    trainer = state.get("pg_trainer")
    weight = None
    if isinstance(edge, str) and re.fullmatch(r"\d{1,3}_\d{1,3}_\d{1,3}", edge) and trainer:
        layer, source, target = edge_parts(edge)

        def read(run):
            dense = run.model.dense_layers()
            if layer < len(dense) and source < dense[layer].W.shape[0] and \
                    target < dense[layer].W.shape[1]:
                return float(dense[layer].W[source, target])
            return None

        weight = trainer.inspect(read)
    state[REDRAW_ALL] = (edge if weight is not None else None) != state.get("pg_edge")
    state.pg_edge = edge if weight is not None else None
    if weight is not None:
        state.pg_edge_value = float(np.clip(weight, -MAX_EDITED_WEIGHT, MAX_EDITED_WEIGHT))


def edge_parts(edge):
    """(Dense layer, source unit, target unit) of a diagram edge id such as "0_1_2"."""
    layer, source, target = (int(part) for part in edge.split("_"))
    return layer, source, target


def _set_weight(trainer, edge):
    trainer.set_weight(*edge_parts(edge), float(st.session_state.pg_edge_value))
    st.session_state[REDRAW_ALL] = True


def edge_editor(t, trainer, diagram, names, snapshot):
    """TensorFlow Playground's weight box: the clicked edge's weight, to type a new one."""
    edge = st.session_state.get("pg_edge")
    if edge is None or edge not in diagram.edge_id:
        return
    index = diagram.edge_id.index(edge)
    layer = int(diagram.edge_layer[index])
    first = np.cumsum([0, *diagram.column_sizes])  # index of each column's first node
    source = names[first[layer] + int(diagram.edge_source[index])]
    target = names[first[layer + 1] + int(diagram.edge_target[index])]
    with st.container(border=True, key="pg_edge_box"):
        st.number_input(t("pg_edge_weight", source=source, target=target),
                        -MAX_EDITED_WEIGHT, MAX_EDITED_WEIGHT, step=0.1, format="%.3f",
                        key="pg_edge_value", on_change=_set_weight, args=(trainer, edge),
                        help=t("pg_edge_weight_help"))
        st.caption(t("pg_edge_now", weight=float(diagram.edge_weight[index]),
                     epoch=snapshot.epoch))


def structure_panel(t, spec):
    """Add or remove hidden layers and units, next to the diagram (TensorFlow Playground's
    +/- buttons); a new shape is a new network from the same seed."""
    structure_buttons(t, spec.hidden)


def detail_panel(frame, trainer, data, spec):
    """The chosen detailed view: space warping, confusion matrix or gradients."""
    t, style = frame.t, frame.style
    view = view_controls(t)
    warp = warp_controls(t, spec.hidden) if view == "warp" else None

    def draw(snapshot):
        model = model_with_weights(spec, snapshot.theta)
        if view == "warp":
            draw_warp(t, style, model, data, spec, warp)
        elif view == "confusion":
            draw_confusion(t, style, model, data, spec)
        else:
            draw_gradients(t, style, snapshot)

    live_fragment(trainer, draw, every=DETAIL_REFRESH_SECONDS)


def draw_warp(t, style, model, data, spec, warp):
    layer, u, v = warp
    if not spec.hidden or data.n_inputs == 1 or data.task != "classification":
        st.info(t("pg_warp_unavailable"), icon=":material/info:")
        return
    st.caption(t("pg_warp_caption"))
    extent = plane_extent(data.X_train, data.X_test)
    warped = warped_grid(model, spec.features, layer, u, v, extent)
    pu, pv = hidden_projection(model, spec.features, data.X_train, layer, u, v)
    titles = tuple(t("pg_warp_axis", layer=layer, unit=unit + 1) for unit in (u, v))
    st.vega_lite_chart(charts.warp_chart(t, style, warped, (pu, pv, data.y_train),
                                         data.n_classes, titles), width="content")


def draw_confusion(t, style, model, data, spec):
    if data.task != "classification":
        st.info(t("pg_confusion_regression"), icon=":material/info:")
        return
    predicted = model.predict(feature_matrix(data.X_test, spec.features))
    counts = confusion_matrix(data.y_test, predicted, data.n_classes)
    st.vega_lite_chart(charts.confusion_chart(t, style, counts), width="content")


def draw_gradients(t, style, snapshot):
    if not snapshot.gradient_norms:
        st.caption(t("pg_no_history"))
        return
    st.caption(t("pg_gradients_caption"))
    epochs = snapshot.history["epoch"]
    left, right = st.columns(2)
    left.vega_lite_chart(charts.layer_lines_chart(
        t, style, snapshot.gradient_norms, epochs, "pg_chart_gradients", "pg_axis_gradient_norm"),
        width="stretch")
    right.vega_lite_chart(charts.layer_lines_chart(
        t, style, snapshot.update_ratios, epochs, "pg_chart_updates", "pg_axis_update_ratio"),
        width="stretch")


# --- tools: gradient check, scikit-learn, files ------------------------------------------------
def gradient_check_tool(t, trainer):
    st.markdown(f"**{t('pg_gradcheck_title')}**")
    st.caption(t("pg_gradcheck_caption"))
    n_parameters = trainer.run.model.n_parameters
    too_big = n_parameters > GRADCHECK_MAX_PARAMETERS
    if too_big:
        st.caption(t("pg_gradcheck_too_big", parameters=n_parameters,
                     limit=GRADCHECK_MAX_PARAMETERS))
    if st.button(t("pg_gradcheck_button"), key="pg_gradcheck_button", disabled=too_big,
                 icon=":material/fact_check:", help=t("pg_gradcheck_help")):
        snapshot = trainer.snapshot()
        model, X, y = gradient_check_subset(trainer.run, snapshot.theta)
        with turn(t), st.spinner(t("pg_working")):
            start = time.perf_counter()
            error = gradient_check(model, X, y)
            seconds = time.perf_counter() - start
        st.session_state.pg_gradcheck = (snapshot.epoch, error, model.n_parameters, seconds)
    result = st.session_state.get("pg_gradcheck")
    if result is not None:
        epoch, error, n_parameters, seconds = result
        verdict = "pg_gradcheck_good" if error < 1e-6 else "pg_gradcheck_bad"
        st.metric(t("pg_gradcheck_metric"), f"{error:.2e}")
        st.caption(t(verdict, epoch=epoch, parameters=n_parameters, seconds=seconds))


def sklearn_tool(t, data, spec, config):
    st.markdown(f"**{t('pg_compare_title')}**")
    st.number_input(t("pg_compare_epochs"), 10, 1000, step=10, key="pg_compare_epochs",
                    help=t("pg_compare_epochs_help"))
    if st.button(t("pg_compare_button"), key="pg_compare_button", icon=":material/compare:",
                 help=t("pg_compare_help")):
        with turn(t) as my_turn, st.spinner(t("pg_working")):
            st.session_state.pg_comparison = compare_with_sklearn(
                data, spec, config, int(st.session_state.pg_compare_epochs),
                between=my_turn.checkpoint)
    result = st.session_state.get("pg_comparison")
    if result is None:
        return
    score_name = t("pg_metric_test_accuracy" if data.task == "classification" else "pg_test_mse")
    rows = {t("pg_compare_engine"): ["nn_core", "scikit-learn"],
            score_name: [_score(result.ours_score, data.task),
                         _score(result.sklearn_score, data.task)],
            t("pg_compare_seconds"): [f"{result.ours_seconds:.2f}",
                                      f"{result.sklearn_seconds:.2f}"]}
    st.table(pd.DataFrame(rows).set_index(t("pg_compare_engine")))
    if result.epochs < int(st.session_state.pg_compare_epochs):
        st.caption(t("pg_compare_capped", epochs=result.epochs))
    if result.ours_diverged or result.sklearn_diverged:
        st.warning(t("pg_compare_diverged"), icon=":material/warning:")
    if not result.same_activation:
        st.caption(t("pg_compare_activation", activation=result.sklearn_activation))
    if config.l1:
        st.caption(t("pg_compare_no_l1"))


def _score(value, task):
    if value != value:  # NaN: that library's training diverged
        return "–"
    return f"{value:.1%}" if task == "classification" else f"{value:.4f}"


def files_tool(t, trainer):
    st.markdown(f"**{t('pg_files_title')}**")
    snapshot = trainer.snapshot()
    st.download_button(t("pg_export_weights"), weights_to_npz(trainer.run, snapshot.theta),
                       "playground_weights.npz", mime="application/octet-stream",
                       key="pg_export_weights_button", on_click="ignore",
                       icon=":material/download:", help=t("pg_export_weights_help"))
    st.download_button(t("pg_export_history"), history_to_csv(snapshot.history),
                       "playground_history.csv", mime="text/csv",
                       key="pg_export_history_button", on_click="ignore",
                       icon=":material/download:", help=t("pg_export_history_help"))
    st.file_uploader(t("pg_import_weights"), type=["npz"], key="pg_weights_file",
                     on_change=_load_weights, help=t("pg_import_weights_help"))
    error = st.session_state.get("pg_weights_error")
    if error is not None:
        st.error(upload_error_text(t, error), icon=":material/error:")
    notice = st.session_state.get("pg_weights_notice")
    if notice:
        st.warning(notice, icon=":material/warning:")


def _load_weights():
    """Check an uploaded weights file; if good, set the network widgets to its architecture
    and leave the weights for ``current_trainer`` to load."""
    state = st.session_state
    uploaded = state.get("pg_weights_file")
    state.pg_weights_error = state.pg_weights_notice = None
    if uploaded is None:
        return
    try:
        spec, theta = read_upload(weights_from_npz, uploaded.getvalue())
    except UploadError as error:
        state.pg_weights_error = error
        return
    state.pg_layers = len(spec.hidden)
    layers = zip(spec.hidden, spec.activations, strict=True)
    for i, (units, activation) in enumerate(layers, start=1):
        state[f"pg_units_{i}"], state[f"pg_act_{i}"] = units, activation
    state.pg_features = list(spec.features)
    state.pg_init = spec.init
    if spec.seed <= SEED_MAX:  # the weights replace what the seed drew: a larger one is moot
        state.pg_seed = spec.seed
    state.pg_pending_weights = (spec, np.asarray(theta))
