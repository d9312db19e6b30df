"""The opt-in float32 network (``MLP(..., dtype="float32")``): it stays in float32 from the input
to the last gradient, starts from the float64 network's weights rounded, computes the gradient
of the float64 network to float32's precision (the float64 backward is the one checked against
finite differences, in test_model_training.py), learns as well, and is refused by
``gradient_check``."""

import numpy as np
import pytest

from nn_core import (
    ACTIVATIONS,
    MLP,
    SGD,
    Adam,
    fit,
    gradient_check,
    make_dataset,
    relative_error,
)
from nn_core.activations import PReLU

# float32 keeps ~7 significant digits; a backward pass of a few layers loses a few of them.
# A wrong formula is off by far more (see test_model_training.py's oracle).
FLOAT32_AGREEMENT = 1e-4


@pytest.fixture(scope="module")
def moons():
    return make_dataset("moons", n_samples=200, noise=0.2, seed=0)


def backward_of(model, X, y):
    model.loss(X, y)
    return model.backward()


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_a_float32_network_stays_in_float32_and_matches_the_float64_gradient(activation, moons):
    X, y = moons
    single = MLP([2, 8, 6, 2], activation, init="xavier", seed=3, dtype="float32")
    double = MLP([2, 8, 6, 2], activation, init="xavier", seed=3)
    upstream = backward_of(single, X, y)
    assert single.forward(X).dtype == np.float32
    assert all(layer.x.dtype == np.float32 for layer in single.layers)
    assert all(g.dtype == np.float32 for g in upstream)
    assert single.theta.dtype == single.grad.dtype == np.float32
    backward_of(double, X, y)
    assert relative_error(single.grad, double.grad) < FLOAT32_AGREEMENT, activation


def test_regression_stays_in_float32_and_its_loss_is_a_float64_mean():
    X = np.linspace(-2.0, 2.0, 50)[:, None]
    y = np.sin(X[:, 0])
    single = MLP([1, 16, 1], "tanh", task="regression", seed=1, dtype="float32")
    double = MLP([1, 16, 1], "tanh", task="regression", seed=1)
    loss = single.loss(X, y)
    assert loss.dtype == np.float64
    assert abs(loss - double.loss(X, y)) < 1e-6 * loss
    assert all(g.dtype == np.float32 for g in single.backward())
    double.backward()
    assert relative_error(single.grad, double.grad) < FLOAT32_AGREEMENT


def test_float32_starts_from_the_float64_weights_rounded():
    single = MLP([2, 16, 16, 3], "relu", seed=7, dtype=np.float32)
    double = MLP([2, 16, 16, 3], "relu", seed=7)
    assert np.array_equal(single.theta, double.theta.astype(np.float32))
    assert single.dtype == np.float32 and double.dtype == np.float64
    assert repr(single).endswith("(float32)") and "float" not in repr(double)


def test_float32_learns_as_well_as_float64(moons):
    X, y = moons
    accuracies = {}
    for dtype in ("float64", "float32"):
        model = MLP([2, 32, 32, 2], "relu", seed=0, dtype=dtype)
        history = fit(model, X, y, Adam(0.01), epochs=60, batch_size=32)
        assert not history.diverged
        assert model.theta.dtype == dtype
        assert history.train_loss[-1] < history.train_loss[0] / 2
        accuracies[dtype] = np.mean(model.predict(X) == y)
    assert accuracies["float64"] > 0.9
    assert abs(accuracies["float32"] - accuracies["float64"]) <= 0.01


@pytest.mark.parametrize("optimizer", [Adam(0.01), SGD(0.1), SGD(0.1, momentum=0.9)],
                         ids=["adam", "sgd", "momentum"])
def test_optimisers_keep_float32_state(optimizer, moons):
    X, y = moons
    model = MLP([2, 8, 2], "tanh", seed=0, dtype="float32")
    fit(model, X, y, optimizer, epochs=2, batch_size=50, l1=1e-4, l2=1e-3)
    assert model.theta.dtype == np.float32
    for state in (getattr(optimizer, name, None) for name in ("m", "v", "velocity")):
        assert state is None or all(s.dtype == np.float32 for s in state)


def test_a_learnable_prelu_slope_lives_in_the_float32_buffer(moons):
    X, y = moons
    prelu = PReLU()
    model = MLP([2, 8, 2], [prelu], seed=0, dtype="float32")
    assert prelu.alpha.dtype == np.float32
    before = float(prelu.alpha[0])
    fit(model, X, y, Adam(0.05), epochs=3, batch_size=20)
    assert float(prelu.alpha[0]) != before
    assert prelu.dalpha.dtype == np.float32


def test_assigning_a_parameter_of_a_float32_network_rounds_it_into_the_buffer():
    model = MLP([2, 3, 2], seed=0, dtype="float32")
    dense = model.dense_layers()[0]
    dense.W = np.full((2, 3), 0.1)
    assert dense.W.dtype == np.float32 and np.all(dense.W == np.float32(0.1))
    assert np.shares_memory(dense.W, model.theta)


def test_a_value_beyond_float32s_range_is_refused_not_turned_into_infinity():
    model = MLP([2, 3, 2], seed=0, dtype="float32")
    dense = model.dense_layers()[0]
    before = dense.W.copy()
    with pytest.raises(ValueError, match=r"Dense.W has values beyond float32's range "
                                         r"\(±3.4e\+38\), and the network stores it in float32"):
        dense.W = np.full((2, 3), 1e39)
    assert np.array_equal(dense.W, before)
    dense.W = np.full((2, 3), 3e38)  # within the range: kept
    assert np.all(np.isfinite(dense.W))


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_data_beyond_float32s_range_is_refused_by_a_float32_network(task):
    model = MLP([2, 3, 2], seed=0, task=task, dtype="float32")
    X = np.array([[1.0, 2.0], [1e39, 0.0]])
    y = np.array([0, 1]) if task == "classification" else np.zeros((2, 2))
    beyond = r"X has values beyond float32's range \(±3.4e\+38\).*standardize"
    with pytest.raises(ValueError, match=beyond):
        fit(model, X, y, Adam(), epochs=1)
    with pytest.raises(ValueError, match=beyond):
        model.predict(X)
    if task == "regression":
        with pytest.raises(ValueError, match=r"y has values beyond float32's range"):
            model.loss(X[:1], np.array([[1e39, 0.0]]))
    assert MLP([2, 3, 2], task=task).predict(X).shape[0] == 2  # float64 takes them


def test_gradient_check_refuses_a_float32_network(moons):
    X, y = moons
    with pytest.raises(ValueError, match=r"gradient_check needs a float64 network, got one in "
                                         r"float32.*dtype='float64' \(the default\)"):
        gradient_check(MLP([2, 4, 2], dtype="float32"), X[:5], y[:5])


@pytest.mark.parametrize("dtype", ["float16", "int64", np.int32, object, "f4", "bogus",
                                   np.complex128, 3])
def test_other_dtypes_are_refused_with_the_valid_ones(dtype):
    with pytest.raises(ValueError, match=r"unknown dtype .*; choose one of: float64, float32"):
        MLP([2, 4, 2], dtype=dtype)
