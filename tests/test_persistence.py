"""A page switch keeps the teacher's setup: every page's settings and results survive leaving
and re-entering it within a session, and a lesson link's lock holds for the whole visit.

AppTest keeps widget state across ``switch_page`` by itself, so here the settings tests guard
against the pages resetting or retraining anything on the way back; Streamlit's own cleanup of
undrawn widgets in a real browser session is tested in ``tests/browser/test_persistence.py``.
"""

import pytest

from tests.apptest_helpers import open_app_page

SMALL_SATURATION = {"sat_width": 16, "sat_batch": 32, "sat_depth": 3}


def visit(at, path):
    at.switch_page(path).run()
    assert not at.exception
    return at


@pytest.mark.parametrize("path, key, value", [
    ("pages/activations/page.py", "act_half_range", 9.5),
    ("pages/saturation/page.py", "sat_depth", 5),
    ("pages/dead_relu/page.py", "dead_width", 12),
    ("pages/playground/page.py", "pg_units_1", 7),
])
def test_a_setting_survives_leaving_the_page_and_coming_back(path, key, value):
    at = open_app_page(path, **SMALL_SATURATION)
    widget = at.get("slider") + at.get("number_input")
    next(w for w in widget if w.key == key).set_value(value).run()
    assert at.session_state[key] == value
    for elsewhere in ("pages/home/page.py", "pages/activations/page.py"):
        if elsewhere != path:
            visit(at, elsewhere)
    visit(at, path)
    assert at.session_state[key] == value
    shown = next(w for w in at.get("slider") + at.get("number_input") if w.key == key)
    assert shown.value == value


def test_the_playground_keeps_its_trained_model_across_pages():
    at = open_app_page("pages/playground/page.py")
    at.selectbox(key="pg_dataset").set_value("spiral").run()
    at.number_input(key="pg_units_1").set_value(8).run()
    for _ in range(3):
        at.button(key="pg_step_button").click().run()
    trainer = at.session_state["pg_trainer"]
    assert trainer.snapshot().epoch == 3
    visit(at, "pages/saturation/page.py")
    visit(at, "pages/playground/page.py")
    assert at.session_state["pg_trainer"] is trainer and trainer.snapshot().epoch == 3
    assert at.selectbox(key="pg_dataset").value == "spiral"
    assert at.number_input(key="pg_units_1").value == 8


def test_results_of_the_other_pages_survive_too():
    at = open_app_page("pages/saturation/page.py", **SMALL_SATURATION)
    at.button(key="sat_train").click().run()
    trained = at.session_state["sat_training_result"]
    visit(at, "pages/dead_relu/page.py")
    dead_runs = at.session_state["dead_results"]
    visit(at, "pages/saturation/page.py")
    assert at.session_state["sat_training_result"] is trained
    visit(at, "pages/dead_relu/page.py")
    assert at.session_state["dead_results"] is dead_runs  # not trained again on return


def test_a_lesson_links_lock_holds_on_every_page_it_names():
    at = open_app_page("pages/saturation/page.py", lock="sat_depth,pg_lr,evil",
                       **SMALL_SATURATION)

    def hidden():
        css = " ".join(html.proto.body for html in at.get("html"))
        return {key for key in ("sat_depth", "pg_lr", "evil") if f".st-key-{key}" in css}

    assert hidden() == {"sat_depth"}
    visit(at, "pages/playground/page.py")
    assert hidden() == {"pg_lr"}
    visit(at, "pages/saturation/page.py")
    assert hidden() == {"sat_depth"}
    links = [link.proto.query_string for link in at.sidebar.get("page_link")]
    assert all("lock=sat_depth%2Cpg_lr" in link for link in links)  # the links carry it
