"""Per-layer diagnostics: what each hidden layer's units and gradients are doing."""

import math
from dataclasses import dataclass

import numpy as np

from nn_core._checks import check_number
from nn_core.layers import Dense


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


def update_ratios(weights_before, dense_layers):
    """||W_after - W_before|| / ||W_before|| for each Dense layer: how far a step (or an epoch)
    moved its weights relative to their size; around 1e-3 is the customary healthy rate, far
    below it the layer barely learns. NaN for a layer whose weights were all zero."""
    ratios = []
    for before, layer in zip(weights_before, dense_layers, strict=True):
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
    model._loss(X, y)

    # Walk backward by hand (as MLP.backward does) to see the gradient at each layer's output.
    grad_at_output = {}
    dout = model.loss_fn.backward()
    for position in range(len(model.layers) - 1, -1, -1):
        grad_at_output[position] = dout
        dout = model.layers[position].backward(dout)

    stats = []
    for position, layer in enumerate(model.layers):
        if isinstance(layer, Dense):
            continue
        dense = model.layers[position - 1]
        z, a = layer.x, layer.y
        stats.append(LayerStats(
            index=len(stats) + 1,
            activation=layer.name,
            pre_activation=z,
            output=a,
            output_grad=grad_at_output[position],
            saturated_fraction=float(np.mean(np.abs(layer.slope(z, a)) < threshold)),
            dead_units=np.all(a == 0.0, axis=0),
            activity_rate=np.mean(a != 0.0, axis=0),
            weight_grad_norm=float(np.linalg.norm(dense.dW)),
        ))
    return stats
