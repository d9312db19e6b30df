"""Toy data sets (shapes, labels, seeds, the spiral's geometry), standardize / train_test_split,
and ``layer_stats`` checked against a recount from layers run by hand."""

import math
import warnings

import numpy as np
import pytest

from nn_core import (
    DATASETS,
    MLP,
    Dense,
    activity_rate,
    confusion_matrix,
    layer_stats,
    make_dataset,
    standardize,
    train_test_split,
)
from nn_core.datasets import MAX_NOISE

DESIGN_NAMES = ["moons", "circles", "blobs", "spiral", "xor", "gaussian_quantiles",
                "classification", "sine", "plane"]
N_FEATURES = {"sine": 1}

# Every (name, n_classes) a user can ask for: None is the set's default.
DATASET_CASES = [(name, k) for name, info in DATASETS.items()
                 for k in (None, *info.class_choices)]


def test_registry_holds_exactly_the_documented_names():
    assert list(DATASETS) == DESIGN_NAMES


@pytest.mark.parametrize(("name", "n_classes"), DATASET_CASES)
def test_shapes_dtypes_and_labels(name, n_classes):
    info = DATASETS[name]
    X, y = make_dataset(name, n_samples=300, noise=0.1, seed=0, n_classes=n_classes)
    assert X.shape == (300, N_FEATURES.get(name, 2)) == (300, info.n_features)
    assert X.dtype == np.float64 and np.all(np.isfinite(X))
    assert y.shape == (300,)
    if info.task == "regression":
        assert y.dtype == np.float64 and np.all(np.isfinite(y))
        assert info.default_classes == 0 and info.class_choices == ()
        return
    k = info.default_classes if n_classes is None else n_classes
    assert y.dtype == np.int64
    assert sorted(set(y.tolist())) == list(range(k))  # every class present, nothing else
    assert np.min(np.bincount(y)) >= 300 // k // 3  # no class nearly empty


@pytest.mark.parametrize("name", DATASETS)
def test_same_seed_same_data_other_seed_other_data(name):
    first = make_dataset(name, n_samples=50, seed=3)
    again = make_dataset(name, n_samples=50, seed=3)
    other = make_dataset(name, n_samples=50, seed=4)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])


@pytest.mark.parametrize("name", DATASETS)
def test_noise_changes_the_data(name):
    # Classification sets jitter the points, regression sets the targets.
    calm = np.column_stack(make_dataset(name, n_samples=50, noise=0.0, seed=1))
    noisy = np.column_stack(make_dataset(name, n_samples=50, noise=0.5, seed=1))
    assert not np.allclose(calm, noisy)


def test_spiral_has_three_arms_a_third_of_a_turn_apart():
    X, y = make_dataset("spiral", n_samples=300, noise=0.0, n_classes=3, seed=0)
    np.testing.assert_array_equal(np.bincount(y), [100, 100, 100])
    # Arm j is r (sin t, cos t) with t = 4 r + 2 pi j / 3: recover r and t from each point.
    r = np.hypot(X[:, 0], X[:, 1])
    t = np.arctan2(X[:, 0], X[:, 1])
    offset = np.mod(t - 4.0 * r - 2.0 * np.pi * y / 3 + np.pi, 2 * np.pi) - np.pi
    assert np.all(r <= 1.0)
    np.testing.assert_allclose(offset, 0.0, atol=1e-9)


def test_moons_are_scikit_learn_moons():
    X, y = make_dataset("moons", n_samples=100, noise=0.0, seed=0)
    # Without noise, the upper moon is the unit half circle, the lower one is shifted (1, 0.5).
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0, rtol=1e-12)


def test_xor_labels_follow_the_quadrants_without_noise():
    X, y = make_dataset("xor", n_samples=200, noise=0.0, seed=0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(int))


def test_plane_is_a_plane_without_noise():
    X, y = make_dataset("plane", n_samples=50, noise=0.0, seed=0)
    np.testing.assert_allclose(y, 0.6 * X[:, 0] - 0.4 * X[:, 1], rtol=1e-12)


@pytest.mark.parametrize("name", DESIGN_NAMES)
def test_noise_is_bounded_by_max_noise_for_every_data_set(name):
    assert MAX_NOISE == 10.0
    make_dataset(name, n_samples=20, noise=MAX_NOISE)
    with pytest.raises(ValueError, match=r"noise must be in \[0, 10\], got 10.5"):
        make_dataset(name, n_samples=20, noise=10.5)


@pytest.mark.parametrize("name", DESIGN_NAMES)
def test_what_noise_means_is_documented_for_every_data_set(name):
    assert f"- ``{name}``: " in make_dataset.__doc__


@pytest.mark.parametrize(("args", "kwargs", "phrase"), [
    (("moon",), {}, "unknown data set 'moon'; choose one of: moons, circles"),
    (("moons",), {"n_classes": 3}, "moons can have 2 classes, got 3"),
    (("blobs",), {"n_classes": 7}, "blobs can have 2, 3, 4, 5 classes, got 7"),
    (("spiral",), {"n_classes": True}, "spiral can have 2, 3, 4, 5 classes"),
    (("sine",), {"n_classes": 2}, "sine is a regression set: it has no classes"),
    (("moons", 0), {}, "n_samples must be between 1 and"),
    (("moons", 10**9), {}, "n_samples must be between 1 and"),
    (("moons",), {"noise": -0.1}, "noise must be in"),
    (("moons",), {"seed": -1}, "seed must be between 0 and"),
    (("spiral", 3), {"n_classes": 5}, "3 points cannot hold 5 classes"),
])
def test_bad_dataset_requests(args, kwargs, phrase):
    with pytest.raises(ValueError, match=phrase):
        make_dataset(*args, **kwargs)


# --- preprocessing -----------------------------------------------------------------------------
def test_standardize_uses_the_training_statistics_only():
    rng = np.random.default_rng(0)
    X_train = rng.normal(5.0, 3.0, size=(200, 2))
    X_test = rng.normal(5.0, 3.0, size=(50, 2))
    Z_train, Z_test = standardize(X_train, X_test)
    np.testing.assert_allclose(Z_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z_train.std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(Z_test, (X_test - X_train.mean(0)) / X_train.std(0), rtol=1e-12)


def test_standardize_leaves_a_constant_column_finite():
    X = np.column_stack([np.full(10, 4.0), np.arange(10.0)])
    (Z,) = standardize(X)
    np.testing.assert_array_equal(Z[:, 0], 0.0)


def test_standardize_near_the_float64_limit():
    # The column sums of 1e308-sized values overflow (it returned NaN everywhere, with warnings):
    # the statistics are taken on the columns divided by a power of 2 near their largest
    # magnitude instead. The oracle divides by that magnitude itself, which rounds: values
    # near 0 then differ in their last bits, hence the absolute tolerance.
    X_train = np.array([[1.7e308, 1.0], [1.6e308, 3.0], [1.65e308, 2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Z_train, Z_test = standardize(X_train, [[1.65e308, 5.0]])
    scaled = X_train / [1.7e308, 3.0]  # the same numbers, a column's scale divided out
    np.testing.assert_allclose(Z_train, (scaled - scaled.mean(0)) / scaled.std(0), rtol=1e-12,
                               atol=1e-14)
    np.testing.assert_allclose(Z_train[:, 0], [np.sqrt(1.5), -np.sqrt(1.5), 0.0], atol=1e-12)
    np.testing.assert_allclose(Z_test, [[0.0, 3.0 * np.sqrt(1.5)]], atol=1e-12)


@pytest.mark.parametrize("value", [0.1, 0.7, 1 / 3, 1e308, -5e-324])
def test_standardize_makes_a_constant_column_exactly_zero(value):
    # 0.1 three times averages to 0.10000000000000002: the rounding error divided by the tiny
    # std it leaves made the column -1 everywhere.
    for n_rows in (3, 7, 10):
        (Z,) = standardize(np.full((n_rows, 1), value))
        np.testing.assert_array_equal(Z, 0.0)
    _, Z_test = standardize(np.full((3, 1), value), [[value], [0.0]])
    np.testing.assert_array_equal(Z_test, [[0.0], [-value]])  # the others are only centred


def test_standardize_scales_a_column_of_tiny_values():
    # The squares of 1e-300-sized deviations underflowed to 0: the column was only centred,
    # to ±5e-301 instead of ±1.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Z_train, Z_test = standardize([[0.0, 1.0], [1e-300, 3.0]], [[2e-300, 5.0]])
    np.testing.assert_allclose(Z_train, [[-1.0, -1.0], [1.0, 1.0]], rtol=1e-15)
    np.testing.assert_allclose(Z_test, [[3.0, 3.0]], rtol=1e-15)
    (Z,) = standardize([[0.0], [5e-324]])  # the smallest float above 0
    np.testing.assert_array_equal(Z, [[-1.0], [1.0]])


@pytest.mark.parametrize(("X_train", "others", "phrase"), [
    # 1e10 is 2e310 training spreads from the mean: it was 1e10 (the spread underflowed) or inf.
    ([[0.0, 1.0], [1e-300, 2.0]], ([[1.0, 1.0], [1e10, 1.0]],),
     r"the array in position 2 cannot be standardised by X_train's statistics: in column 1 "
     r"its values are so far from X_train's mean, compared with X_train's spread there "
     r"\(5e-301\), that they would become infinite"),
    ([[1.0, 1e308], [2.0, 1e308]], ([[1.0, 1e308]], [[1.0, -1e308]]),
     r"the array in position 3 .* in column 2 .* spread there \(0\)"),
])
def test_standardize_refuses_values_that_would_become_infinite(X_train, others, phrase):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning on the way to the message
        with pytest.raises(ValueError, match=phrase):
            standardize(X_train, *others)


def test_train_test_split_partitions_the_rows():
    X = np.arange(200.0).reshape(100, 2)
    y = np.arange(100)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.2, seed=0)
    assert len(X_train) == len(y_train) == 80 and len(X_test) == len(y_test) == 20
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(100))
    np.testing.assert_array_equal(X_train[:, 0], 2 * y_train)  # rows stay paired
    again = train_test_split(X, y, test_fraction=0.2, seed=0)
    np.testing.assert_array_equal(again[3], y_test)
    assert not np.array_equal(train_test_split(X, y, seed=1)[3], y_test)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.5, 2.0])
def test_train_test_split_bad_fraction(fraction):
    with pytest.raises(ValueError, match=r"test_fraction must be in \(0, 1\)"):
        train_test_split(np.ones((10, 2)), np.zeros(10), test_fraction=fraction)


@pytest.mark.parametrize(("X_train", "others", "phrase"), [
    (np.empty((0, 2)), (), "X_train is empty: it needs at least one sample"),
    ([[0.0, np.nan], [1.0, 2.0]], (), "X_train contains NaN or infinite values"),
    ([[0.0, 1.0]], (), "X_train has only 1 row: its spread is 0 in every column"),
    (np.arange(4.0), (), r"X_train must be 2-D \(samples x features\), got 1-D: use "
                          r"X.reshape\(-1, 1\) for a single feature"),
    ([["a", "b"], ["c", "d"]], (), "X_train must be a table of numbers"),
    ([[1j, 0.0], [0.0, 1.0]], (), "X_train must be real numbers, got complex numbers"),
    (np.ones((3, 2)), (np.ones((2, 3)),),
     r"the array in position 2 has 3 feature column\(s\) but X_train has 2"),
    (np.ones((3, 2)), (np.ones((2, 2)), [[np.inf, 0.0]]),
     "the array in position 3 contains NaN or infinite values"),
    (np.ones((3, 2)), (np.empty((0, 2)),), "the array in position 2 is empty"),
])
def test_standardize_refuses_bad_input_saying_what_is_wrong(X_train, others, phrase):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "mean of empty slice" on the way to the message
        with pytest.raises(ValueError, match=phrase):
            standardize(X_train, *others)


def test_standardize_accepts_lists_and_integers():
    Z_train, Z_test = standardize([[1, 10], [3, 10]], [[2, 11]])
    np.testing.assert_array_equal(Z_train, [[-1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(Z_test, [[0.0, 1.0]])


@pytest.mark.parametrize(("X", "y", "phrase"), [
    (np.empty((0, 2)), np.empty(0), "X is empty: it needs at least one sample"),
    ([[0.0, np.nan], [1.0, 2.0]], [0, 1], "X contains NaN or infinite values"),
    (np.ones((10, 2)), np.zeros(9), "X has 10 rows but y has 9: they must match one to one"),
    (np.ones((10, 2)), np.zeros(11), "X has 10 rows but y has 11"),
    ([[0.0, 1.0]], [0], r"train_test_split needs at least 2 rows \(one to train on, one to "
                        r"test\), got 1"),
    (np.ones((3, 2)), ["a", "b", "c"], r"y must be numbers \(class indices or regression "
                                       r"targets\), got text"),
    (np.ones((3, 2)), [0.0, np.nan, 1.0], "y contains NaN or infinite values"),
    (np.ones((3, 2)), 5, r"y must be 1-D \(or 2-D, one row per sample\), got shape \(\)"),
    (np.ones(3), [0, 1, 0], "X must be 2-D"),
])
def test_train_test_split_refuses_bad_input_saying_what_is_wrong(X, y, phrase):
    with pytest.raises(ValueError, match=phrase):
        train_test_split(X, y)


def test_train_test_split_accepts_lists_and_keeps_the_label_dtype():
    X_train, X_test, y_train, y_test = train_test_split([[0, 0], [1, 1], [2, 2]], [0, 1, 2],
                                                        test_fraction=0.34)
    assert X_train.dtype == np.float64 and y_train.dtype == np.asarray([0]).dtype
    assert len(X_train) == 2 and len(X_test) == 1
    np.testing.assert_array_equal(X_test[:, 0], y_test)


# --- layer_stats ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def moons():
    X, y = make_dataset("moons", n_samples=200, noise=0.1, seed=0)
    return standardize(X)[0], y


def run_by_hand(model, X):
    """(pre-activation, output) of every hidden layer, by calling the layers one by one."""
    seen, out = [], X
    for layer in model.layers:
        z = out
        out = layer.forward(z)
        if not isinstance(layer, Dense):
            seen.append((z, out))
    return seen


def test_stats_match_a_recount_from_the_layers_run_by_hand(moons):
    X, y = moons
    model = MLP([2, 12, 10, 2], "relu", seed=0)
    # Three first-layer units and two second-layer units switched off; the others mixed.
    model.layers[0].b[:3] = -50.0
    model.layers[2].b[:2] = -50.0
    model.layers[2].b[2:] = np.linspace(-1.5, 0.5, 8)
    stats = layer_stats(model, X, y)
    by_hand = run_by_hand(model, X)
    assert [s.index for s in stats] == [1, 2] and [s.activation for s in stats] == ["relu"] * 2
    for s, (z, a) in zip(stats, by_hand, strict=True):
        dead = np.all(a == 0.0, axis=0)
        np.testing.assert_array_equal(s.pre_activation, z)
        np.testing.assert_array_equal(s.output, a)
        np.testing.assert_array_equal(s.dead_units, dead)
        assert s.dead_fraction == dead.sum() / a.shape[1]
        np.testing.assert_array_equal(s.activity_rate, np.mean(a != 0.0, axis=0))
        assert s.saturated_fraction == np.mean(np.abs(model.layers[1].derivative(z)) < 0.01)
        assert s.activation_mean == pytest.approx(a.mean()) and s.activation_std == pytest.approx(
            a.std())
    assert stats[0].dead_units[:3].all() and stats[1].dead_units[:2].all()
    assert 0.0 < stats[0].dead_fraction < 1.0 and 0.0 < stats[1].dead_fraction < 1.0


def test_large_negative_bias_kills_every_relu(moons):
    X, y = moons
    model = MLP([2, 8, 8, 2], "relu", seed=0)
    model.layers[0].b[:] = -100.0
    model.layers[2].b[:] = -100.0
    for s in layer_stats(model, X, y):
        assert s.dead_fraction == 1.0 and np.all(s.activity_rate == 0.0)
        assert s.weight_grad_norm == 0.0  # no gradient reaches a dead layer's weights


def test_leaky_relu_has_no_dead_units_by_construction(moons):
    X, y = moons
    model = MLP([2, 8, 8, 2], "leaky_relu", seed=0)
    model.layers[0].b[:] = -100.0
    model.layers[2].b[:] = -100.0
    for s in layer_stats(model, X, y):
        assert s.dead_fraction == 0.0 and np.all(s.activity_rate == 1.0)
        assert s.weight_grad_norm > 0.0


def test_tanh_saturates_in_a_deep_net_with_std_one_weights(moons):
    X, y = moons
    model = MLP([2] + [500] * 10 + [2], "tanh", init="normal_1.0", seed=0)
    saturated = [s.saturated_fraction for s in layer_stats(model, X, y)]
    assert len(saturated) == 10
    assert all(fraction > 0.5 for fraction in saturated[1:])  # past the 2-wide input layer


def test_activations_collapse_through_depth_with_std_0_01_weights(moons):
    X, y = moons
    shrinking = layer_stats(MLP([2] + [500] * 10 + [2], "tanh", init="normal_0.01"), X, y)
    assert shrinking[-1].activation_std < 1e-3 * shrinking[0].activation_std
    # Xavier is the cure: the last layer keeps a good share of the first one's spread.
    kept = layer_stats(MLP([2] + [500] * 10 + [2], "tanh", init="xavier"), X, y)
    assert kept[-1].activation_std > 0.1 * kept[0].activation_std


def test_weight_grad_norm_and_output_grad_match_a_plain_backward(moons):
    X, y = moons
    model = MLP([2, 6, 5, 2], "tanh", seed=1)
    stats = layer_stats(model, X, y)
    plain = MLP([2, 6, 5, 2], "tanh", seed=1)
    plain.loss(X, y)
    plain.backward()
    hidden_dense = [layer for layer in plain.layers[:-1] if isinstance(layer, Dense)]
    for s, dense in zip(stats, hidden_dense, strict=True):
        assert s.weight_grad_norm == pytest.approx(np.linalg.norm(dense.dW), rel=1e-12)
    # The gradient reaching the last hidden layer's output is dL/dlogits W_out^T.
    plain.loss(X, y)
    dlogits = plain.loss_fn.backward()
    np.testing.assert_allclose(stats[-1].output_grad, dlogits @ plain.layers[-1].W.T, rtol=1e-12)


def test_layer_stats_changes_no_parameter(moons):
    X, y = moons
    model = MLP([2, 6, 2], "relu", seed=2)
    before = model.theta.copy()
    layer_stats(model, X, y)
    np.testing.assert_array_equal(model.theta, before)


def test_saturation_threshold_is_a_parameter(moons):
    X, y = moons
    model = MLP([2, 6, 2], "sigmoid", seed=3)
    # sigmoid' <= 1/4 everywhere: every unit counts as saturated below a threshold of 0.3.
    assert layer_stats(model, X, y, saturation_threshold=0.3)[0].saturated_fraction == 1.0
    assert layer_stats(model, X, y, saturation_threshold=0.0)[0].saturated_fraction == 0.0
    with pytest.raises(ValueError, match="saturation threshold must be in"):
        layer_stats(model, X, y, saturation_threshold=-1.0)


def test_layer_stats_checks_its_data():
    with pytest.raises(ValueError, match="network expects 2"):
        layer_stats(MLP([2, 4, 2]), np.ones((3, 3)), [0, 1, 0])
    assert math.isfinite(layer_stats(MLP([2, 4, 2]), np.ones((3, 2)), [0, 1, 0])[0]
                         .weight_grad_norm)


def test_update_ratio_is_the_weight_change_relative_to_the_weights():
    from nn_core import MLP, update_ratios

    model = MLP([2, 1, 2], seed=0)
    first, last = model.dense_layers()
    first.W[...] = [[3.0], [4.0]]  # norm 5
    before = [first.W.copy(), last.W.copy()]
    first.W += [[0.003], [0.004]]  # moved by 0.005: a ratio of 1e-3
    last.W[...] = 0.0
    ratios = update_ratios(before, model.dense_layers())
    assert ratios[0] == pytest.approx(1e-3)
    assert ratios[1] == pytest.approx(1.0)  # all of it moved
    before[1][...] = 0.0
    assert np.isnan(update_ratios(before, model.dense_layers())[1])


@pytest.mark.parametrize(("before", "message"), [
    # zip(strict=True) said only "zip() argument 2 is longer than argument 1".
    (lambda W: W[:1], r"weights_before has 1 array\(s\) but there are 2 Dense layers"),
    (lambda W: W + W[:1], r"weights_before has 3 array\(s\) but there are 2 Dense layers"),
    # A row of the right size was broadcast against the (2, 1) weights: a wrong ratio.
    (lambda W: [W[0].ravel(), W[1]], r"weights_before\[0\] has shape \(2,\) but Dense layer 1"
                                     r"'s W has shape \(2, 1\)"),
    (lambda W: [W[0], W[1].T], r"weights_before\[1\] has shape \(2, 1\) but Dense layer 2"),
])
def test_update_ratios_refuses_weights_that_do_not_match_the_layers(before, message):
    from nn_core import MLP, update_ratios

    model = MLP([2, 1, 2], seed=0)
    weights = [layer.W.copy() for layer in model.dense_layers()]
    with pytest.raises(ValueError, match=message):
        update_ratios(before(weights), model.dense_layers())


# --- confusion_matrix and activity_rate --------------------------------------------------------
def test_confusion_matrix_of_no_points_is_zeros():
    assert confusion_matrix([], [], 2).tolist() == [[0, 0], [0, 0]]


def test_confusion_matrix_of_one_point_given_as_numbers():
    # As before its labels were checked (the check first raised len() of an unsized object).
    assert confusion_matrix(0, 1, 2).tolist() == [[0, 1], [0, 0]]


@pytest.mark.parametrize(("y_true", "y_pred", "n_classes", "message"), [
    # -1 was counted as the last class, and one prediction for two points was broadcast.
    ([0, -1], [0, 1], 2, "class labels must be between 0 and 1 for 2 classes, got labels from -1"),
    ([0, 1], [0], 2, "y_true has 2 labels but y_pred has 1"),
    ([0, 2], [0, 1], 2, "between 0 and 1 for 2 classes, got labels from 0 to 2"),
    ([0.5, 1], [0, 1], 2, "class labels must be whole numbers"),
    ([0, 1], [0, 1], 0, "n_classes must be at least 1"),
    # An n x n table of int64 counts: 2,450 classes would be 48 MB, 10**6 classes 8 TB.
    ([0, 1], [0, 1], 2450, r"2,450 classes would be a 2,450 x 2,450 table of counts; the "
                           r"limit is 2,449 classes \(about 48 MB\)"),
    ([0, 1], [0, 1], 10**6, "1,000,000 classes would be a 1,000,000 x 1,000,000 table"),
])
def test_confusion_matrix_refuses_labels_it_cannot_count(y_true, y_pred, n_classes, message):
    with pytest.raises(ValueError, match=message):
        confusion_matrix(np.array(y_true), np.array(y_pred), n_classes)


@pytest.mark.parametrize(("outputs", "message"), [
    (np.zeros((0, 3)), r"at least one sample x units, got shape \(0, 3\)"),  # was a warning, NaN
    (np.zeros(3), r"got shape \(3,\)"),
    (np.array([["a"]]), "outputs must be real numbers, got text"),
])
def test_activity_rate_refuses_what_is_not_a_table_of_outputs(outputs, message):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=message):
            activity_rate(outputs)
