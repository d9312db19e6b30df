"""MLP playground: train a network on toy data and watch it learn, live.

TensorFlow Playground's order: the data set and Play on top, the board (the network diagram
with every unit's map, next to the output plot) under them, the rest of the settings below."""

import streamlit as st

from pages.playground import views
from pages.playground.controls import (
    SETTINGS,
    data_controls,
    dataset_control,
    display_toggles,
    feature_controls,
    network_controls,
    speed_control,
    training_controls,
)
from pages.playground.model import available_features
from ui.frame import current_frame
from ui.url_state import publish_settings, restore_settings, share_panel, show_notices

frame = current_frame()
t = frame.t
phone = views.is_phone()
st.html(views.page_css(t, frame.projector))

st.title(t("page_playground"))
st.caption(t("pg_intro"))
show_notices(restore_settings(SETTINGS, t))

dataset_column, transport_column, speed_column = st.columns(
    [1.4, 2.6, 1.5], gap="small", vertical_alignment="bottom")
with dataset_column:
    source = dataset_control(t)
board_area = st.container()
st.divider()
data_column, network_column, training_column = st.columns([1, 1.2, 1.2], gap="medium")

with data_column, st.container(border=True):
    st.subheader(t("pg_section_data"))
    data_settings = data_controls(t, source)
    data, data_key = views.load_data(t, data_settings)

if data is None:
    views.stop_training()
    board_area.info(t("pg_upload_prompt"), icon=":material/upload_file:")
    publish_settings(SETTINGS)
    st.stop()

with network_column, st.container(border=True):
    st.subheader(t("pg_section_network"))
    features = feature_controls(t, data.n_inputs)
    if not features:
        features = tuple(available_features(data.n_inputs))
        st.warning(t("pg_no_features"), icon=":material/warning:")
    spec = network_controls(t, features, data.task, data.n_outputs)
with training_column, st.container(border=True):
    st.subheader(t("pg_section_training"))
    config = training_controls(t)

with speed_column:
    speed_control(t)
trainer = views.current_trainer(t, data_key, data, spec, config)
with transport_column:
    views.transport_buttons(t, trainer)
with board_area:
    views.board_panel(frame, trainer, data, spec, data_settings.show_test,
                      st.session_state.pg_discretize, phone)
    views.structure_panel(t, spec)
    display_toggles(t, data.task)
    views.board_details(frame, trainer, data, spec)

st.divider()
st.subheader(t("pg_section_inside"))
views.detail_panel(frame, trainer, data, spec)

st.divider()
st.subheader(t("pg_section_tools"))
gradients_column, sklearn_column, files_column = st.columns(3, gap="medium")
with gradients_column, st.container(border=True):
    views.gradient_check_tool(t, trainer)
with sklearn_column, st.container(border=True):
    views.sklearn_tool(t, data, spec, config)
with files_column, st.container(border=True):
    views.files_tool(t, trainer)

publish_settings(SETTINGS)
share_panel(SETTINGS, t)
