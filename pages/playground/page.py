"""MLP playground: train a network on toy data and watch it learn, live."""

import streamlit as st

from pages.playground import views
from pages.playground.controls import (
    SETTINGS,
    data_controls,
    feature_controls,
    network_controls,
    training_controls,
)
from pages.playground.model import available_features
from ui.frame import current_frame
from ui.url_state import publish_settings, restore_settings, share_panel, show_notices

frame = current_frame()
t = frame.t

st.title(t("page_playground"))
st.caption(t("pg_intro"))
show_notices(restore_settings(SETTINGS, t))

data_column, network_column, output_column = views.page_columns(frame.projector)

with data_column, st.container(border=True):
    st.subheader(t("pg_section_data"))
    data_settings = data_controls(t)
    data, data_key = views.load_data(t, data_settings)

if data is None:
    views.stop_training()
    publish_settings(SETTINGS)
    st.stop()

with network_column, st.container(border=True):
    st.subheader(t("pg_section_network"))
    features = feature_controls(t, data.n_inputs)
    if not features:
        features = tuple(available_features(data.n_inputs))
        st.warning(t("pg_no_features"), icon=":material/warning:")
    spec = network_controls(t, features, data.task, data.n_outputs)
    st.subheader(t("pg_section_training"))
    config = training_controls(t)

trainer = views.current_trainer(t, data_key, data, spec, config)
feature_labels = [t(f"pg_feature_{name}") for name in spec.features]

with output_column:
    views.transport_buttons(t, trainer)
    views.output_panel(frame, trainer, data, spec, data_settings.show_test,
                       st.session_state.pg_discretize)
    st.toggle(t("pg_discretize"), key="pg_discretize", help=t("pg_discretize_help"),
              disabled=data.task != "classification")

st.divider()
st.subheader(t("pg_section_inside"))
views.detail_panel(frame, trainer, data, spec, feature_labels)

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
