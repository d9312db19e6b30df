"""nn_core.experiments.depth: the classic initialisation experiment, checked against the engine's
own passes (layer_stats on nn_core.MLP), its memory bound, the reading and the brief training."""

import math
import tracemalloc

import numpy as np
import pytest

from nn_core import SGD, layer_stats
from nn_core.experiments.depth import (
    HISTOGRAM_BINS,
    MAX_BATCH,
    MAX_DEPTH,
    MAX_WIDTH,
    build_deep_network,
    clipped_histograms,
    deep_network_weights,
    depth_profile,
    gaussian_batch,
    gradient_reading,
    log_gradient_histograms,
    log_magnitudes,
    profile_bytes,
    sigmoid_envelope,
    training_task,
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
    assert profile.reading.code == "vanishing"
    # Each sigmoid passes back at most 1/4: here the measured first layer is even below the bound.
    assert profile.weight_grad_norm[0] <= profile.sigmoid_envelope[0]
    assert np.all(profile.mean_slope <= 0.25)


# --- the same numbers as the engine's own forward and backward pass -------------------------
def reference(activation, depth, width, init, gain, batch_size, seed, threshold):
    """Everything the old all-layers-at-once profile computed, from layer_stats on an MLP."""
    model = build_deep_network(activation, depth, width, init, gain=gain, seed=seed)
    X, y = gaussian_batch(batch_size, width, seed=seed)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        loss = model.loss(X, y)
        stats = layer_stats(model, X, y, saturation_threshold=threshold)
        magnitudes = [log_magnitudes(s.output_grad) for s in stats]
    return model, loss, stats, magnitudes


@pytest.mark.parametrize("activation, init, gain", [
    ("tanh", "xavier", 1.5), ("relu", "he", 1.0), ("elu", "normal_1.0", 0.5),
    ("sigmoid", "normal_0.01", 1.0), ("identity", "normal_1.0", 2.0), ("swish", "xavier", 1.0),
])
def test_profile_numbers_are_layer_stats_of_the_same_network(activation, init, gain):
    settings = (activation, 5, 24, init, gain, 40, 7, 0.05)
    profile = depth_profile(*settings)
    model, loss, stats, magnitudes = reference(*settings)
    assert profile.loss == loss
    for field in ("activation_std", "activation_mean", "saturated_fraction",
                  "weight_grad_norm", "dead_fraction"):
        np.testing.assert_allclose(getattr(profile, field), [getattr(s, field) for s in stats],
                                   rtol=1e-12, err_msg=field)
    np.testing.assert_allclose(profile.weight_norm,
                               [np.linalg.norm(d.W) for d in model.dense_layers()[:-1]])
    # Histograms: the counts a direct histogram of all layers at once gives on the same edges.
    for histograms, arrays in ((profile.activation_histograms, [s.output for s in stats]),
                               (profile.gradient_histograms, magnitudes)):
        low, high = histograms.edges[0], histograms.edges[-1]
        for row, values in zip(histograms.counts, arrays, strict=True):
            inside = np.clip(np.nan_to_num(values, nan=(low + high) / 2), low, high)
            np.testing.assert_array_equal(row, np.histogram(inside, bins=histograms.edges)[0])


def test_gradient_histograms_equal_the_old_all_at_once_scheme():
    # Before, the edges were np.linspace over whole decades of every layer's log10 |g| at once.
    settings = ("relu", 6, 64, "he", 1.0, 100, 3, 0.01)
    profile = depth_profile(*settings)
    _, _, _, magnitudes = reference(*settings)
    sample = np.concatenate([m.ravel()[:4096] for m in magnitudes])
    low, high = np.quantile(sample[sample > math.log10(np.finfo(float).tiny)], [0.005, 0.995])
    old = clipped_histograms(magnitudes, math.floor(low), math.ceil(high))
    np.testing.assert_allclose(profile.gradient_histograms.edges, old.edges, rtol=1e-14)
    np.testing.assert_array_equal(profile.gradient_histograms.counts, old.counts)


def test_weights_are_drawn_as_the_engine_draws_them():
    weights = deep_network_weights(3, 16, "he", gain=2.0, seed=5)
    model = build_deep_network("relu", 3, 16, "he", gain=2.0, seed=5)
    for W, dense in zip(weights, model.dense_layers(), strict=True):
        np.testing.assert_array_equal(W, dense.W)


def peak_bytes(work):
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_profile_holds_far_less_than_every_layers_arrays():
    settings = ("swish", 16, 64, "he", 1.0, 512, 0, 0.01)  # swish: the most temporaries
    peak = peak_bytes(lambda: depth_profile(*settings))
    assert peak <= profile_bytes(16, 64, 512)
    # The model and every layer's z, a, dL/da and log10 |dL/da| at once, as before.
    assert peak < 0.5 * peak_bytes(lambda: reference(*settings))


# --- histograms --------------------------------------------------------------------------
@pytest.mark.parametrize("init", ["normal_0.01", "normal_1.0", "xavier", "he"])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_histogram_counts_sum_to_every_sample_and_unit(activation, init):
    profile = depth_profile(activation, depth=4, width=32, init=init, batch_size=50)
    for histograms in (profile.activation_histograms, profile.gradient_histograms):
        assert histograms.counts.shape == (4, HISTOGRAM_BINS)
        assert profile.values_per_layer == 50 * 32
        assert np.all(histograms.counts.sum(axis=1) == profile.values_per_layer)
        assert np.allclose(histograms.fractions.sum(axis=1), 1.0)


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


def test_log_histograms_of_values_on_edges_nan_and_infinity():
    # 1e-3 is exactly the edge -3; 10**-2.9 sits on a fine edge too; NaN goes to the middle.
    first = np.array([1e-3, 10 ** -2.9, 1e-2, 5e-2, np.nan, np.inf, -np.inf])
    second = np.full(50, 2e-2)
    histograms = log_gradient_histograms([first, second], bins=10)
    direct = [np.histogram(np.clip(np.nan_to_num(log_magnitudes(g), nan=-2.0), -3.0, -1.0),
                           bins=histograms.edges)[0] for g in (first, second)]
    assert histograms.edges[0] == -3.0 and histograms.edges[-1] == -1.0
    np.testing.assert_array_equal(histograms.counts, direct)


def test_log_histograms_of_one_repeated_value_get_a_decade_around_it():
    histograms = log_gradient_histograms([np.full(10, 1e-4)], bins=4)
    assert histograms.edges.tolist() == [-4.5, -4.25, -4.0, -3.75, -3.5]
    assert histograms.counts.tolist() == [[0, 0, 10, 0]]


# --- bounds and bad settings --------------------------------------------------------------
def test_what_the_gain_help_says_about_the_signal_through_depth():
    """The gain slider's help text ("sat_gain_help") against the profiles it describes."""
    from pages.saturation.strings import EN

    says = EN["sat_gain_help"]

    def rms(activation, init, gain):
        profile = classic(activation, init, depth=12, width=200, gain=gain)
        return np.asarray(profile.activation_rms), profile.reading.saturated

    assert "With ReLU, above 1 the signal grows layer after layer and below 1 it shrinks" in says
    grows, _ = rms("relu", "he", 2.0)
    assert np.all(np.diff(grows[:10]) > 0) and grows[-1] > 100 * grows[0]
    shrinks, _ = rms("relu", "he", 0.5)
    assert shrinks[-1] < 0.01 * shrinks[0]
    assert ("Tanh and sigmoid are bounded: above 1 their signal settles at a steady size with "
            "more units saturated, and below 1 tanh's dies out") in says
    for activation in ("tanh", "sigmoid"):
        settled, saturated_high = rms(activation, "xavier", 3.0)
        assert np.all(np.abs(settled[6:] / settled[6] - 1.0) < 0.1), activation  # steady
        _, saturated_one = rms(activation, "xavier", 1.0)
        assert saturated_high > saturated_one, activation
    dies, _ = rms("tanh", "xavier", 0.5)
    assert dies[-1] < 1e-3 * dies[0]


def test_sigmoid_envelope_is_a_quarter_per_layer():
    # Last layer 2.0; one layer below 2 * 0.25 = 0.5; two below 2 * 0.0625 = 0.125.
    assert np.allclose(sigmoid_envelope(2.0, 3), [0.125, 0.5, 2.0])


def test_largest_allowed_explosion_stays_warning_free():
    # std 1.0 times gain 4 on 512 inputs: every layer multiplies the scale by about 90.
    profile = depth_profile("identity", depth=MAX_DEPTH, width=MAX_WIDTH, init="normal_1.0",
                            gain=4.0, batch_size=16)
    assert profile.activation_std[-1] > 1e30
    assert profile.activation_histograms.counts.sum() == 16 * MAX_WIDTH * MAX_DEPTH
    assert profile.reading.code in ("huge", "overflow")


@pytest.mark.parametrize("kwargs", [
    dict(depth=MAX_DEPTH + 1), dict(depth=0), dict(width=MAX_WIDTH + 1),
    dict(batch_size=MAX_BATCH + 1), dict(init="normal_2.0"), dict(activation="relux"),
    dict(saturation_threshold=-0.1), dict(gain=math.nan),
])
def test_bad_settings_are_refused_with_a_value_error(kwargs):
    settings = {**dict(activation="tanh", depth=2, width=8, init="xavier", batch_size=8), **kwargs}
    with pytest.raises(ValueError):
        depth_profile(**settings)


# --- the reading -------------------------------------------------------------------------
def test_the_four_classic_readings_at_the_pages_default_size():
    """The cases of issue 13, 10 layers of 500 units, batch 1000, seed 0, with their numbers."""
    readings = {case: depth_profile(case[0], 10, 500, case[1], batch_size=1000).reading
                for case in [("tanh", "normal_1.0"), ("tanh", "normal_0.01"), ("relu", "he"),
                             ("sigmoid", "xavier")]}
    exploding = readings["tanh", "normal_1.0"]
    assert exploding.code == "exploding_saturated"  # 89 % saturated, yet the gradient grows
    assert exploding.ratio == pytest.approx(7.7e4, rel=0.01)
    assert exploding.saturated == pytest.approx(0.89, abs=0.01)
    collapsed = readings["tanh", "normal_0.01"]
    assert collapsed.code == "tiny_collapsed"  # the ratio (1.0) alone would look healthy
    assert collapsed.ratio == pytest.approx(1.0, abs=0.05)
    assert collapsed.first == pytest.approx(2.0e-7, rel=0.05)
    assert collapsed.relative_high < 1e-7 and collapsed.signal_last < 1e-6
    healthy = readings["relu", "he"]
    assert healthy.code == "healthy" and healthy.ratio == pytest.approx(0.14, abs=0.005)
    vanishing = readings["sigmoid", "xavier"]
    assert vanishing.code == "vanishing" and vanishing.ratio == pytest.approx(6.8e-7, rel=0.01)
    assert vanishing.slope == pytest.approx(0.23, abs=0.01)


def reading(norms, weights=None, rms=None, saturated=0.0, slope=0.5, finite=True):
    depth = len(norms)
    return gradient_reading(norms, weights or [1.0] * depth, rms or [1.0] * depth,
                            [saturated] * depth, [slope] * depth, finite)


@pytest.mark.parametrize("norms, extra, code", [
    ([0.5], {}, "single"),
    ([1.0, math.inf], {}, "overflow"),
    ([1.0, 1.0], {"finite": False}, "overflow"),
    ([math.nan, 1.0], {}, "overflow"),
    ([1.0, 0.0], {}, "no_gradient"),
    ([200.0, 1.0], {}, "exploding"),  # just past 100x
    ([200.0, 1.0], {"saturated": 0.7}, "exploding_saturated"),
    ([0.009, 1.0], {}, "vanishing"),  # just past 1/100
    ([0.0, 1.0], {}, "vanishing"),  # nothing at all reaches the first layer
    ([5e-4, 5e-4, 5e-4], {"rms": [1.0, 0.1, 0.005]}, "tiny_collapsed"),
    ([5e-4, 5e-4, 5e-4], {"rms": [1.0, 0.5, 0.2]}, "tiny"),
    ([50.0, 20.0], {}, "huge"),
    ([5.0, 20.0], {}, "large"),  # not every layer above 10, but one is
    ([9.0, 10.0], {}, "healthy"),  # none above 10
    ([0.02, 0.5], {}, "healthy"),  # 1/25: a spread, but within 100x and of a usable size
    ([0.3, 0.01], {}, "healthy"),
])
def test_reading_codes_and_their_thresholds(norms, extra, code):
    assert reading(norms, **extra).code == code


def test_reading_numbers_per_layer_and_growth():
    result = reading([1e-6, 1e-4, 1e-2], weights=[2.0, 2.0, 4.0], rms=[0.5, 1.0, 2.0],
                     saturated=0.1, slope=0.25)
    assert result.code == "vanishing"
    assert result.ratio == pytest.approx(1e-4) and result.per_layer == pytest.approx(1e-2)
    assert result.relative_low == pytest.approx(5e-7)
    assert result.relative_high == pytest.approx(2.5e-3)
    assert result.growth == pytest.approx(4.0) and result.slope == 0.25


def test_the_learning_rate_that_suits_the_layers_is_at_their_geometric_middle():
    # Relative gradients 0.01 and 0.04: 1e-3 / sqrt(0.01 * 0.04) = 0.05, which moves the
    # layers by 5e-4 and 2e-3 of their weights, a factor 2 either side of 1e-3.
    assert reading([0.01, 0.04]).learning_rate == pytest.approx(0.05)
    assert reading([0.02, 0.08], weights=[2.0, 2.0]).learning_rate == pytest.approx(0.05)
    assert math.isnan(reading([0.0, 1.0]).learning_rate)  # nothing moves the first layer
    assert math.isnan(reading([1.0, math.inf]).learning_rate)
    # Far past float64's square (1e200 * 1e200 overflows, 1e-200 * 1e-200 underflows to 0):
    # the middle is still there, and the rate with it.
    assert reading([1e200, 1e200]).learning_rate == pytest.approx(1e-203)
    assert reading([1e-200, 1e-200]).learning_rate == pytest.approx(1e197)


def assert_first_steps_near_1e_3(trace):
    """Every layer's first update moved it by 1e-3 of its weights, within a factor of 3."""
    first_step = trace.update_ratio[0]
    assert np.all((first_step > 1e-3 / 3) & (first_step < 3e-3)), first_step


def test_relu_with_std_one_at_depth_three_reads_too_large_and_says_the_rate_that_trains_it():
    """The ratio of first to last (0.16) looks healthy, but the signal grew 100-fold in three
    layers: the rate the reading names trains the network, the default 0.01 blows it up."""
    setup = dict(activation="relu", depth=3, width=256, init="normal_1.0")
    result = depth_profile(**setup, batch_size=1000).reading
    assert result.code == "large"
    assert 0.01 < result.ratio < 100 and result.growth > 100
    assert result.relative_high > 10 > result.relative_low
    assert result.learning_rate < 1e-4  # at most the smallest customary one
    assert training_trace(**setup, learning_rate=0.01).diverged_at == 1
    trained = training_trace(**setup, learning_rate=result.learning_rate)
    assert not trained.diverged and trained.loss[-1] < 1e-3 * trained.loss[0]
    assert_first_steps_near_1e_3(trained)


def test_a_healthy_reading_names_a_rate_that_gives_steps_near_1e_3():
    setup = dict(activation="relu", depth=10, width=500, init="he")
    result = depth_profile(**setup, batch_size=1000).reading
    assert result.code == "healthy"
    assert 1e-3 < result.learning_rate < 0.1
    assert_first_steps_near_1e_3(training_trace(**setup, learning_rate=result.learning_rate))


def test_every_too_large_reading_comes_from_growth():
    """The "large" sentence says the cause is growth: a sweep of the page's activations,
    initialisations and gains finds it only where the signal grew at least tenfold."""
    from nn_core.initializers import INITIALIZERS
    from pages.saturation.controls import ACTIVATION_CHOICES

    large = []
    for activation in ACTIVATION_CHOICES:
        for init in INITIALIZERS:
            for gain in (1.0, 2.0, 3.0, 4.0):
                for depth in (2, 3, 4, 5):
                    result = depth_profile(activation, depth, 32, init, gain,
                                           batch_size=32).reading
                    if result.code == "large":
                        large.append((activation, init, gain, depth, result.growth))
    assert len(large) >= 5  # 13 when this test was written
    assert all(growth > 10 for *_, growth in large), large


def test_reading_of_a_real_single_layer_network():
    profile = depth_profile("tanh", depth=1, width=8, init="xavier", batch_size=16)
    assert profile.reading.code == "single"
    assert profile.gradient_ratio == 1.0


# --- the brief training ------------------------------------------------------------------
def relative_speed(trace, steps=slice(None)):
    """Median over ``steps`` of the first layer's update ratio over the last layer's."""
    ratios = trace.update_ratio[steps]
    return float(np.median(ratios[:, 0] / ratios[:, -1]))


def test_the_training_task_is_gaussian_inputs_labelled_by_the_first_one():
    X, y = training_task(16, seed=3, n_samples=40)
    assert X.shape == (40, 16) and set(y) == {0, 1}
    np.testing.assert_array_equal(y, X[:, 0] > 0)


def test_the_first_step_is_the_engines_gradient_step():
    trace = training_trace("tanh", depth=3, width=16, init="xavier", steps=2,
                           learning_rate=0.05, seed=1)
    assert trace.update_ratio.shape == trace.grad_norm.shape == (2, 3)
    assert len(trace.loss) == 3 and trace.steps.tolist() == [1, 2]
    model = build_deep_network("tanh", 3, 16, "xavier", seed=1, n_classes=2)
    X, y = training_task(16, seed=1)
    assert trace.loss[0] == pytest.approx(model.loss(X, y), rel=1e-12)
    model.backward()
    norms = [np.linalg.norm(d.dW) for d in model.dense_layers()[:-1]]
    np.testing.assert_allclose(trace.grad_norm[0], norms, rtol=1e-12)
    # Plain SGD moves W by lr * dW: ||delta W|| / ||W|| = lr ||dW|| / ||W||.
    sizes = [np.linalg.norm(d.W) for d in model.dense_layers()[:-1]]
    np.testing.assert_allclose(trace.update_ratio[0], 0.05 * np.array(norms) / sizes)
    before = [d.W.copy() for d in model.dense_layers()[:-1]]
    SGD(0.05).step([model.theta], [model.grad])
    moved = [np.linalg.norm(d.W - w) / np.linalg.norm(w)
             for d, w in zip(model.dense_layers()[:-1], before)]
    np.testing.assert_allclose(trace.update_ratio[0], moved, rtol=1e-9)


@pytest.mark.parametrize("activation, init", [("relu", "he"), ("tanh", "xavier")])
def test_matched_initialisation_trains_every_layer_alike_and_learns(activation, init):
    trace = training_trace(activation, depth=6, width=32, init=init, steps=30,
                           learning_rate=0.01)
    assert 1 / 3 < relative_speed(trace) < 3
    assert trace.loss[-1] < 0.8 * trace.loss[0]


@pytest.mark.parametrize("init", ["xavier", "he"])
def test_early_sigmoid_layers_learn_far_slower_and_the_loss_hardly_moves(init):
    trace = training_trace("sigmoid", depth=6, width=32, init=init, steps=30,
                           learning_rate=0.01)
    assert relative_speed(trace, slice(0, 10)) < 0.05
    assert abs(trace.loss[-1] - trace.loss[0]) < 0.05


def test_collapsed_tanh_learns_nothing_anywhere():
    trace = training_trace("tanh", depth=6, width=32, init="normal_0.01", steps=10,
                           learning_rate=0.01)
    assert np.all(trace.update_ratio < 1e-6)
    assert trace.loss[-1] == pytest.approx(trace.loss[0], abs=1e-6)


def saturated_tanh_first_layer(seed):
    """The first layer's update-to-weight ratio, step by step, of a saturated tanh network."""
    trace = training_trace("tanh", depth=8, width=64, init="normal_1.0", steps=20,
                           learning_rate=0.01, seed=seed)
    return trace.update_ratio[:, 0], trace.update_ratio[0, -1]


@pytest.mark.parametrize("seed", range(5))
def test_saturated_tanh_blows_its_first_layers_away(seed):
    # std 1.0: the gradient explodes towards the input (the profile says so), so the first step
    # moves the first layer by far more than the last (a factor 70-330 over seeds 0-15).
    first_layer, last_layer_first_step = saturated_tanh_first_layer(seed)
    assert first_layer[0] > 10 * last_layer_first_step


def test_saturated_tanh_first_layer_then_slows_down():
    # Saturated further, the first layer then moves less. Its later steps jump about from one
    # step to the next (units flip between +1 and -1), and by how much less moves with the
    # last bits of the BLAS's products: the mean of the last ten steps was 1.5x-23x below the
    # first step over seeds 0-19 in four CPU configurations (two OpenBLAS kernels, with and
    # without AVX-512), median 4.8x-5.6x. So every seed must slow down, and the class as a whole
    # (the median over the seeds) by a wide margin.
    slowdowns = []
    for seed in range(20):
        first_layer, _ = saturated_tanh_first_layer(seed)
        slowdowns.append(first_layer[0] / np.mean(first_layer[-10:]))
    assert min(slowdowns) > 1
    assert np.median(slowdowns) > 2.5


def test_divergence_is_reported_not_raised():
    trace = training_trace("relu", depth=3, width=16, init="normal_1.0", steps=10,
                           learning_rate=3.0)
    assert trace.diverged and "exploded" in trace.reason
    assert trace.diverged_at == len(trace.grad_norm) + 1 == 1  # the first step blew it up
    assert len(trace.loss) == 1 and np.isfinite(trace.loss).all()


def test_training_calls_back_after_every_step():
    seen = []
    training_trace("relu", depth=2, width=8, init="he", steps=5, on_step=seen.append)
    assert seen == [1, 2, 3, 4, 5]
