"""Finite-difference gradient checks: the independent oracle for every backward pass."""

import math

import numpy as np

from nn_core._checks import check_int, check_number, real_array

# A check costs two forward passes per checked parameter, each about rows x parameters
# multiply-adds, in extended precision (~10 ns each on the 2-core development machine, see
# benchmarks/README.md). This budget, a few seconds, covers a full check of 5,000 parameters
# on 20 rows; beyond it ``gradient_check`` checks a random sample.
GRADCHECK_BUDGET = 1_000_000_000


def relative_error(analytic, numeric):
    """||a - n|| / max(||a||, ||n||): 0 when they agree, ~1 when they are unrelated.

    Norms over a whole array, not per entry: entries near zero would otherwise turn harmless
    rounding (~1e-10 absolute) into huge ratios. Both must be real numbers, as many of them.
    """
    analytic = np.ravel(real_array(analytic, "the analytic gradient"))
    numeric = np.ravel(real_array(numeric, "the numerical gradient"))
    if analytic.size != numeric.size:
        raise ValueError(f"the analytic gradient has {analytic.size} values but the numerical "
                         f"one has {numeric.size}: they must be of the same parameters")
    norms = np.linalg.norm(analytic), np.linalg.norm(numeric)
    if np.isnan(norms).any():
        return math.nan  # a NaN gradient agrees with nothing (max() would drop it)
    scale = max(norms)
    if scale == 0.0:
        return 0.0
    return float(np.linalg.norm(analytic - numeric) / scale)


def numerical_gradient(f, x, eps=1e-6, indices=None):
    """Centred differences (f(x + h e_i) - f(x - h e_i)) / (2 h) for every entry of ``x``, or
    only for the flat positions ``indices`` (then a 1-D array, one value per index).

    ``x`` is perturbed in place and restored, so it may be a parameter array inside a model,
    or any view of one (a slice, a transpose: flat positions count in row-major order).
    The step actually taken, (x + eps) - (x - eps) as stored in x's dtype, is what we divide
    by; a step that rounds away (eps too small for the size of an entry) is a ValueError.
    """
    if not (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
        raise ValueError("x must be a float array (it is perturbed in place, so a list or an "
                         "integer array cannot take the steps)")
    if not x.flags.writeable:
        raise ValueError("x is read-only: numerical_gradient perturbs it in place, so give "
                         "the writable array itself (the parameter inside the model)")
    eps = check_number("eps", eps, 0.0, 1.0, low_open=True)
    # x.flat writes through to x whatever its memory layout; x.reshape(-1) of a slice or a
    # transpose would be a copy, and perturbing a copy changes nothing (a zero gradient).
    flat_x = x.flat
    if indices is not None:
        indices = [check_int("index", i, 0, x.size - 1) for i in indices]
    positions = range(x.size) if indices is None else indices
    grad = np.zeros(len(positions), dtype=np.float64)
    for k, i in enumerate(positions):
        saved = flat_x[i]
        flat_x[i] = saved + eps
        plus, up = _one_number(f), flat_x[i]
        flat_x[i] = saved - eps
        minus, down = _one_number(f), flat_x[i]
        flat_x[i] = saved
        if up == down:
            raise ValueError(f"eps={eps:g} is too small for the entry {saved:g} at flat "
                             f"position {i} of x: in {x.dtype} x + eps and x - eps round to "
                             f"the same number, so there is no step to divide by; use a "
                             f"larger eps (1e-6 in float64)")
        grad[k] = (plus - minus) / (up - down)
    return grad.reshape(x.shape) if indices is None else grad


def _one_number(f):
    """f(), which must be one real number (the loss): an array or None would be a numpy error
    deep inside the finite difference. The value is returned as it is (its extended precision
    too)."""
    value = f()
    as_array = np.asarray(value)
    if as_array.ndim != 0 or as_array.dtype.kind not in "fiu":
        raise ValueError(f"f must return the loss as one real number, got "
                         f"{type(value).__name__}"
                         f"{f' of shape {as_array.shape}' if as_array.ndim else ''}")
    return value


def gradient_check(model, X, y, eps=1e-6, seed=0):
    """Largest relative error between backprop and centred finite differences over all
    parameter arrays of ``model`` on (X, y). Below ~1e-7 in float64 means backprop is right.

    The finite-difference losses are evaluated in extended precision (``np.longdouble``, where
    the platform has it): in float64 the loss's own rounding, ~1e-16 / eps ~ 1e-10, would be
    as large as 1e-7 of a small gradient and hide nothing but also prove nothing. For the same
    reason a float32 network is refused.

    Every parameter is checked when that fits in ``GRADCHECK_BUDGET`` multiply-adds (two
    forward passes per parameter: 5,000 parameters on 20 rows, for example). A larger model
    gets a random sample, drawn with ``seed``: as many parameters as fit in the budget, spread
    over every array in proportion to its size (at least one from each), and the error is
    measured over the sampled entries. If not even one entry per array fits, it raises
    ValueError: check fewer rows, or a smaller network with the same kinds of layers.

    >>> from nn_core import MLP, make_dataset
    >>> X, y = make_dataset("moons", n_samples=20, seed=1)
    >>> gradient_check(MLP([2, 5, 2], "tanh"), X, y) < 1e-7
    True
    """
    if model.theta.dtype != np.float64:
        raise ValueError(
            f"gradient_check needs a float64 network, got one in {model.theta.dtype}: its "
            f"rounding (about 1e-7) is as large as the errors a check looks for. Check the "
            f"same network built with dtype='float64' (the default)")
    X, y = model.check_data(X, y)
    seed = check_int("seed", seed, 0, 2**32 - 1)
    params = model.params()
    samples = _choose_entries([p.size for p in params], len(X), seed)  # before any work
    model.loss(X, y, checked=True)
    model.backward()
    analytic = [g.copy() for g in model.grads()]
    X_extended = X.astype(np.longdouble)

    def loss():
        return model.loss(X_extended, y, checked=True)

    errors = []
    for p, a, entries in zip(params, analytic, samples, strict=True):
        if entries is None:
            errors.append(relative_error(a, numerical_gradient(loss, p, eps)))
        else:
            numeric = numerical_gradient(loss, p, eps, entries)
            errors.append(relative_error(a.reshape(-1)[entries], numeric))
    # NaN (a gradient that overflowed) is the answer if any array has it: max() would keep
    # whichever came first.
    return math.nan if any(math.isnan(e) for e in errors) else max(errors, default=0.0)


def _choose_entries(sizes, n_rows, seed):
    """Per parameter array, None (check every entry) or the flat indices of a random sample,
    so that the whole check stays within GRADCHECK_BUDGET multiply-adds."""
    n_parameters = sum(sizes)
    pass_cost = n_rows * n_parameters  # multiply-adds of one forward pass, roughly
    affordable = GRADCHECK_BUDGET // (2 * pass_cost)  # parameters we can check
    if affordable >= n_parameters:
        return [None] * len(sizes)
    if affordable < len(sizes):
        rows = GRADCHECK_BUDGET // (2 * len(sizes) * n_parameters)
        advice = (f"check fewer rows (e.g. X[:{rows}], y[:{rows}]) or a smaller network"
                  if rows >= 1 else "check a smaller network")
        raise ValueError(
            f"gradient_check cannot finish in seconds here: {n_parameters:,} parameters on "
            f"{n_rows:,} rows take {2 * pass_cost:,} multiply-adds per checked parameter, and "
            f"even one parameter from each of the {len(sizes)} arrays exceeds the budget of "
            f"{GRADCHECK_BUDGET:,}; {advice} with the same kinds of layers")
    rng = np.random.default_rng(seed)
    return [np.sort(rng.choice(size, min(size, max(1, affordable * size // n_parameters)),
                               replace=False))
            for size in sizes]
