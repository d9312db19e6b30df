"""Home page: what each lesson teaches, with a link to it."""

import streamlit as st

from ui.frame import PAGES, current_frame
from ui.strings import LESSONS
from ui.url_state import link_query, publish_settings

frame = current_frame()
t = frame.t

st.title(t("app_title"))
st.markdown(f"**{t('app_tagline')}**")
st.markdown(t("home_intro"))

cards = st.columns(2)
for i, key in enumerate(LESSONS):
    path, icon = PAGES[key]
    with cards[i % 2].container(border=True):
        st.subheader(t(f"page_{key}"))
        st.markdown(t(f"home_{key}"))
        st.page_link(path, label=f"{t('home_open')}: {t(f'page_{key}')}", icon=icon,
                     query_params=link_query(key))
st.info(t("home_how"), icon=":material/school:")
publish_settings([])  # the home page has no settings: language, mode and lock
