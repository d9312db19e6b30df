"""Tell a student whose browser was reconnected to a *new* session that their work was reset.

When the connection drops (a server process restarted, or behind a load balancer the process
holding the session died), Streamlit's frontend reconnects its websocket and announces the
session it had: the third entry of the ``Sec-WebSocket-Protocol`` header is the previous session
id (``["streamlit", <xsrf token>, <last session id>]``; Streamlit 1.67, frontend
``getSessionTokens`` and ``web/server/starlette/starlette_websocket.py``). If the process still
holds that session, it resumes it (same id, state intact). Otherwise a brand-new session starts
with a new id: the page looks as before (the browser resends its widget values) but models,
training and uploads are gone. A first visit or a reload carries no previous id. The frontend
reruns the page right after reconnecting only if a run was going on or the page has
``run_every`` fragments; otherwise the new session's first run, and the notice, come with the
next click.

So: a previous id that differs from the session's own id means "your session was reset".
"""

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

_CHECKED = "frame_reconnect_checked"  # session_state key: the notice shows once per session


def previous_session_id(headers):
    """The session id a reconnecting browser announces, or None (first visit, reload)."""
    entries = [entry.strip() for entry in (headers.get("Sec-WebSocket-Protocol") or "").split(",")]
    return entries[2] if len(entries) >= 3 and entries[2] else None


def was_reset(previous_id, current_id):
    """True if the browser had a session and this is not it."""
    return previous_id is not None and previous_id != current_id


def reconnect_notice(t):
    """On the first run of a session that replaced the one the browser had, show a notice."""
    if st.session_state.get(_CHECKED):
        return
    ctx = get_script_run_ctx()
    current_id = ctx.session_id if ctx is not None else None
    if was_reset(previous_session_id(st.context.headers), current_id):
        st.warning(t("reconnect_reset"), icon=":material/sync_problem:")
    # Only now: a run stopped before the notice was drawn (a click) leaves it to the next run.
    st.session_state[_CHECKED] = True
