"""nn_core.experiments.depth: the classic initialisation experiment, checked on the engine's real passes."""

import math

import numpy as np
import pytest

from nn_core import layer_stats
from nn_core.datasets import make_dataset
from nn_core.experiments.depth import (
    MAX_BATCH,
    MAX_DEPTH,
    MAX_WIDTH,
    TRAINING_SAMPLES,
    TRAINING_SET,
    build_deep_network,
    clipped_histograms,
    depth_profile,
    gaussian_batch,
    log_gradient_histograms,
    sigmoid_envelope,
    training_trace,
)

# The classic experiment: 10 hidden layers of 500 units (a smaller batch keeps the test quick;
# the per-layer statistics do not depend on it).
CLASSIC = dict(depth=10, width=500, batch_size=200, seed=0)


def classic(activation, init, **overrides):
    return depth_profile(activation, init=init, **{**CLASSIC, **overrides})


def spread(stds):
    """Largest over smallest activation std across the layers."""
    return float(np.max(stds) / np.min(stds))


def test_small_weights_make_tanh_activations_collapse():
    profile = classic("tanh", "normal_0.01")
    assert profile.activation_std[-1] < 1e-3 * profile.activation_std[0]
    assert profile.saturated_fraction.max() == 0.0  # collapsed, not saturated


def test_unit_weights_saturate_most_tanh_units():
    profile = classic("tanh", "normal_1.0")
    assert np.all(profile.saturated_fraction > 0.5)
    # A saturated tanh outputs +-1: its histogram piles up in the two outer bins.
    outer = profile.activation_histograms.fractions[:, [0, -1]].sum(axis=1)
    assert np.all(outer > 0.5)


@pytest.mark.parametrize("activation, init", [("tanh", "xavier"), ("relu", "he")])
def test_matched_initialisation_keeps_the_scale_through_depth(activation, init):
    profile = classic(activation, init)
    assert spread(profile.activation_std) < 4.0


def test_sigmoid_gradient_vanishes_towards_the_input():
    profile = classic("sigmoid", "xavier")
    assert profile.gradient_ratio < 1e-3
    assert profile.reading == "shrink"
    # Each sigmoid passes back at most 1/4: here the measured first layer is even below the bound.
    assert profile.weight_grad_norm[0] <= profile.sigmoid_envelope[0]


@pytest.mark.parametrize("init", ["normal_0.01", "normal_1.0", "xavier", "he"])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_histogram_counts_sum_to_every_sample_and_unit(activation, init):
    profile = depth_profile(activation, depth=4, width=32, init=init, batch_size=50)
    for histograms in (profile.activation_histograms, profile.gradient_histograms):
        assert histograms.counts.shape == (4, len(histograms.edges) - 1)
        assert profile.values_per_layer == 50 * 32
        assert np.all(histograms.counts.sum(axis=1) == profile.values_per_layer)
        assert np.allclose(histograms.fractions.sum(axis=1), 1.0)


def test_profile_numbers_are_layer_stats_of_the_same_network():
    profile = depth_profile("tanh", depth=3, width=20, init="xavier", gain=1.5, batch_size=40,
                            seed=7, saturation_threshold=0.05)
    model = build_deep_network("tanh", 3, 20, "xavier", gain=1.5, seed=7)
    X, y = gaussian_batch(40, 20, seed=7)
    stats = layer_stats(model, X, y, saturation_threshold=0.05)
    assert np.allclose(profile.activation_std, [s.activation_std for s in stats])
    assert np.allclose(profile.activation_mean, [s.activation_mean for s in stats])
    assert np.allclose(profile.saturated_fraction, [s.saturated_fraction for s in stats])
    assert np.allclose(profile.weight_grad_norm, [s.weight_grad_norm for s in stats])


def test_same_seed_same_picture_other_seed_other_picture():
    first = depth_profile("relu", depth=2, width=16, init="he", batch_size=30, seed=3)
    again = depth_profile("relu", depth=2, width=16, init="he", batch_size=30, seed=3)
    other = depth_profile("relu", depth=2, width=16, init="he", batch_size=30, seed=4)
    assert np.array_equal(first.activation_std, again.activation_std)
    assert not np.array_equal(first.activation_std, other.activation_std)


def test_sigmoid_envelope_is_a_quarter_per_layer():
    # Last layer 2.0; one layer below 2 * 0.25 = 0.5; two below 2 * 0.0625 = 0.125.
    assert np.allclose(sigmoid_envelope(2.0, 3), [0.125, 0.5, 2.0])


def test_reading_for_a_single_layer():
    profile = depth_profile("tanh", depth=1, width=8, init="xavier", batch_size=16)
    assert profile.reading == "single"
    assert profile.gradient_ratio == 1.0


def test_largest_allowed_explosion_stays_warning_free():
    # std 1.0 times gain 4 on 512 inputs: every layer multiplies the scale by about 90.
    profile = depth_profile("identity", depth=MAX_DEPTH, width=MAX_WIDTH, init="normal_1.0",
                            gain=4.0, batch_size=16)
    assert profile.activation_std[-1] > 1e30
    assert profile.activation_histograms.counts.sum() == 16 * MAX_WIDTH * MAX_DEPTH


def test_histograms_keep_outliers_infinities_and_nan():
    values = np.array([-5.0, 0.2, 0.7, 9.0, np.inf, -np.inf, np.nan])
    counts = clipped_histograms([values], 0.0, 1.0, bins=2).counts
    # -5, -inf -> first bin with 0.2; 0.7, 9, inf -> last bin; NaN -> the middle (0.5: last bin).
    assert counts.tolist() == [[3, 4]]


def test_zero_gradients_go_to_the_lowest_bin_without_stretching_the_range():
    gradients = [np.concatenate([np.zeros(100), np.full(900, 1e-3)])]
    histograms = log_gradient_histograms(gradients)
    assert histograms.edges[0] > -10  # not log10 of the smallest float
    assert histograms.counts[0, 0] == 100
    assert histograms.counts.sum() == 1000


@pytest.mark.parametrize("kwargs", [
    dict(depth=MAX_DEPTH + 1), dict(depth=0), dict(width=MAX_WIDTH + 1),
    dict(batch_size=MAX_BATCH + 1), dict(init="normal_2.0"), dict(activation="relux"),
    dict(saturation_threshold=-0.1), dict(gain=math.nan),
])
def test_bad_settings_are_refused_with_a_value_error(kwargs):
    settings = {**dict(activation="tanh", depth=2, width=8, init="xavier", batch_size=8), **kwargs}
    with pytest.raises(ValueError):
        depth_profile(**settings)


def test_training_trace_shapes_and_update_ratio():
    trace = training_trace("tanh", depth=3, width=16, init="xavier", steps=10,
                           learning_rate=0.05, seed=1)
    assert not trace.diverged
    assert trace.update_ratio.shape == (10, 3)
    assert len(trace.loss) == len(trace.first_grad_norm) == len(trace.last_grad_norm) == 10
    assert trace.steps.tolist() == list(range(1, 11))
    # Plain SGD: the first step moves W_1 by lr * ||dW_1||, relative to its initial norm.
    X, _ = make_dataset(TRAINING_SET, n_samples=TRAINING_SAMPLES, seed=1)
    start = build_deep_network("tanh", 3, 16, "xavier", seed=1, n_inputs=X.shape[1], n_classes=2)
    expected = 0.05 * trace.first_grad_norm[0] / np.linalg.norm(start.layers[0].W)
    assert trace.update_ratio[0, 0] == pytest.approx(expected)


def test_training_shows_early_sigmoid_layers_learning_slowly():
    trace = training_trace("sigmoid", depth=6, width=32, init="xavier", steps=10)
    assert np.all(trace.first_grad_norm < 0.1 * trace.last_grad_norm)
    assert np.all(trace.update_ratio[:, 0] < trace.update_ratio[:, -1])


def test_divergence_is_reported_not_raised():
    trace = training_trace("relu", depth=3, width=16, init="normal_1.0", steps=10,
                           learning_rate=1.0)
    assert trace.diverged
    assert len(trace.loss) < 10
    assert trace.diverged_at == len(trace.loss) + 1
    assert trace.update_ratio.shape == (len(trace.loss), 3)

