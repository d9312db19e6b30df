"""The multilayer perceptron: a list of layers, forward in order, backward in reverse."""

import copy
import math

import numpy as np

from nn_core._checks import (
    bind_parameter,
    check_choice,
    check_features,
    check_float_range,
    check_int,
    check_labels,
    check_number,
    check_parameter_count,
    check_targets,
    parameter,
)
from nn_core.activations import ACTIVATIONS, Activation, get_activation, softmax
from nn_core.initializers import INITIALIZERS
from nn_core.layers import Dense
from nn_core.losses import MSELoss, SoftmaxCrossEntropy

TASKS = ("classification", "regression")
MAX_HIDDEN_LAYERS = 100
# The precisions a network can compute in. float64 is the default and what every lesson uses;
# float32 is opt-in for large networks, where it halves the time of the matrix products.
DTYPES = ("float64", "float32")


class MLP:
    """A fully connected network: Dense -> activation -> ... -> Dense.

    ``layer_sizes`` such as ``[2, 16, 16, 2]`` gives input width, hidden widths, output width.
    ``activation`` is one name for every hidden layer or a list with one name (or layer object)
    per hidden layer; a layer object given for several layers (or already in another network)
    is copied for each place after the first, since every layer keeps its own forward pass for
    backward. Classification ends in softmax + cross-entropy; regression in a linear output
    with mean squared error. Weights are drawn by ``init`` (times ``gain``) from ``seed``, a
    whole number from 0 to 2**32 - 1 (the same seed, the same weights); every hidden layer's
    bias starts at ``hidden_bias`` (0 by default; a negative bias switches ReLU units off at
    birth), the output bias at 0.

    All parameters live in one flat array ``theta`` and all gradients in one flat array
    ``grad``; each layer's ``W``, ``b`` (and PReLU's ``alpha``) are views into them. Nothing
    about the maths changes, but an optimiser can update everything in a few vector operations.

    ``dtype="float32"`` (opt-in; float64 is the default) stores the parameters and runs every
    layer in single precision: the same initial weights, rounded, and about half the time of
    the matrix products of a large network, for about 7 significant digits instead of 16. The
    loss and its softmax are still computed in float64, data beyond float32's range (±3.4e38)
    is refused rather than turned into infinity, and ``gradient_check`` refuses such a model:
    its rounding is as large as the errors a check looks for.

    >>> net = MLP([2, 8, 3], activation="tanh", seed=0)
    >>> X = np.array([[0.5, -1.0], [2.0, 0.0]])
    >>> net.predict_proba(X).sum(axis=1)
    array([1., 1.])
    """

    # Assigning ``net.theta = values`` copies them into the buffer the layers see (a plain
    # attribute would be swapped for an array no layer uses, and training would then update it
    # while the network stayed as it was).
    theta, grad = parameter("theta"), parameter("grad")

    def __init__(self, layer_sizes, activation="relu", init="he", seed=0, task="classification",
                 gain=1.0, hidden_bias=0.0, dtype="float64"):
        self.layer_sizes = _check_layer_sizes(layer_sizes, task)
        self.dtype = _check_dtype(dtype)
        self.task = check_choice("task", task, TASKS)
        self.init = check_choice("initialisation", init, INITIALIZERS)
        hidden_bias = check_number("hidden_bias", hidden_bias, -1e3, 1e3)
        n_hidden = len(self.layer_sizes) - 2
        activations = _per_hidden_layer(activation, n_hidden)
        rng = np.random.default_rng(check_int("seed", seed, 0, 2**32 - 1))

        self.layers = []
        for i, (n_in, n_out) in enumerate(zip(self.layer_sizes[:-1], self.layer_sizes[1:])):
            dense = Dense(n_in, n_out, init=init, rng=rng, gain=gain)
            self.layers.append(dense)
            if i < n_hidden:
                dense.b[...] = hidden_bias
                act = activations[i]
                self.layers.append(get_activation(act) if isinstance(act, str) else act)
        self.layers[0].needs_input_grad = False
        self.loss_fn = SoftmaxCrossEntropy() if task == "classification" else MSELoss()
        self._pack_parameters()

    def _pack_parameters(self):
        """Move every parameter and gradient into one flat buffer and rebind the layers to views."""
        slots = self._parameter_slots()
        sizes = [getattr(layer, p).size for layer, p, _ in slots]
        self.theta = np.empty(sum(sizes), self.dtype)
        self.grad = np.zeros(sum(sizes), self.dtype)
        # True where theta holds a Dense weight: only those get L1/L2 penalties.
        self.weight_mask = np.zeros(sum(sizes), dtype=bool)
        start = 0
        for (layer, p, _), size in zip(slots, sizes):
            self.theta[start:start + size] = getattr(layer, p).ravel()
            self.weight_mask[start:start + size] = isinstance(layer, Dense) and p == "W"
            start += size
        self._bind_views()

    def _parameter_slots(self):
        return [(layer, p, g) for layer in self.layers
                for p, g in zip(layer.param_names, layer.grad_names)]

    def _bind_views(self):
        """Make every layer's parameters and gradients views into ``theta`` and ``grad``."""
        start = 0
        for layer, p, g in self._parameter_slots():
            shape = getattr(layer, p).shape
            size = math.prod(shape)
            bind_parameter(layer, p, self.theta[start:start + size].reshape(shape))
            bind_parameter(layer, g, self.grad[start:start + size].reshape(shape))
            start += size

    def __setstate__(self, state):
        # pickle and copy.deepcopy copy every array on its own, views too: the copied layers
        # would hold arrays of their own that the optimiser, which updates theta, never reaches
        # (a deep copy trained without learning anything). So the views are made again.
        self.__dict__.update(state)
        self._bind_views()

    # --- the public boundary: inputs are checked here -------------------------------------
    def forward(self, X, checked=False):
        """Return the raw outputs (logits for classification) for X of shape (n, n_inputs).

        ``checked=True`` skips the input checks, for data that already passed ``check_data``
        (the training loop checks its data once, not once per mini-batch).
        """
        out = X if checked else self._as_dtype(check_features(X, self.layer_sizes[0]))
        for layer in self.layers:
            out = layer.forward(out)
        return out

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

    def loss(self, X, y, checked=False):
        """Mean loss on (X, y); caches what ``backward`` needs (``checked`` as in ``forward``)."""
        if not checked:
            X, y = self.check_data(X, y)
        return self.loss_fn.forward(self.forward(X, checked=True), y, checked=True)

    def backward(self):
        """Backpropagate the last ``loss`` call; fills every layer's gradients (see ``grads``).

        Returns the gradient that arrived at each layer's output, dL/d(output of layers[i]),
        in layer order: what a diagnostic needs to watch the gradient travel back.
        """
        upstream = [None] * len(self.layers)
        dout = self.loss_fn.backward()
        for i in range(len(self.layers) - 1, -1, -1):
            upstream[i] = dout
            dout = self.layers[i].backward(dout)
        return upstream

    def params(self):
        """Every parameter array, in layer order (views into ``theta``)."""
        return [p for layer in self.layers for p in _layer_arrays(layer, "param_names")]

    def grads(self):
        """The gradient arrays matching ``params()`` one for one (views into ``grad``)."""
        return [g for layer in self.layers for g in _layer_arrays(layer, "grad_names")]

    def dense_layers(self):
        """The Dense layers in order; all but the last feed a hidden activation."""
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    def hidden_activations(self):
        """The activation layer of each hidden layer, in order."""
        return [layer for layer in self.layers if not isinstance(layer, Dense)]

    @property
    def n_classes(self):
        return self.layer_sizes[-1]

    @property
    def n_parameters(self):
        return self.theta.size

    def check_data(self, X, y):
        """Validate a data set for this network; returns (X, y) as arrays of the network's
        dtype (float64 unless it was built with float32) and, for class labels, int64."""
        X = check_features(X, self.layer_sizes[0])
        if self.task == "classification":
            return self._as_dtype(X), check_labels(y, len(X), self.layer_sizes[-1])
        targets = check_targets(y, len(X), self.layer_sizes[-1])
        return self._as_dtype(X), self._as_dtype(targets, "y")

    def _as_dtype(self, array, what="X"):
        if self.dtype == np.float64:
            return array  # checked data is float64 already: used as it is
        check_float_range(array, self.dtype, what, f"this network computes in {self.dtype}: "
                          f"rescale the data (e.g. nn_core.standardize) or build it with "
                          f"dtype='float64'")
        return array.astype(self.dtype)

    def __repr__(self):
        layers = " -> ".join(repr(layer) for layer in self.layers)
        return layers if self.dtype == np.float64 else f"{layers} ({self.dtype})"


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
    check_parameter_count(count_parameters(sizes))
    return sizes


def _check_dtype(dtype):
    """np.dtype of "float64" or "float32" (also given as np.float32 or a numpy dtype)."""
    try:
        name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    except TypeError:
        name = repr(dtype)
    check_choice("dtype", name, DTYPES)
    return np.dtype(name)


def count_parameters(layer_sizes):
    """Weights and biases of the Dense layers of an MLP with these sizes (activations aside).

    >>> count_parameters([2, 16, 16, 2])
    354
    """
    return sum((a + 1) * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))


def _per_hidden_layer(activation, n_hidden):
    if isinstance(activation, str) or not isinstance(activation, (list, tuple)):
        activation = [activation] * n_hidden
    if len(activation) != n_hidden:
        raise ValueError(
            f"got {len(activation)} activations for {n_hidden} hidden layers: give one name, "
            f"or one per hidden layer"
        )
    layers = []
    for act in activation:
        if isinstance(act, str):
            layers.append(check_choice("activation", act, list(ACTIVATIONS)))
            continue
        if isinstance(act, type) and issubclass(act, Activation):
            # The class itself has a ``forward``, but it is no layer: a layer is an instance.
            raise ValueError(
                f"activation must be a name or a layer, got the class {act.__name__}: write "
                f"{act.__name__}() (with parentheses) for a layer, or the name {act.name!r}"
            )
        if not hasattr(act, "forward"):
            raise ValueError(f"activation must be a name or a layer, got {act!r}")
        if getattr(act, "_in_a_network", False):
            # A layer keeps its own forward pass for backward (and PReLU its own alpha, a view
            # into its network's buffer): one object in two places would hand the first layer
            # the second one's inputs, or another network's alpha. Each later place, in this
            # network (the flag is set just below) or another, gets a copy of its own.
            act = copy.deepcopy(act)
        act._in_a_network = True
        layers.append(act)
    return layers
