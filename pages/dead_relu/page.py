"""Dead ReLUs: train networks live and count the hidden units that stop firing for good."""

import streamlit as st

from pages.dead_relu import charts, results
from pages.dead_relu.controls import SETTINGS, lesson_button, training_controls, view_controls
from ui.frame import current_frame
from ui.strings import activation_name
from ui.url_state import publish_settings, restore_settings, share_panel, show_notices

frame = current_frame()
t, style = frame.t, frame.style


def show_status(trained_request, request, runs):
    """Say whether the charts match the settings, and whether any run diverged."""
    if trained_request == request:
        st.caption(t("dead_status_current"))
    else:
        st.info(t("dead_status_stale"), icon=":material/update:")
    for run in runs:
        if run.diverged:
            st.error(t("dead_diverged", activation=activation_name(t, run.activation),
                       epoch=run.diverged_epoch), icon=":material/warning:")


def show_metrics(runs):
    """Per run, a box named after its activation: dead units at the end and accuracy, and for
    an activation whose negative side has a slope, the units with every point on that side."""
    for run, column in zip(runs, st.columns(2)):
        with column.container(border=True):
            st.markdown(f"**{activation_name(t, run.activation)}**")
            cells = st.columns(2 if run.activation == "relu" else 3)
            cells[0].metric(
                t("dead_metric_dead"), f"{run.dead_total_final} / {run.n_hidden_units}",
                delta=t("dead_metric_delta", delta=run.dead_change),
                delta_color="inverse" if run.dead_change else "off",
                help=t("dead_metric_dead_help"),
            )
            if run.activation != "relu":
                cells[2].metric(t("dead_metric_negative"),
                                f"{int(run.negative_only_final.sum())} / {run.n_hidden_units}",
                                help=t("dead_metric_negative_help"))
            cells[1].metric(t("dead_metric_accuracy"), f"{run.final_accuracy:.1%}",
                            help=t("dead_metric_accuracy_help"))


def show_unit_views(run, view, heatmap_place, histogram_place):
    heatmap_place.altair_chart(charts.activity_heatmap(t, style, run, view.layer),
                               width="stretch")
    histogram_place.altair_chart(charts.unit_histogram(t, style, run, view.layer, view.unit),
                                 width="stretch")


def show_results(runs):
    show_metrics(runs)
    st.subheader(t("dead_section_curves"))
    left, right = st.columns([3, 2])
    left.altair_chart(charts.dead_fraction_chart(t, style, runs), width="stretch")
    right.altair_chart(charts.accuracy_chart(t, style, runs), width="stretch")
    right.altair_chart(charts.loss_chart(t, style, runs), width="stretch")

    st.subheader(t("dead_section_inside"))
    st.caption(t("dead_inside_caption"))
    view = view_controls(t, runs[0].config.depth, runs[0].config.width)
    columns = st.columns(2)
    if len(runs) == 1:
        show_unit_views(runs[0], view, columns[0], columns[1])
    else:
        for run, column in zip(runs, columns):
            show_unit_views(run, view, column, column)

    if any(run.activation == "prelu" for run in runs):
        st.subheader(t("dead_section_prelu"))
        st.caption(t("dead_prelu_caption"))
        st.altair_chart(charts.prelu_slope_chart(t, style, runs), width="stretch")

    st.subheader(t("dead_section_summary"))
    st.dataframe(charts.summary_table(t, runs), hide_index=True, width="stretch")


st.title(t("page_dead_relu"))
st.markdown(t("dead_intro"))
show_notices(restore_settings(SETTINGS, t))

with st.container(border=True):
    st.markdown(f"**{t('dead_settings')}**")
    request = training_controls(t)
    buttons = st.container(horizontal=True, wrap=True)
    train_clicked = buttons.button(t("dead_train"), key="dead_train", type="primary",
                                   icon=":material/play_arrow:", help=t("dead_train_help"))
    lesson_clicked = lesson_button(t, buttons)
    # A first visit trains at once (in its turn), so a shared link opens with charts.
    if train_clicked or lesson_clicked or results.stored() is None:
        try:
            results.train(t, request)
        except ValueError as error:
            st.error(t("error_generic", detail=error))

stored = results.stored()
if stored is not None:
    trained_request, runs = stored
    show_status(trained_request, request, runs)
    show_results(runs)
publish_settings(SETTINGS)
share_panel(SETTINGS, t)
