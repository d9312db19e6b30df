"""Placeholder: this page is being built."""

import streamlit as st

from ui.frame import page_frame

frame = page_frame("dead_relu")
st.title(frame.t("page_dead_relu"))
