"""Placeholder: this page is being built."""

import streamlit as st

from ui.frame import page_frame

frame = page_frame("activations")
st.title(frame.t("page_activations"))
