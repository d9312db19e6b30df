"""Activation functions: compare them, read the code that runs, and see why networks need them."""

import streamlit as st

from nn_core.experiments import explore
from pages.activations import charts, controls
from ui.frame import current_frame
from ui.strings import activation_name
from ui.url_state import publish_settings, restore_settings, share_panel, show_notices

N_POINTS = 401  # modest, so that a rerun with all 16 activations stays fast
N_CHECKS = 40

# Pure results, the same for every visitor: computed once per server process.
cached_costs = st.cache_data(max_entries=1, show_spinner=False)(explore.relative_costs)
cached_collapse = st.cache_data(max_entries=1, show_spinner=False)(explore.linear_collapse)
cached_sine_fit = st.cache_data(max_entries=1, show_spinner=False)(explore.fit_sine)

frame = current_frame()
t, style = frame.t, frame.style
st.title(t("act_title"))
st.markdown(t("act_intro"))
show_notices(restore_settings(controls.SETTINGS, t))
tabs = controls.lesson_tabs(t)  # only the open tab's lesson runs

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
            st.dataframe(charts.properties_table(t, properties, cached_costs()), hide_index=True,
                         height="content")
            st.subheader(t("act_formulas"))
        columns = st.columns(2)
        for i, name in enumerate(comparison.names):
            layer = explore.make_activation(name, params)
            with columns[i % 2].container(border=True):
                st.markdown(f"**{activation_name(t, name)}**")
                st.latex(layer.latex)
                st.latex(layer.derivative_latex)
        st.subheader(t("act_code"))
        code_name = controls.code_controls(t)
        st.caption(t("act_code_caption"))
        code_columns = st.columns(2)
        for i, (method, source) in enumerate(explore.activation_source(code_name)):
            with code_columns[i // 2]:
                st.markdown(f"`{method}`")
                st.code(source, language="python", wrap_lines=True)

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
        collapse = cached_collapse()
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
        st.markdown(t("act_units_intro", k=3))
        units = controls.relu_unit_controls(t)
        curve = explore.relu_units_curve(units.weights, units.biases, units.output_weights)
        mine, trained = st.columns(2)
        mine.altair_chart(charts.relu_units_chart(
            t, style, curve.x, curve.target, curve.contributions, curve.output), width="stretch")
        mine.metric(t("act_metric_units_error"), f"{curve.error:.4f}")
        with trained:
            if st.button(t("act_fit_button"), key="act_fit_button", type="primary",
                         help=t("act_fit_button_help"), icon=":material/model_training:"):
                with st.spinner(t("act_fit_spinner")):
                    st.session_state["act_sine_fit"] = cached_sine_fit()
            fit = st.session_state.get("act_sine_fit")
            if fit is None:
                st.info(t("act_fit_hint"), icon=":material/lightbulb:")
            elif fit.diverged:
                st.error(t("act_fit_diverged", reason=fit.reason), icon=":material/error:")
            else:
                st.altair_chart(charts.sine_fit_chart(t, style, fit.x, fit.target, fit.prediction),
                                width="stretch")
                st.metric(t("act_metric_fit_error"), f"{fit.error:.4f}")
                st.altair_chart(charts.training_loss_chart(t, style, fit.train_loss),
                                width="stretch")

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
