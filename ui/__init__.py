"""Streamlit-side helpers shared by the pages: the frame, charts, strings and URL state."""
