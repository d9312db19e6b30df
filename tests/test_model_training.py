"""MLP and training: whole-network gradient checks, optimiser steps, the fit loop (divergence,
callbacks, penalties, validation, determinism), input validation, and training quality against
scikit-learn's MLPClassifier on the same data."""

import copy
import math
import pickle
import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from nn_core import (
    ACTIVATIONS,
    MLP,
    SGD,
    Adam,
    Dense,
    History,
    fit,
    get_activation,
    gradient_check,
    make_dataset,
    standardize,
    train_test_split,
)
from tests.gradients import TOLERANCE, record_error


def checked(model, X, y, case):
    """gradient_check, remembered for the report, asserted below the tolerance."""
    error = record_error(gradient_check(model, X, y), case)
    assert error < TOLERANCE, f"{case}: relative error {error:.3g}"
    return error


@pytest.fixture(scope="module")
def moons20():
    return make_dataset("moons", n_samples=20, noise=0.1, seed=1)


# --- whole-network gradient checks ---------------------------------------------------------------
# "normal_0.01" is left out on purpose: with it every pre-activation sits within ~1e-3 of 0,
# and a kinked activation's corner is then within a finite-difference step of some of them.
@pytest.mark.parametrize("init", ["xavier", "he"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_mlp_gradients_classification(activation, init, moons20):
    X, y = moons20
    checked(MLP([2, 6, 5, 2], activation, init=init, seed=1), X, y, f"MLP {activation} {init}")


def test_mlp_gradients_with_a_list_of_activations_three_classes():
    X, y = make_dataset("spiral", n_samples=30, n_classes=3, seed=2)
    model = MLP([2, 6, 5, 4, 3], ["tanh", "relu", "gelu"], init="xavier", seed=2)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Dense", "Tanh", "Dense", "ReLU", "Dense", "GELU", "Dense"]
    checked(model, X, y, "MLP tanh/relu/gelu")
    checked(model, X, np.eye(3)[y], "MLP tanh/relu/gelu one-hot")


def test_mlp_gradients_with_activation_objects_and_a_learnable_alpha(moons20):
    X, y = moons20
    prelu = get_activation("prelu", alpha=0.1)
    model = MLP([2, 6, 5, 2], [get_activation("elu", alpha=0.5), prelu], seed=3)
    assert any(p is prelu.alpha for p in model.params())  # alpha is trained like a weight
    checked(model, X, y, "MLP elu(0.5)/prelu(0.1)")


@pytest.mark.parametrize("activation", ["tanh", "relu", "softplus", "swish", "selu"])
def test_mlp_gradients_regression_one_output(activation):
    X, y = make_dataset("sine", n_samples=25, seed=4)
    model = MLP([1, 8, 8, 1], activation, init="xavier", seed=4, task="regression")
    checked(model, X, y, f"MLP regression {activation}")


def test_mlp_gradients_regression_two_outputs():
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(15, 3)), rng.normal(size=(15, 2))
    checked(MLP([3, 7, 2], "mish", seed=5, task="regression"), X, Y, "MLP regression 2-out")


def test_gradient_check_catches_a_wrong_backward(moons20, monkeypatch):
    X, y = moons20
    model = MLP([2, 6, 2], "sigmoid", seed=6)
    sigmoid = model.layers[1]
    monkeypatch.setattr(sigmoid, "backward", lambda dout: 1.05 * dout * sigmoid.derivative(
        sigmoid.x))
    assert gradient_check(model, X, y) > 1e-3


def test_backward_fills_grads_equal_to_the_loss_derivative(moons20):
    # The same check by hand for one weight: (L(w + h) - L(w - h)) / 2h against backprop.
    X, y = moons20
    model = MLP([2, 4, 2], "tanh", seed=7)
    model.loss(X, y)
    model.backward()
    W = model.layers[0].W
    analytic = model.layers[0].dW[1, 2]
    h = 1e-6
    W[1, 2] += h
    up = model.loss(X, y)
    W[1, 2] -= 2 * h
    down = model.loss(X, y)
    W[1, 2] += h
    assert analytic == pytest.approx((up - down) / (2 * h), rel=1e-7)


# --- the model -----------------------------------------------------------------------------------
def test_params_and_grads_match_and_live_in_the_flat_buffers():
    model = MLP([3, 5, 4, 2], ["relu", "prelu"], seed=0)
    params, grads = model.params(), model.grads()
    assert [p.shape for p in params] == [g.shape for g in grads]
    assert [p.shape for p in params] == [(3, 5), (5,), (5, 4), (4,), (1,), (4, 2), (2,)]
    assert model.n_parameters == sum(p.size for p in params) == 3 * 5 + 5 + 5 * 4 + 4 + 1 + 8 + 2
    assert all(np.shares_memory(p, model.theta) for p in params)
    assert all(np.shares_memory(g, model.grad) for g in grads)


def test_predictions_of_a_classifier():
    model = MLP([2, 8, 3], "tanh", seed=0)
    X = np.random.default_rng(0).normal(size=(10, 2))
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_array_equal(model.predict(X), np.argmax(model.forward(X), axis=1))


def test_predictions_of_a_regressor():
    X = np.random.default_rng(0).normal(size=(10, 1))
    assert MLP([1, 4, 1], task="regression").predict(X).shape == (10,)
    assert MLP([1, 4, 2], task="regression").predict(X).shape == (10, 2)
    with pytest.raises(ValueError, match="predict_proba is for classification"):
        MLP([1, 4, 1], task="regression").predict_proba(X)


def test_assigning_a_parameter_copies_into_the_flat_buffer(moons20):
    X, y = moons20
    model = MLP([2, 4, 2], "tanh", seed=0)
    first = model.layers[0]
    new_weights = np.full((2, 4), 0.25)
    first.W = new_weights  # what a notebook user writes
    assert np.shares_memory(first.W, model.theta)  # still the view the optimiser updates
    np.testing.assert_array_equal(first.W, new_weights)
    first.W[0, 0] = 7.0
    assert new_weights[0, 0] == 0.25  # a copy was taken: the caller's array is untouched
    before = first.W.copy()
    fit(model, X, y, SGD(0.5), epochs=2)
    assert not np.array_equal(first.W, before)  # training moved the assigned weights
    model.layers[-1].b = [0.5, -0.5]  # lists of numbers are fine too
    np.testing.assert_array_equal(model.theta[-2:], [0.5, -0.5])


@pytest.mark.parametrize(("value", "phrase"), [
    (np.zeros((3, 4)), r"Dense.W has shape \(2, 4\), got shape \(3, 4\)"),
    (np.zeros(4 * 2), r"got shape \(8,\)"),
    ("weights", "must be an array of numbers"),
    (np.full((2, 4), np.nan), "must be finite"),
])
def test_assigning_a_parameter_of_another_shape_or_kind_is_refused(value, phrase):
    model = MLP([2, 4, 2], seed=0)
    before = model.theta.copy()
    with pytest.raises(ValueError, match=phrase):
        model.layers[0].W = value
    np.testing.assert_array_equal(model.theta, before)


def test_a_prelu_slope_assignment_stays_in_the_buffer():
    model = MLP([2, 3, 2], "prelu", seed=0)
    prelu = model.layers[1]
    prelu.alpha = [0.1]
    assert np.shares_memory(prelu.alpha, model.theta) and prelu.alpha[0] == 0.1


def test_same_seed_same_network():
    np.testing.assert_array_equal(MLP([2, 8, 2], seed=3).theta, MLP([2, 8, 2], seed=3).theta)
    assert not np.array_equal(MLP([2, 8, 2], seed=3).theta, MLP([2, 8, 2], seed=4).theta)


# --- optimisers: one hand-computed step ----------------------------------------------------------
G1, G2 = np.array([0.5, -0.1]), np.array([0.2, 0.3])


def test_a_numpy_integer_seed_is_a_seed():
    np.testing.assert_array_equal(MLP([2, 4, 2], seed=np.int64(3)).theta,
                                  MLP([2, 4, 2], seed=3).theta)


def test_sgd_step():
    p = np.array([1.0, -2.0])
    SGD(lr=0.1).step([p], [G1])
    np.testing.assert_allclose(p, [1.0 - 0.05, -2.0 + 0.01], rtol=1e-15)


def test_sgd_momentum_two_steps():
    # v1 = -lr g1 = [-0.05, 0.01];                      p1 = [0.95, -1.99]
    # v2 = 0.9 v1 - lr g2 = [-0.045 - 0.02, 0.009 - 0.03] = [-0.065, -0.021]
    # p2 = p1 + v2 = [0.885, -2.011]
    p = np.array([1.0, -2.0])
    sgd = SGD(lr=0.1, momentum=0.9)
    sgd.step([p], [G1])
    np.testing.assert_allclose(p, [0.95, -1.99], rtol=1e-15)
    sgd.step([p], [G2])
    np.testing.assert_allclose(p, [0.885, -2.011], rtol=1e-14)


def test_adam_two_steps_follow_the_textbook_formula():
    # Step 1: m = 0.1 g, v = 0.001 g^2, m_hat = g, v_hat = g^2, so each entry moves by
    # lr * g / (|g| + eps), i.e. almost exactly lr against the sign of its gradient.
    lr, beta1, beta2, eps = 0.1, 0.9, 0.999, 1e-8
    p = np.array([1.0, -2.0])
    adam = Adam(lr)
    adam.step([p], [G1])
    np.testing.assert_allclose(p, [1.0 - 0.1 * 0.5 / (0.5 + eps), -2.0 + 0.1 * 0.1 / (0.1 + eps)],
                               rtol=1e-14)
    adam.step([p], [G2])

    expected = _textbook_adam(np.array([1.0, -2.0]), [G1, G2], lr, [(beta1, beta2)] * 2, eps)
    np.testing.assert_allclose(p, expected, rtol=1e-14)


def _textbook_adam(p, gradients, lr, betas, eps=1e-8):
    """Adam as the paper writes it, with (beta1, beta2) per step, for comparison."""
    m, v = np.zeros_like(p), np.zeros_like(p)
    for t, (g, (b1, b2)) in enumerate(zip(gradients, betas, strict=True), start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p = p - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return p


def test_adam_follows_the_textbook_over_many_steps_and_when_the_betas_change():
    # Adam keeps its moments divided by (1 - beta) (one pass fewer each); over 200 steps, and
    # after the betas are changed between steps, it must still be the textbook update.
    rng = np.random.default_rng(0)
    gradients = rng.normal(size=(200, 5)) * np.array([1e-6, 1e-2, 1.0, 1e2, 1e5])
    betas = [(0.9, 0.999)] * 120 + [(0.5, 0.99)] * 80
    p, adam = np.linspace(-1, 1, 5), Adam(0.01)
    for g, (b1, b2) in zip(gradients, betas, strict=True):
        adam.beta1, adam.beta2 = b1, b2
        adam.step([p], [g])
    np.testing.assert_allclose(p, _textbook_adam(np.linspace(-1, 1, 5), gradients, 0.01, betas),
                               rtol=1e-12)


def test_optimisers_update_several_arrays():
    a, b = np.ones(2), np.ones((2, 2))
    SGD(0.5).step([a, b], [np.ones(2), 2 * np.ones((2, 2))])
    np.testing.assert_array_equal(a, [0.5, 0.5])
    np.testing.assert_array_equal(b, np.zeros((2, 2)))


# --- the training loop ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def moons200():
    return make_dataset("moons", n_samples=200, noise=0.1, seed=0)


def test_huge_learning_rate_to_nan_is_reported_not_raised(moons200):
    X, y = moons200
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = fit(MLP([2, 16, 16, 2], "relu"), X * 1e200, y, SGD(1e6), epochs=20,
                      batch_size=32)
    assert history.diverged and not history.stopped_early
    assert "NaN or infinite" in history.reason and "smaller learning rate" in history.reason
    assert history.epochs == 1 == len(history.train_loss)


def test_exploding_loss_is_reported_not_raised(moons200):
    X, y = moons200
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = fit(MLP([2, 16, 16, 2], "relu"), X, y, SGD(1e6), epochs=20, batch_size=32)
    assert history.diverged
    assert "exploded" in history.reason
    assert all(math.isfinite(loss) for loss in history.train_loss)
    assert history.epochs < 20


def test_exploding_regression_is_reported_not_raised():
    X, y = make_dataset("plane", n_samples=200, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = fit(MLP([2, 1], task="regression"), X, y, SGD(10.0), epochs=50)
    assert history.diverged and "exploded" in history.reason
    assert history.train_accuracy == []


def test_callback_returning_true_stops_training(moons200):
    X, y = moons200
    seen = []

    def stop_at_three(epoch, history, model):
        seen.append((epoch, len(history.train_loss), isinstance(model, MLP)))
        return epoch == 3

    history = fit(MLP([2, 8, 2]), X, y, Adam(0.01), epochs=10, callback=stop_at_three)
    assert history.stopped_early and not history.diverged and history.reason
    assert history.epochs == 3 == len(history.train_loss)
    assert seen == [(1, 1, True), (2, 2, True), (3, 3, True)]


def test_callback_returning_none_does_not_stop(moons200):
    X, y = moons200
    history = fit(MLP([2, 8, 2]), X, y, Adam(0.01), epochs=4, callback=lambda *args: None)
    assert history.epochs == 4 and not history.stopped_early and history.reason == ""


def dense_weights(model):
    return [layer.W for layer in model.layers if isinstance(layer, Dense)]


def test_l2_shrinks_the_weights(moons200):
    X, y = moons200
    plain, decayed = MLP([2, 16, 16, 2], seed=0), MLP([2, 16, 16, 2], seed=0)
    fit(plain, X, y, Adam(0.01), epochs=60, batch_size=32)
    fit(decayed, X, y, Adam(0.01), epochs=60, batch_size=32, l2=0.05)
    norm = [sum(np.sum(W * W) for W in dense_weights(m)) for m in (plain, decayed)]
    assert norm[1] < 0.7 * norm[0]


@pytest.mark.parametrize("penalty", ["l1", "l2"])
def test_penalty_gradient_in_one_step(penalty, moons200):
    # One full-batch SGD step with and without the penalty, from the same weights: the
    # difference is -lr * (l1 sign(W) or l2 W) on the weights, and exactly 0 on the biases.
    X, y = moons200
    lr, strength = 0.1, 0.5
    plain, penalised = MLP([2, 5, 3, 2], seed=1), MLP([2, 5, 3, 2], seed=1)
    for layer in plain.layers + penalised.layers:  # non-zero biases, so a penalty would show
        if isinstance(layer, Dense):
            layer.b[...] = 0.1
    before = [W.copy() for W in dense_weights(plain)]
    fit(plain, X, y, SGD(lr), epochs=1)
    fit(penalised, X, y, SGD(lr), epochs=1, **{penalty: strength})
    after = zip(before, dense_weights(plain), dense_weights(penalised), strict=True)
    for W0, W_plain, W_penalised in after:
        penalty_gradient = strength * (np.sign(W0) if penalty == "l1" else W0)
        np.testing.assert_allclose(W_penalised - W_plain, -lr * penalty_gradient, atol=1e-15)
    for a, b in zip(plain.layers, penalised.layers, strict=True):
        if isinstance(a, Dense):
            np.testing.assert_array_equal(a.b, b.b)


def test_validation_curves_are_filled(moons200):
    X, y = moons200
    X_val, y_val = make_dataset("moons", n_samples=50, noise=0.1, seed=9)
    history = fit(MLP([2, 8, 2]), X, y, Adam(0.01), epochs=5, batch_size=50,
                  X_val=X_val, y_val=y_val)
    for curve in (history.train_loss, history.train_accuracy, history.val_loss,
                  history.val_accuracy):
        assert len(curve) == 5
    assert all(0.0 <= accuracy <= 1.0 for accuracy in history.val_accuracy)
    without = fit(MLP([2, 8, 2]), X, y, Adam(0.01), epochs=5, batch_size=50)
    assert without.val_loss == [] and without.val_accuracy == []


def test_batch_size_none_is_one_full_batch_step_per_epoch(moons200):
    X, y = moons200
    by_hand = MLP([2, 8, 2], "tanh", seed=2)
    by_hand.loss(X, y)
    by_hand.backward()
    by_hand.theta -= 0.1 * by_hand.grad
    for batch_size in (None, len(X), 10 * len(X)):
        model = MLP([2, 8, 2], "tanh", seed=2)
        fit(model, X, y, SGD(0.1), epochs=1, batch_size=batch_size)
        np.testing.assert_array_equal(model.theta, by_hand.theta)


def test_same_seed_same_history(moons200):
    X, y = moons200
    runs = [fit(MLP([2, 8, 8, 2], seed=0), X, y, Adam(0.01), epochs=10, batch_size=16, seed=s)
            for s in (5, 5, 6)]
    assert runs[0] == runs[1]
    assert runs[0].train_loss != runs[2].train_loss  # the shuffle follows the seed


def test_fit_leaves_the_data_alone(moons200):
    X, y = (a.copy() for a in moons200)
    X.setflags(write=False)
    y.setflags(write=False)
    fit(MLP([2, 8, 2]), X, y, Adam(0.01), epochs=2, batch_size=16)
    np.testing.assert_array_equal(X, moons200[0])
    np.testing.assert_array_equal(y, moons200[1])


def test_zero_epochs_is_an_empty_history(moons200):
    X, y = moons200
    assert fit(MLP([2, 8, 2]), X, y, Adam(), epochs=0) == History()


def test_regression_learns_a_sine():
    X, y = make_dataset("sine", n_samples=200, noise=0.05, seed=0)
    history = fit(MLP([1, 32, 32, 1], "tanh", task="regression"), X, y, Adam(0.01),
                  epochs=200, batch_size=32)
    assert not history.diverged and history.train_accuracy == []
    assert history.train_loss[-1] < 0.01 < history.train_loss[0]


def test_moons_test_accuracy_matches_scikit_learn():
    X, y = make_moons(2000, noise=0.2, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y)
    X_train, X_test = standardize(X_train, X_test)

    model = MLP([2, 32, 32, 2], "relu", init="he")
    fit(model, X_train, y_train, Adam(0.01), epochs=200, batch_size=64)
    ours = float(np.mean(model.predict(X_test) == y_test))

    reference = MLPClassifier(hidden_layer_sizes=(32, 32), solver="adam", learning_rate_init=0.01,
                              batch_size=64, max_iter=200, tol=0, n_iter_no_change=10**9,
                              alpha=0.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter reached: as intended
        reference.fit(X_train, y_train)
    theirs = reference.score(X_test, y_test)
    assert ours >= theirs - 0.01, f"nn_core {ours:.4f} vs scikit-learn {theirs:.4f}"
    assert ours > 0.95


# --- bad input -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("layer_sizes", "kwargs", "phrase"), [
    ([], {}, "at least an input and an output size"),
    ([2], {}, "at least an input and an output size"),
    (None, {}, "layer_sizes must be a list"),
    ([2, 0, 2], {}, "every layer size must be at least 1, got 0"),
    ([2, -4, 2], {}, "every layer size must be at least 1, got -4"),
    ([2, 2.5, 2], {}, "every layer size must be a whole number"),
    ([2, 4, 1], {}, "a classifier needs at least 2 outputs"),
    ([2] + [2] * 101 + [2], {}, "at most 100 hidden layers"),
    ([2, 4, 4, 2], {"activation": ["relu"]}, "got 1 activations for 2 hidden layers"),
    ([2, 4, 2], {"activation": [42]}, "activation must be a name or a layer"),
    ([2, 4, 2], {"activation": ACTIVATIONS["relu"]}, r"the class ReLU.*write ReLU\(\)"),
    ([2, 4, 4, 2], {"activation": ["tanh", ACTIVATIONS["leaky_relu"]]},
     r"the class LeakyReLU.*write LeakyReLU\(\).* or the name 'leaky_relu'"),
    ([2, 4, 2], {"activation": dict}, "activation must be a name or a layer"),
    ([2, 4, 2], {"activation": "relux"}, "unknown activation 'relux'; choose one of: identity"),
    ([2, 4, 2], {"activation": ["relux"]}, "unknown activation 'relux'; choose one of:"),
    ([2, 4, 2], {"init": "glorot"}, "unknown initialisation 'glorot'; choose one of: normal_0.01"),
    ([2, 4, 2], {"task": "ranking"}, "unknown task 'ranking'; choose one of: classification"),
    ([2, 4, 2], {"seed": -1}, "seed must be between 0 and 4294967295, got -1"),
    ([2, 4, 2], {"seed": 2**32}, "seed must be between 0 and 4294967295, got 4294967296"),
    ([2, 4, 2], {"seed": 1.5}, "seed must be a whole number, got 1.5"),
    ([2, 4, 2], {"seed": "7"}, "seed must be a whole number, got '7'"),
    ([2, 4, 2], {"seed": True}, "seed must be a whole number, got True"),
])
def test_bad_network_definitions(layer_sizes, kwargs, phrase):
    with pytest.raises(ValueError, match=phrase):
        MLP(layer_sizes, **kwargs)


def test_absurd_network_is_refused_before_allocating():
    refusal = r"would have 10,000,\d{3},\d{3} parameters; the limit is [\d,]+"
    tracemalloc.start()  # numpy reports its allocations to tracemalloc
    try:
        with pytest.raises(ValueError, match=refusal):
            MLP([2, 100000, 100000, 2])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20  # 10^10 float64 would be 80 GB; the refusal needs well under 1 MB


@pytest.mark.parametrize(("X", "y", "phrase"), [
    ([[0.0, np.nan]], [0], "X contains NaN or infinite values"),
    ([[0.0, np.inf]], [0], "X contains NaN or infinite values"),
    ([[0.0, 1.0, 2.0]], [0], r"X has 3 feature column\(s\) but the network expects 2"),
    (np.empty((0, 2)), np.empty(0), "X is empty"),
    ([1.0, 2.0], [0], "X must be 2-D"),
    ([["a", "b"]], [0], "X must be a table of numbers"),
    ([[1.0 + 2.0j, 0.0]], [0], "X must be real numbers, got complex numbers"),
    ([[0.0, 1.0], [2.0]], [0, 1], "X must be a table of numbers with rows of equal length"),
    ([[0.0, 1.0]], [2], "class labels must be between 0 and 1 for a network with 2 outputs"),
    ([[0.0, 1.0]], [-1], "class labels must be between 0 and 1"),
    ([[0.0, 1.0]], [0.5], "class labels must be whole numbers"),
    ([[0.0, 1.0]], ["cat"], "class labels must be whole numbers"),
    ([[0.0, 1.0], [1.0, 0.0]], [0], "X has 2 samples but y has 1 labels"),
    ([[0.0, 1.0]], [[0.5, 0.5]], "one-hot labels must have exactly one 1 per row"),
])
def test_bad_data_is_refused_by_loss_and_fit(X, y, phrase):
    model = MLP([2, 4, 2])
    with pytest.raises(ValueError, match=phrase):
        model.loss(X, y)
    with pytest.raises(ValueError, match=phrase):
        fit(model, X, y, Adam(), epochs=1)


def test_one_sample_as_a_1d_array_is_answered_with_the_reshape_for_one_sample():
    model = MLP([2, 4, 2])
    with pytest.raises(ValueError, match=r"got 1-D: use X.reshape\(1, -1\) for one sample"):
        model.predict([0.5, -1.0])


def test_bad_data_is_refused_by_predict_and_validation(moons200):
    X, y = moons200
    model = MLP([2, 4, 2])
    with pytest.raises(ValueError, match="X contains NaN"):
        model.predict([[np.nan, 0.0]])
    with pytest.raises(ValueError, match="network expects 2"):
        fit(model, X, y, Adam(), epochs=1, X_val=np.ones((3, 3)), y_val=[0, 1, 0])


@pytest.mark.parametrize(("make_optimizer", "phrase"), [
    (lambda: SGD(0.0), r"learning rate must be in \(0, 1e\+06\], got 0"),
    (lambda: SGD(-0.1), "learning rate must be in"),
    (lambda: Adam(0.0), "learning rate must be in"),
    (lambda: Adam(-1e-3), "learning rate must be in"),
    (lambda: Adam(float("nan")), "learning rate must be a finite number"),
    (lambda: SGD(0.1, momentum=1.0), "momentum must be in"),
    (lambda: Adam(beta1=1.0), "beta1 must be in"),
])
def test_bad_optimiser_settings(make_optimizer, phrase):
    with pytest.raises(ValueError, match=phrase):
        make_optimizer()


@pytest.mark.parametrize(("kwargs", "phrase"), [
    ({"epochs": -1}, "epochs must be between 0 and"),
    ({"epochs": 2.5}, "epochs must be a whole number"),
    ({"batch_size": 0}, "batch_size must be at least 1"),
    ({"l1": -0.1}, "l1 must be in"),
    ({"l2": float("inf")}, "l2 must be a finite number"),
])
def test_bad_fit_settings(kwargs, phrase, moons200):
    X, y = moons200
    settings = {"epochs": 1, **kwargs}
    with pytest.raises(ValueError, match=phrase):
        fit(MLP([2, 4, 2]), X, y, Adam(), **settings)


# --- gradient_check: a full check for small models, a sample or a refusal for large ones -------
def count_loss_calls(model, monkeypatch):
    calls = []
    loss = model.loss
    monkeypatch.setattr(model, "loss", lambda *args, **kw: calls.append(1) or loss(*args, **kw))
    return calls


def test_gradient_check_checks_every_parameter_of_a_small_model(moons20, monkeypatch):
    X, y = moons20
    model = MLP([2, 6, 5, 2], "tanh", seed=1)
    calls = count_loss_calls(model, monkeypatch)
    checked(model, X, y, "MLP tanh, every parameter")
    assert len(calls) == 1 + 2 * model.n_parameters  # backprop, then two passes per parameter


def test_gradient_check_samples_a_model_beyond_its_budget(moons20, monkeypatch):
    import nn_core.gradcheck

    X, y = moons20
    monkeypatch.setattr(nn_core.gradcheck, "GRADCHECK_BUDGET", 2_000_000)
    model = MLP([2, 40, 40, 2], "tanh", seed=1)  # 1,842 parameters: 136 million for all of them
    calls = count_loss_calls(model, monkeypatch)
    error = checked(model, X, y, "MLP tanh, a sample")
    checked_entries = (len(calls) - 1) // 2
    assert 6 <= checked_entries <= 2_000_000 // (2 * 20 * 1842) + 6  # the budget, >= 1 per array
    assert gradient_check(model, X, y, seed=0) == error  # the sample follows the seed
    sigmoid = model.layers[1]  # and a wrong backward is still caught on a sample
    monkeypatch.setattr(sigmoid, "backward", lambda dout: 1.05 * dout * sigmoid.derivative(
        sigmoid.x))
    assert gradient_check(model, X, y) > 1e-3


def test_gradient_check_refuses_what_it_cannot_finish_in_seconds(monkeypatch):
    X = np.random.default_rng(0).normal(size=(20, 512))
    y = np.arange(20) % 2
    model = MLP([512] + [512] * 20 + [2], "tanh")  # the largest demo: 5.26 million parameters
    # Refused before any work: not one forward pass (the check would take many minutes).
    monkeypatch.setattr(model, "forward", lambda *args, **kwargs: pytest.fail("forward ran"))
    with pytest.raises(ValueError, match=r"gradient_check cannot finish in seconds here: "
                                         r"5,\d{3},\d{3} parameters on 20 rows .* even one "
                                         r"parameter from each of the 42 arrays exceeds the "
                                         r"budget .*; check fewer rows \(e.g. X\[:2\], y\[:2\]\) "
                                         r"or a smaller network with the same kinds of layers"):
        gradient_check(model, X, y)


def test_gradient_check_suggests_fewer_rows_when_that_is_enough(moons20, monkeypatch):
    import nn_core.gradcheck

    X, y = moons20
    monkeypatch.setattr(nn_core.gradcheck, "GRADCHECK_BUDGET", 100_000)
    with pytest.raises(ValueError, match=r"check fewer rows \(e.g. X\[:6\], y\[:6\]\)"):
        gradient_check(MLP([2, 32, 32, 2]), X, y)


# --- what the history measures, and what fit reuses ----------------------------------------------
def test_batches_history_is_the_mean_of_the_batch_losses_as_trained(moons200):
    # The oracle: fit's loop by hand (the documented batches: one seeded permutation per
    # epoch, consecutive slices of it), recording each batch's loss before its step.
    X, y = moons200
    by_hand, optimizer, rng = MLP([2, 8, 2], seed=4), Adam(0.01), np.random.default_rng(7)
    losses, accuracies = [], []
    for _ in range(3):
        order = rng.permutation(len(X))
        total, correct = 0.0, 0
        for start in range(0, len(X), 48):  # 48 does not divide 200: the last batch has 8 rows
            batch = order[start:start + 48]
            total += by_hand.loss(X[batch], y[batch]) * len(batch)
            correct += np.sum(np.argmax(by_hand.forward(X[batch]), axis=1) == y[batch])
            by_hand.loss(X[batch], y[batch])
            by_hand.backward()
            optimizer.step([by_hand.theta], [by_hand.grad])
        losses.append(total / len(X))
        accuracies.append(correct / len(X))
    model = MLP([2, 8, 2], seed=4)
    history = fit(model, X, y, Adam(0.01), epochs=3, batch_size=48, seed=7, history="batches")
    np.testing.assert_allclose(history.train_loss, losses, rtol=1e-14)
    np.testing.assert_array_equal(history.train_accuracy, accuracies)
    np.testing.assert_array_equal(model.theta, by_hand.theta)


def test_the_history_mode_changes_what_is_recorded_not_the_training(moons200):
    X, y = moons200
    X_val, y_val = make_dataset("moons", n_samples=50, noise=0.1, seed=9)
    runs = {}
    for mode in ("exact", "batches"):
        model = MLP([2, 8, 8, 2], seed=0)
        runs[mode] = fit(model, X, y, Adam(0.01), epochs=4, batch_size=32, X_val=X_val,
                         y_val=y_val, history=mode), model.theta.copy()
    (exact, theta_exact), (batches, theta_batches) = runs["exact"], runs["batches"]
    np.testing.assert_array_equal(theta_exact, theta_batches)
    assert exact.val_loss == batches.val_loss and exact.val_accuracy == batches.val_accuracy
    assert exact.train_loss != batches.train_loss
    last = MLP([2, 8, 8, 2], seed=0)
    last.theta[...] = theta_exact
    assert exact.train_loss[-1] == last.loss(X, y)  # exact: the whole set, final weights


def test_full_batch_batches_history_is_the_loss_before_each_step(moons200):
    X, y = moons200
    exact = fit(MLP([2, 8, 2], seed=1), X, y, SGD(0.1), epochs=5)
    batches = fit(MLP([2, 8, 2], seed=1), X, y, SGD(0.1), epochs=5, history="batches")
    start = MLP([2, 8, 2], seed=1).loss(X, y)
    np.testing.assert_array_equal(batches.train_loss, [start] + exact.train_loss[:-1])


def test_full_batch_reuses_the_evaluation_and_gives_the_same_numbers(moons200, monkeypatch):
    X, y = moons200
    plain = fit(MLP([2, 8, 2], "tanh", seed=2), X, y, Adam(0.01), epochs=6,
                callback=lambda *args: False)  # a callback: nothing is reused
    model = MLP([2, 8, 2], "tanh", seed=2)
    passes = []
    forward = model.forward
    monkeypatch.setattr(model, "forward", lambda *a, **kw: passes.append(1) or forward(*a, **kw))
    reused = fit(model, X, y, Adam(0.01), epochs=6)
    assert reused == plain
    assert len(passes) == 1 + 6  # the start, then one per epoch (was two per epoch)


def test_evaluate_in_chunks_gives_the_whole_set_loss_and_accuracy(moons200):
    from nn_core import evaluate

    X, y = moons200
    model = MLP([2, 600, 600, 2], seed=3)  # ~1 MB of temporaries per 109 rows: 2 chunks
    loss, accuracy = evaluate(model, X, y)
    assert loss == pytest.approx(model.loss(X, y), rel=1e-14)
    assert accuracy == np.mean(model.predict(X) == y)


@pytest.mark.parametrize(("X", "y", "message"), [
    (np.zeros((10, 2)), np.zeros(7, int), "X has 10 samples but y has 7 labels"),
    (np.zeros((10, 1)), np.zeros(10, int), "X has 1 feature column"),
    (np.full((10, 2), np.nan), np.zeros(10, int), "X contains NaN or infinite values"),
    (np.zeros((10, 2)), np.full(10, 2), "class labels must be between 0 and 1"),
    (np.zeros((10, 2)), np.full(10, 0.5), "class labels must be whole numbers"),
    (np.zeros((10, 2), complex), np.zeros(10, int), "X must be real numbers"),
])
def test_evaluate_checks_its_data_as_fit_does(X, y, message):
    # A notebook calls evaluate on a test set of its own: a mismatch is said in words, not a
    # numpy broadcasting error from inside the loss (as it was for 10 rows against 7 labels).
    from nn_core import evaluate

    with pytest.raises(ValueError, match=message):
        evaluate(MLP([2, 4, 2]), X, y)


@pytest.mark.parametrize(("analytic", "numeric", "message"), [
    (np.zeros(3), np.zeros(2), "the analytic gradient has 3 values but the numerical one has 2"),
    (np.zeros(2, complex), np.zeros(2), "the analytic gradient must be real numbers"),
    (np.zeros(2), np.array(["a", "b"]), "the numerical gradient must be real numbers"),
])
def test_relative_error_says_what_does_not_match(analytic, numeric, message):
    from nn_core import relative_error

    with pytest.raises(ValueError, match=message):
        relative_error(analytic, numeric)


def test_unknown_history_mode_is_refused(moons200):
    X, y = moons200
    with pytest.raises(ValueError, match="unknown history 'fast'; choose one of: exact, batches"):
        fit(MLP([2, 4, 2]), X, y, Adam(), epochs=1, history="fast")


def test_batches_history_reports_divergence_too(moons200):
    X, y = moons200
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = fit(MLP([2, 16, 16, 2], "relu"), X * 1e200, y, SGD(1e6), epochs=20,
                      batch_size=32, history="batches")
    assert history.diverged and "NaN or infinite" in history.reason


# --- BLAS threads ----------------------------------------------------------------------------
def blas_threads():
    from threadpoolctl import threadpool_info

    return max(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas")


@pytest.fixture
def two_blas_threads():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        if blas_threads() < 2:
            pytest.skip("this BLAS runs one thread only")
        yield


def test_small_networks_train_on_one_blas_thread_and_the_setting_comes_back(moons200,
                                                                            two_blas_threads):
    X, y = moons200
    seen = []
    fit(MLP([2, 8, 2]), X, y, Adam(), epochs=2, callback=lambda *a: seen.append(blas_threads()))
    assert seen == [1, 1] and blas_threads() == 2
    fit(MLP([2, 600, 600, 2]), X, y, Adam(), epochs=1,  # 200 x 600 x 600: large, left alone
        callback=lambda *a: seen.append(blas_threads()))
    assert seen[-1] == 2


def test_a_fit_during_another_leaves_the_limit_to_the_one_that_set_it(moons200,
                                                                        two_blas_threads):
    import threading

    X, y = moons200
    seen = []

    def train_another_fit_meanwhile(epoch, history, model):  # while this fit holds the limit
        worker = threading.Thread(target=fit, args=(MLP([2, 8, 2]), X, y, Adam()),
                                  kwargs={"epochs": 2})
        worker.start()
        worker.join(timeout=60)
        seen.append(blas_threads())

    fit(MLP([2, 8, 2]), X, y, Adam(), epochs=1, callback=train_another_fit_meanwhile)
    assert seen == [1]  # the inner fit, ending first, did not restore two threads
    assert blas_threads() == 2  # the fit that set the limit restored it


def test_a_single_threaded_process_is_never_toggled(moons200, monkeypatch):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from nn_core.training import single_blas_thread

    X, y = moons200
    with threadpoolctl.threadpool_limits(1, user_api="blas"):  # what the app does at start
        blas = single_blas_thread._blas_libraries()
        monkeypatch.setattr(type(blas), "limit", lambda *a, **kw: pytest.fail("toggled"))
        fit(MLP([2, 8, 2]), X, y, Adam(), epochs=2)
        assert blas_threads() == 1


def test_assigning_theta_copies_into_the_buffer_the_layers_use():
    # A plain attribute was swapped for the new array: the layers kept the old buffer, so the
    # network did not change, and fit then updated an array that no layer reads.
    model = MLP([2, 3, 2], seed=0)
    buffer = model.theta
    model.theta = np.arange(model.n_parameters, dtype=float)
    assert model.theta is buffer
    np.testing.assert_array_equal(model.layers[0].W.ravel(), np.arange(6.0))
    with pytest.raises(ValueError, match=r"MLP.theta has shape \(17,\), got shape \(3,\).*build "
                                         r"a new MLP for a new shape"):
        model.theta = np.zeros(3)
    with pytest.raises(ValueError, match="MLP.grad must be finite"):
        model.grad = np.full(model.n_parameters, np.nan)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"y_val": np.zeros(10, int)}, "X_val and y_val go together"),  # y_val was ignored
    ({"X_val": np.zeros((10, 2))}, "X_val and y_val go together"),
    ({"optimizer": None}, "optimizer must be an nn_core optimizer such as nn_core.Adam"),
    ({"callback": 3}, "callback must be a function callback"),  # failed after the first epoch
])
def test_fit_refuses_arguments_it_cannot_use(kwargs, message):
    arguments = {"optimizer": Adam(0.01), **kwargs}
    with pytest.raises(ValueError, match=message):
        fit(MLP([2, 4, 2]), np.zeros((10, 2)), np.zeros(10, int), epochs=1, **arguments)


@pytest.mark.parametrize("duplicate", [copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m))],
                         ids=["deepcopy", "pickle"])
def test_a_copied_network_trains_like_the_original(moons200, duplicate):
    # A copy made every array anew, views too: the copy's layers held arrays of their own that
    # the optimiser (it updates theta) never reached, and the copy trained without learning
    # (accuracy 0.685 after 30 epochs, as before the first).
    X, y = moons200
    original = MLP([2, 8, 2], ["prelu"], seed=0)
    before = original.theta.copy()
    twin = duplicate(original)
    assert np.shares_memory(twin.theta, twin.layers[0].W)
    assert np.shares_memory(twin.grad, twin.layers[1].dalpha)
    trained = fit(twin, X, y, Adam(0.05), epochs=30)
    np.testing.assert_array_equal(original.theta, before)  # the original is left as it was
    assert trained == fit(original, X, y, Adam(0.05), epochs=30)
    np.testing.assert_array_equal(twin.theta, original.theta)


@pytest.mark.parametrize("make", [lambda: Adam(0.01), lambda: SGD(0.1, momentum=0.9)],
                         ids=["adam", "momentum"])
def test_an_optimiser_with_running_values_trains_one_network(moons200, make):
    # Its moments (or velocity) belong to the arrays it first stepped: a second network got
    # them applied (same size) or a numpy broadcasting error (another size).
    X, y = moons200
    optimizer, model = make(), MLP([2, 4, 2])
    fit(model, X, y, optimizer, epochs=2)
    fit(model, X, y, optimizer, epochs=2)  # going on with the same network is fine
    for other in (MLP([2, 4, 2]), MLP([2, 8, 2])):
        with pytest.raises(ValueError, match=r"has already trained other parameters \(another "
                                             r"network\).*give each network its own"):
            fit(other, X, y, optimizer, epochs=1)


def test_plain_sgd_keeps_nothing_and_may_train_any_network(moons200):
    X, y = moons200
    sgd = SGD(0.1)
    fit(MLP([2, 4, 2]), X, y, sgd, epochs=1)
    assert not fit(MLP([2, 8, 2]), X, y, sgd, epochs=1).diverged


@pytest.mark.parametrize("shared", [
    lambda: get_activation("tanh"),  # one object for every hidden layer
    lambda: [get_activation("tanh")] * 2,  # the same object twice in the list
    lambda: get_activation("prelu"),  # with a parameter: each layer its own alpha
], ids=["one-for-all", "twice-in-list", "prelu"])
def test_one_activation_object_for_several_layers_gives_right_gradients(moons200, shared):
    # The layers shared one object, so the first layer's backward used the second one's
    # inputs: a gradient check error of 1.6, i.e. wrong gradients, with no warning.
    X, y = moons200
    model = MLP([2, 4, 4, 2], shared(), seed=1)
    first, second = model.hidden_activations()
    assert first is not second
    assert gradient_check(model, X[:20], y[:20]) < 1e-7


def test_a_prelu_object_in_a_second_network_is_that_networks_own(moons200):
    # Packing the second network rebound the PReLU's alpha to a view into *its* buffer, so the
    # first network's layer then read and trained the second network's alpha.
    X, y = moons200
    prelu = get_activation("prelu")
    first = MLP([2, 4, 2], [prelu], seed=0)
    second = MLP([2, 4, 2], [prelu], seed=0)
    assert first.layers[1] is prelu and second.layers[1] is not prelu
    assert np.shares_memory(first.theta, prelu.alpha)
    fit(second, X, y, Adam(0.05), epochs=5)
    assert gradient_check(first, X[:20], y[:20]) < 1e-7
    np.testing.assert_array_equal(prelu.alpha, [0.25])  # untouched by the second's training
