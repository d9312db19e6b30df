"""The finite-difference oracle shared by the gradient tests: one helper, one line per case.

Import it as ``from tests.gradients import assert_gradients``.
"""

import numpy as np

from nn_core import numerical_gradient, relative_error

# Centred differences with eps = 1e-6 in float64 agree with a correct backward to ~1e-9;
# a wrong formula is off by ~1e-2 or more.
TOLERANCE = 1e-7

# Every corner of the registered activations: relu & co at 0, hard_tanh at +-1,
# hard_sigmoid at +-3. Finite differences across a corner measure nothing.
KINKS = (-3.0, -1.0, 0.0, 1.0, 3.0)
KINK_MARGIN = 1e-3

# The largest relative error any check has seen in this process: a report printed at the end
# of the run (tests/conftest.py), never an assertion (each check asserts its own bound).
largest_error = {"error": 0.0, "case": ""}


def record_error(error, case):
    """Remember ``error`` if it is the largest so far; return it."""
    if error > largest_error["error"]:
        largest_error.update(error=error, case=case)
    return error


def kink_free_points(shape, seed=0, low=-4.5, high=4.5):
    """Random points in [low, high] that stay more than KINK_MARGIN away from every kink."""
    x = np.random.default_rng(seed).uniform(low, high, shape)
    near = np.min(np.abs(x[..., None] - np.array(KINKS)), axis=-1) < 10 * KINK_MARGIN
    x = np.where(near, x + 0.05, x)
    assert np.min(np.abs(x[..., None] - np.array(KINKS))) > KINK_MARGIN
    return x


def assert_gradients(layer, x, seed=0):
    """Check ``layer.backward`` against centred finite differences.

    The loss is L = sum(layer.forward(x) * g) for a fixed random g, so dL/dout = g and
    ``backward(g)`` must equal dL/dx, and the layer's ``grads()`` must equal dL/dp for each of
    its ``params()``. Along the way: ``backward`` must accept a read-only ``g`` (it may not
    write into its argument) and must return a new array. Returns the largest relative error.
    """
    x = np.array(x, dtype=np.float64)  # our own copy: numerical_gradient perturbs it in place
    out = layer.forward(x)
    g = np.random.default_rng(seed).normal(size=np.shape(out))
    g.setflags(write=False)
    g_before = g.copy()

    dx = layer.backward(g)

    np.testing.assert_array_equal(g, g_before)
    assert dx is not g and not np.shares_memory(dx, g), "backward returned its argument"
    analytic = {"x": dx.copy()}
    for name, grad in zip(layer.param_names, layer.grads(), strict=True):
        analytic[name] = grad.copy()

    def loss():
        return np.sum(layer.forward(x) * g)

    worst = 0.0
    for name, target in zip(analytic, [x, *layer.params()], strict=True):
        error = relative_error(analytic[name], numerical_gradient(loss, target))
        record_error(error, f"{layer!r} d{name}")
        assert error < TOLERANCE, f"{layer!r}: d{name} off by relative error {error:.3g}"
        worst = max(worst, error)
    return worst
