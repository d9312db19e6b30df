import streamlit as st

st.set_page_config(page_title="Activation Lab")
st.title("Activation Lab")
