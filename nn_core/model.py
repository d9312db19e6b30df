"""The multilayer perceptron: a list of layers, forward in order, backward in reverse."""

import numpy as np

from nn_core._checks import (
    MAX_PARAMETERS, check_choice, check_features, check_int, check_labels, check_targets,
)
from nn_core.activations import ACTIVATIONS, get_activation, softmax
from nn_core.initializers import INITIALIZERS
from nn_core.layers import Dense
from nn_core.losses import MSELoss, SoftmaxCrossEntropy

TASKS = ("classification", "regression")
MAX_HIDDEN_LAYERS = 100


class MLP:
    """A fully connected network: Dense -> activation -> ... -> Dense.

    ``layer_sizes`` such as ``[2, 16, 16, 2]`` gives input width, hidden widths, output width.
    ``activation`` is one name for every hidden layer or a list with one name (or layer object)
    per hidden layer. Classification ends in softmax + cross-entropy; regression in a linear
    output with mean squared error.

    All parameters live in one flat array ``theta`` and all gradients in one flat array
    ``grad``; each layer's ``W``, ``b`` (and PReLU's ``alpha``) are views into them. Nothing
    about the maths changes, but an optimiser can update everything in a few vector operations.

    >>> net = MLP([2, 8, 3], activation="tanh", seed=0)
    >>> X = np.array([[0.5, -1.0], [2.0, 0.0]])
    >>> net.predict_proba(X).sum(axis=1)
    array([1., 1.])
    """

    def __init__(self, layer_sizes, activation="relu", init="he", seed=0, task="classification",
                 gain=1.0):
        self.layer_sizes = _check_layer_sizes(layer_sizes, task)
        self.task = check_choice("task", task, TASKS)
        self.init = check_choice("initialisation", init, INITIALIZERS)
        n_hidden = len(self.layer_sizes) - 2
        activations = _per_hidden_layer(activation, n_hidden)
        rng = np.random.default_rng(seed)

        self.layers = []
        for i, (n_in, n_out) in enumerate(zip(self.layer_sizes[:-1], self.layer_sizes[1:])):
            self.layers.append(Dense(n_in, n_out, init=init, rng=rng, gain=gain))
            if i < n_hidden:
                act = activations[i]
                self.layers.append(get_activation(act) if isinstance(act, str) else act)
        self.layers[0].needs_input_grad = False
        self.loss_fn = SoftmaxCrossEntropy() if task == "classification" else MSELoss()
        self._pack_parameters()

    def _pack_parameters(self):
        """Move every parameter and gradient into one flat buffer and rebind the layers to views."""
        arrays = [(layer, p, g) for layer in self.layers
                  for p, g in zip(layer.param_names, layer.grad_names)]
        sizes = [getattr(layer, p).size for layer, p, _ in arrays]
        self.theta = np.empty(sum(sizes))
        self.grad = np.zeros(sum(sizes))
        # True where theta holds a Dense weight: only those get L1/L2 penalties.
        self.weight_mask = np.zeros(sum(sizes), dtype=bool)
        start = 0
        for (layer, p, g), size in zip(arrays, sizes):
            value = getattr(layer, p)
            view = self.theta[start:start + size].reshape(value.shape)
            view[...] = value
            setattr(layer, p, view)
            setattr(layer, g, self.grad[start:start + size].reshape(value.shape))
            self.weight_mask[start:start + size] = isinstance(layer, Dense) and p == "W"
            start += size

    # --- the public boundary: inputs are checked here -------------------------------------
    def forward(self, X):
        """Return the raw outputs (logits for classification) for X of shape (n, n_inputs)."""
        return self._forward(check_features(X, self.layer_sizes[0]))

    def predict_proba(self, X):
        """Class probabilities (softmax of the logits); classification only."""
        if self.task != "classification":
            raise ValueError("predict_proba is for classification; use predict for regression")
        return softmax(self.forward(X))

    def predict(self, X):
        """Predicted class index (classification) or predicted value(s) (regression)."""
        out = self.forward(X)
        if self.task == "classification":
            return np.argmax(out, axis=1)
        return out[:, 0] if out.shape[1] == 1 else out

    def loss(self, X, y):
        """Mean loss on (X, y); caches what ``backward`` needs."""
        X, y = self.check_data(X, y)
        return self._loss(X, y)

    def backward(self):
        """Backpropagate the last ``loss`` call; fills every layer's gradients (see ``grads``)."""
        dout = self.loss_fn.backward()
        for layer in reversed(self.layers):
            dout = layer.backward(dout)

    def params(self):
        """Every parameter array, in layer order (views into ``theta``)."""
        return [p for layer in self.layers for p in _layer_arrays(layer, "param_names")]

    def grads(self):
        """The gradient arrays matching ``params()`` one for one (views into ``grad``)."""
        return [g for layer in self.layers for g in _layer_arrays(layer, "grad_names")]

    def dense_layers(self):
        """The Dense layers in order; all but the last feed a hidden activation."""
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    @property
    def n_classes(self):
        return self.layer_sizes[-1]

    @property
    def n_parameters(self):
        return self.theta.size

    def check_data(self, X, y):
        """Validate a data set for this network; returns (X, y) as float64 / int64 arrays."""
        X = check_features(X, self.layer_sizes[0])
        if self.task == "classification":
            return X, check_labels(y, len(X), self.layer_sizes[-1])
        return X, check_targets(y, len(X), self.layer_sizes[-1])

    # --- unchecked internals, for the training loop's hot path ------------------------------
    def _forward(self, X):
        out = X
        for layer in self.layers:
            out = layer.forward(out)
        return out

    def _loss(self, X, y):
        return self.loss_fn.forward(self._forward(X), y)

    def __repr__(self):
        return " -> ".join(repr(layer) for layer in self.layers)


def _layer_arrays(layer, names):
    return [getattr(layer, name) for name in getattr(layer, names)]


def _check_layer_sizes(layer_sizes, task):
    try:
        sizes = list(layer_sizes)
    except TypeError:
        raise ValueError("layer_sizes must be a list such as [2, 16, 16, 2]") from None
    if len(sizes) < 2:
        raise ValueError("layer_sizes needs at least an input and an output size, e.g. [2, 2]")
    if len(sizes) > MAX_HIDDEN_LAYERS + 2:
        raise ValueError(f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(sizes) - 2}")
    sizes = [check_int("every layer size", n, 1) for n in sizes]
    if task == "classification" and sizes[-1] < 2:
        raise ValueError("a classifier needs at least 2 outputs (one per class)")
    n_parameters = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    if n_parameters > MAX_PARAMETERS:
        raise ValueError(
            f"this network would have {n_parameters:,} parameters; the limit is "
            f"{MAX_PARAMETERS:,}: use fewer or narrower layers"
        )
    return sizes


def _per_hidden_layer(activation, n_hidden):
    if isinstance(activation, str) or not isinstance(activation, (list, tuple)):
        activation = [activation] * n_hidden
    if len(activation) != n_hidden:
        raise ValueError(
            f"got {len(activation)} activations for {n_hidden} hidden layers: give one name, "
            f"or one per hidden layer"
        )
    for act in activation:
        if isinstance(act, str):
            check_choice("activation", act, list(ACTIVATIONS))
        elif not hasattr(act, "forward"):
            raise ValueError(f"activation must be a name or a layer, got {act!r}")
    return list(activation)
