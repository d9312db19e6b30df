"""What the saturation page computes, and when: once per request, through the server's admission.

The profiles are computed when the network settings change (on arrival too), the brief training
when the button is pressed. Each result is kept in the session under its request, so a rerun,
a chart option or a return from another page shows it again without computing anything; across
sessions, ``st.cache_data`` holds the results by request, and a hit never waits in the queue.
"""

import math

import streamlit as st

from nn_core.experiments.depth import depth_profile, training_trace
from ui.admission import cached_or_computed

PROFILES_KEY = "sat_profiles"  # (NetworkSetup, {activation: DepthProfile})
TRAINING_KEY = "sat_training_result"  # (training request, {activation: TrainingTrace})


# A profile or a trace is a few kilobytes (histogram counts, per-layer and per-step numbers).
@st.cache_data(max_entries=64, show_spinner=False)
def _profile_cache(key, _value):
    return _value()


@st.cache_data(max_entries=32, show_spinner=False)
def _training_cache(key, _value):
    return _value()


def profiles(t, setup):
    """{activation: DepthProfile} for the network of ``setup`` (a NetworkSetup)."""
    stored = st.session_state.get(PROFILES_KEY)
    if stored is not None and stored[0] == setup:
        return stored[1]
    keys = [(name, setup.depth, setup.width, setup.init, setup.gain, setup.batch_size,
             setup.seed, setup.threshold) for name in setup.activations]
    values = cached_or_computed(t, _profile_cache, keys, lambda key, my_turn: depth_profile(*key))
    result = dict(zip(setup.activations, values, strict=True))
    st.session_state[PROFILES_KEY] = (setup, result)
    return result


def training_request(setup, training):
    """What decides a brief training: the network and the training settings."""
    return (setup.activations, setup.depth, setup.width, setup.init, setup.gain,
            training.steps, training.learning_rate, setup.seed)


def train(t, request):
    """Train each activation of ``request`` (unless this session already did) and keep it."""
    stored = st.session_state.get(TRAINING_KEY)
    if stored is not None and stored[0] == request:
        return
    activations, *settings = request
    keys = [(name, *settings) for name in activations]

    def compute(key, my_turn):
        # Between steps, once it has had its slice, a job that has not had a turn yet (or one
        # that came first) may go ahead (ui.admission.Turn.checkpoint).
        return training_trace(*key, on_step=lambda step: my_turn.checkpoint())

    values = cached_or_computed(t, _training_cache, keys, compute)
    st.session_state[TRAINING_KEY] = (request, dict(zip(activations, values, strict=True)))


def stored_training(request):
    """(traces, current): the last training of this session (or None) and whether it is the
    one ``request`` asks for."""
    stored = st.session_state.get(TRAINING_KEY)
    if stored is None:
        return None, False
    return stored[1], stored[0] == request


def reading_fields(reading):
    """The numbers a reading's sentence quotes, written for people (``7.7×10⁴``, ``89%``)."""
    numbers = {name: number(getattr(reading, name)) for name in (
        "ratio", "per_layer", "first", "last", "relative_low", "relative_high", "slope",
        "signal_first", "signal_last", "learning_rate")}
    return {**numbers, "saturated": f"{reading.saturated:.0%}"}


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def number(value):
    """Two significant digits (whole numbers up to 999); powers of ten as 7.7×10⁴ beyond.

    >>> number(77146.5), number(0.1413), number(6.81e-07), number(3.0), number(501.04)
    ('7.7×10⁴', '0.14', '6.8×10⁻⁷', '3', '501')
    """
    if not math.isfinite(value):
        return "–"
    if value == 0 or 0.01 <= abs(value) < 100:
        return f"{value:.2g}"
    if 100 <= abs(value) < 999.5:
        return f"{value:.0f}"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}×10{str(int(exponent)).translate(_SUPERSCRIPTS)}"
