"""Per-layer diagnostics: what each hidden layer's units and gradients are doing."""

import math
from dataclasses import dataclass

import numpy as np

from nn_core._checks import check_int, check_labels, check_number, real_array


@dataclass
class LayerStats:
    """One hidden layer on one batch: arrays are (n_samples, n_units) unless noted."""

    index: int  # 1 for the first hidden layer
    activation: str
    pre_activation: np.ndarray  # z = x W + b
    output: np.ndarray  # a = f(z)
    output_grad: np.ndarray  # dL/da, the gradient reaching the layer's output
    saturated_fraction: float  # fraction of (sample, unit) pairs with |f'(z)| < threshold
    dead_units: np.ndarray  # (n_units,) bool: output exactly 0 for every sample
    activity_rate: np.ndarray  # (n_units,) fraction of samples on which the unit is non-zero
    weight_grad_norm: float  # ||dL/dW|| of the Dense layer feeding this layer

    @property
    def dead_fraction(self):
        return float(np.mean(self.dead_units))

    @property
    def activation_mean(self):
        return float(np.mean(self.output))

    @property
    def activation_std(self):
        return float(np.std(self.output))


def hidden_signals(model, X):
    """One forward pass of X; per hidden layer, (z, a): its pre-activations z = x W + b and its
    outputs a = f(z), each of shape (n_samples, units). The one walk over the hidden layers
    that every diagnostic and lesson uses.

    >>> from nn_core import MLP
    >>> [(z.shape, a.shape) for z, a in hidden_signals(MLP([2, 3, 4, 2]), np.ones((5, 2)))]
    [((5, 3), (5, 3)), ((5, 4), (5, 4))]
    """
    model.forward(X)
    return cached_signals(model)


def cached_signals(model):
    """(z, a) per hidden layer, as the activation layers cached them in the last forward pass."""
    return [(layer.x, layer.y) for layer in model.hidden_activations()]


def activity_rate(outputs):
    """(n_units,) fraction of the rows of ``outputs`` (n_samples, n_units) on which each unit's
    output is not exactly 0. A unit is *dead* on those samples when its rate is 0."""
    outputs = real_array(outputs, "outputs")
    if outputs.ndim != 2 or len(outputs) == 0:
        raise ValueError(f"outputs must be a table of at least one sample x units, got shape "
                         f"{outputs.shape}")
    return np.mean(outputs != 0.0, axis=0)


def weight_gradient_norms(model, X, y):
    """||dL/dW|| of every Dense layer on the whole of (X, y) (the loss without penalties)."""
    model.loss(X, y)
    model.backward()
    return [float(np.linalg.norm(layer.dW)) for layer in model.dense_layers()]


# A confusion matrix is an n x n table of int64 counts: 2,449 classes are about 48 MB, and
# more is no classroom picture (the lessons have at most a handful of classes).
MAX_CONFUSION_CLASSES = 2449


def confusion_matrix(y_true, y_pred, n_classes):
    """counts[i, j] = how many points of true class i were predicted as class j
    (``n_classes`` from 1 to ``MAX_CONFUSION_CLASSES``).

    >>> confusion_matrix(np.array([0, 0, 1]), np.array([0, 1, 1]), 2)
    array([[1, 1],
           [0, 1]])
    """
    n_classes = check_int("n_classes", n_classes, 1)
    if n_classes > MAX_CONFUSION_CLASSES:
        megabytes = MAX_CONFUSION_CLASSES**2 * 8 / 1e6
        raise ValueError(f"a confusion matrix of {n_classes:,} classes would be a {n_classes:,} "
                         f"x {n_classes:,} table of counts; the limit is "
                         f"{MAX_CONFUSION_CLASSES:,} classes (about {megabytes:.0f} MB)")
    y_true, y_pred = np.atleast_1d(y_true, y_pred)  # one point may come as two numbers
    if y_true.shape[:1] != y_pred.shape[:1]:
        raise ValueError(f"y_true has {len(y_true)} labels but y_pred has {len(y_pred)}: "
                         f"one prediction per point")
    # Checked as a network's labels are: -1 would otherwise be counted as the last class.
    classes = f"for {n_classes} classes"
    y_true = check_labels(y_true, len(y_true), n_classes, "y_true has", classes)
    y_pred = check_labels(y_pred, len(y_pred), n_classes, "y_pred has", classes)
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def update_ratios(weights_before, dense_layers):
    """||W_after - W_before|| / ||W_before|| for each Dense layer: how far a step (or an epoch)
    moved its weights relative to their size; around 1e-3 is the customary healthy rate, far
    below it the layer barely learns. NaN for a layer whose weights were all zero.

    ``weights_before`` holds one copy of ``W`` per layer, in order, taken before the step:
    ``[layer.W.copy() for layer in model.dense_layers()]``.
    """
    weights_before, dense_layers = list(weights_before), list(dense_layers)
    if len(weights_before) != len(dense_layers):
        raise ValueError(f"weights_before has {len(weights_before)} array(s) but there are "
                         f"{len(dense_layers)} Dense layers: give one copy of W per layer, "
                         f"taken before the step")
    ratios = []
    for number, (before, layer) in enumerate(zip(weights_before, dense_layers), start=1):
        before = real_array(before, f"weights_before[{number - 1}]")
        if before.shape != layer.W.shape:
            # Another shape would be broadcast against W: a ratio of the wrong numbers.
            raise ValueError(f"weights_before[{number - 1}] has shape {before.shape} but Dense "
                             f"layer {number}'s W has shape {layer.W.shape}: give each layer's "
                             f"own W, in layer order")
        scale = float(np.linalg.norm(before))
        change = float(np.linalg.norm(layer.W - before))
        ratios.append(change / scale if scale > 0.0 else math.nan)
    return ratios


def layer_stats(model, X, y, saturation_threshold=0.01):
    """Run one forward and one backward pass of ``model`` on (X, y) and describe each hidden
    layer: pre-activations, outputs, gradients, saturation, dead units, weight-gradient norm.

    A unit is *dead* on X when its output is exactly 0 for every row of X: then no gradient
    reaches its incoming weights. A unit is *saturated* on a sample when |f'(z)| is below
    ``saturation_threshold``: the gradient through it is almost zero.

    >>> from nn_core import MLP, make_dataset
    >>> X, y = make_dataset("moons", n_samples=50)
    >>> model = MLP([2, 4, 4, 2])
    >>> model.layers[0].b[:] = -100.0  # a large negative bias: every first-layer unit is off
    >>> layer_stats(model, X, y)[0].dead_fraction
    1.0
    """
    threshold = check_number("saturation threshold", saturation_threshold, 0.0, 1.0)
    X, y = model.check_data(X, y)
    model.loss(X, y, checked=True)
    # Layers alternate Dense, activation, ..., Dense: odd positions are the hidden activations.
    reaching_outputs = model.backward()[1::2]
    stats = []
    rows = zip(cached_signals(model), model.hidden_activations(), model.dense_layers(),
               reaching_outputs)
    for index, ((z, a), layer, dense, output_grad) in enumerate(rows, start=1):
        stats.append(LayerStats(
            index=index,
            activation=layer.name,
            pre_activation=z,
            output=a,
            output_grad=output_grad,
            saturated_fraction=float(np.mean(np.abs(layer.slope(z, a)) < threshold)),
            dead_units=np.all(a == 0.0, axis=0),
            activity_rate=activity_rate(a),
            weight_grad_norm=float(np.linalg.norm(dense.dW)),
        ))
    return stats
