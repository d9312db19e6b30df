"""Signals through depth: a deep network at initialisation, layer by layer, and a brief training.

The classic experiment (Glorot & Bengio, 2010; the CS231n notes): push a batch of standard-normal
inputs through L hidden layers of the same width n and look at every layer on the way forward
(activations) and on the way back (gradients).

Forward, a unit's pre-activation is z = sum_i a_i W_i over n inputs, so Var(z) = n Var(W) E[a^2]:

- std 0.01: each layer multiplies the activation scale by about 0.01 sqrt(n) < 1, so the signal
  collapses towards 0 and, since dL/dW = a^T delta, so do the weight gradients;
- std 1.0: z has std ~ sqrt(n) >> 1, so tanh and sigmoid sit on their flat tails (saturated);
- Xavier (Var(W) = 2 / (n_in + n_out)) keeps tanh's variance, He (2 / n_in) keeps ReLU's.

Backward, each layer multiplies the gradient by f'(z) and W^T:
dL/da_(l-1) = (dL/da_l * f'(z_l)) W_l^T. Sigmoid's slope is at most 1/4, which gives the analytic
envelope of ``sigmoid_envelope``. ``gradient_reading`` turns the measured sizes into one verdict:
vanishing, healthy or exploding, and why.

``depth_profile`` walks the network itself, one layer at a time, so that its memory is bounded
by design: it keeps every layer's pre-activations z (what the backward pass needs) in one block,
recomputes a = f(z) when it needs it, and keeps of each layer only summaries and histogram counts,
never the activations, gradients or their logarithms of all layers at once. The weights, the
activation functions (``value`` and ``slope``) and the loss are the engine's own; the tests check
every number against ``nn_core.layer_stats`` on the engine's ``MLP`` with the same seed.
"""

import math
from dataclasses import dataclass

import numpy as np

from nn_core._checks import check_int, check_number
from nn_core.activations import get_activation
from nn_core.initializers import init_weights
from nn_core.losses import SoftmaxCrossEntropy
from nn_core.model import MLP
from nn_core.training import FREED_BLOCK_BYTES, divergence_cause, keep_freed_memory_for_reuse

MAX_DEPTH = 20
MAX_WIDTH = 512
MAX_BATCH = 1024
MAX_STEPS = 500
HISTOGRAM_BINS = 30
N_CLASSES = 10  # random labels for the batch at initialisation: only the gradients matter
SIGMOID_MAX_SLOPE = 0.25  # sigmoid'(z) = s(1 - s) <= 1/4, reached at z = 0
# The customary healthy update-to-weight ratio ||delta W|| / ||W|| per step (CS231n's rule of
# thumb): far below it a layer hardly moves, far above it training is unstable.
HEALTHY_UPDATE_RATIO = 1e-3
# Share of values left out at each end when histogram edges come from the data (outliers would
# otherwise stretch the bins until every layer sits in one of them).
_TAIL = 0.005
# At most this many values per layer are read to place data-driven edges (the batch is i.i.d.).
_EDGE_SAMPLE = 4096
_LOG_FLOOR = math.log10(np.finfo(np.float64).tiny)  # where an exact zero gradient is counted
_BATCH_STREAM = 1  # the input batch draws from its own stream, independent of the weights
_TRAINING_STREAM = 2  # the training task draws from a third stream
TRAINING_SAMPLES = 32  # full batch: enough points for a task, few enough for a step in ms
DEFAULT_LEARNING_RATE = 0.01

# --- the reading: thresholds of ``gradient_reading`` (its docstring says why) ---------------
SPREAD_LIMIT = 100.0  # first/last weight-gradient ratio beyond 100x either way
LEARNING_RATE_RANGE = (1e-4, 1.0)  # the customary plain-SGD learning rates
TINY_RELATIVE_GRADIENT = HEALTHY_UPDATE_RATIO / LEARNING_RATE_RANGE[1]  # 1e-3
HUGE_RELATIVE_GRADIENT = HEALTHY_UPDATE_RATIO / LEARNING_RATE_RANGE[0]  # 10
COLLAPSE_FACTOR = 1e-2  # the last layer's signal below 1% of the first layer's: collapsed
SATURATED_MAJORITY = 0.6  # more than ReLU's switched-off half, which counts as saturated
READINGS = ("overflow", "single", "no_gradient", "exploding", "exploding_saturated", "vanishing",
            "tiny_collapsed", "tiny", "huge", "large", "healthy")


@dataclass(frozen=True)
class LayerHistograms:
    """Histograms of every layer in the same bins.

    ``counts[l, k]`` is the number of (sample, unit) values of layer l + 1 in bin k, so every row
    sums to n_samples * n_units: values outside the edges are counted in the outer bins, where
    a histogram of a saturated layer piles up anyway.
    """

    edges: np.ndarray  # (bins + 1,)
    counts: np.ndarray  # (n_layers, bins) int64

    @property
    def fractions(self):
        """Each row divided by its total: comparable across batch sizes and widths."""
        totals = self.counts.sum(axis=1, keepdims=True)
        return self.counts / np.maximum(totals, 1)

    def reversed(self):
        """The same histograms, rows in the opposite order (a backward pass meets the last layer
        first)."""
        return LayerHistograms(edges=self.edges, counts=self.counts[::-1].copy())


@dataclass(frozen=True)
class GradientReading:
    """What the gradients of a deep network at initialisation say, as a code and its numbers.

    ``code`` is one of ``READINGS``; the numbers are the ones its sentence quotes.
    """

    code: str
    ratio: float  # ||dW_1|| / ||dW_L||
    per_layer: float  # ratio ** (1 / (L - 1)): the factor per layer on the way back
    first: float  # ||dW_1||
    last: float  # ||dW_L||
    relative_low: float  # smallest ||dW_l|| / ||W_l|| over the layers
    relative_high: float  # largest ||dW_l|| / ||W_l||
    saturated: float  # mean share of saturated (sample, unit) pairs over the layers
    slope: float  # mean |f'(z)| over the layers
    signal_first: float  # rms of the first hidden layer's activations
    signal_last: float  # rms of the last hidden layer's activations

    @property
    def growth(self):
        """signal_last / signal_first: how much the activations grew (or shrank) through depth."""
        return _safe_ratio(self.signal_last, self.signal_first)

    @property
    def learning_rate(self):
        """The plain-SGD learning rate whose first step moves the layers by the healthy 1e-3 of
        their weights on average: lr ||dW_l|| / ||W_l|| = 1e-3 at the geometric middle of the
        layers' relative gradients, so the layer that moves most and the one that moves least
        are equally far from 1e-3 (on a log scale). NaN where a relative gradient is 0 or not
        finite. The square roots are taken apart so the product cannot overflow or underflow
        (relative gradients of 1e200 and 1e-200 still have their middle)."""
        middle = math.sqrt(self.relative_low) * math.sqrt(self.relative_high)
        return _safe_ratio(HEALTHY_UPDATE_RATIO, middle)


@dataclass(frozen=True)
class DepthProfile:
    """One forward and one backward pass of a deep network at initialisation, per hidden layer.

    Arrays of length ``depth`` are indexed by layer - 1 (index 0 is the first hidden layer).
    ``weight_grad_norm`` is ||dL/dW_l|| of the Dense layer feeding hidden layer l, the step size
    the optimiser sees, and ``weight_norm`` is ||W_l||; ``gradient_histograms`` bin
    log10 |dL/da_l| (exact zeros are counted in the lowest bin).
    """

    activation: str
    depth: int
    width: int
    batch_size: int
    activation_mean: np.ndarray
    activation_std: np.ndarray
    saturated_fraction: np.ndarray
    mean_slope: np.ndarray  # mean |f'(z)| of each layer: how much of the gradient it passes on
    dead_fraction: np.ndarray
    weight_grad_norm: np.ndarray
    weight_norm: np.ndarray
    activation_histograms: LayerHistograms
    gradient_histograms: LayerHistograms
    sigmoid_envelope: np.ndarray
    loss: float
    finite: bool  # False if an activation, gradient or the loss overflowed to inf or NaN

    @property
    def layers(self):
        return np.arange(1, self.depth + 1)

    @property
    def values_per_layer(self):
        """What each histogram row sums to: one value per (sample, unit) pair."""
        return self.batch_size * self.width

    @property
    def activation_rms(self):
        """sqrt(mean(a^2)) per layer: the size of the signal, whatever its mean."""
        return np.sqrt(self.activation_mean ** 2 + self.activation_std ** 2)

    @property
    def gradient_ratio(self):
        """||dL/dW_1|| / ||dL/dW_L||: below 1 the gradient shrinks on its way back to the input."""
        return _safe_ratio(self.weight_grad_norm[0], self.weight_grad_norm[-1])

    @property
    def reading(self):
        """The verdict on the gradients (see ``gradient_reading``)."""
        return gradient_reading(self.weight_grad_norm, self.weight_norm, self.activation_rms,
                                self.saturated_fraction, self.mean_slope, self.finite)


@dataclass(frozen=True)
class TrainingTrace:
    """A brief full-batch plain-SGD run of a deep network, step by step.

    ``loss[k]`` is the training loss after k steps (``loss[0]`` at initialisation); row k - 1 of
    ``grad_norm`` and ``update_ratio`` belongs to step k, taken from the weights after k - 1.
    A diverged run keeps the steps before the one that blew up.
    """

    loss: np.ndarray  # (n_steps + 1,)
    grad_norm: np.ndarray  # (n_steps, depth) ||dL/dW_l|| of each hidden layer
    update_ratio: np.ndarray  # (n_steps, depth) ||delta W_l|| / ||W_l||
    diverged: bool
    reason: str

    @property
    def steps(self):
        """1, 2, ..., n_steps: the x of the per-step rows."""
        return np.arange(1, len(self.grad_norm) + 1)

    @property
    def loss_steps(self):
        """0, 1, ..., n_steps: the x of ``loss``."""
        return np.arange(len(self.loss))

    @property
    def first_grad_norm(self):
        return self.grad_norm[:, 0]

    @property
    def last_grad_norm(self):
        return self.grad_norm[:, -1]

    @property
    def diverged_at(self):
        """The step after which the loss or the weights blew up, or None."""
        return len(self.grad_norm) + 1 if self.diverged else None


def _network_sizes(depth, width, n_inputs=None, n_classes=N_CLASSES):
    depth = check_int("depth", depth, 1, MAX_DEPTH)
    width = check_int("width", width, 1, MAX_WIDTH)
    n_inputs = width if n_inputs is None else n_inputs
    return [n_inputs] + [width] * depth + [n_classes]


def build_deep_network(activation, depth, width, init="xavier", gain=1.0, seed=0,
                       n_inputs=None, n_classes=N_CLASSES):
    """An MLP with ``depth`` hidden layers of ``width`` units: [n_inputs, width, ..., n_classes].

    ``n_inputs`` defaults to ``width``, as in the classic experiment (500 inputs, 500 units).
    """
    sizes = _network_sizes(depth, width, n_inputs, n_classes)
    return MLP(sizes, activation=activation, init=init, seed=seed, gain=gain)


def deep_network_weights(depth, width, init="xavier", gain=1.0, seed=0, n_classes=N_CLASSES):
    """The weight matrices of ``build_deep_network``'s network, drawn as ``MLP`` draws them (one
    generator from ``seed``, layer after layer), without building the model: its flat gradient
    buffer and layer caches would double what a profile holds. The biases start at 0.
    """
    sizes = _network_sizes(depth, width, n_classes=n_classes)
    rng = np.random.default_rng(seed)
    return [init_weights(init, n_in, n_out, rng, gain)
            for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]


def gaussian_batch(batch_size, width, n_classes=N_CLASSES, seed=0):
    """Standard-normal inputs of shape (batch_size, width) and uniformly random class labels."""
    batch_size = check_int("batch size", batch_size, 1, MAX_BATCH)
    width = check_int("width", width, 1, MAX_WIDTH)
    rng = np.random.default_rng([seed, _BATCH_STREAM])
    return rng.standard_normal((batch_size, width)), rng.integers(0, n_classes, size=batch_size)


def profile_bytes(depth, width, batch_size):
    """An upper bound of the memory one ``depth_profile`` holds at its peak, in bytes.

    The block of pre-activations (depth x batch x width), the weights (depth + 1 matrices), one
    width x width weight gradient, and at most 14 batch x width arrays in flight in a layer's
    backward step (the input batch, a, the layer below's a, f'(z), dL/da, dL/dz, log10 |dL/da|,
    and the temporaries of the activation's ``value``/``slope``, of the histograms and of the
    fine binning), plus the first values of each layer kept to place the histogram edges and a
    megabyte for the histograms and summaries.

    >>> round(profile_bytes(20, 512, 1024) / 2**20)  # MiB at the page's largest setting
    180
    """
    layer = batch_size * width
    weights = width * width * depth + width * N_CLASSES
    samples = 2 * depth * min(_EDGE_SAMPLE, layer)
    return 8 * (depth * layer + weights + width * width + 14 * layer + samples) + 2**20


def sigmoid_envelope(last_layer_norm, depth):
    """The most a gradient can keep on its way back through sigmoid layers, weights aside.

    Going from layer l to layer l - 1 multiplies the gradient by f'(z_l) <= 1/4, so with weight
    matrices of norm 1 the gradient at hidden layer l is at most 0.25^(L - l) times the gradient
    at the last hidden layer L, and the first layer gets at most 0.25^(L - 1) of it.

    >>> sigmoid_envelope(1.0, 3)
    array([0.0625, 0.25  , 1.    ])
    """
    depth = check_int("depth", depth, 1)
    layers_above = np.arange(depth - 1, -1, -1)
    return last_layer_norm * SIGMOID_MAX_SLOPE ** layers_above


def clipped_histograms(arrays, low, high, bins=HISTOGRAM_BINS):
    """Histogram each array in ``bins`` equal bins on [low, high], counting values outside the
    range (and infinities) in the outer bins and NaN in the middle one, so no value is lost.

    >>> clipped_histograms([np.array([-5.0, 0.2, 0.7, 9.0])], 0.0, 1.0, bins=2).counts
    array([[2, 2]])
    """
    edges = np.linspace(low, high, bins + 1)
    counts = np.empty((len(arrays), bins), dtype=np.int64)
    for row, values in enumerate(arrays):
        counts[row] = _clipped_counts(values, low, high, bins)
    return LayerHistograms(edges=edges, counts=counts)


def _clipped_counts(values, low, high, bins):
    inside = np.clip(np.nan_to_num(values, nan=(low + high) / 2), low, high)
    return np.histogram(inside, bins=bins, range=(low, high))[0]


def activation_histograms(activation, outputs, bins=HISTOGRAM_BINS):
    """Histograms of each layer's outputs; a bounded activation (tanh, sigmoid) is binned over its
    whole output range, an unbounded side over the range the data covers in all layers."""
    low, high = _activation_range(activation, [np.ravel(a)[:_EDGE_SAMPLE] for a in outputs])
    return clipped_histograms(outputs, low, high, bins)


def _activation_range(activation, samples):
    """The activation histograms' (low, high): the output range where it is bounded, else the
    range of ``samples`` (each layer's first values)."""
    low, high = get_activation(activation).output_range
    data_low, data_high = _shared_range(samples)
    low = low if math.isfinite(low) else min(data_low, high)
    high = high if math.isfinite(high) else max(data_high, low)
    return _widen_if_flat(low, high)


def log_gradient_histograms(gradients, bins=HISTOGRAM_BINS):
    """Histograms of log10 |g| per layer over whole decades: a vanishing gradient shows as the
    histograms sliding left layer by layer, a decade per step of the axis."""
    binner = _LogMagnitudeBinner(bins)
    for g in gradients:
        binner.add(g)
    return binner.histograms()


def log_magnitudes(gradient):
    """log10 |g|, with an exact 0 (a sample the loss already fits, a unit switched off) counted
    at log10 of the smallest normal float instead of -inf, so it cannot stretch a range."""
    magnitudes = np.abs(gradient)
    np.maximum(magnitudes, np.finfo(np.float64).tiny, out=magnitudes)
    return np.log10(magnitudes, out=magnitudes)


class _LogMagnitudeBinner:
    """Histograms of log10 |g| of several layers on shared edges, one layer at a time.

    The shared edges are whole decades around the values of all layers (half decades around a
    single value), cut into ``bins`` equal bins, so they are known only after the last layer.
    Each layer is therefore counted on the spot in fine bins of 1 / (2 bins) decade,
    [j u, (j + 1) u), and its array released; at the end the fine counts are merged into the
    shared bins. Every shared edge is a whole number of fine bins computed with the same
    division, so every value lands in exactly the bin that a direct histogram on those edges
    gives it: the result is exact, not an approximation.
    """

    def __init__(self, bins=HISTOGRAM_BINS):
        self.bins = check_int("bins", bins, 1, 1000)
        self.per_decade = 2 * self.bins  # fine bins per decade
        self.samples, self.fine, self.nan, self.positive_inf = [], [], [], []

    def add(self, gradient):
        magnitudes = log_magnitudes(gradient).ravel()
        self.samples.append(magnitudes[:_EDGE_SAMPLE].copy())
        usable = np.isfinite(magnitudes)
        if usable.all():
            self.nan.append(0)
            self.positive_inf.append(0)
        else:
            self.nan.append(int(np.count_nonzero(np.isnan(magnitudes))))
            self.positive_inf.append(int(np.count_nonzero(magnitudes == np.inf)))
            magnitudes = magnitudes[usable]
        index = magnitudes * self.per_decade
        np.floor(index, out=index)
        # floor(x / u) can be one off next to an edge: correct it against the edges themselves.
        index -= magnitudes < index / self.per_decade
        index += magnitudes >= (index + 1) / self.per_decade
        index = index.astype(np.int64)
        offset = int(index.min()) if index.size else 0
        index -= offset
        self.fine.append((offset, np.bincount(index)))

    def histograms(self):
        bins, per_decade = self.bins, self.per_decade
        low, high = _shared_range(self.samples, above=_LOG_FLOOR)
        low, high = _widen_if_flat(math.floor(low), math.ceil(high))
        # Each edge as a whole number of fine bins: low is a whole or half decade, and a shared
        # bin is (high - low) / bins decades, i.e. 2 (high - low) fine bins.
        numerators = round(low * per_decade) + round(2 * (high - low)) * np.arange(bins + 1)
        edges = numerators / per_decade
        counts = np.zeros((len(self.fine), bins), dtype=np.int64)
        middle = min(int(np.searchsorted(edges, (low + high) / 2, side="right")) - 1, bins - 1)
        for row, (offset, fine) in enumerate(self.fine):
            shared = np.searchsorted(numerators, offset + np.arange(fine.size), side="right") - 1
            np.add.at(counts[row], np.clip(shared, 0, bins - 1), fine)
            counts[row, middle] += self.nan[row]
            counts[row, -1] += self.positive_inf[row]
        return LayerHistograms(edges=edges, counts=counts)


def depth_profile(activation, depth, width, init, gain=1.0, batch_size=1000, seed=0,
                  saturation_threshold=0.01):
    """Build the network at initialisation, run one forward and one backward pass on a Gaussian
    batch and summarise every hidden layer (see ``DepthProfile``); at most ``profile_bytes``
    are held at once.

    >>> deep = depth_profile("tanh", depth=10, width=100, init="normal_0.01", batch_size=200)
    >>> bool(deep.activation_std[-1] < 1e-3 * deep.activation_std[0])
    True
    """
    threshold = check_number("saturation threshold", saturation_threshold, 0.0, 1.0)
    layer = get_activation(activation)
    weights = deep_network_weights(depth, width, init, gain, seed)
    X, y = gaussian_batch(batch_size, width, seed=seed)
    if profile_bytes(len(weights) - 1, width, len(X)) > 2 * FREED_BLOCK_BYTES:
        # Layers of megabytes: have their temporaries reused instead of page-faulted in again
        # (a fifth of the time at the largest size). The block it frees counts as held for an
        # instant, so only where the bound is far larger anyway.
        keep_freed_memory_for_reuse()
    # A std of 1.0 with a large gain can overflow a deep net: that is reported, not warned about.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        pre_activations, top, output_samples = _forward(layer, weights, X, samples=True)
        loss_fn = SoftmaxCrossEntropy()
        loss = float(loss_fn.forward(top @ weights[-1], y))
        summary = _LayerSummaries(layer, len(pre_activations), threshold,
                                  _activation_range(activation, output_samples))
        weight_grad_norm = _backward(layer, weights, X, pre_activations, top,
                                     loss_fn.backward() @ weights[-1].T, inspect=summary)
    return DepthProfile(
        activation=activation, depth=len(pre_activations), width=int(X.shape[1]),
        batch_size=int(X.shape[0]), weight_grad_norm=weight_grad_norm,
        weight_norm=np.array([float(np.linalg.norm(W)) for W in weights[:-1]]),
        sigmoid_envelope=sigmoid_envelope(weight_grad_norm[-1], len(pre_activations)),
        loss=loss, finite=summary.finite and math.isfinite(loss), **summary.columns(),
    )


def _forward(layer, weights, X, samples=False):
    """(z of every hidden layer in one block, what the backward pass needs; the last hidden
    layer's output; with ``samples``, the first values of each layer's output, which place the
    histogram edges)."""
    hidden = weights[:-1]
    pre_activations = np.empty((len(hidden), X.shape[0], hidden[0].shape[1]))
    first_values, a = [], X
    for W, z in zip(hidden, pre_activations, strict=True):
        np.matmul(a, W, out=z)  # no biases: they start at 0
        a = layer.value(z)
        if samples:
            first_values.append(np.ravel(a)[:_EDGE_SAMPLE].copy())
    return (pre_activations, a, first_values) if samples else (pre_activations, a)


def _backward(layer, weights, X, pre_activations, top, top_grad, inspect=None,
              learning_rate=None):
    """Backpropagate from the last hidden layer to the first, one layer at a time, recomputing
    each layer's output a = f(z) from the stored z; return ||dL/dW|| of every hidden layer.

    ``top`` is the last hidden layer's output and ``top_grad`` the gradient dL/da reaching it.
    ``inspect(index, a, slope, output_grad)`` sees each layer's arrays while they are at hand.
    With a ``learning_rate``, each hidden weight matrix takes its plain SGD step
    W <- W - lr dL/dW as soon as the gradient for the layer below has been computed from it.
    """
    norms = np.empty(len(pre_activations))
    a, grad_a = top, top_grad
    for index in range(len(pre_activations) - 1, -1, -1):
        slope = layer.slope(pre_activations[index], a)
        if inspect is not None:
            inspect(index, a, slope, grad_a)
        grad_z = grad_a * slope
        slope = grad_a = None  # released before the next arrays of the step are made
        below = layer.value(pre_activations[index - 1]) if index else X
        grad_a = grad_z @ weights[index].T if index else None
        if learning_rate is None:
            norms[index] = np.linalg.norm(below.T @ grad_z)
        else:
            # lr dL/dW = a^T (lr dL/dz): the step itself, without a pass to scale the gradient.
            step = below.T @ (learning_rate * grad_z)
            norms[index] = np.linalg.norm(step) / learning_rate
            weights[index] -= step
        a = below
    return norms


class _LayerSummaries:
    """What a profile keeps of each layer: its numbers and histogram counts, nothing bigger."""

    NAMES = ("activation_mean", "activation_std", "saturated_fraction", "mean_slope",
             "dead_fraction")

    def __init__(self, layer, depth, threshold, activation_range):
        self.threshold, self.activation_range = threshold, activation_range
        self.values = {name: np.empty(depth) for name in self.NAMES}
        self.activation_counts = np.empty((depth, HISTOGRAM_BINS), dtype=np.int64)
        self.gradients = _LogMagnitudeBinner()
        self.finite = True

    def __call__(self, index, a, slope, output_grad):
        values = self.values
        values["activation_mean"][index] = np.mean(a)
        values["activation_std"][index] = np.std(a)
        magnitude = np.abs(slope)  # one pass over the layer, used twice
        values["saturated_fraction"][index] = np.mean(magnitude < self.threshold)
        values["mean_slope"][index] = np.mean(magnitude)
        values["dead_fraction"][index] = np.mean(np.all(a == 0.0, axis=0))
        self.activation_counts[index] = _clipped_counts(a, *self.activation_range,
                                                        HISTOGRAM_BINS)
        self.gradients.add(output_grad)
        self.finite = self.finite and bool(np.isfinite(a).all()
                                           and np.isfinite(output_grad).all())

    def columns(self):
        edges = np.linspace(*self.activation_range, HISTOGRAM_BINS + 1)
        return {**self.values,
                "activation_histograms": LayerHistograms(edges, self.activation_counts),
                # The backward pass met the last layer first.
                "gradient_histograms": self.gradients.histograms().reversed()}


def gradient_reading(weight_grad_norm, weight_norm, activation_rms, saturated_fraction,
                     mean_slope, finite=True):
    """Classify the gradients of a deep network at initialisation: vanishing, healthy or
    exploding, and why. Numbers per hidden layer in (first layer first), a ``GradientReading``
    out; its ``code`` is the first of these that applies:

    - ``overflow``: something is infinite or NaN: there is nothing to read.
    - ``single``: one hidden layer: the first is the last.
    - ``no_gradient``: the last hidden layer's weight gradient is exactly 0 (nothing to compare).
    - ``exploding`` / ``exploding_saturated``: the first layer's weight gradient is more than
      ``SPREAD_LIMIT`` = 100 times the last layer's. One learning rate serves every layer, so
      when the last layer takes a healthy step (1e-3 of its weights) the first takes one at
      least 100 times too large: two orders of magnitude apart, no learning rate suits both.
      ``_saturated`` when a clear majority (``SATURATED_MAJORITY``, 60 %; ReLU's switched-off
      half alone makes 50 %) of the (sample, unit) pairs are saturated: the few units that are
      not pass the gradient back through weights so large that it grows anyway (tanh with
      std 1.0). Measured: a majority saturated never made the gradient *vanish* here, because
      saturation needs large weights, and large weights multiply the gradient up.
    - ``vanishing``: the mirror image, a ratio below 1 / 100: the first layers barely move.
      Each layer multiplies the gradient by its slope f'(z) and its weights, and that product
      is below 1 (sigmoid: f' <= 1/4), so ``per_layer`` < 1.
    - ``tiny_collapsed`` / ``tiny``: first and last are within 100x, but every layer's relative
      gradient ||dW|| / ||W|| is below ``TINY_RELATIVE_GRADIENT`` = 1e-3: even a learning rate
      of 1 (the largest customary for plain SGD, ``LEARNING_RATE_RANGE``) would move no layer by
      the healthy 1e-3 of its weights per step. The ratio alone would call this healthy; the
      absolute sizes do not. ``_collapsed`` when the last layer's signal (rms) is below
      ``COLLAPSE_FACTOR`` = 1 % of the first layer's (two orders of magnitude lost on the way):
      small weights shrink the signal forward by the same factor per layer as they shrink the
      gradient backward, so both ends are equally starved (tanh with std 0.01).
    - ``huge``: every layer's relative gradient is above ``HUGE_RELATIVE_GRADIENT`` = 10: only
      a learning rate below 1e-4 (the smallest customary) would keep a step at 1e-3 of the
      weights; the activations grew through the layers (ReLU with std 1.0).
    - ``large``: not every layer's relative gradient is above 10, but some layer's is: the
      learning rate that suits the layers (``GradientReading.learning_rate``) is about 1e-4 or
      below, and the usual ones (0.01, say) throw that layer's weights far away. Measured: it
      comes from growth too (ReLU with std 1.0 at depth 3, width 256: rms 11 in layer 1 and
      1,400 in layer 3, relative gradients 4.1-25, and training at 0.01 diverges in one step).
      The ratio alone would call this healthy.
    - ``healthy``: none of the above: every layer gets a usable gradient (ReLU with He), and
      one learning rate, ``GradientReading.learning_rate``, suits them all.

    >>> gradient_reading([1e-7, 0.7], [20.0, 20.0], [0.2, 0.1], [0.0, 0.0], [0.23, 0.23]).code
    'vanishing'
    """
    norms = np.asarray(weight_grad_norm, dtype=np.float64)
    relative = norms / np.asarray(weight_norm, dtype=np.float64)
    rms = np.asarray(activation_rms, dtype=np.float64)
    depth = len(norms)
    first, last = float(norms[0]), float(norms[-1])
    ratio = _safe_ratio(first, last)
    per_layer = ratio ** (1.0 / (depth - 1)) if depth > 1 and math.isfinite(ratio) else math.nan
    numbers = dict(
        ratio=ratio, per_layer=per_layer, first=first, last=last,
        relative_low=float(np.min(relative)), relative_high=float(np.max(relative)),
        saturated=float(np.mean(saturated_fraction)), slope=float(np.mean(mean_slope)),
        signal_first=float(rms[0]), signal_last=float(rms[-1]))
    collapsed = numbers["signal_last"] < COLLAPSE_FACTOR * numbers["signal_first"]
    if not finite or not np.isfinite(np.concatenate([norms, relative, rms])).all():
        code = "overflow"
    elif depth == 1:
        code = "single"
    elif last == 0.0:
        code = "no_gradient"
    elif ratio > SPREAD_LIMIT:
        code = ("exploding_saturated" if numbers["saturated"] >= SATURATED_MAJORITY
                else "exploding")
    elif ratio < 1.0 / SPREAD_LIMIT:
        code = "vanishing"
    elif numbers["relative_high"] < TINY_RELATIVE_GRADIENT:
        code = "tiny_collapsed" if collapsed else "tiny"
    elif numbers["relative_low"] > HUGE_RELATIVE_GRADIENT:
        code = "huge"
    elif numbers["relative_high"] > HUGE_RELATIVE_GRADIENT:
        code = "large"
    else:
        code = "healthy"
    return GradientReading(code=code, **numbers)


def _safe_ratio(top, bottom):
    """top / bottom as a float; NaN where it means nothing (a non-finite part, a zero bottom)."""
    if not (math.isfinite(top) and math.isfinite(bottom)) or bottom == 0.0:
        return math.nan
    return float(top / bottom)


def training_task(width, seed=0, n_samples=None):
    """A small task the deep network can learn: ``n_samples`` standard-normal inputs of ``width``
    features, like the batch of the profile, labelled 1 where the first input is positive."""
    width = check_int("width", width, 1, MAX_WIDTH)
    rng = np.random.default_rng([seed, _TRAINING_STREAM])
    if n_samples is None:
        n_samples = TRAINING_SAMPLES
    n_samples = check_int("samples", n_samples, 2, MAX_BATCH)
    X = rng.standard_normal((n_samples, width))
    return X, (X[:, 0] > 0.0).astype(np.int64)


def training_trace(activation, depth, width, init, gain=1.0, steps=20,
                   learning_rate=DEFAULT_LEARNING_RATE, seed=0, on_step=None):
    """Train the profiled network (same weights, same kind of inputs) briefly on
    ``training_task`` with full-batch plain gradient descent, W <- W - lr dL/dW for every weight
    matrix, and record every step: the loss, each hidden layer's gradient norm ||dL/dW_l|| and
    its update-to-weight ratio ||delta W_l|| / ||W_l|| = lr ||dL/dW_l|| / ||W_l||.

    Plain SGD is used on purpose: Adam rescales each gradient and would hide that the first
    layers of a vanishing network get tiny steps. A loss or a weight that becomes infinite or
    NaN, or a loss that climbs far above where it started (``EXPLOSION_FACTOR``, as
    ``nn_core.fit``), stops the run, which reports it; nothing is raised. ``on_step(step)`` is
    called after each step (to give a server's turn away). Memory: the weights and a small
    pre-activation block, no model copy.
    """
    steps = check_int("steps", steps, 1, MAX_STEPS)
    learning_rate = check_number("learning rate", learning_rate, 0.0, 10.0, low_open=True)
    keep_freed_memory_for_reuse()
    layer = get_activation(activation)
    X, y = training_task(width, seed)
    weights = deep_network_weights(depth, width, init, gain, seed, n_classes=2)
    loss_fn = SoftmaxCrossEntropy()
    losses, grad_norms, ratios, reason = [], [], [], ""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for step in range(steps + 1):
            pre_activations, top = _forward(layer, weights, X)
            loss = float(loss_fn.forward(top @ weights[-1], y))
            # ||W|| of every layer: for the update ratios, and finite only if every weight is.
            sizes = np.array([np.linalg.norm(W) for W in weights])
            reason = divergence_cause(loss, losses[0] if losses else loss, sizes)
            if reason:
                del grad_norms[step - 1:], ratios[step - 1:]  # the step that led here
                break
            losses.append(loss)
            if step == steps:
                break  # the loss after the last step
            output_delta = loss_fn.backward()
            top_grad = output_delta @ weights[-1].T
            weights[-1] -= learning_rate * (top.T @ output_delta)
            norms = _backward(layer, weights, X, pre_activations, top, top_grad,
                              learning_rate=learning_rate)
            grad_norms.append(norms)
            ratios.append(learning_rate * norms / sizes[:-1])
            if on_step is not None:
                on_step(step + 1)
    depth = len(weights) - 1
    return TrainingTrace(
        loss=np.array(losses), grad_norm=np.array(grad_norms).reshape(-1, depth),
        update_ratio=np.array(ratios).reshape(-1, depth), diverged=bool(reason), reason=reason)


def _shared_range(arrays, above=-math.inf):
    """(low, high) holding all but the outer 0.5% of the finite values above ``above`` of all
    arrays together."""
    sample = np.concatenate([np.ravel(a)[:_EDGE_SAMPLE] for a in arrays])
    sample = sample[np.isfinite(sample) & (sample > above)]
    if sample.size == 0:
        return 0.0, 1.0
    low, high = np.quantile(sample, [_TAIL, 1.0 - _TAIL])
    return float(low), float(high)


def _widen_if_flat(low, high):
    """Histogram edges need high > low: a layer of identical values still gets bins around it."""
    if high > low:
        return float(low), float(high)
    return float(low) - 0.5, float(high) + 0.5
