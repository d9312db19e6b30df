"""Monkey test (issue 7): random sequences of widget changes on every page, through AppTest.

For each page, hypothesis opens the page (sometimes in Chinese or projector mode, from the URL)
and then, step after step, picks one of the widgets that are on the page *now* (sidebar
included: language switch, projector toggle, the share panel's lock list; stateful tabs too)
and gives it a valid value taken from the widget's own proto: a slider position on its step
grid, an option of a select box, a subset of a multiselect within ``max_selections``, a number
inside ``[min, max]``, a click on a button. Numbers go to an edge (min or max) in a third of the
draws and one step (or the smallest shown decimal) in from an edge in another third. Now and
then the monkey follows one of the page links (carrying the link's URL parameters, as a click
on ``st.page_link`` does) and carries on on the other page. After every run the page must show:

* no exception (``at.exception``: uncaught exceptions and ``st.exception`` elements);
* no ``st.error`` whose text looks like a traceback or names an exception class
  (``ValueError: ...``, ``RuntimeWarning: ...``): an error a page caught and printed;
* no Python warning raised during the run (numpy's RuntimeWarning in particular), from any
  thread, the playground's training thread included;
* no warning logged by Streamlit during the run, such as "The widget with key ... was created
  with a default value but also had its value set via the Session State API" (Streamlit only
  logs that one, once per process: the monkey re-arms it before every run).

How warnings reach the test: AppTest runs the script in its own thread, and pytest's
``filterwarnings = error`` is process-wide, so a warning inside the script becomes an
exception there, which AppTest shows as an exception element. The monkey does not rely on the
pytest configuration: around every run it records all warnings instead
(``warnings.catch_warnings(record=True)`` with ``simplefilter("always")``), so the step still
fails, and the failure names the warning, its category and the line that raised it. (Between
runs the playground's training thread runs under pytest's filter: a warning there becomes an
exception the trainer reports on the page, which the ``st.error`` check catches.)

Widgets are driven the way the browser drives them: AppTest's ``set_value`` wants raw option
values, which the proto does not carry (it has only the formatted labels), so each step sends
the ``WidgetState`` the frontend would send (labels for select widgets) together with the
current state of every other widget. That uses AppTest's internal ``_tree`` and ``_run``
(Streamlit 1.67). Download buttons (no rerun) and file uploaders are not driven.

Budget: ``EXAMPLES`` x ``Page.steps`` runs per page, 385 in all, about a minute on a quiet
2-core machine. A failure prints the journal of the example (each step's widget key, value and
run time, in order; hypothesis prints the same draws). Shrinking is off because every step is a
page run. For a longer hunt: ``MONKEY_EXAMPLES=40 MONKEY_LOG=1 python -m pytest -s
tests/test_monkey.py`` (``MONKEY_LOG`` prints every journal, ``MONKEY_SHRINK=1`` shrinks).
"""

from __future__ import annotations

import logging
import os
import re
import time
import warnings
from contextlib import contextmanager
from typing import NamedTuple
from urllib.parse import parse_qs

import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from streamlit.elements.lib import policies
from streamlit.proto.ButtonGroup_pb2 import ButtonGroup as ButtonGroupProto
from streamlit.proto.NumberInput_pb2 import NumberInput as NumberInputProto
from streamlit.proto.Slider_pb2 import Slider as SliderProto
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from streamlit.runtime.state.common import user_key_from_element_id
from streamlit.testing.v1.element_tree import (
    Block,
    Button,
    ButtonGroup,
    Checkbox,
    Multiselect,
    NumberInput,
    Radio,
    Selectbox,
    SelectSlider,
    Slider,
    TextArea,
    TextInput,
    Toggle,
)


class Page(NamedTuple):
    path: str
    steps: int  # widget changes per hypothesis example
    start: dict = {}  # URL parameters the page is opened with
    link_rate: float = 0.04  # share of steps on this page that follow a page link


PAGES = {
    "home": Page("pages/home/page.py", 5, link_rate=0.5),  # language, projector mode, and the links
    "activations": Page("pages/activations/page.py", 20),
    "saturation": Page("pages/saturation/page.py", 12,
                       # Opened with a small batch and width so that most steps take a fraction
                       # of a second; the sliders still reach their maxima.
                       {"sat_width": 64, "sat_batch": 128}),
    "dead_relu": Page("pages/dead_relu/page.py", 20),
    "playground": Page("pages/playground/page.py", 20),
}
# Hypothesis examples per page: 5 x (5 + 20 + 12 + 20 + 20) = 385 steps in all.
EXAMPLES = int(os.environ.get("MONKEY_EXAMPLES", 5))
SHOW_JOURNAL = bool(os.environ.get("MONKEY_LOG"))  # print every example's steps and timings
TIMEOUT = 60.0  # seconds per script run: a click may train a network

PHASES = [Phase.explicit, Phase.reuse, Phase.generate]
if os.environ.get("MONKEY_SHRINK"):
    PHASES.append(Phase.shrink)

# An st.error that shows a traceback, or an exception's class name and message.
TRACEBACK_LIKE = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+"
    r"|\b[A-Z]\w*(?:Error|Exception|Warning)\b:"
)
# Logged in the test's own thread when it reads AppTest's session state between runs (in any
# other thread it would mean that thread called st.*, and it is reported).
_IGNORED_MAIN_THREAD_LOGS = ("missing ScriptRunContext",)


# --- the widgets on the page now ----------------------------------------------------------------
class Control:
    """One widget a visitor could use right now, with the proto it was drawn from."""

    def __init__(self, kind, id, key, label, proto, options=()):
        self.kind, self.id, self.key, self.label = kind, id, key, label
        self.proto = proto
        self.options = options  # labels, as the browser shows and sends them

    def __repr__(self):  # what hypothesis prints for a draw
        return f"{self.kind}[{self.key or self.label!r}]"


_WIDGET_KINDS = (
    (Slider, "slider"), (SelectSlider, "select_slider"), (Selectbox, "selectbox"),
    (Multiselect, "multiselect"), (Radio, "radio"), (Toggle, "toggle"),
    (Checkbox, "checkbox"), (NumberInput, "number_input"), (TextInput, "text_input"),
    (TextArea, "text_area"), (ButtonGroup, "button_group"), (Button, "button"),
)

_OPTION_KINDS = ("select_slider", "selectbox", "multiselect", "radio", "button_group")


def controls(at):
    """Every enabled widget on the page (main area and sidebar), and every stateful tab bar."""
    found = []
    for area in (at.main, at.sidebar):
        for node in area:
            if isinstance(node, Block):
                tabs = _tab_bar(node)
                if tabs is not None:
                    found.append(tabs)
                continue
            for cls, kind in _WIDGET_KINDS:
                if type(node) is cls:
                    labels = _labels(node.proto)
                    if kind in _OPTION_KINDS and not labels:
                        break  # nothing to choose (and a multiselect can only stay empty)
                    if not node.proto.disabled:
                        found.append(Control(kind, node.id, node.key, node.proto.label,
                                             node.proto, labels))
                    break
    assert found, "no widget on the page"
    return found


def _labels(proto):
    options = getattr(proto, "options", ())
    return tuple(getattr(option, "content", option) for option in options)


def _tab_bar(block):
    """A Control for ``st.tabs(..., key=..., on_change=...)``; None for other blocks."""
    if block.type != "tab_container":
        return None
    bar = block.proto.tab_container
    if not bar.id:
        return None  # stateless tabs: switching them runs nothing on the server
    labels = tuple(block.children[i].label for i in sorted(block.children))
    return Control("tabs", bar.id, user_key_from_element_id(bar.id), "tabs", block.proto, labels)


def tab_states(at):
    """The state of every stateful tab bar: the open tab's label, as the browser sends it."""
    states = []
    for control in controls(at):
        if control.kind == "tabs":
            index = control.proto.tab_container.default_tab_index
            states.append(WidgetState(id=control.id, string_value=control.options[index]))
    return states


# --- valid values, from the widget's own proto ------------------------------------------------
def _index(n):
    """An index into n + 1 grid points (0..n): the ends, one in from the ends, or anywhere."""
    edges = sorted({0, n})
    near = sorted({min(1, n), max(n - 1, 0)})
    return st.one_of(st.sampled_from(edges), st.sampled_from(near), st.integers(0, n))


def _grid_value(proto, k):
    value = proto.min + k * proto.step
    value = min(max(value, proto.min), proto.max)
    return int(round(value)) if proto.data_type == SliderProto.INT else round(value, 12)


def _choice_lists(n, max_size):
    """Subsets of option indices in click order: empty, the first max_size, or any."""
    return st.one_of(
        st.just([]),
        st.just(list(range(max_size))),
        st.lists(st.integers(0, n - 1), unique=True, max_size=max_size),
    )


def _decimals(fmt, default=2):
    match = re.search(r"\.(\d+)[fe]", fmt or "")
    return int(match.group(1)) if match else default


def value_strategy(control):
    """A strategy for a valid value of ``control`` (None for a click)."""
    proto, labels = control.proto, control.options
    kind = control.kind
    if kind == "slider":
        if proto.data_type not in (SliderProto.INT, SliderProto.FLOAT):
            raise NotImplementedError(f"{control!r}: date and time sliders")
        n = max(0, round((proto.max - proto.min) / proto.step))
        one = _index(n).map(lambda k: _grid_value(proto, k))
        if len(proto.default) == 2:
            return st.tuples(one, one).map(sorted)
        return one
    if kind == "select_slider":
        one = _index(len(labels) - 1)
        if len(proto.default) == 2:
            return st.tuples(one, one).map(sorted).map(lambda ks: [labels[k] for k in ks])
        return one.map(lambda k: labels[k])
    if kind in ("selectbox", "radio"):
        return _index(len(labels) - 1).map(lambda k: labels[k])
    if kind == "tabs":
        return st.sampled_from(labels)
    if kind == "multiselect":
        limit = min(proto.max_selections or len(labels), len(labels))
        return _choice_lists(len(labels), limit).map(lambda ks: [labels[k] for k in ks])
    if kind == "button_group":
        if proto.click_mode == ButtonGroupProto.MULTI_SELECT:
            return _choice_lists(len(labels), len(labels)).map(lambda ks: [labels[k] for k in ks])
        single = st.sampled_from(labels).map(lambda label: [label])
        # The browser lets a visitor deselect the chosen option unless the widget is required.
        return single if proto.required else st.one_of(single, st.just([]))
    if kind in ("toggle", "checkbox"):
        return st.booleans()
    if kind == "number_input":
        return _number_values(proto)
    if kind in ("text_input", "text_area"):
        return st.text(max_size=proto.max_chars or 40)
    if kind == "button":
        return st.none()
    raise NotImplementedError(kind)


def _number_values(proto):
    integer = proto.data_type == NumberInputProto.INT
    step = proto.step or 1
    low = proto.min if proto.has_min else proto.default - 1000 * step
    high = proto.max if proto.has_max else proto.default + 1000 * step
    if integer:
        low, high = int(low), int(high)
        edges = [low, high]
        near = [low + 1, high - 1, low + int(step), high - int(step)]
        anywhere = st.integers(low, high)
    else:
        decimals = _decimals(proto.format)
        tiny = 10.0 ** -decimals
        edges = [low, high]
        near = [low + tiny, high - tiny, low + step, high - step]
        anywhere = st.floats(low, high, allow_nan=False).map(lambda v: round(v, decimals))
    near = [min(max(v, low), high) for v in near]
    value = st.one_of(st.sampled_from(edges), st.sampled_from(near), anywhere)
    return value.map(lambda v: int(v) if integer else float(min(max(v, low), high)))


def widget_state(control, value):
    """What the browser sends for ``control`` set to ``value``."""
    state = WidgetState(id=control.id)
    kind = control.kind
    if kind == "button":
        state.trigger_value = True
    elif kind == "slider":
        state.double_array_value.data[:] = value if isinstance(value, list) else [value]
    elif kind == "number_input":
        state.double_value = value
    elif kind in ("toggle", "checkbox"):
        state.bool_value = value
    elif kind in ("select_slider", "multiselect", "button_group"):
        state.string_array_value.data[:] = value if isinstance(value, list) else [value]
    else:  # selectbox, radio, tabs, text inputs
        state.string_value = value
    return state


# --- page links -----------------------------------------------------------------------------------
# URL path of a page (what st.page_link's proto holds) -> its file.
PAGE_FILES = {("" if key == "home" else key): page.path for key, page in PAGES.items()}
LINK_RATES = {page.path: page.link_rate for page in PAGES.values()}


def page_links(at):
    """(file, query string) of every link to a page of the app on the page now."""
    return [(PAGE_FILES[link.proto.page], link.proto.query_string)
            for link in at.get("page_link") if link.proto.page in PAGE_FILES]


def follow(at, path, query_string):
    """What a click on ``st.page_link`` does: the link's URL parameters, then the page."""
    at.query_params.clear()
    for key, values in parse_qs(query_string).items():
        at.query_params[key] = values[-1]
    at.switch_page(path).run()


# --- running a step and checking the page -------------------------------------------------------
def run_with(at, state):
    """One rerun with ``state`` and, for every other widget, its current state."""
    states = WidgetStates()
    current = [*at._tree.get_widget_states().widgets, *tab_states(at)]
    states.widgets.extend(w for w in current if w.id != state.id)
    states.widgets.append(state)
    at._run(states)


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@contextmanager
def watch():
    """Record Python warnings (every thread) and Streamlit's logged warnings during a run."""
    handler = _Collect()
    loggers = [logger for name, logger in logging.root.manager.loggerDict.items()
               if isinstance(logger, logging.Logger)
               and (name == "streamlit" or name.startswith("streamlit."))]
    for logger in loggers:
        logger.addHandler(handler)
    # Streamlit logs the "default value and Session State" warning once per process.
    policies._shown_default_value_warning = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield caught, handler.records
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def problems(at, caught, records):
    """Everything wrong with the page after a run, as readable lines."""
    found = []
    for exception in at.exception:
        trace = "\n".join(exception.stack_trace)
        found.append(f"exception on the page: {exception.proto.type}: {exception.value}\n{trace}")
    for error in at.error:
        if TRACEBACK_LIKE.search(error.value):
            found.append(f"st.error with a traceback-like text: {error.value}")
    for warning in caught:
        found.append(f"{warning.category.__name__} at {warning.filename}:{warning.lineno}: "
                     f"{warning.message}")
    for record in records:
        message = record.getMessage()
        if not (record.threadName == "MainThread"
                and any(text in message for text in _IGNORED_MAIN_THREAD_LOGS)):
            found.append(f"Streamlit logged {record.levelname} from {record.name} "
                         f"[{record.threadName}]: {message}")
    return found


@contextmanager
def timed(journal):
    """Append the run's duration to the journal's last line (also when the run times out)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        journal[-1] += f"  ({time.perf_counter() - start:.2f} s)"


def assert_clean(at, seen, journal):
    found = problems(at, *seen)
    assert not found, "\n".join(["monkey steps:", *journal, "problems:", *found])


def stop_background_work(at):
    """Pause the playground's training thread, if a step started one."""
    trainer = at.session_state["pg_trainer"] if "pg_trainer" in at.session_state else None
    if trainer is not None:
        trainer.pause()


# --- the test ------------------------------------------------------------------------------------
# When a hypothesis test fails, hypothesis's pytest plugin imports libcst to suggest a patch, and
# libcst 1.0 uses mypy_extensions.TypedDict, which warns; with ``filterwarnings = error`` that
# warning turns the failure report into a pytest INTERNALERROR that ends the whole session.
pytestmark = pytest.mark.filterwarnings(
    "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning")


@pytest.mark.slow
@pytest.mark.parametrize("page", list(PAGES))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=PHASES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                           HealthCheck.data_too_large],
)
@given(data=st.data())
def test_monkey(open_page, page, data):
    path, steps, start, _ = PAGES[page]
    here = path  # the page the monkey is on: it may follow links
    query = data.draw(st.fixed_dictionaries({}, optional={
        "lang": st.sampled_from(["en", "zh"]), "projector": st.just(True)}), label="URL")
    query = {**start, **query}
    # Which widget to touch comes from a seeded Random: hypothesis's first examples draw the
    # simplest choices, and "always the first widget" would waste them; values stay drawn by
    # hypothesis, so those examples set every touched widget to its minimum.
    monkey = data.draw(st.randoms(use_true_random=True), label="monkey")
    journal = [f"open {path} with {query or 'no URL parameters'}"]
    with watch() as seen, timed(journal):
        at = open_page(path, default_timeout=TIMEOUT, **query)
    try:
        assert_clean(at, seen, journal)
        for number in range(1, steps + 1):
            links = page_links(at)
            if links and monkey.random() < LINK_RATES[here]:
                target, query_string = monkey.choice(links)
                here = target
                journal.append(f"{number:>2}. follow the link to {target}?{query_string}")
                note(journal[-1])
                with watch() as seen, timed(journal):
                    follow(at, target, query_string)
                assert_clean(at, seen, journal)
                continue
            control = monkey.choice(controls(at))
            value = data.draw(value_strategy(control), label=f"step {number}: {control!r}")
            journal.append(f"{number:>2}. {control!r} <- "
                           f"{'click' if control.kind == 'button' else repr(value)}")
            note(journal[-1])
            with watch() as seen, timed(journal):
                run_with(at, widget_state(control, value))
            assert_clean(at, seen, journal)
    finally:
        stop_background_work(at)
        if SHOW_JOURNAL:
            print(f"\n[{page}]", *journal, sep="\n")


# Step sequences the monkey found in longer hunts, replayed on every run with the same checks:
# (page, [(widget key, value as the browser sends it), ...]). Values are English labels.
FOUND = [
    # scikit-learn's MLPRegressor raises "Solver produced non-finite parameter weights" when
    # plain SGD diverges on a regression set; the comparison tool does not catch it.
    pytest.param("pages/playground/page.py", [
        ("pg_dataset", "Sine curve (regression)"),
        ("pg_optimizer", ["SGD"]),
        ("pg_lr", "1"),
        ("pg_compare_epochs", 10.0),
        ("pg_compare_button", None),
    ], id="playground-sklearn-comparison-diverges"),
]


@pytest.mark.parametrize("path, steps", FOUND)
def test_monkey_findings(open_page, path, steps):
    journal = [f"open {path}"]
    with watch() as seen, timed(journal):
        at = open_page(path, default_timeout=TIMEOUT)
    try:
        assert_clean(at, seen, journal)
        for number, (key, value) in enumerate(steps, start=1):
            control = next(c for c in controls(at) if c.key == key)
            journal.append(f"{number:>2}. {control!r} <- "
                           f"{'click' if control.kind == 'button' else repr(value)}")
            with watch() as seen, timed(journal):
                run_with(at, widget_state(control, value))
            assert_clean(at, seen, journal)
    finally:
        stop_background_work(at)
