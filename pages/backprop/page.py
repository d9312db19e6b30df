"""Backpropagation, node by node: the textbook's graphs and layers, stepped, checked, timed."""

import streamlit as st

from pages.backprop import controls, sections
from ui.frame import current_frame
from ui.url_state import (
    lesson_tabs,
    publish_settings,
    restore_settings,
    share_panel,
    show_notices,
)

frame = current_frame()
t, style = frame.t, frame.style
st.title(t("page_backprop"))
st.markdown(t("bp_intro"))
show_notices(restore_settings(controls.SETTINGS, t))
st.html(sections.RESPONSIVE_CSS)
tabs = lesson_tabs(t, "bp", controls.TAB_KEYS)  # only the open tab's section runs
for key, draw in sections.SECTIONS.items():
    if tabs[key].open:
        with tabs[key]:
            draw(t, style)
publish_settings(controls.SETTINGS)
share_panel(controls.SETTINGS, t)
