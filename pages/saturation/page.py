"""Gradient saturation: a batch through a deep network at initialisation, layer by layer, and a
brief training run that shows which layers learn."""

import streamlit as st

from nn_core.experiments.depth import HEALTHY_UPDATE_RATIO, TRAINING_SAMPLES
from pages.saturation import charts, results
from pages.saturation.controls import (
    SETTINGS,
    network_controls,
    preset_buttons,
    restore_saturation_settings,
    training_controls,
)
from ui.frame import current_frame
from ui.strings import activation_name
from ui.url_state import publish_settings, share_panel, show_notices

frame = current_frame()
t, style = frame.t, frame.style


def show_forward(profiles):
    st.subheader(t("sat_forward_header"))
    st.caption(t("sat_forward_caption"))
    show_histograms(profiles, "activation_histograms", "sat_chart_act_hist",
                    "sat_axis_activation")
    layers = next(iter(profiles.values())).layers
    lines = [("sat_chart_mean", "sat_axis_mean", "activation_mean", False, False),
             ("sat_chart_std", "sat_axis_std", "activation_std", True, False),
             ("sat_chart_saturated", "sat_axis_saturated", "saturated_fraction", False, True)]
    for column, (title, y_title, field, log_scale, percent) in zip(st.columns(3), lines):
        column.altair_chart(charts.per_layer_lines(
            t, style, layers, {name: getattr(p, field) for name, p in profiles.items()}, title,
            y_title, log_scale=log_scale, percent=percent), width="stretch")


def show_backward(profiles):
    st.subheader(t("sat_backward_header"))
    sigmoid_shown = "sigmoid" in profiles
    st.caption(t("sat_backward_caption") + (" " + t("sat_envelope_caption") if sigmoid_shown
                                             else ""))
    show_histograms(profiles, "gradient_histograms", "sat_chart_grad_hist",
                    "sat_axis_log_grad", x_format="d")  # whole decades
    chart_column, reading_column = st.columns([3, 2])
    # Sigmoid's bound 0.25^(L - l) belongs to sigmoid alone: drawn only when it is shown.
    chart_column.altair_chart(charts.gradient_norm_chart(
        t, style, next(iter(profiles.values())).layers,
        {name: p.weight_grad_norm for name, p in profiles.items()},
        {name: p.sigmoid_envelope for name, p in profiles.items() if name == "sigmoid"}),
        width="stretch")
    for name, profile in profiles.items():
        label = activation_name(t, name)
        reading = profile.reading
        reading_column.info(t(f"sat_reading_{reading.code}", activation=label,
                              depth=profile.depth, **results.reading_fields(reading)),
                            icon=":material/lightbulb:")
        reading_column.caption(t("sat_saturation_note", activation=label,
                                 share=f"{profile.saturated_fraction[-1]:.0%}",
                                 std=results.number(profile.activation_std[-1])))


def show_training(traces, depth):
    for name, trace in traces.items():
        if trace.diverged:
            st.warning(t("sat_train_diverged", activation=activation_name(t, name),
                         step=trace.diverged_at), icon=":material/warning:")
    traces = {name: trace for name, trace in traces.items() if len(trace.grad_norm)}
    if not traces:
        return
    grad_column, loss_column = st.columns(2)
    grad_column.altair_chart(charts.training_gradient_chart(
        t, style, {n: tr.steps for n, tr in traces.items()},
        {n: tr.first_grad_norm for n, tr in traces.items()},
        {n: tr.last_grad_norm for n, tr in traces.items()}), width="stretch")
    loss_column.altair_chart(charts.loss_chart(
        t, style, {n: tr.loss_steps for n, tr in traces.items()},
        {n: tr.loss for n, tr in traces.items()}), width="stretch")
    for column, (name, trace) in zip(st.columns(len(traces)), traces.items()):
        column.altair_chart(charts.update_ratio_chart(
            t, style, trace.steps, trace.update_ratio, name, HEALTHY_UPDATE_RATIO),
            width="stretch")
    st.caption(t("sat_train_ratio_caption", depth=depth))


def show_histograms(profiles, field, title_key, x_key, x_format="~g"):
    """One faceted histogram chart per activation, side by side."""
    for column, (name, profile) in zip(st.columns(len(profiles)), profiles.items()):
        column.altair_chart(charts.layer_histograms(
            t, style, getattr(profile, field), name, title_key, x_key,
            columns=10 // len(profiles), x_format=x_format), width="content")


st.title(t("page_saturation"))
st.markdown(t("sat_intro"))
show_notices(restore_saturation_settings(t))
with st.container(border=True):
    preset_buttons(t)
    setup = network_controls(t)

if not setup.activations:
    st.warning(t("sat_pick_one"), icon=":material/touch_app:")
else:
    try:
        with st.spinner(t("sat_profile_spinner", depth=setup.depth, width=setup.width)):
            profiles = results.profiles(t, setup)
    except ValueError as error:
        st.error(t("error_generic", detail=error))
        profiles = {}
    for name, profile in profiles.items():
        if not profile.finite:
            st.warning(t("sat_overflow", activation=activation_name(t, name)),
                       icon=":material/warning:")
    if profiles:
        show_forward(profiles)
        show_backward(profiles)

st.subheader(t("sat_training_header"))
st.caption(t("sat_training_caption", width=setup.width, samples=TRAINING_SAMPLES))
training, train_clicked = training_controls(t)
request = results.training_request(setup, training)
if train_clicked and setup.activations:
    try:
        with st.spinner(t("sat_train_spinner", depth=setup.depth, width=setup.width)):
            results.train(t, request)
    except ValueError as error:
        st.error(t("error_generic", detail=error))
traces, current = results.stored_training(request)
if traces is None:
    st.info(t("sat_train_prompt"), icon=":material/school:")
elif not current:
    st.info(t("sat_train_stale"), icon=":material/refresh:")
else:
    show_training(traces, setup.depth)
publish_settings(SETTINGS)
share_panel(SETTINGS, t)
