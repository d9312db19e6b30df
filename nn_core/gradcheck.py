"""Finite-difference gradient checks: the independent oracle for every backward pass."""

import numpy as np


def relative_error(analytic, numeric):
    """||a - n|| / max(||a||, ||n||): 0 when they agree, ~1 when they are unrelated.

    Norms over a whole array, not per entry: entries near zero would otherwise turn harmless
    rounding (~1e-10 absolute) into huge ratios.
    """
    analytic, numeric = np.ravel(analytic), np.ravel(numeric)
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    if scale == 0.0:
        return 0.0
    return float(np.linalg.norm(analytic - numeric) / scale)


def numerical_gradient(f, x, eps=1e-6):
    """Centred differences (f(x + h e_i) - f(x - h e_i)) / (2 h) for every entry of ``x``.

    ``x`` is perturbed in place and restored, so it may be a parameter array inside a model.
    The step actually taken, (x + eps) - (x - eps) as stored in float64, is what we divide by.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(flat_x.size):
        saved = flat_x[i]
        flat_x[i] = saved + eps
        plus, up = f(), flat_x[i]
        flat_x[i] = saved - eps
        minus, down = f(), flat_x[i]
        flat_x[i] = saved
        flat_grad[i] = (plus - minus) / (up - down)
    return grad


def gradient_check(model, X, y, eps=1e-6):
    """Largest relative error between backprop and centred finite differences over all
    parameter arrays of ``model`` on (X, y). Below ~1e-7 in float64 means backprop is right.

    The finite-difference losses are evaluated in extended precision (``np.longdouble``, where
    the platform has it): in float64 the loss's own rounding, ~1e-16 / eps ~ 1e-10, would be
    as large as 1e-7 of a small gradient and hide nothing but also prove nothing.

    >>> from nn_core import MLP, make_dataset
    >>> X, y = make_dataset("moons", n_samples=20, seed=1)
    >>> gradient_check(MLP([2, 5, 2], "tanh"), X, y) < 1e-7
    True
    """
    X, y = model.check_data(X, y)
    model.loss(X, y, checked=True)
    model.backward()
    analytic = [g.copy() for g in model.grads()]
    X_extended = X.astype(np.longdouble)

    def loss():
        return model.loss(X_extended, y, checked=True)

    errors = [relative_error(a, numerical_gradient(loss, p, eps))
              for p, a in zip(model.params(), analytic)]
    return max(errors, default=0.0)
