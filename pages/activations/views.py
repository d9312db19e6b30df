"""Parts of the activations page with more than a chart in them; the page calls each in place."""

import streamlit as st

from nn_core.experiments import explore
from pages.activations import charts


def fit_panel(t, style, record, fit_shown):
    """Beside the student's units: what "Fit it for me" did, like with like, and the honest
    limit of three units next to a separate, bigger network for comparison."""
    if not fit_shown:
        hint = (t("act_fit_moved", after=charts.error_text(record.fit.error)) if record
                else t("act_fit_hint"))
        st.info(hint, icon=":material/lightbulb:")
        return
    fit = record.fit
    st.markdown(t("act_fit_before", before=charts.error_text(record.before_error),
                  after=charts.error_text(fit.error), n=explore.UNIT_POINTS))
    st.caption(t("act_fit_from_yours" if fit.from_start else "act_fit_from_other",
                 n=fit.n_starts - 1))
    st.markdown(t("act_fit_limit"))
    comparison = explore.relu_units_curve(*record.comparison.rows)
    k = record.comparison.n_units
    with st.container(border=True):
        st.markdown(f"**{t('act_comparison_title', k=k)}**")
        st.altair_chart(charts.comparison_units_chart(t, style, comparison), width="stretch")
        st.metric(t("act_metric_comparison_error", k=k), charts.error_text(comparison.error))
        st.caption(t("act_comparison_caption", k=k, n=explore.UNIT_POINTS))


def descent_panel(t, style, lesson, name):
    """One side of the zero-centred lesson: the descent over its loss, and its counts."""
    path = lesson.paths[name]
    chart = charts.descent_chart(t, style, path, lesson.contours[name], lesson.view)
    st.vega_lite_chart(chart.data, chart.spec, width="content")
    steps, one_sign = st.columns(2)
    steps.metric(t("act_zc_metric_steps"), charts.steps_text(t, path))
    one_sign.metric(t("act_zc_metric_one_sign"), charts.one_sign_text(t, path))
    st.caption(charts.signs_text(t, path))
