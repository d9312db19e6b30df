"""The playground's model of the world: input features, data, the network spec, a training run
that the live trainer advances epoch by epoch, and what the page draws over the input plane
(output maps, unit maps, space warping, the network diagram).

Plain numpy on top of ``nn_core``; the app draws what these functions return.

>>> data = make_playground_data("xor", n_samples=200, noise=0.1, test_fraction=0.3, seed=0)
>>> spec = NetworkSpec(features=("x1", "x2"), hidden=(8,), activations=("tanh",),
...                    task="classification", n_outputs=2)
>>> run = TrainingRun(data, spec, TrainingConfig(optimizer="adam", lr=0.03, batch_size=10))
>>> run.train(60)
>>> run.history["test_accuracy"][-1] > 0.9
True
"""

import math
from dataclasses import dataclass

import numpy as np

from nn_core import (
    DATASETS,
    MLP,
    fit,
    hidden_signals,
    make_dataset,
    make_optimizer,
    softmax,
    standardize,
    train_test_split,
    update_ratios,
    weight_gradient_norms,
)
from nn_core.datasets import TF_DATASETS, make_tf_dataset

# Every data set the playground offers: nn_core's, then TensorFlow Playground's.
PLAYGROUND_DATASETS = {**DATASETS, **TF_DATASETS}

# --- input features ---------------------------------------------------------------------------
# Name -> (columns of the raw input it needs, how to compute it from x1 and x2).
FEATURES = {
    "x1": (1, lambda x1, x2: x1),
    "x2": (2, lambda x1, x2: x2),
    "x1sq": (1, lambda x1, x2: x1 * x1),
    "x2sq": (2, lambda x1, x2: x2 * x2),
    "x1x2": (2, lambda x1, x2: x1 * x2),
    "sinx1": (1, lambda x1, x2: np.sin(x1)),
    "sinx2": (2, lambda x1, x2: np.sin(x2)),
}

MAX_HIDDEN = 6
MAX_UNITS = 64
MAX_CLASSES = 5


def available_features(n_inputs):
    """The features that can be computed from ``n_inputs`` raw input columns (1 or 2)."""
    return [name for name, (needs, _) in FEATURES.items() if needs <= n_inputs]


def feature_matrix(X, features):
    """Stack the chosen features of raw inputs X (n, 1 or 2) into a matrix (n, len(features)).

    >>> feature_matrix(np.array([[2.0, 3.0]]), ["x1", "x1x2", "x2sq"])
    array([[2., 6., 9.]])
    """
    X = np.asarray(X, dtype=np.float64)
    if not features:
        raise ValueError("choose at least one input feature")
    unknown = [name for name in features if name not in FEATURES]
    if unknown:
        raise ValueError(f"unknown feature {unknown[0]!r}; choose from: {', '.join(FEATURES)}")
    too_wide = [name for name in features if FEATURES[name][0] > X.shape[1]]
    if too_wide:
        raise ValueError(f"feature {too_wide[0]!r} needs x2, but the data has one input column")
    x1 = X[:, 0]
    x2 = X[:, 1] if X.shape[1] > 1 else None
    return np.column_stack([FEATURES[name][1](x1, x2) for name in features])


# --- data -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlaygroundData:
    """A split, standardised data set: raw inputs (1 or 2 columns) and labels or targets."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    task: str  # "classification" or "regression"
    n_classes: int  # 0 for regression

    @property
    def n_inputs(self):
        return self.X_train.shape[1]

    @property
    def n_outputs(self):
        return self.n_classes if self.task == "classification" else 1


def make_playground_data(name, n_samples=300, noise=0.1, test_fraction=0.3, seed=0,
                         n_classes=None):
    """Generate a named toy set, split it and standardise it with the training statistics."""
    if name in TF_DATASETS:
        X, y = make_tf_dataset(name, n_samples=n_samples, noise=noise, seed=seed)
    else:
        X, y = make_dataset(name, n_samples=n_samples, noise=noise, seed=seed,
                            n_classes=n_classes)
    return split_data(X, y, PLAYGROUND_DATASETS[name].task, test_fraction, seed)


def split_data(X, y, task, test_fraction=0.3, seed=0):
    """Split (X, y) into train and test with ``seed`` and standardise both by the training set."""
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction, seed=seed)
    X_train, X_test = standardize(X_train, X_test)
    n_classes = int(np.max(y)) + 1 if task == "classification" else 0
    return PlaygroundData(X_train, X_test, y_train, y_test, task, n_classes)


def nearest_class_count(name, requested):
    """The class count closest to ``requested`` that data set ``name`` allows (0: regression)."""
    choices = PLAYGROUND_DATASETS[name].class_choices
    if not choices:
        return 0
    return min(choices, key=lambda k: (abs(k - requested), k))


# --- the network ------------------------------------------------------------------------------
@dataclass(frozen=True)
class NetworkSpec:
    """What the network looks like: its inputs, hidden layers, initialisation and seed."""

    features: tuple
    hidden: tuple  # units per hidden layer, 0 to MAX_HIDDEN entries
    activations: tuple  # one activation name per hidden layer
    task: str = "classification"
    n_outputs: int = 2
    init: str = "xavier"
    seed: int = 0

    @property
    def layer_sizes(self):
        return [len(self.features), *self.hidden, self.n_outputs]

    def build_model(self):
        """A fresh MLP for this spec (same spec and seed: same initial weights)."""
        return MLP(self.layer_sizes, activation=list(self.activations), init=self.init,
                   seed=self.seed, task=self.task)


def model_with_weights(spec, theta):
    """A new MLP for ``spec`` whose parameters are a copy of ``theta``."""
    model = spec.build_model()
    if theta.shape != model.theta.shape:
        raise ValueError(f"expected {model.theta.size} parameters, got {theta.size}")
    model.theta[...] = theta
    return model


def hidden_outputs(model, X):
    """Each hidden layer's activations for features X: a list of (n, units) arrays."""
    return [a for _, a in hidden_signals(model, X)]


# --- the input plane --------------------------------------------------------------------------
@dataclass(frozen=True)
class InputGrid:
    """Points covering the input plane (or line, for 1-D data), x1 varying fastest."""

    x1: np.ndarray  # (resolution,) cell centres along x1
    x2: np.ndarray  # (resolution,) along x2; empty for 1-D data
    points: np.ndarray  # (n_points, 1 or 2)
    extent: float  # the grid covers [-extent, extent] in every direction


def plane_extent(*arrays):
    """Half-width of a square that holds every point with a 10% margin (standardised data)."""
    largest = max(float(np.max(np.abs(a))) for a in arrays if a.size)
    return math.ceil(largest * 1.1 * 2.0) / 2.0


def input_grid(extent, n_inputs, resolution=60):
    """A resolution x resolution grid over [-extent, extent]^2 (a line of points for 1-D data)."""
    step = 2.0 * extent / resolution
    centres = -extent + step * (np.arange(resolution) + 0.5)
    if n_inputs == 1:
        return InputGrid(centres, np.empty(0), centres[:, None], extent)
    g1, g2 = np.meshgrid(centres, centres)
    return InputGrid(centres, centres, np.column_stack([g1.ravel(), g2.ravel()]), extent)


@dataclass(frozen=True)
class OutputMap:
    """The network's output over a grid: class and confidence, or the regression value."""

    predicted: np.ndarray  # class index (classification) or predicted value (regression)
    confidence: np.ndarray  # probability of the predicted class; NaN for regression


def output_map(model, features, grid):
    """Evaluate the model at every grid point (colour = class, intensity = confidence)."""
    return _output(model.task, model.forward(feature_matrix(grid.points, features)))[0]


def _output(task, logits):
    """(OutputMap, class probabilities or None) of the network's raw outputs."""
    if task == "regression":
        return OutputMap(logits[:, 0], np.full(len(logits), np.nan)), None
    probabilities = softmax(logits)
    return OutputMap(np.argmax(probabilities, axis=1), np.max(probabilities, axis=1)), \
        probabilities


@dataclass(frozen=True)
class NetworkMaps:
    """What every node of the network computes over one grid of the input plane (or line)."""

    grid: InputGrid
    inputs: np.ndarray  # (n_points, n_available): every feature the data allows, in FEATURES order
    hidden: list  # per hidden layer, (n_points, units): each unit's output
    output: OutputMap
    probabilities: np.ndarray | None  # (n_points, classes) for classification, else None


def network_maps(model, features, grid):
    """One forward pass over ``grid``: each input feature, each hidden unit's output and the
    network's output at every grid point (the pictures inside the diagram's nodes)."""
    available = available_features(grid.points.shape[1])
    inputs = feature_matrix(grid.points, available)
    chosen = inputs[:, [available.index(name) for name in features]]
    hidden = hidden_outputs(model, chosen)
    last = model.dense_layers()[-1]
    logits = (hidden[-1] if hidden else chosen) @ last.W + last.b
    return NetworkMaps(grid, inputs, hidden, *_output(model.task, logits))


def map_resolution(n_maps, pixel_budget=40_000, low=10, high=32):
    """Pixels per side of each node's map, so that all maps together stay under
    ``pixel_budget`` pixels (the browser's payload), between ``low`` and ``high``."""
    if n_maps == 0:
        return high
    return int(np.clip(math.isqrt(pixel_budget // n_maps), low, high))


# --- space warping ----------------------------------------------------------------------------
@dataclass(frozen=True)
class WarpedGrid:
    """Grid lines of the input plane pushed through the network to two hidden units."""

    line: np.ndarray  # line index of each point (vertical lines first, then horizontal)
    order: np.ndarray  # position of each point along its line
    u: np.ndarray  # output of the first chosen unit
    v: np.ndarray  # output of the second chosen unit


def warped_grid(model, features, layer, unit_u, unit_v, extent, n_lines=13, n_points=60):
    """Push the lines x1 = c and x2 = c (n_lines of each) through hidden layers up to ``layer``
    (1-based) and read units ``unit_u`` and ``unit_v`` (0-based): how the layer bends space."""
    levels = np.linspace(-extent, extent, n_lines)
    along = np.linspace(-extent, extent, n_points)
    vertical = [np.column_stack([np.full(n_points, c), along]) for c in levels]
    horizontal = [np.column_stack([along, np.full(n_points, c)]) for c in levels]
    points = np.vstack(vertical + horizontal)
    u, v = hidden_projection(model, features, points, layer, unit_u, unit_v)
    return WarpedGrid(np.repeat(np.arange(2 * n_lines), n_points),
                      np.tile(np.arange(n_points), 2 * n_lines), u, v)


def hidden_projection(model, features, X, layer, unit_u, unit_v):
    """Outputs of units ``unit_u`` and ``unit_v`` of hidden layer ``layer`` (1-based) for X."""
    outputs = hidden_outputs(model, feature_matrix(X, features))[layer - 1]
    return outputs[:, unit_u], outputs[:, unit_v]


# --- the network diagram ----------------------------------------------------------------------
@dataclass(frozen=True)
class Diagram:
    """The network as TensorFlow Playground draws it: one column per layer, every feature the
    data allows as an input node (the chosen ones feed the network), every unit a node, every
    weight an edge. Geometry is left to the chart: nodes have a column and a row."""

    node_id: tuple  # "input_x1", "unit_<layer>_<unit>" (both 1-based), "output_<k>"
    node_column: np.ndarray  # 0 = inputs, 1.. hidden layers, last = outputs
    node_row: np.ndarray  # index of the node within its column
    node_active: np.ndarray  # False for an input feature the network does not use
    node_bias: np.ndarray  # the bias feeding the node (NaN for inputs)
    column_sizes: tuple  # nodes per column
    edge_id: tuple  # "<dense layer>_<source unit>_<target unit>", 0-based, as set_weight takes
    edge_layer: np.ndarray  # the Dense layer (0-based): from column edge_layer to the next
    edge_source: np.ndarray  # row of the source node in its column
    edge_target: np.ndarray  # row of the target node
    edge_weight: np.ndarray
    edges_total: int  # edges in the network (only the strongest are kept if many)


def network_diagram(model, features, n_raw_inputs, max_edges=1500):
    """Nodes and edges of the network with inputs ``features`` (its spec's, in order) on data
    with ``n_raw_inputs`` columns (1 or 2: which features the input column offers).

    Past ``max_edges`` edges only the largest |weights| are kept, so a wide network stays
    drawable; ``edges_total`` says how many there are."""
    n_inputs = model.layer_sizes[0]
    available = available_features(n_raw_inputs)
    if len(features) != n_inputs:
        raise ValueError(f"{len(features)} features for a network with {n_inputs} inputs")
    dense = model.dense_layers()
    sizes = [len(available), *model.layer_sizes[1:]]
    ids = [f"input_{name}" for name in available]
    ids += [f"unit_{layer}_{unit}" for layer, n in enumerate(model.layer_sizes[1:-1], start=1)
            for unit in range(1, n + 1)]
    ids += [f"output_{k}" for k in range(model.layer_sizes[-1])]
    input_rows = np.array([available.index(name) for name in features])
    layer_index, source, target, weight, edge_ids = [], [], [], [], []
    for index, layer in enumerate(dense):
        i, j = np.meshgrid(np.arange(layer.W.shape[0]), np.arange(layer.W.shape[1]),
                           indexing="ij")
        i, j = i.ravel(), j.ravel()
        layer_index.append(np.full(i.size, index))
        source.append(input_rows[i] if index == 0 else i)
        target.append(j)
        weight.append(layer.W.ravel())
        edge_ids.extend(f"{index}_{a}_{b}" for a, b in zip(i, j, strict=True))
    layer_index, source, target, weight = map(np.concatenate,
                                              (layer_index, source, target, weight))
    keep = np.arange(len(weight))
    if len(weight) > max_edges:
        keep = np.sort(np.argsort(-np.abs(weight), kind="stable")[:max_edges])
    return Diagram(
        node_id=tuple(ids),
        node_column=np.concatenate([np.full(n, c) for c, n in enumerate(sizes)]),
        node_row=np.concatenate([np.arange(n) for n in sizes]),
        node_active=np.concatenate([np.isin(np.arange(len(available)), input_rows),
                                    np.ones(sum(sizes[1:]), dtype=bool)]),
        node_bias=np.concatenate([np.full(len(available), np.nan),
                                  *[layer.b.copy() for layer in dense]]),
        column_sizes=tuple(sizes),
        edge_id=tuple(edge_ids[k] for k in keep),
        edge_layer=layer_index[keep], edge_source=source[keep], edge_target=target[keep],
        edge_weight=weight[keep], edges_total=len(weight),
    )


# --- training ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainingConfig:
    """How to train: optimiser, step size, mini-batch, penalties and when to stop."""

    optimizer: str = "adam"  # one of nn_core.OPTIMIZERS
    lr: float = 0.01
    momentum: float = 0.9
    batch_size: int = 10
    l1: float = 0.0
    l2: float = 0.0
    stop_epochs: int = 0  # 0: no limit
    stop_loss: float = 0.0  # 0: no target


def optimizer_for(config):
    """A fresh optimiser for ``config`` (``nn_core.make_optimizer`` by name)."""
    return make_optimizer(config.optimizer, config.lr, momentum=config.momentum)


HISTORY_COLUMNS = ("epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")


class TrainingRun:
    """One network being trained on one data set, epoch by epoch, with its full history.

    The initial weights are kept, so ``reset`` puts back exactly the network training
    started from (and a fresh optimiser: Adam's running means are part of the state).
    """

    def __init__(self, data, spec, config):
        self.data, self.spec = data, spec
        self.F_train = feature_matrix(data.X_train, spec.features)
        self.F_test = feature_matrix(data.X_test, spec.features)
        self.model = spec.build_model()
        self.initial_theta = self.model.theta.copy()
        self.config = config
        self.reset()

    def reset(self):
        """Back to the initial weights, epoch 0, an empty history."""
        self.model.theta[...] = self.initial_theta
        self.optimizer = optimizer_for(self.config)
        self.epoch = 0
        self.history = {name: [] for name in HISTORY_COLUMNS}
        self.gradient_norms = []  # per epoch: one norm per Dense layer
        self.update_ratios = []  # per epoch: one ratio per Dense layer
        self.diverged = False
        self.reason = ""

    def load_weights(self, theta):
        """Start from ``theta`` (e.g. a loaded file) instead: it becomes what reset restores."""
        self.initial_theta = np.array(theta, dtype=np.float64).reshape(self.model.theta.shape)
        self.reset()

    def set_weight(self, layer, source, target, value):
        """Set one weight of Dense layer ``layer`` (0-based): from unit ``source`` of the layer
        before to unit ``target``. Training goes on from the edited network."""
        dense = self.model.dense_layers()
        if not 0 <= layer < len(dense):
            raise ValueError(f"layer {layer} does not exist; the network has {len(dense)}")
        W = dense[layer].W
        if not (0 <= source < W.shape[0] and 0 <= target < W.shape[1]):
            raise ValueError(f"no weight from unit {source} to unit {target} in layer {layer}")
        if not math.isfinite(value):
            raise ValueError("a weight must be a finite number")
        W[source, target] = value

    def configure(self, config):
        """Take new training settings without losing the weights; the optimiser's state is
        kept when only its step size (or momentum) changes."""
        same_kind = config.optimizer == self.config.optimizer
        self.config = config
        if same_kind:
            self.optimizer.lr = config.lr
            if hasattr(self.optimizer, "momentum") and config.optimizer == "momentum":
                self.optimizer.momentum = config.momentum
        else:
            self.optimizer = optimizer_for(config)

    @property
    def finished(self):
        """True when training should not go on: diverged, or the stop condition is met."""
        if self.diverged:
            return True
        if self.config.stop_epochs and self.epoch >= self.config.stop_epochs:
            return True
        losses = self.history["train_loss"]
        return bool(self.config.stop_loss and losses and losses[-1] <= self.config.stop_loss)

    def train(self, epochs=1):
        """Train up to ``epochs`` more epochs (fewer if it diverges or a stop condition hits).

        Each epoch is a separate ``fit`` call seeded by its epoch number, so the same settings
        give the same run whether it is played, stepped, or played in chunks of any size.
        (The app holds BLAS to one thread for the whole process: see ``ui/__init__.py``.)"""
        for _ in range(epochs):
            if self.finished:
                return
            self._train_one_epoch()

    def _train_one_epoch(self):
        theta_before = self.model.theta.copy()
        weights_before = [layer.W.copy() for layer in self.model.dense_layers()]
        config = self.config
        result = fit(self.model, self.F_train, self.data.y_train, self.optimizer, epochs=1,
                     batch_size=config.batch_size, seed=self.epoch, l1=config.l1, l2=config.l2,
                     X_val=self.F_test, y_val=self.data.y_test)
        if result.diverged:
            # Keep the last finite weights on screen: NaNs would draw nothing and teach nothing.
            self.model.theta[...] = theta_before
            self.diverged, self.reason = True, result.reason
            return
        self.epoch += 1
        # fit measured both sets after the epoch; accuracy is not defined for regression.
        train_loss, test_loss = result.train_loss[-1], result.val_loss[-1]
        train_accuracy = result.train_accuracy[-1] if result.train_accuracy else math.nan
        test_accuracy = result.val_accuracy[-1] if result.val_accuracy else math.nan
        values = (self.epoch, train_loss, test_loss, train_accuracy, test_accuracy)
        for name, value in zip(HISTORY_COLUMNS, values, strict=True):
            self.history[name].append(value)
        self.update_ratios.append(update_ratios(weights_before, self.model.dense_layers()))
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            self.gradient_norms.append(
                weight_gradient_norms(self.model, self.F_train, self.data.y_train))

    def predictions(self, theta, on="test"):
        """(true labels, predicted labels) of the network with weights ``theta``."""
        features, y = (self.F_test, self.data.y_test) if on == "test" else (
            self.F_train, self.data.y_train)
        return y, model_with_weights(self.spec, theta).predict(features)


# The check costs two forward passes per parameter, ~1 ms each on a quiet server and ~3 ms on a
# busy one (4,802 parameters took 13 s at a load of 7): 1,500 keep a check within a few seconds.
GRADCHECK_MAX_PARAMETERS = 1_500


def gradient_check_subset(run, theta, n_points=20):
    """The first ``n_points`` training points, for ``nn_core.gradient_check`` (it costs two
    forward passes per parameter), and a model holding ``theta``."""
    model = model_with_weights(run.spec, theta)
    return model, run.F_train[:n_points], run.data.y_train[:n_points]


