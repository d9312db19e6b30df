"""The activations page's computations that are not instant, and the results it keeps.

Heavy work (the relative-cost timing, the linear-collapse training, the fits of ReLU units)
runs in a turn of the server-wide admission (``ui.admission.turn`` of ``QUICK_WORK``: each job
is bounded well under a second, so it does not queue behind other pages' long jobs) and only
when its result
is not there yet: the pure results are cached for every visitor (``st.cache_data``), and each
session keeps what it was shown in its own state, under page-prefixed keys, so a rerun or a
page switch recomputes nothing and never waits in the queue again. Each job takes well under a
second, so none needs ``Turn.checkpoint`` (which could not be called from inside a cached
function anyway: its waiting message would draw into a block made outside the function, which
``st.cache_data`` refuses to replay).
"""

from dataclasses import dataclass

import streamlit as st

from nn_core.experiments import explore, zero_centred
from pages.activations import controls
from ui.admission import QUICK_WORK, turn

COSTS_KEY = "act_costs"
COLLAPSE_KEY = "act_collapse"
FIT_REQUEST_KEY = "act_units_fit_request"
FIT_RECORD_KEY = "act_units_fit"
COMPARISON_UNITS = 8  # the separate, clearly labelled comparison: what more units reach
COMPARISON_ITERATIONS = 1000


@st.cache_data(max_entries=1, show_spinner=False)
def _relative_costs():
    return explore.relative_costs()


@st.cache_data(max_entries=1, show_spinner=False)
def _linear_collapse():
    return explore.linear_collapse()


@st.cache_data(max_entries=64, show_spinner=False)
def _units_fit(start):
    return explore.fit_relu_units(len(start[0]), start=start)


@st.cache_data(max_entries=1, show_spinner=False)
def _comparison_fit():
    return explore.fit_relu_units(COMPARISON_UNITS, iterations=COMPARISON_ITERATIONS)


@st.cache_data(max_entries=64, show_spinner=False)
def zero_centred_lesson(learning_rate, start):
    """The two descents (a few milliseconds: no turn needed), cached per setting."""
    return zero_centred.zero_centred_lesson(learning_rate, start)


def _kept(t, key, compute):
    """``compute()``, kept in this session under ``key``; the first time it runs in a turn of
    admission (a cache hit then costs next to nothing, a miss does the work)."""
    if key not in st.session_state:
        with turn(t, QUICK_WORK):
            st.session_state[key] = compute()
    return st.session_state[key]


def relative_costs(t):
    """Forward + backward time of each activation relative to ReLU, timed on this server."""
    return _kept(t, COSTS_KEY, _relative_costs)


def linear_collapse(t):
    return _kept(t, COLLAPSE_KEY, _linear_collapse)


@dataclass(frozen=True)
class UnitsFitRecord:
    """One press of "Fit it for me": the sliders before, their error, and what the fit set."""

    before: tuple  # rows (w, b, v) as the sliders stood
    before_error: float
    after: tuple  # rows (w, b, v) as the fit set the sliders
    fit: explore.ReluUnitsFit
    comparison: explore.ReluUnitsFit  # more units, for the separate comparison

    @property
    def change(self):
        return self.fit.error - self.before_error


def ask_for_fit():
    """The button's callback: the fit itself runs in the script, before the sliders are drawn
    (where it may wait for its turn, with the queue's message in view)."""
    st.session_state[FIT_REQUEST_KEY] = True


def fit_units_if_asked(t):
    """If "Fit it for me" was pressed: fit the units shown, starting from the sliders, in a
    turn of admission, then move the nine sliders to the fit (they are not drawn yet in this
    run). The request is dropped first, so an interrupted fit is not repeated by a later run."""
    if not st.session_state.pop(FIT_REQUEST_KEY, False):
        return
    before = controls.current_units()
    with turn(t, QUICK_WORK):
        fit = _units_fit(before)
        comparison = _comparison_fit()
    after = controls.set_units(fit.weights, fit.biases, fit.output_weights)
    st.session_state[FIT_RECORD_KEY] = UnitsFitRecord(
        before, explore.relu_units_curve(*before).error, after, fit, comparison)


def fit_record():
    """The last fit, and whether the sliders still show it: (record or None, current)."""
    record = st.session_state.get(FIT_RECORD_KEY)
    return record, record is not None and record.after == controls.current_units()
