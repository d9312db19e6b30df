"""Activation Lab: ``streamlit run app.py``. The frame once, then the page the URL asks for."""

from ui import frame

page = frame.navigation()
frame.draw(page)
page.run()
