"""The backprop page's six sections, one function each: widgets in, drawings out.

``SECTIONS`` maps each tab of the page to the function that draws it; the page runs only the
open one. The arithmetic is in ``pages.backprop.lesson``, the drawings in ``charts``.
"""

import streamlit as st

from pages.backprop import charts, controls, lesson
from ui.admission import turn
from ui.strings import activation_name
from ui.url_state import link_query

# Graphs are drawn twice, left to right for wide screens and top to bottom for phones, and CSS
# shows the one that fits: a wide graph squeezed into a phone's width would be unreadable.
# 640 px is where Streamlit itself stacks columns.
# A formula wider than a phone scrolls sideways instead of being cut off, and so does the
# network of scalar nodes (inherently wide: every weight is a node of its top row), drawn at
# its own size instead of being shrunk to the column.
RESPONSIVE_CSS = """<style>
@media (max-width: 640px) { [class*="st-key-bp_wide_"] { display: none !important; } }
@media (min-width: 641px) { [class*="st-key-bp_tall_"] { display: none !important; } }
.katex-display { overflow-x: auto; overflow-y: hidden; padding-bottom: 0.2rem; }
[class*="st-key-bp_scroll_"] [data-testid="stGraphVizChart"] { overflow-x: auto; }
[class*="st-key-bp_scroll_"] [data-testid="stGraphVizChart"] svg { max-width: none; }
</style>"""
MAX_SPEED_RESULTS = 12  # timings kept per session, for the chart of ratio against P


def show_graph(name, wide, tall):
    """One graph in two layouts (DOT texts); CSS shows the one that fits the screen."""
    with st.container(key=f"bp_wide_{name}"):
        st.graphviz_chart(wide, width="content")
    with st.container(key=f"bp_tall_{name}"):
        st.graphviz_chart(tall, width="content")


def latex_grid(lines, per_row=2):
    """LaTeX lines ``per_row`` side by side (one under the other on a phone): a matrix is
    never cut off at a column's edge."""
    for start in range(0, len(lines), per_row):
        # The last row may be short: its columns keep the width of the full rows.
        for column, line in zip(st.columns(per_row), lines[start:start + per_row], strict=False):
            column.latex(line)


def guarded(t, compute, *args):
    """``compute(*args)``, or None after showing what is wrong with the student's input."""
    try:
        return compute(*args)
    except lesson.InputProblem as problem:
        st.error(problem_text(t, problem), icon=":material/edit_note:")
    except ValueError as error:  # the engine refused a number: its message says why
        st.error(t("error_generic", detail=error), icon=":material/error:")
    return None


def problem_text(t, problem):
    """An InputProblem in the student's language; its names are string keys too."""
    fields = {key: t(value) if key in ("name", "other") else value
              for key, value in problem.fields.items()}
    return t(problem.key, **fields)


def show_step(t, walk, side_by_side=True):
    """Where a stepped backward pass stands, and the step just taken as a table (beside the
    sentence, or under it in a narrow column)."""
    sentence, table = st.columns(2) if side_by_side else (st.container(), st.container())
    sentence.markdown(charts.step_sentence(t, walk))
    rows = charts.step_table(t, walk)
    if rows is not None:
        table.table(rows, border="horizontal", hide_index=True)


def shopping(t, style):
    st.markdown(t("bp_shop_intro"))
    setup = controls.shopping_controls(t)
    walk = lesson.shopping_walk(setup, st.session_state.bp_shop_step,
                                labels=charts.shop_labels(t))
    controls.step_buttons(t, "bp_shop_step", walk.n_steps)
    # The graph gets the whole width: beside a column of text it would be drawn smaller,
    # and projector mode's larger type would only make it shrink more.
    show_graph("shop", charts.scalar_graph(t, style, walk),
               charts.scalar_graph(t, style, walk, "TB"))
    st.caption(t("bp_graph_caption"))
    show_step(t, walk)
    if walk.done:
        st.markdown(f"**{t('bp_shop_result')}**")
        st.table(charts.input_gradients_table(t, walk), border="horizontal", hide_index=True)


def activation(t, style):
    st.markdown(t("bp_act_intro"))
    function, x = controls.activation_controls(t)
    graphs = lesson.activation_graphs(function, x, st.session_state.bp_act_step)
    # The expanded chain runs top to bottom in a narrow column: drawn in a line across the
    # page it would be shrunk until unreadable, on a projector most of all.
    expanded_column, side_column = st.columns([2, 3])
    with expanded_column:
        st.subheader(t("bp_act_expanded", function=activation_name(t, function)))
        if graphs.overflow:
            st.warning(t("bp_act_overflow", x=charts.number(x), x_negated=charts.number(-x),
                         limit=f"{lesson.EXP_LIMIT:.2f}"), icon=":material/warning:")
        else:
            st.graphviz_chart(charts.scalar_graph(t, style, graphs.expanded, "TB"),
                              width="content")
    with side_column:
        if not graphs.overflow:
            controls.step_buttons(t, "bp_act_step", graphs.expanded.n_steps)
            show_step(t, graphs.expanded, side_by_side=False)
        st.subheader(t("bp_act_fused"))
        st.graphviz_chart(charts.full_graph(t, style, graphs.fused.root, "LR"), width="content")
        st.caption(t(f"bp_act_fused_note_{function}"))
    expanded, fused, difference = st.columns(3)
    expanded.metric(t("bp_metric_expanded"), charts.grad_text(graphs))
    fused.metric(t("bp_metric_fused"), charts.number(graphs.fused_grad, ".6g"))
    difference.metric(t("bp_metric_difference"), charts.difference_text(graphs))
    st.markdown(charts.difference_reading(t, graphs))
    st.markdown(f"**{t('bp_act_algebra')}**")
    for line in charts.activation_algebra(graphs):
        st.latex(line)


def relu(t, style):
    st.markdown(t("bp_relu_intro"))
    texts = controls.matrix_inputs(t, ("bp_relu_x", "bp_relu_dout"))
    result = guarded(t, lesson.relu_from_text, texts["bp_relu_x"], texts["bp_relu_dout"])
    if result is not None:
        forward, backward = st.columns(2)
        with forward:
            st.markdown(f"**{t('bp_forward')}**")
            latex_grid(charts.relu_forward(result), per_row=1)
        with backward:
            st.markdown(f"**{t('bp_backward')}**")
            latex_grid(charts.relu_backward(result), per_row=1)
        st.info(t("bp_relu_why", blocked=result.blocked, total=result.mask.size),
                icon=":material/block:")
    st.caption(t("bp_relu_convention"))
    st.page_link("pages/dead_relu/page.py", label=t("bp_relu_link"), icon=":material/power_off:",
                 query_params=link_query("dead_relu"))


def affine(t, style):
    st.markdown(t("bp_aff_intro"))
    texts = controls.matrix_inputs(t, ("bp_aff_x", "bp_aff_w", "bp_aff_b", "bp_aff_t"),
                                   columns=4)
    result = guarded(t, lesson.affine_from_text, *texts.values())
    if result is None:
        return
    st.subheader(t("bp_aff_shapes"))
    for title, lines in ((t("bp_forward"), charts.affine_forward(result)),
                         (t("bp_backward"), charts.affine_backward(result))):
        st.markdown(f"**{title}**")
        latex_grid(lines)
    st.markdown(t("bp_aff_rules"))
    st.latex(charts.softmax_gradient(result))
    st.table(charts.affine_checks_table(t, result), border="horizontal", hide_index=True)
    st.subheader(t("bp_aff_single"))
    st.markdown(t("bp_aff_single_intro"))
    name = controls.single_layer_controls(t)
    single = guarded(t, lesson.single_layer, result.X[0], result.W, result.b, name)
    if single is not None:
        latex_grid(charts.single_layer_lines(single))
        st.markdown(charts.check_text(t, single.check))
        if single.kink:
            st.caption(t("bp_aff_kink"))


def network(t, style):
    st.markdown(t("bp_net_intro"))
    setup = controls.network_controls(t)
    net = guarded(t, lesson.network_lesson, setup.hidden, setup.activation, setup.x1, setup.x2,
                  setup.label, setup.seed)
    if net is None:
        return
    controls.step_buttons(t, "bp_net_step", len(lesson.NETWORK_STEPS))
    k = st.session_state.bp_net_step
    st.markdown(charts.network_step_sentence(t, net, k))
    for line in charts.network_step_latex(net, k):
        st.latex(line)
    # Top to bottom on every screen: the chain of layers is too long for a line across. At
    # its own size, scrolling sideways where a phone is narrower than its matrices.
    with st.container(key="bp_scroll_layers"):
        st.graphviz_chart(charts.network_graph(t, style, net, k, "TB"), width="content")
    if net.blocked_units:
        st.info(t("bp_net_blocked", units=", ".join(map(str, net.blocked_units))),
                icon=":material/block:")
    st.markdown(f"**{t('bp_net_checks')}**")
    st.table(charts.network_checks_table(t, net), border="horizontal", hide_index=True)
    st.caption(t("bp_net_checks_caption", loss=charts.number(net.loss, ".10g"),
                 graph_loss=charts.number(net.graph_loss, ".10g")))
    with st.expander(t("bp_net_values"), icon=":material/account_tree:"):
        st.caption(t("bp_net_values_caption"))
        with st.container(key="bp_scroll_values"):
            st.graphviz_chart(charts.full_graph(t, style, net.value_graph.loss,
                                                number_format=".3g"), width="content")


def speed(t, style):
    st.markdown(t("bp_speed_intro"))
    depth, width = controls.speed_controls(t)
    parameters = lesson.speed_parameters(depth, width)
    too_big = parameters > lesson.MAX_TIMED_PARAMETERS
    st.markdown(t("bp_speed_size", parameters=f"{parameters:,}", passes=f"{2 * parameters:,}",
                  limit=f"{lesson.MAX_TIMED_PARAMETERS:,}"))
    if too_big:
        st.warning(t("bp_speed_too_big", parameters=f"{parameters:,}",
                     limit=f"{lesson.MAX_TIMED_PARAMETERS:,}"), icon=":material/speed:")
    results = st.session_state.setdefault("bp_speed_results", {})  # (depth, width) -> result
    if st.button(t("bp_speed_run"), key="bp_speed_run", type="primary", disabled=too_big,
                 icon=":material/timer:"):
        with turn(t) as my_turn, st.spinner(t("bp_speed_running", passes=f"{2 * parameters:,}")):
            result = guarded(t, lesson.time_gradients, depth, width, my_turn.checkpoint)
        if result is not None:
            results.pop((depth, width), None)
            results[(depth, width)] = result
            while len(results) > MAX_SPEED_RESULTS:
                results.pop(next(iter(results)))
    result = results.get((depth, width))
    if result is None:
        st.info(t("bp_speed_prompt"), icon=":material/touch_app:")
    else:
        finite, backprop, ratio = st.columns(3)
        finite.metric(t("bp_metric_finite"), charts.seconds(t, result.finite_seconds))
        backprop.metric(t("bp_metric_backprop"), charts.seconds(t, result.backprop_seconds))
        ratio.metric(t("bp_metric_ratio"), f"×{result.ratio:,.0f}")
        st.caption(t("bp_speed_method", passes=result.backprop_passes,
                     repeats=result.finite_repeats))
        st.markdown(charts.verdict(t, result.relative_error))
        st.markdown(t("bp_speed_why", parameters=f"{result.n_parameters:,}",
                      passes=f"{result.forward_passes:,}", ratio=f"{result.ratio:,.0f}"))
    if results:
        st.altair_chart(charts.speed_chart(t, style, list(results.values())), width="stretch")
        st.caption(t("bp_speed_chart_caption"))


SECTIONS = {"shopping": shopping, "activation": activation, "relu": relu, "affine": affine,
            "network": network, "speed": speed}
