"""The "reconnected, your session was reset" notice (ui/reconnect.py): when it shows and when not.

The real reconnect (a replica killed behind the balancer) is in tests/browser/test_deploy.py.
"""

import pytest

from ui.reconnect import previous_session_id, was_reset
from ui.strings import TABLES


@pytest.mark.parametrize("header, expected", [
    (None, None),  # AppTest, or a client that sends no subprotocol
    ("streamlit, PLACEHOLDER_AUTH_TOKEN", None),  # a first visit or a reload
    ("streamlit, 2|ab|cd|1700000000", None),
    ("streamlit, 2|ab|cd|1700000000, 7c0f-old-session", "7c0f-old-session"),  # a reconnect
    ("streamlit,PLACEHOLDER_AUTH_TOKEN,abc", "abc"),
    ("streamlit, , abc", "abc"),  # positions count, as in Streamlit's own parser
    ("streamlit, token, ", None),
])
def test_previous_session_id_is_the_third_subprotocol_entry(header, expected):
    headers = {} if header is None else {"Sec-WebSocket-Protocol": header}
    assert previous_session_id(headers) == expected


@pytest.mark.parametrize("previous, current, reset", [
    (None, "new", False),  # first visit or reload
    ("same", "same", False),  # the process still had the session: resumed, nothing lost
    ("old", "new", True),  # a new session replaced the one the browser had
])
def test_only_a_replaced_session_counts_as_reset(previous, current, reset):
    assert was_reset(previous, current) is reset


def test_the_notice_is_translated():
    assert TABLES["en"]["reconnect_reset"] != TABLES["zh"]["reconnect_reset"]
    assert "reset" in TABLES["en"]["reconnect_reset"]


def test_no_notice_on_a_normal_first_run(app_test):
    at = app_test("app.py").run()
    assert not at.exception and not at.warning
    assert at.session_state["frame_reconnect_checked"] is True
