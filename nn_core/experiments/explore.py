"""Computations behind the activation-comparison page: curves, properties and small lessons.

Everything here is plain numpy on top of the engine's own layers, so each number the page
shows comes from the code that trains networks:

- ``activation_curves``: f(x) from ``forward`` and f'(x) from ``backward`` on a grid, plus
  centred finite differences of ``value`` as an independent check;
- ``activation_properties``: the teaching metadata of a layer and what the grid measures
  (largest slope, where it saturates, where the gradient is exactly zero);
- ``relative_costs``: forward + backward time per element, relative to ReLU;
- ``activation_source``: the source code that runs, read with ``inspect``;
- ``softmax_with_temperature`` and ``softmax_overflow``: the overflow lesson;
- ``linear_collapse``: two linear layers are one; the same stack with a ReLU is not;
- ``relu_units_curve`` and ``fit_relu_units``: a curve built from k ReLU units, by hand and
  fitted on the same grid within the sliders' ranges;
- ``maxout_approximation``: k linear pieces approximating a convex function.
"""

import inspect
import itertools
import math
import textwrap
import time
from dataclasses import dataclass

import numpy as np

from nn_core._checks import check_choice, check_int, check_number, real_array
from nn_core.activations import ACTIVATIONS, get_activation, softmax
from nn_core.layers import Maxout
from nn_core.model import MLP
from nn_core.optimizers import Adam
from nn_core.training import fit

# |f'(x)| below this counts as saturated: the gradient passing through is almost nothing.
SATURATION_THRESHOLD = 0.01
# The step of the centred difference: small enough that its O(h^2) error is ~1e-10, large
# enough that rounding, ~1e-16 / h, stays as small.
FINITE_DIFFERENCE_STEP = 1e-5
MAX_GRID_POINTS = 20_001
MAX_HALF_RANGE = 1_000.0
# Backprop and finite differences count as agreeing when they differ by less than this.
CHECK_TOLERANCE = 1e-6


# --- activation curves ----------------------------------------------------------------------

def make_activation(name, params=None):
    """The layer ``name`` built with its entry of ``params``.

    ``params`` maps activation name -> keyword arguments, e.g. ``{"elu": {"alpha": 0.5}}``; an
    activation without an entry uses its defaults (``nn_core.ACTIVATION_PARAMS``). An entry
    naming a parameter the activation does not take is refused, as ``get_activation`` does.
    """
    return get_activation(name, **(params or {}).get(name, {}))


def symmetric_grid(half_range, n_points):
    """``n_points`` evenly spaced points on [-half_range, half_range]."""
    half_range = check_number("x range", half_range, 0.0, MAX_HALF_RANGE, low_open=True)
    n_points = check_int("number of points", n_points, 3, MAX_GRID_POINTS)
    return np.linspace(-half_range, half_range, n_points)


def cell_centres(half_range, n_cells):
    """Centres of ``n_cells`` equal cells of [-half_range, half_range].

    Finite differences are sampled here rather than on the plotting grid: the centres are
    symmetric but never 0, so they never straddle the jump of the step function.
    """
    half_range = check_number("x range", half_range, 0.0, MAX_HALF_RANGE, low_open=True)
    n_cells = check_int("number of points", n_cells, 1, MAX_GRID_POINTS)
    width = 2.0 * half_range / n_cells
    return -half_range + width * (np.arange(n_cells) + 0.5)


def backprop_slope(layer, x):
    """f'(x) as backpropagation computes it: ``forward(x)`` then ``backward`` of ones.

    With an upstream gradient of 1 the chain rule dL/dx = dL/dy * f'(x) leaves exactly f'(x).
    """
    layer.forward(x)
    return layer.backward(np.ones_like(x))


def finite_difference_slope(layer, x, step=FINITE_DIFFERENCE_STEP):
    """The centred difference (f(x + h) - f(x - h)) / (2h), computed from ``value`` alone.

    We divide by the step actually stored in float64, (x + h) - (x - h), not by 2h.
    """
    up, down = x + step, x - step
    return (layer.value(up) - layer.value(down)) / (up - down)


@dataclass
class ActivationCurves:
    """f and f' of several activations on one grid; dicts keyed by activation name."""

    x: np.ndarray
    values: dict
    slopes: dict
    check_x: np.ndarray  # where the finite differences were taken
    check_slopes: dict
    check_errors: dict  # largest |finite difference - backprop| at the check points

    @property
    def largest_check_error(self):
        return max(self.check_errors.values(), default=0.0)

    @property
    def checks_agree(self):
        return self.largest_check_error < CHECK_TOLERANCE


def activation_curves(names, params=None, half_range=6.0, n_points=401, n_checks=40):
    """f(x) (``forward``) and f'(x) (``backward``) of each activation on a symmetric grid,
    and finite-difference slopes at ``n_checks`` cell centres to check the backward pass.

    >>> curves = activation_curves(["relu"], half_range=2.0, n_points=5, n_checks=2)
    >>> curves.values["relu"], curves.slopes["relu"]
    (array([0., 0., 0., 1., 2.]), array([0., 0., 0., 1., 1.]))
    """
    x = symmetric_grid(half_range, n_points)
    check_x = cell_centres(half_range, n_checks)
    values, slopes, check_slopes, check_errors = {}, {}, {}, {}
    for name in names:
        layer = make_activation(name, params)
        numeric = finite_difference_slope(layer, check_x)
        check_slopes[name] = numeric
        check_errors[name] = float(np.max(np.abs(numeric - backprop_slope(layer, check_x))))
        values[name] = layer.forward(x)
        slopes[name] = backprop_slope(layer, x)
    return ActivationCurves(x, values, slopes, check_x, check_slopes, check_errors)


# --- properties -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Interval:
    """A stretch of the grid, [low, high]; ``open_left``/``open_right`` when it runs to the
    grid's edge (so it probably continues beyond the range shown)."""

    low: float
    high: float
    open_left: bool
    open_right: bool


def intervals_where(x, mask):
    """The maximal runs of consecutive grid points where ``mask`` is True, as Intervals.

    >>> intervals_where(np.array([0., 1., 2., 3.]), np.array([True, False, True, True]))
    [Interval(low=0.0, high=0.0, open_left=True, open_right=False), \
Interval(low=2.0, high=3.0, open_left=False, open_right=True)]
    """
    # A run starts where mask switches on and ends where it switches off: the diff of the
    # mask padded with False on both sides marks exactly those places.
    edges = np.flatnonzero(np.diff(np.concatenate([[False], mask, [False]]).astype(np.int8)))
    starts, stops = edges[0::2], edges[1::2] - 1
    last = len(x) - 1
    return [Interval(float(x[a]), float(x[b]), bool(a == 0), bool(b == last))
            for a, b in zip(starts, stops, strict=True)]


@dataclass(frozen=True)
class ActivationProperties:
    """What a student should know about one activation, on the grid it was measured on."""

    name: str
    output_range: tuple
    zero_centered: bool
    monotonic: bool
    smooth: bool
    max_slope: float  # max of f' on the grid
    saturated: list  # Intervals where |f'| < SATURATION_THRESHOLD
    zero_gradient: list  # Intervals where f' == 0 exactly


def activation_properties(name, x, slope, params=None):
    """Metadata of the layer plus what ``slope`` (its f' on grid ``x``) shows."""
    layer = make_activation(name, params)
    return ActivationProperties(
        name=name,
        output_range=tuple(float(v) for v in layer.output_range),
        zero_centered=bool(layer.zero_centered),
        monotonic=bool(layer.monotonic),
        smooth=bool(layer.smooth),
        max_slope=float(np.max(slope)),
        saturated=intervals_where(x, np.abs(slope) < SATURATION_THRESHOLD),
        zero_gradient=intervals_where(x, slope == 0.0),
    )


def forward_backward_seconds(layer, x, repeats=5):
    """The fastest of ``repeats`` timings of one forward and one backward pass on ``x``.

    The minimum, not the mean: anything slower than the fastest run is noise from elsewhere.
    """
    dout = np.ones_like(x)
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        layer.forward(x)
        layer.backward(dout)
        best = min(best, time.perf_counter() - start)
    return best


def relative_costs(names=None, n_elements=100_000, repeats=5, seed=0):
    """Time per element of forward + backward for each activation (default parameters),
    divided by ReLU's: 1.0 costs as much as ReLU, 3.0 three times as much.

    Timing depends on the machine and its load, so the figures are rough; cache them.
    """
    names = list(ACTIVATIONS) if names is None else list(names)
    n_elements = check_int("n_elements", n_elements, 1, 10_000_000)
    x = np.random.default_rng(seed).normal(0.0, 3.0, n_elements)
    forward_backward_seconds(get_activation("relu"), x, 1)  # warm up caches and allocator
    seconds = {name: forward_backward_seconds(get_activation(name), x, repeats)
               for name in dict.fromkeys(["relu", *names])}
    return {name: seconds[name] / seconds["relu"] for name in names}


# --- the code that runs -----------------------------------------------------------------------

def defining_class(cls, method):
    """The class in ``cls``'s MRO whose body defines ``method`` (where the code really is)."""
    return next(klass for klass in cls.__mro__ if method in vars(klass))


def activation_source(name):
    """[(``Class.method``, source)] for ``forward``, ``backward``, ``value`` and ``slope`` of
    the activation ``name``, each read from the class that defines it, so that what students
    read is exactly what runs (inherited methods come from the base class ``Activation``)."""
    cls = ACTIVATIONS[check_choice("activation", name, list(ACTIVATIONS))]
    sources = []
    for method in ("forward", "backward", "value", "slope"):
        owner = defining_class(cls, method)
        code = textwrap.dedent(inspect.getsource(vars(owner)[method]))
        sources.append((f"{owner.__name__}.{method}", code))
    return sources


# --- softmax --------------------------------------------------------------------------------

_FLOAT_MAX = np.finfo(np.float64).max


def softmax_with_temperature(logits, temperature):
    """softmax(z / T): T > 1 flattens the distribution, T < 1 sharpens it towards the max.

    Computed as softmax((z - max z) / T), the same numbers: z / T itself overflows for large
    logits or a tiny T (1e308 / 0.5 is inf, and inf - inf in the softmax is NaN), while the
    gaps z - max z are all <= 0, so dividing them can only go towards -inf, which is a
    probability of 0 (saturated at minus the largest float, as in ``softmax``).
    """
    temperature = check_number("temperature", temperature, 0.0, 1e6, low_open=True)
    z = real_array(logits, "logits").astype(np.float64, copy=False)
    if not np.isfinite(z).all():
        raise ValueError("logits must be finite numbers, got NaN or infinity")
    if z.ndim == 0:
        raise ValueError(f"logits must be one number per class, got the single number {z:g}: "
                         f"for one class write [z] (its probability is 1)")
    with np.errstate(over="ignore"):  # a gap beyond float64 is -inf: probability 0
        gaps = (z - z.max(axis=-1, keepdims=True)) / temperature
    return softmax(np.maximum(gaps, -_FLOAT_MAX))


@dataclass
class SoftmaxOverflow:
    """The same softmax computed twice: naively, and with the max subtracted first."""

    logits: np.ndarray
    naive_exp: np.ndarray  # e^z: inf once z > ~709.78
    naive_probabilities: np.ndarray  # inf / inf = nan
    shifted_logits: np.ndarray  # z - max z, all <= 0
    shifted_exp: np.ndarray  # in (0, 1]
    probabilities: np.ndarray

    @property
    def naive_failed(self):
        return not np.all(np.isfinite(self.naive_probabilities))


# The overflow demo's logits before the offset: [offset, offset + 1, offset + 2].
OVERFLOW_BASE_LOGITS = (0.0, 1.0, 2.0)


def softmax_overflow_demo(offset):
    """``softmax_overflow`` of the logits [offset, offset + 1, offset + 2]."""
    offset = check_number("offset", offset, -1e300, 1e300)
    return softmax_overflow(offset + np.array(OVERFLOW_BASE_LOGITS))


def softmax_overflow(logits):
    """Naive e^z / sum e^z next to the stable version e^(z - max z) / sum e^(z - max z).

    Subtracting the max changes nothing mathematically (the factor e^-max cancels) but keeps
    every exponent <= 0. The naive overflow is the lesson, so its warnings are silenced here
    and its inf and nan returned for display.

    >>> demo = softmax_overflow([1000.0, 1001.0, 1002.0])
    >>> demo.naive_exp
    array([inf, inf, inf])
    >>> demo.naive_failed, demo.probabilities.round(3)
    (True, array([0.09 , 0.245, 0.665]))
    """
    z = np.asarray(logits, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        naive_exp = np.exp(z)
        naive_probabilities = naive_exp / np.sum(naive_exp)
    shifted = z - np.max(z)
    shifted_exp = np.exp(shifted)
    return SoftmaxOverflow(z, naive_exp, naive_probabilities, shifted, shifted_exp,
                           shifted_exp / np.sum(shifted_exp))


# --- why non-linearity --------------------------------------------------------------------

def sine_target(x):
    """The curve the lessons fit: sin(x)."""
    return np.sin(x)


@dataclass
class LinearCollapse:
    """A trained two-layer linear network, its one-layer equivalent, and a ReLU twin."""

    x: np.ndarray
    target: np.ndarray
    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray
    W: np.ndarray  # W1 W2
    b: np.ndarray  # b1 W2 + b2
    linear_stack: np.ndarray  # the two-layer network's output
    collapsed: np.ndarray  # x W + b
    relu_stack: np.ndarray  # the same shapes with a ReLU between the layers
    linear_error: float  # mean squared error against the target
    relu_error: float

    @property
    def max_difference(self):
        """Largest |two layers - one layer|: rounding only (~1e-16)."""
        return float(np.max(np.abs(self.linear_stack - self.collapsed)))


def _train_regressor(activation, hidden, x, y, epochs, lr, seed):
    model = MLP([1, *hidden, 1], activation=activation, task="regression", seed=seed)
    history = fit(model, x[:, None], y, Adam(lr), epochs=epochs)
    return model, history


def linear_collapse(hidden=8, n_points=101, epochs=400, lr=0.02, seed=0):
    """Train [1, hidden, 1] twice on sin(x), x in [-pi, pi]: once with no activation between
    the layers (identity) and once with ReLU.

    Without an activation, (x W1 + b1) W2 + b2 = x (W1 W2) + (b1 W2 + b2): the two layers are
    the single layer W = W1 W2, b = b1 W2 + b2, a straight line however long it trains.
    """
    hidden = check_int("hidden units", hidden, 1, 256)
    x = np.linspace(-np.pi, np.pi, n_points)
    y = sine_target(x)
    linear, _ = _train_regressor("identity", [hidden], x, y, epochs, lr, seed)
    relu, _ = _train_regressor("relu", [hidden], x, y, epochs, lr, seed)
    first, second = linear.layers[0], linear.layers[2]
    W = first.W @ second.W
    b = first.b @ second.W + second.b
    linear_out = linear.predict(x[:, None])
    relu_out = relu.predict(x[:, None])
    return LinearCollapse(
        x=x, target=y, W1=first.W.copy(), b1=first.b.copy(), W2=second.W.copy(),
        b2=second.b.copy(), W=W, b=b, linear_stack=linear_out, collapsed=(x[:, None] @ W + b)[:, 0],
        relu_stack=relu_out, linear_error=float(np.mean((linear_out - y) ** 2)),
        relu_error=float(np.mean((relu_out - y) ** 2)),
    )


# --- a curve from ReLU units ----------------------------------------------------------------

# The lesson's units and the page's sliders: input weight w, bias b and output weight v of each
# unit live in these ranges, in steps of UNIT_STEP; the output bias is 0.
UNIT_RANGES = ((-2.0, 2.0), (-4.0, 4.0), (-2.0, 2.0))
UNIT_STEP = 0.05
UNIT_POINTS = 201  # the grid on which the curve is drawn and its error measured
MAX_UNITS = 32
# Iterations of the fit: about 0.1 s for three units on a quiet 2-core machine.
FIT_ITERATIONS = 300
_FIT_LEARNING_RATE = 0.05
_MAX_POLISH_SWEEPS = 100
_POLISHED = 3  # candidates polished on the grid


def relu_units_grid(n_points=UNIT_POINTS):
    """The x grid of the lesson: ``n_points`` points on [-pi, pi]."""
    return np.linspace(-np.pi, np.pi, check_int("number of points", n_points, 3, MAX_GRID_POINTS))


@dataclass
class ReluUnitsCurve:
    x: np.ndarray
    target: np.ndarray
    contributions: np.ndarray  # (n_units, n_points): v_i relu(w_i x + b_i)
    output: np.ndarray  # their sum
    error: float  # mean squared error against sin(x)


def relu_units_curve(weights, biases, output_weights, n_points=UNIT_POINTS):
    """y(x) = sum_i v_i relu(w_i x + b_i) on [-pi, pi], computed by a [1, k, 1] ReLU MLP whose
    weights are set by hand (input weights w, biases b, output weights v, output bias 0).

    >>> curve = relu_units_curve([1.0], [0.0], [2.0], n_points=3)
    >>> curve.output.round(3)
    array([0.   , 0.   , 6.283])
    """
    w, b, v = (np.asarray(a, dtype=np.float64).ravel() for a in (weights, biases, output_weights))
    if not (len(w) == len(b) == len(v) >= 1):
        raise ValueError("give the same number (at least 1) of weights, biases and output weights")
    check_int("number of units", len(w), 1, MAX_UNITS)
    model = MLP([1, len(w), 1], activation="relu", task="regression")
    hidden_layer, relu, output_layer = model.layers
    hidden_layer.W[0, :], hidden_layer.b[:] = w, b
    output_layer.W[:, 0], output_layer.b[:] = v, 0.0
    x = relu_units_grid(n_points)
    output = model.predict(x[:, None])
    contributions = (relu.y * v).T  # relu.y: the hidden activations forward just cached
    target = sine_target(x)
    return ReluUnitsCurve(x, target, contributions, output, float(np.mean((output - target) ** 2)))


def snap_to_step(values, low, high, step=UNIT_STEP):
    """``values`` clipped to [low, high] and moved to the nearest low + n * step, the positions
    of a slider with that step. n * 0.05 is rarely exact in binary (3 * 0.05 is
    0.15000000000000002), so the result is rounded to 10 decimals: 0.15, what the slider shows.

    >>> snap_to_step([0.149, -7.0, 0.3 + 1e-9], -2.0, 2.0)
    array([ 0.15, -2.  ,  0.3 ])
    """
    values = np.clip(np.asarray(values, dtype=np.float64), low, high)
    return np.clip(np.round(low + np.round((values - low) / step) * step, 10), low, high)


@dataclass(frozen=True)
class ReluUnitsFit:
    """Units fitted to sin(x), on the sliders' grid; ``error`` is ``relu_units_curve``'s."""

    weights: tuple
    biases: tuple
    output_weights: tuple
    error: float
    n_starts: int  # how many starts were tried (the given one first, if any)
    from_start: bool  # True if the best fit grew from the given start

    @property
    def n_units(self):
        return len(self.weights)

    @property
    def rows(self):
        """(weights, biases, output_weights), as ``relu_units_curve`` takes them."""
        return (self.weights, self.biases, self.output_weights)


def units_loss_and_gradient(params, x, y):
    """Mean squared error of sum_i v_i relu(w_i x + b_i) against ``y``, and its gradient, for a
    stack of candidate networks at once: ``params`` (S, 3, k) holds the rows w, b, v of each.

    The backward pass of the [1, k, 1] network by hand, batched over the S candidates (a test
    checks it against the MLP's own ``backward``): with r = y(x) - target,
    dL/dv_i = mean 2 r relu(w_i x + b_i), and through the hinge (relu'(0) = 0)
    dL/dw_i = mean 2 r v_i [w_i x + b_i > 0] x, dL/db_i the same without the x.
    """
    v = params[:, 2]
    loss, pre, hidden, residual = _units_forward(params, x, y)
    d_output = (2.0 / len(x)) * residual
    d_pre = d_output[:, None, :] * v[:, :, None] * (pre > 0)
    gradient = np.stack([d_pre @ x, d_pre.sum(axis=2),
                         np.einsum("sn,skn->sk", d_output, hidden)], axis=1)
    return loss, gradient


def units_loss(params, x, y):
    """The loss of ``units_loss_and_gradient`` alone, for the many trials that need no
    gradient (the polish's steps, the ranking of candidates)."""
    return _units_forward(params, x, y)[0]


def _units_forward(params, x, y):
    """(loss, pre-activations w x + b, hidden outputs, residual) of every candidate."""
    w, b, v = params[:, 0, :, None], params[:, 1, :, None], params[:, 2]
    pre = w * x + b  # (S, k, N)
    hidden = np.maximum(pre, 0.0)
    residual = np.einsum("sk,skn->sn", v, hidden) - y
    return np.mean(residual * residual, axis=1), pre, hidden, residual


def _spread_starts(n_units, x, y, ranges):
    """Deterministic starts: the k kinks spread evenly over the grid, each hinge opening to the
    right or to the left (every pattern for k <= 3, six patterns beyond), and the output
    weights that fit best for those hinges (least squares, clipped to their range)."""
    kinks = np.linspace(x[0], x[-1], n_units + 2)[1:-1]
    if n_units <= 3:
        patterns = [np.array(signs) for signs in itertools.product((1.0, -1.0), repeat=n_units)]
    else:
        right, half = np.ones(n_units), n_units // 2
        alternating = np.resize([1.0, -1.0], n_units)
        halves = np.concatenate([right[:half], -right[half:]])
        patterns = [right, -right, alternating, -alternating, halves, -halves]
    starts = []
    for signs in patterns:
        w = np.clip(signs, *ranges[0])
        b = np.clip(-w * kinks, *ranges[1])
        hidden = np.maximum(np.outer(x, w) + b, 0.0)
        v = np.clip(np.linalg.lstsq(hidden, y, rcond=None)[0], *ranges[2])
        starts.append(np.stack([w, b, v]))
    return starts


def _polish_on_grid(params, x, y, ranges, step):
    """Steepest descent on the sliders' grid: each sweep tries one step up and one step down on
    every parameter of every candidate and keeps the best move, until no move helps."""
    n_candidates, _, n_units = params.shape
    low, high = _range_arrays(ranges)
    moves = np.eye(3 * n_units).reshape(-1, 3, n_units) * step
    moves = np.concatenate([moves, -moves])
    loss = units_loss(params, x, y)
    rows = np.arange(n_candidates)
    for _ in range(_MAX_POLISH_SWEEPS):
        tried = np.round(np.clip(params[:, None] + moves, low, high), 10)
        tried_loss = units_loss(tried.reshape(-1, 3, n_units), x, y)
        tried_loss = tried_loss.reshape(n_candidates, len(moves))
        best = np.argmin(tried_loss, axis=1)
        better = tried_loss[rows, best] < loss
        if not better.any():
            break
        params = np.where(better[:, None, None], tried[rows, best], params)
        loss = np.where(better, tried_loss[rows, best], loss)
    return params


def _range_arrays(ranges):
    """The lows and highs of the rows w, b, v, shaped to broadcast over (..., 3, k)."""
    return (np.array([r[0] for r in ranges])[:, None], np.array([r[1] for r in ranges])[:, None])


def _snap_rows(params, ranges, step):
    """Every candidate's rows w, b, v snapped onto their sliders' grids."""
    return snap_to_step(params, *_range_arrays(ranges), step)  # bounds broadcast over (S, 3, k)


def fit_relu_units(n_units=3, start=None, ranges=UNIT_RANGES, step=UNIT_STEP,
                   iterations=FIT_ITERATIONS, n_points=UNIT_POINTS):
    """The k units y(x) = sum_i v_i relu(w_i x + b_i) (output bias 0) that fit sin(x) best on
    the lesson's grid, in mean squared error, with every w, b, v in its range on a multiple of
    ``step``: exactly what sliders with those ranges and that step can show.

    ``start`` = (weights, biases, output_weights) continues from a network (the student's
    sliders); several deterministic starts spread over the grid are tried too. Each runs
    ``iterations`` steps of Adam projected onto the ranges and is snapped to the step; the
    few best are then polished on that grid, and the best of all is kept. The given start is
    also a candidate as it is, so the fit is never worse than where it started.
    Deterministic: no random numbers.

    >>> fit = fit_relu_units(3, iterations=100)
    >>> fit.error < 0.01, fit.n_units
    (True, 3)
    """
    n_units = check_int("number of units", n_units, 1, MAX_UNITS)
    iterations = check_int("iterations", iterations, 0, 100_000)
    x = relu_units_grid(n_points)
    y = sine_target(x)
    given = []
    if start is not None:
        start = np.asarray(start, dtype=np.float64)
        if start.shape != (3, n_units) or not np.all(np.isfinite(start)):
            raise ValueError(f"the start must be {n_units} finite weights, biases and output "
                             "weights")
        given = [_snap_rows([start], ranges, step)[0]]
    params = np.array(given + _spread_starts(n_units, x, y, ranges))
    low, high = _range_arrays(ranges)
    optimizer = Adam(_FIT_LEARNING_RATE)
    for _ in range(iterations):
        optimizer.step([params], [units_loss_and_gradient(params, x, y)[1]])
        np.clip(params, low, high, out=params)
    # Candidates: the start as it was, then every descent snapped to the grid (the start's
    # descent first). Polishing costs most, so only the best few are polished, and always
    # the start and its descent: "Fit it for me" continues from where the student is.
    candidates = np.concatenate([np.array(given).reshape(-1, 3, n_units),
                                 _snap_rows(params, ranges, step)])
    ranked = np.argsort(units_loss(candidates, x, y), kind="stable")
    chosen = list(dict.fromkeys([*range(2 * len(given)), *ranked[:_POLISHED].tolist()]))
    polished = _polish_on_grid(candidates[chosen], x, y, ranges, step)
    # The error that counts is the one the page shows for these units: relu_units_curve's.
    errors = [relu_units_curve(*candidate, n_points=n_points).error for candidate in polished]
    best = int(np.argmin(errors))
    w, b, v = (tuple(float(value) for value in row) for row in polished[best])
    from_start = chosen[best] < 2 * len(given)  # the start itself, or its descent
    return ReluUnitsFit(w, b, v, errors[best], len(params), from_start)


# --- maxout ---------------------------------------------------------------------------------

def _abs(x):
    return np.abs(x)


def _abs_slope(x):
    return np.sign(x)  # 0 at the kink: the flat piece y = 0 is a valid tangent there


def _square(x):
    return x * x


def _square_slope(x):
    return 2.0 * x


def _relu(x):
    return np.maximum(x, 0.0)


def _relu_slope(x):
    return (x > 0).astype(np.float64)


# Convex targets (maxout can only build convex functions), each with its (sub)derivative.
MAXOUT_TARGETS = {
    "abs": (_abs, _abs_slope),
    "square": (_square, _square_slope),
    "relu": (_relu, _relu_slope),
}


@dataclass
class MaxoutFit:
    x: np.ndarray
    target: np.ndarray
    pieces: np.ndarray  # (k, n_points): the k lines
    output: np.ndarray  # the Maxout layer's output, the max of the lines
    slopes: np.ndarray
    intercepts: np.ndarray
    max_error: float

    @property
    def view_limits(self):
        """A y range showing the target with a margin; the pieces run far below it."""
        low, high = float(np.min(self.target)), float(np.max(self.target))
        margin = 0.15 * (high - low)
        return low - margin, high + margin


def maxout_approximation(target, pieces, half_range=2.0, n_points=201):
    """Approximate a convex ``target`` on [-half_range, half_range] by a ``Maxout(1, 1, k)``.

    Closed form, no training: piece i is the tangent at the centre t_i of the i-th of k equal
    cells, y = f'(t_i) (x - t_i) + f(t_i). A convex function lies above all its tangents and
    touches each at t_i, so the max of the tangents follows it from below; for x^2 the gap is
    at most (cell width / 2)^2, a quarter of what it was each time k doubles.

    >>> fit = maxout_approximation("abs", 2)
    >>> fit.max_error
    0.0
    """
    f, slope = MAXOUT_TARGETS[check_choice("maxout target", target, list(MAXOUT_TARGETS))]
    pieces = check_int("pieces", pieces, 1, 64)
    x = symmetric_grid(half_range, n_points)
    t = cell_centres(half_range, pieces)
    slopes = slope(t)
    intercepts = f(t) - slopes * t
    layer = Maxout(1, 1, pieces=pieces)
    layer.W[0, :], layer.b[:] = slopes, intercepts
    output = layer.forward(x[:, None])[:, 0]
    lines = slopes[:, None] * x[None, :] + intercepts[:, None]
    target_values = f(x)
    return MaxoutFit(x, target_values, lines, output, slopes, intercepts,
                     float(np.max(np.abs(output - target_values))))
