"""What the dead-ReLU page trains, and when: once per request, through the server's admission.

A link's settings train on arrival, the Train button trains changed settings; either way a
request this session already trained is shown again as it is (a chart option, a rerun, a
return from another page), and one that any session trained comes from ``st.cache_data``
without waiting in the queue. A training runs in its turn and, after every epoch once it has
had its slice, lets a classmate's job that has not had a turn yet go first (or one that came
before it), so one long run does not hold up a short one.
"""

import streamlit as st

from nn_core.experiments.dead_units import train_runs
from ui.admission import cached_or_computed

RESULTS_KEY = "dead_results"  # (TrainingRequest, runs) of the last training in this session


# A run keeps per-epoch records and two snapshots of pre-activations: a few megabytes at most
# (5 layers of 64 units, 300 points, 200 epochs, compare mode), so a few entries are plenty.
@st.cache_data(max_entries=12, show_spinner=False)
def _runs_cache(request, _value):
    return _value()


def stored():
    """(request, runs) of the last training in this session, or None."""
    return st.session_state.get(RESULTS_KEY)


def train(t, request):
    """The runs ``request`` asks for, trained unless this session or the cache has them."""
    previous = stored()
    if previous is not None and previous[0] == request:
        return previous[1]

    def compute(key, my_turn):
        bar = st.progress(0.0, text=t("dead_training", percent=0))

        def progress(fraction):
            bar.progress(fraction, text=t("dead_training", percent=round(100 * fraction)))
            my_turn.checkpoint()

        runs = train_runs(key.config, key.alternative, on_progress=progress)
        bar.empty()
        return runs

    [runs] = cached_or_computed(t, _runs_cache, [request], compute)
    st.session_state[RESULTS_KEY] = (request, runs)
    return runs
