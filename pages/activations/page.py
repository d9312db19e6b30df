"""Activation functions: compare them, read the code that runs, and see why networks need them."""

import streamlit as st

from nn_core.experiments import explore, zero_centred
from pages.activations import charts, controls, pytorch, views, work
from ui.frame import current_frame
from ui.strings import activation_name
from ui.url_state import (
    lesson_tabs,
    publish_settings,
    restore_settings,
    share_panel,
    show_notices,
)

N_POINTS = 401  # modest, so that a rerun with all 16 activations stays fast
N_CHECKS = 40

frame = current_frame()
t, style = frame.t, frame.style
st.title(t("act_title"))
st.markdown(t("act_intro"))
show_notices(restore_settings(controls.SETTINGS, t))
tabs = lesson_tabs(t, "act", controls.TAB_KEYS)  # only the open tab's lesson runs

if tabs["compare"].open:
    with tabs["compare"]:
        comparison = controls.comparison_controls(t)
        params = controls.parameter_controls(t)
        curves = explore.activation_curves(comparison.names, params, comparison.half_range,
                                           N_POINTS, N_CHECKS)
        if not comparison.names:
            st.info(t("act_none_selected"), icon=":material/touch_app:")
        else:
            checks = (curves.check_x, curves.check_slopes) if comparison.show_checks else None
            left, right = st.columns(2)
            values = charts.values_chart(t, style, curves.x, curves.values)
            slopes = charts.slopes_chart(t, style, curves.x, curves.slopes, checks)
            left.vega_lite_chart(values.data, values.spec, width="stretch")
            right.vega_lite_chart(slopes.data, slopes.spec, width="stretch")
            st.caption(t("act_compare_caption"))
        if comparison.names and comparison.show_checks:
            st.caption(t("act_checks_caption", n=N_CHECKS))
            if curves.checks_agree:
                st.success(t("act_checks_agree", n=N_CHECKS, error=curves.largest_check_error),
                           icon=":material/check_circle:")
            else:
                st.info(t("act_checks_kink"), icon=":material/info:")

if tabs["properties"].open:
    with tabs["properties"]:
        comparison, params = controls.current_comparison(), controls.current_parameters()
        curves = explore.activation_curves(comparison.names, params, comparison.half_range,
                                           N_POINTS, 1)
        st.caption(t("act_properties_caption", n=N_POINTS, r=comparison.half_range))
        if not comparison.names:
            st.info(t("act_none_selected"), icon=":material/touch_app:")
        properties = [explore.activation_properties(name, curves.x, curves.slopes[name], params)
                      for name in comparison.names]
        if properties:
            st.dataframe(charts.properties_table(t, properties, work.relative_costs(t)),
                         hide_index=True, height="content")
            st.subheader(t("act_formulas"))
        columns = st.columns(2)
        for i, name in enumerate(comparison.names):
            layer = explore.make_activation(name, params)
            with columns[i % 2].container(border=True):
                st.markdown(f"**{activation_name(t, name)}**")
                st.latex(layer.latex)
                st.latex(layer.derivative_latex)
                call = pytorch.torch_call(name, params.get(name, {}))
                st.markdown(t("act_torch_call", call=call))
        st.subheader(t("act_code"))
        code_name = controls.code_controls(t)
        st.caption(t("act_code_caption"))
        code_columns = st.columns(2)
        for i, (method, source) in enumerate(explore.activation_source(code_name)):
            with code_columns[i // 2]:
                st.markdown(f"`{method}`")
                st.code(source, language="python", wrap_lines=True)
        st.subheader(t("act_torch_title"))
        st.code(pytorch.torch_code(t, code_name, params.get(code_name, {})), language="python",
                wrap_lines=True)
        st.markdown(t(f"act_torch_note_{code_name}"))
        st.caption(t("act_torch_caption"))

if tabs["zero_centred"].open:
    with tabs["zero_centred"]:
        st.markdown(t("act_zc_intro"))
        settings = controls.zero_centred_controls(t)
        lesson = work.zero_centred_lesson(settings.learning_rate, settings.start)
        for column, name in zip(st.columns(2), lesson.paths, strict=True):
            with column:
                views.descent_panel(t, style, lesson, name)
        st.markdown(t("act_zc_caption", n=zero_centred.N_INPUTS, tol=zero_centred.TOLERANCE,
                      max=f"{zero_centred.MAX_STEPS:,}"))

if tabs["softmax"].open:
    with tabs["softmax"]:
        st.markdown(t("act_softmax_intro"))
        softmax = controls.softmax_controls(t)
        probabilities = explore.softmax_with_temperature(softmax.logits, softmax.temperature)
        st.altair_chart(charts.softmax_chart(t, style, probabilities), width="stretch")
        st.subheader(t("act_overflow_title"))
        st.markdown(t("act_overflow_intro"))
        demo = explore.softmax_overflow_demo(controls.overflow_controls(t))
        st.dataframe(charts.overflow_table(t, demo), hide_index=True)
        if demo.naive_failed:
            st.error(t("act_overflow_failed"), icon=":material/warning:")
        else:
            st.success(t("act_overflow_fine"), icon=":material/check_circle:")

if tabs["linear"].open:
    with tabs["linear"]:
        st.markdown(t("act_linear_intro"))
        collapse = work.linear_collapse(t)
        chart_column, numbers_column = st.columns([3, 1])
        chart_column.altair_chart(charts.collapse_chart(
            t, style, collapse.x, collapse.target, collapse.linear_stack, collapse.collapsed,
            collapse.relu_stack), width="stretch")
        numbers_column.metric(t("act_metric_linear_error"), f"{collapse.linear_error:.3f}")
        numbers_column.metric(t("act_metric_relu_error"), f"{collapse.relu_error:.3f}")
        st.markdown(t("act_linear_algebra"))
        for formula in charts.collapse_formulas(collapse.W1, collapse.b1, collapse.W2,
                                                collapse.b2, collapse.W, collapse.b):
            st.latex(formula)
        st.caption(t("act_linear_identical", n=len(collapse.x), diff=collapse.max_difference))

if tabs["relu_units"].open:
    with tabs["relu_units"]:
        st.markdown(t("act_units_intro", k=len(controls.DEFAULT_UNITS)))
        work.fit_units_if_asked(t)  # moves the sliders, so before they are drawn
        units = controls.relu_unit_controls(t)
        curve = explore.relu_units_curve(units.weights, units.biases, units.output_weights)
        record, fit_shown = work.fit_record()
        mine, fitting = st.columns(2)
        mine.altair_chart(charts.relu_units_chart(
            t, style, curve.x, curve.target, curve.contributions, curve.output), width="stretch")
        mine.metric(t("act_metric_units_error"), charts.error_text(curve.error),
                    delta=charts.fit_delta(t, record) if fit_shown else None,
                    delta_color="inverse")
        with fitting:
            st.button(t("act_fit_button"), key="act_fit_button", type="primary",
                      on_click=work.ask_for_fit, icon=":material/model_training:",
                      help=t("act_fit_button_help", n=explore.UNIT_POINTS))
            views.fit_panel(t, style, record, fit_shown)

if tabs["maxout"].open:
    with tabs["maxout"]:
        st.markdown(t("act_maxout_intro"))
        maxout = controls.maxout_controls(t)
        approximation = explore.maxout_approximation(maxout.target, maxout.pieces)
        chart_column, numbers_column = st.columns([3, 1])
        chart_column.altair_chart(charts.maxout_chart(
            t, style, approximation.x, approximation.target, approximation.pieces,
            approximation.output, maxout.target, approximation.view_limits), width="stretch")
        numbers_column.metric(t("act_metric_maxout_error"), f"{approximation.max_error:.4f}")

publish_settings(controls.SETTINGS)
share_panel(controls.SETTINGS, t)
