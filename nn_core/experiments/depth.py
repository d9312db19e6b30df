"""Signals through depth: a deep network at initialisation, layer by layer, and a brief training run.

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
envelope of ``sigmoid_envelope``.

Every number here comes from the engine's real forward and backward pass (``layer_stats``) and
its real training loop (``fit``); nothing is simulated separately.
"""

import math
from dataclasses import dataclass

import numpy as np

from nn_core._checks import check_int, check_number
from nn_core.activations import get_activation
from nn_core.datasets import make_dataset
from nn_core.diagnostics import layer_stats, update_ratios
from nn_core.model import MLP
from nn_core.optimizers import SGD
from nn_core.training import fit

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
_BATCH_STREAM = 1  # the input batch draws from its own stream, independent of the weights
TRAINING_SET = "moons"
TRAINING_SAMPLES = 64  # a brief demo: enough points for a loss, few enough to be quick


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


@dataclass(frozen=True)
class DepthProfile:
    """One forward and one backward pass of a deep network at initialisation, per hidden layer.

    Arrays of length ``depth`` are indexed by layer - 1 (index 0 is the first hidden layer).
    ``weight_grad_norm`` is ||dL/dW_l|| of the Dense layer feeding hidden layer l, the step size
    the optimiser sees; ``gradient_histograms`` bin log10 |dL/da_l| (exact zeros are counted in the
    lowest bin).
    """

    activation: str
    depth: int
    width: int
    batch_size: int
    activation_mean: np.ndarray
    activation_std: np.ndarray
    saturated_fraction: np.ndarray
    dead_fraction: np.ndarray
    weight_grad_norm: np.ndarray
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
    def gradient_ratio(self):
        """||dL/dW_1|| / ||dL/dW_L||: below 1 the gradient shrinks on its way back to the input."""
        first, last = self.weight_grad_norm[0], self.weight_grad_norm[-1]
        if not (math.isfinite(first) and math.isfinite(last)) or last == 0.0:
            return math.nan
        return float(first / last)

    @property
    def reading(self):
        """Which sentence describes the gradients: "single", "none", "shrink" or "grow"."""
        if self.depth == 1:
            return "single"
        ratio = self.gradient_ratio
        if not math.isfinite(ratio):
            return "none"
        return "shrink" if ratio < 1.0 else "grow"


@dataclass(frozen=True)
class TrainingTrace:
    """A brief full-batch SGD run of a deep network: one row per step (one step = one epoch)."""

    loss: np.ndarray  # (n_steps,) training loss after each step
    first_grad_norm: np.ndarray  # (n_steps,) ||dL/dW|| of the first hidden layer
    last_grad_norm: np.ndarray  # (n_steps,) ||dL/dW|| of the last hidden layer
    update_ratio: np.ndarray  # (n_steps, depth) ||W_after - W_before|| / ||W_before|| per layer
    diverged: bool
    reason: str

    @property
    def steps(self):
        return np.arange(1, len(self.loss) + 1)

    @property
    def diverged_at(self):
        """The step that diverged (the one after the last recorded step), or None."""
        return len(self.loss) + 1 if self.diverged else None


def build_deep_network(activation, depth, width, init="xavier", gain=1.0, seed=0,
                       n_inputs=None, n_classes=N_CLASSES):
    """An MLP with ``depth`` hidden layers of ``width`` units: [n_inputs, width, ..., n_classes].

    ``n_inputs`` defaults to ``width``, as in the classic experiment (500 inputs, 500 units).
    """
    depth = check_int("depth", depth, 1, MAX_DEPTH)
    width = check_int("width", width, 1, MAX_WIDTH)
    n_inputs = width if n_inputs is None else n_inputs
    sizes = [n_inputs] + [width] * depth + [n_classes]
    return MLP(sizes, activation=activation, init=init, seed=seed, gain=gain)


def gaussian_batch(batch_size, width, n_classes=N_CLASSES, seed=0):
    """Standard-normal inputs of shape (batch_size, width) and uniformly random class labels."""
    batch_size = check_int("batch size", batch_size, 1, MAX_BATCH)
    width = check_int("width", width, 1, MAX_WIDTH)
    rng = np.random.default_rng([seed, _BATCH_STREAM])
    return rng.standard_normal((batch_size, width)), rng.integers(0, n_classes, size=batch_size)


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
        inside = np.clip(np.nan_to_num(values, nan=(low + high) / 2), low, high)
        counts[row], _ = np.histogram(inside, bins=bins, range=(low, high))
    return LayerHistograms(edges=edges, counts=counts)


def activation_histograms(activation, outputs, bins=HISTOGRAM_BINS):
    """Histograms of each layer's outputs; a bounded activation (tanh, sigmoid) is binned over its
    whole output range, an unbounded side over the range the data covers in all layers."""
    low, high = get_activation(activation).output_range
    data_low, data_high = _shared_range(outputs)
    low = low if math.isfinite(low) else min(data_low, high)
    high = high if math.isfinite(high) else max(data_high, low)
    low, high = _widen_if_flat(low, high)
    return clipped_histograms(outputs, low, high, bins)


def log_gradient_histograms(gradients, bins=HISTOGRAM_BINS):
    """Histograms of log10 |g| per layer over whole decades: a vanishing gradient shows as the
    histograms sliding left layer by layer, a decade per step of the axis."""
    # log10 of an exact 0 would be -inf: a zero (a sample the loss already fits perfectly, a
    # unit switched off) is counted in the lowest bin and does not stretch the range.
    floor = math.log10(np.finfo(np.float64).tiny)
    magnitudes = [np.log10(np.maximum(np.abs(g), np.finfo(np.float64).tiny)) for g in gradients]
    low, high = _shared_range(magnitudes, above=floor)
    low, high = _widen_if_flat(math.floor(low), math.ceil(high))
    return clipped_histograms(magnitudes, low, high, bins)


def depth_profile(activation, depth, width, init, gain=1.0, batch_size=1000, seed=0,
                  saturation_threshold=0.01):
    """Build the network at initialisation, run one forward and one backward pass on a Gaussian
    batch (``layer_stats``) and summarise every hidden layer (see ``DepthProfile``).

    >>> deep = depth_profile("tanh", depth=10, width=100, init="normal_0.01", batch_size=200)
    >>> bool(deep.activation_std[-1] < 1e-3 * deep.activation_std[0])
    True
    """
    threshold = check_number("saturation threshold", saturation_threshold, 0.0, 1.0)
    model = build_deep_network(activation, depth, width, init, gain, seed)
    X, y = gaussian_batch(batch_size, width, seed=seed)
    # A std of 1.0 with a large gain can overflow a deep net: that is reported, not warned about.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        loss = model.loss(X, y)
        stats = layer_stats(model, X, y, threshold)
        outputs = [s.output for s in stats]
        gradients = [s.output_grad for s in stats]
        weight_grad_norm = np.array([s.weight_grad_norm for s in stats])
        profile = DepthProfile(
            activation=activation, depth=len(stats), width=int(X.shape[1]),
            batch_size=int(X.shape[0]),
            activation_mean=np.array([s.activation_mean for s in stats]),
            activation_std=np.array([s.activation_std for s in stats]),
            saturated_fraction=np.array([s.saturated_fraction for s in stats]),
            dead_fraction=np.array([s.dead_fraction for s in stats]),
            weight_grad_norm=weight_grad_norm,
            activation_histograms=activation_histograms(activation, outputs),
            gradient_histograms=log_gradient_histograms(gradients),
            sigmoid_envelope=sigmoid_envelope(weight_grad_norm[-1], len(stats)),
            loss=float(loss),
            finite=bool(math.isfinite(loss) and all(
                np.isfinite(a).all() and np.isfinite(g).all() for a, g in zip(outputs, gradients)
            )),
        )
    return profile


def training_trace(activation, depth, width, init, gain=1.0, steps=30, learning_rate=0.01, seed=0):
    """Train the deep network briefly with full-batch SGD on a toy data set (two moons) and record,
    after every step, the loss, the gradient norm of the first and last hidden layer and each
    layer's update-to-weight ratio ||delta W|| / ||W|| (around 1e-3 is the customary healthy value).

    Plain SGD is used on purpose: Adam rescales each gradient and would hide that early layers of
    a saturated network get tiny steps. Divergence stops the run and is reported, never raised.
    """
    steps = check_int("steps", steps, 1, MAX_STEPS)
    X, y = make_dataset(TRAINING_SET, n_samples=TRAINING_SAMPLES, seed=seed)
    model = build_deep_network(activation, depth, width, init, gain, seed,
                               n_inputs=X.shape[1], n_classes=int(y.max()) + 1)
    recorder = _StepRecorder(model.dense_layers()[:-1])
    history = fit(model, X, y, SGD(learning_rate), epochs=steps, seed=seed, callback=recorder)
    n_recorded = len(recorder.first_grad_norm)
    return TrainingTrace(
        loss=np.array(history.train_loss[:n_recorded]),
        first_grad_norm=np.array(recorder.first_grad_norm),
        last_grad_norm=np.array(recorder.last_grad_norm),
        update_ratio=np.array(recorder.update_ratio).reshape(n_recorded, len(recorder.layers)),
        diverged=history.diverged,
        reason=history.reason,
    )


class _StepRecorder:
    """A ``fit`` callback: after each (full-batch) step, note gradient norms and update sizes."""

    def __init__(self, dense_layers):
        self.layers = dense_layers
        self.previous_weights = [dense.W.copy() for dense in dense_layers]
        self.first_grad_norm, self.last_grad_norm, self.update_ratio = [], [], []

    def __call__(self, epoch, history, model):
        # dW still holds the gradient of the step just taken (fit adds no penalty here).
        self.first_grad_norm.append(float(np.linalg.norm(self.layers[0].dW)))
        self.last_grad_norm.append(float(np.linalg.norm(self.layers[-1].dW)))
        self.update_ratio.append(update_ratios(self.previous_weights, self.layers))
        for dense, before in zip(self.layers, self.previous_weights, strict=True):
            np.copyto(before, dense.W)
        return False  # never stop early: the run is already brief


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
