"""The playground's views: data loading, the live trainer, the live panels and the tools.

The page calls these in order; each draws one part of the page. Live panels are
``st.fragment(run_every=...)`` functions that redraw from the trainer's latest snapshot while
training runs in its worker thread (see ``pages.playground.trainer``).
"""

import hashlib
import re
import time

import numpy as np
import streamlit as st

from nn_core import confusion_matrix, gradient_check
from pages.playground import charts
from pages.playground.compare import compare_with_sklearn
from pages.playground.controls import SEED_MAX, view_controls, warp_controls
from pages.playground.files import (
    UploadError,
    quoted,
    weights_mismatch,
    history_to_csv,
    parse_csv,
    template_csv,
    weights_from_npz,
    weights_to_npz,
)
from pages.playground.model import (
    GRADCHECK_MAX_PARAMETERS,
    TrainingRun,
    feature_matrix,
    gradient_check_subset,
    heatmap_resolution,
    hidden_projection,
    input_grid,
    make_playground_data,
    model_with_weights,
    network_diagram,
    output_map,
    plane_extent,
    split_data,
    unit_maps,
    warped_grid,
)
from pages.playground.trainer import LiveTrainer
from ui.admission import turn
from ui.strings import activation_name

REFRESH_SECONDS = 0.5  # how often the boundary and curves redraw while training runs
# The detailed views hold many more marks; redrawing them less often keeps the browser free
# to answer clicks.
DETAIL_REFRESH_SECONDS = 1.3
# While several sessions train at once, the live panels redraw this many times less often: the
# charts still move every second or two, and the server keeps up with the whole class.
BUSY_SLOWDOWN = 2
WAIT_POLL_SECONDS = 3.0  # how often a session waiting for a training slot asks again
BOUNDARY_RESOLUTION = 60  # 60 x 60 cells: ~60 KB of chart data
CURVE_RESOLUTION = 200


def page_columns(projector):
    """(data, network, output) containers: side by side, or for a projector the output first
    at full width (big enough to read from the back row) and the controls below it."""
    if projector:
        output = st.container()
        data, network = st.columns(2, gap="medium")
        return data, network, output
    return st.columns([1, 1.3, 2.2], gap="small")


# --- data -------------------------------------------------------------------------------------
@st.cache_data(max_entries=32, show_spinner=False)
def generated_data(name, n_points, noise, test_fraction, seed, n_classes):
    return make_playground_data(name, n_points, noise, test_fraction, seed,
                                n_classes=n_classes or None)


@st.cache_data(max_entries=8, show_spinner=False)
def uploaded_data(content, test_fraction, seed):
    X, y, task = parse_csv(content)
    return split_data(X, y, task, test_fraction, seed)


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
    if uploaded is None:
        st.info(t("pg_upload_prompt"), icon=":material/upload_file:")
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
            st.session_state.pg_weights_notice = t(key, **fields)
    for key in ("pg_gradcheck", "pg_comparison"):
        state.pop(key, None)
    state.pg_trainer, state.pg_signature = LiveTrainer(run), signature
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
    play, step, reset = st.columns(3)
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
        if live and not trainer.running:
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


def metrics_row(t, data, snapshot):
    history = snapshot.history
    epoch, train_loss, test_loss, score = st.columns(4)
    epoch.metric(t("pg_metric_epoch"), f"{snapshot.epoch:,}")
    last = (lambda name: history[name][-1]) if history["epoch"] else (lambda name: None)
    train_loss.metric(t("pg_metric_train_loss"), _number(last("train_loss")))
    test_loss.metric(t("pg_metric_test_loss"), _number(last("test_loss")))
    if data.task == "classification":
        value = last("test_accuracy")
        score.metric(t("pg_metric_test_accuracy"), "–" if value is None else f"{value:.1%}")


def _number(value):
    return "–" if value is None else f"{value:.4f}"


def output_panel(frame, trainer, data, spec, show_test, discretize):
    """Epoch counter, loss numbers, the boundary (or fitted surface) and the curves."""
    t, style = frame.t, frame.style

    def draw(snapshot):
        status_messages(t, trainer, snapshot)
        metrics_row(t, data, snapshot)
        model = model_with_weights(spec, snapshot.theta)
        splits = data_splits(data, show_test)
        st.vega_lite_chart(boundary_for(t, style, model, data, spec, splits, discretize),
                           width="stretch" if data.n_inputs == 1 else "content")
        curves = st.columns(2 if data.task == "classification" else 1)
        if snapshot.history["epoch"]:
            curves[0].vega_lite_chart(charts.history_chart(t, style, snapshot.history, "loss"),
                                      width="stretch")
            if data.task == "classification":
                curves[1].vega_lite_chart(
                    charts.history_chart(t, style, snapshot.history, "accuracy"), width="stretch")
        else:
            st.caption(t("pg_no_history"))

    live_fragment(trainer, draw)


def boundary_for(t, style, model, data, spec, splits, discretize=False):
    """The right picture of the network's output: boundary, surface or curve."""
    if data.n_inputs == 1:
        grid = plane_grid(data, CURVE_RESOLUTION)
        return charts.curve_chart(t, style, grid, output_map(model, spec.features, grid), splits)
    grid = plane_grid(data, BOUNDARY_RESOLUTION)
    output = output_map(model, spec.features, grid)
    if data.task == "regression":
        return charts.surface_chart(t, style, grid, output, splits)
    return charts.boundary_chart(t, style, grid, output, splits, data.n_classes,
                                 discretize=discretize)


def detail_panel(frame, trainer, data, spec, feature_labels):
    """The chosen detailed view: unit heatmaps, diagram, warping, confusion or gradients."""
    t, style = frame.t, frame.style
    view = view_controls(t)
    warp = warp_controls(t, spec.hidden) if view == "warp" else None

    def draw(snapshot):
        model = model_with_weights(spec, snapshot.theta)
        if view == "units":
            draw_units(t, style, model, data, spec)
        elif view == "network":
            draw_network(t, style, model, data, feature_labels)
        elif view == "warp":
            draw_warp(t, style, model, data, spec, warp)
        elif view == "confusion":
            draw_confusion(t, style, model, data, spec)
        else:
            draw_gradients(t, style, snapshot)

    live_fragment(trainer, draw, every=DETAIL_REFRESH_SECONDS)


def draw_units(t, style, model, data, spec):
    if not spec.hidden:
        st.info(t("pg_no_hidden"), icon=":material/info:")
        return
    if data.n_inputs == 1:
        st.info(t("pg_units_need_2d"), icon=":material/info:")
        return
    st.caption(t("pg_units_caption"))
    grid = plane_grid(data, heatmap_resolution(sum(spec.hidden)))
    for layer, outputs in enumerate(unit_maps(model, spec.features, grid), start=1):
        title = t("pg_units_title", layer=layer,
                  activation=activation_name(t, spec.activations[layer - 1]))
        st.vega_lite_chart(charts.unit_heatmaps_chart(t, style, grid, outputs, title),
                           width="content")


def draw_network(t, style, model, data, feature_labels):
    diagram = network_diagram(model)
    if diagram.edges_total > len(diagram.edge_weight):
        st.caption(t("pg_network_thinned", shown=len(diagram.edge_weight),
                     total=diagram.edges_total))
    st.caption(t("pg_network_caption"))
    outputs = ([t("pg_output_class", label=k) for k in range(data.n_classes)]
               if data.task == "classification" else [t("pg_output_value")])
    st.vega_lite_chart(charts.network_chart(t, style, diagram, feature_labels, outputs),
                    width="stretch")


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
    st.dataframe(rows, hide_index=True)
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
