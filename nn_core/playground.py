"""The MLP playground's engine: input features, views over the input plane, a training run,
and the files a user can upload or download (CSV data, npz weights, CSV history).

Everything here is plain numpy on plain data; the app draws what these functions return.

>>> data = make_playground_data("xor", n_samples=200, noise=0.1, test_fraction=0.3, seed=0)
>>> spec = NetworkSpec(features=("x1", "x2"), hidden=(8,), activations=("tanh",),
...                    task="classification", n_outputs=2)
>>> run = TrainingRun(data, spec, TrainingConfig(optimizer="adam", lr=0.03, batch_size=10))
>>> run.train(60)
>>> run.history["test_accuracy"][-1] > 0.9
True
"""

import csv
import io
import math
import time
import warnings
import zipfile
from dataclasses import dataclass, field

import numpy as np

from nn_core.activations import ACTIVATIONS, softmax
from nn_core.datasets import DATASETS, make_dataset, standardize, train_test_split
from nn_core.diagnostics import update_ratios
from nn_core.layers import Dense
from nn_core.model import MLP
from nn_core.optimizers import SGD, Adam
from nn_core.training import fit

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
OPTIMIZER_KINDS = ("sgd", "momentum", "adam")


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
    X, y = make_dataset(name, n_samples=n_samples, noise=noise, seed=seed, n_classes=n_classes)
    info = DATASETS[name]
    return split_data(X, y, info.task, test_fraction, seed)


def split_data(X, y, task, test_fraction=0.3, seed=0):
    """Split (X, y) into train and test with ``seed`` and standardise both by the training set."""
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction, seed=seed)
    X_train, X_test = standardize(X_train, X_test)
    n_classes = int(np.max(y)) + 1 if task == "classification" else 0
    return PlaygroundData(X_train, X_test, y_train, y_test, task, n_classes)


def nearest_class_count(name, requested):
    """The class count closest to ``requested`` that data set ``name`` allows (0: regression)."""
    choices = DATASETS[name].class_choices
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


def build_model(spec):
    """A fresh MLP for ``spec`` (same spec and seed: same initial weights)."""
    return MLP(spec.layer_sizes, activation=list(spec.activations), init=spec.init,
               seed=spec.seed, task=spec.task)


def model_with_weights(spec, theta):
    """A new MLP for ``spec`` whose parameters are a copy of ``theta``."""
    model = build_model(spec)
    if theta.shape != model.theta.shape:
        raise ValueError(f"expected {model.theta.size} parameters, got {theta.size}")
    model.theta[...] = theta
    return model


def hidden_outputs(model, X):
    """Each hidden layer's activations for features X: a list of (n, units) arrays."""
    outputs = []
    out = X
    for layer in model.layers[:-1]:
        out = layer.forward(out)
        if not isinstance(layer, Dense):
            outputs.append(out)
    return outputs


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
    logits = model.forward(feature_matrix(grid.points, features))
    if model.task == "regression":
        return OutputMap(logits[:, 0], np.full(len(logits), np.nan))
    probabilities = softmax(logits)
    return OutputMap(np.argmax(probabilities, axis=1), np.max(probabilities, axis=1))


def unit_maps(model, features, grid):
    """Every hidden unit's output at every grid point: a list (per layer) of (n_points, units)."""
    return hidden_outputs(model, feature_matrix(grid.points, features))


def heatmap_resolution(n_units_total, cell_budget=16_000, low=10, high=24):
    """A per-unit grid resolution that keeps all unit heatmaps together under ``cell_budget``
    cells (a few hundred KB for the browser), between ``low`` and ``high``."""
    if n_units_total == 0:
        return high
    return int(np.clip(math.isqrt(cell_budget // n_units_total), low, high))


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
    """Node and edge tables of the network drawn left to right (one column per layer)."""

    node_layer: np.ndarray  # column of each node (0 = inputs)
    node_y: np.ndarray  # vertical position, centred on 0
    node_index: np.ndarray  # index of the node within its layer
    node_bias: np.ndarray  # the bias feeding the node (NaN for inputs)
    edge_x: np.ndarray
    edge_y: np.ndarray
    edge_x2: np.ndarray
    edge_y2: np.ndarray
    edge_weight: np.ndarray
    edges_total: int  # edges in the network (only the strongest are kept if many)


def network_diagram(model, max_edges=1500):
    """Geometry of the network diagram: every unit is a node, every weight an edge.

    Past ``max_edges`` edges only the largest |weights| are kept, so a wide network stays
    drawable; ``edges_total`` says how many there are."""
    sizes = model.layer_sizes
    node_y = [np.arange(n) - (n - 1) / 2.0 for n in sizes]
    biases = [np.full(sizes[0], np.nan)] + [layer.b.copy() for layer in model.dense_layers()]
    edges = []
    for column, layer in enumerate(model.dense_layers()):
        source, target = np.meshgrid(np.arange(layer.W.shape[0]), np.arange(layer.W.shape[1]),
                                     indexing="ij")
        edges.append(np.column_stack([
            np.full(source.size, column), node_y[column][source.ravel()],
            np.full(source.size, column + 1), node_y[column + 1][target.ravel()],
            layer.W.ravel(),
        ]))
    edges = np.vstack(edges)
    if len(edges) > max_edges:
        edges = edges[np.argsort(-np.abs(edges[:, 4]), kind="stable")[:max_edges]]
    return Diagram(
        node_layer=np.concatenate([np.full(n, i) for i, n in enumerate(sizes)]),
        node_y=np.concatenate(node_y),
        node_index=np.concatenate([np.arange(n) for n in sizes]),
        node_bias=np.concatenate(biases),
        edge_x=edges[:, 0], edge_y=edges[:, 1], edge_x2=edges[:, 2], edge_y2=edges[:, 3],
        edge_weight=edges[:, 4],
        edges_total=sum(layer.W.size for layer in model.dense_layers()),
    )


# --- metrics ----------------------------------------------------------------------------------
def confusion_matrix(y_true, y_pred, n_classes):
    """counts[i, j] = how many points of true class i were predicted as class j.

    >>> confusion_matrix(np.array([0, 0, 1]), np.array([0, 1, 1]), 2)
    array([[1, 1],
           [0, 1]])
    """
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return counts


def layer_gradient_norms(model, X, y):
    """||dL/dW|| of every Dense layer on the whole of (X, y) (loss without penalties)."""
    model.loss(X, y)
    model.backward()
    return [float(np.linalg.norm(layer.dW)) for layer in model.dense_layers()]


# --- training ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainingConfig:
    """How to train: optimiser, step size, mini-batch, penalties and when to stop."""

    optimizer: str = "adam"  # "sgd", "momentum" or "adam"
    lr: float = 0.01
    momentum: float = 0.9
    batch_size: int = 10
    l1: float = 0.0
    l2: float = 0.0
    stop_epochs: int = 0  # 0: no limit
    stop_loss: float = 0.0  # 0: no target


def make_optimizer(config):
    if config.optimizer == "adam":
        return Adam(config.lr)
    if config.optimizer == "momentum":
        return SGD(config.lr, momentum=config.momentum)
    if config.optimizer == "sgd":
        return SGD(config.lr)
    raise ValueError(f"unknown optimiser {config.optimizer!r}; choose one of: "
                     f"{', '.join(OPTIMIZER_KINDS)}")


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
        self.model = build_model(spec)
        self.initial_theta = self.model.theta.copy()
        self.config = config
        self.reset()

    def reset(self):
        """Back to the initial weights, epoch 0, an empty history."""
        self.model.theta[...] = self.initial_theta
        self.optimizer = make_optimizer(self.config)
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
            self.optimizer = make_optimizer(config)

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
                layer_gradient_norms(self.model, self.F_train, self.data.y_train))

    def predictions(self, theta, on="test"):
        """(true labels, predicted labels) of the network with weights ``theta``."""
        features, y = (self.F_test, self.data.y_test) if on == "test" else (
            self.F_train, self.data.y_train)
        return y, model_with_weights(self.spec, theta).predict(features)


# The check costs two forward passes per parameter: about 5 s for 5,000 parameters.
GRADCHECK_MAX_PARAMETERS = 5_000


def gradient_check_subset(run, theta, n_points=20):
    """The first ``n_points`` training points, for ``nn_core.gradient_check`` (it costs two
    forward passes per parameter), and a model holding ``theta``."""
    model = model_with_weights(run.spec, theta)
    return model, run.F_train[:n_points], run.data.y_train[:n_points]


# --- scikit-learn comparison -----------------------------------------------------------------
SKLEARN_ACTIVATIONS = {"identity": "identity", "sigmoid": "logistic", "tanh": "tanh",
                       "relu": "relu"}


@dataclass(frozen=True)
class Comparison:
    ours_score: float  # test accuracy (classification) or test MSE (regression)
    ours_seconds: float
    sklearn_score: float
    sklearn_seconds: float
    sklearn_activation: str
    same_activation: bool  # False when sklearn could not use the network's activations
    epochs: int = 0  # epochs both trained (fewer than asked when the time budget ran out)
    ours_diverged: bool = False
    sklearn_diverged: bool = False  # scikit-learn refuses to go on with non-finite weights


def sklearn_activation(activations):
    """(scikit-learn's name for the activations, whether it matches them all)."""
    names = set(activations)
    if len(names) == 1 and next(iter(names)) in SKLEARN_ACTIVATIONS:
        return SKLEARN_ACTIVATIONS[next(iter(names))], True
    return ("relu", not activations)


COMPARE_SECONDS = 3.0  # nn_core's share of a comparison; scikit-learn's takes about as long


def compare_with_sklearn(data, spec, config, epochs):
    """Train a fresh copy of our network and scikit-learn's MLP for ``epochs`` epochs with the
    same architecture, split, optimiser, step size and batch size; score both on the test set.

    scikit-learn's ``alpha`` is an L2 penalty on the summed loss, so ours is scaled by the
    training-set size; it has no L1 penalty and one activation for all hidden layers."""
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    run = TrainingRun(data, spec, config)
    start = time.perf_counter()
    run.train(1)
    # Both trainings run inside a page click: cap the epochs at what fits a few seconds.
    per_epoch = max(time.perf_counter() - start, 1e-6)
    epochs = max(1, min(epochs, int(COMPARE_SECONDS / per_epoch)))
    run.train(epochs - 1)
    ours_seconds = time.perf_counter() - start
    ours_score = _test_score(run.model, run.F_test, data.y_test)

    activation, same = sklearn_activation(spec.activations)
    estimator = MLPClassifier if data.task == "classification" else MLPRegressor
    model = estimator(
        hidden_layer_sizes=spec.hidden, activation=activation,
        solver="adam" if config.optimizer == "adam" else "sgd",
        learning_rate_init=config.lr, momentum=config.momentum if config.optimizer == "momentum"
        else 0.0, nesterovs_momentum=False, batch_size=min(config.batch_size, len(run.F_train)),
        alpha=config.l2 * len(run.F_train), max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1,
        shuffle=True, random_state=spec.seed,
    )
    start = time.perf_counter()
    sklearn_diverged = False
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # ConvergenceWarning: we asked for exactly `epochs`
        try:
            model.fit(run.F_train, data.y_train)
            predicted = model.predict(run.F_test)
        except ValueError:  # "Solver produced non-finite parameter weights"
            sklearn_diverged = True
    sklearn_seconds = time.perf_counter() - start
    if sklearn_diverged:
        sklearn_score = math.nan
    else:
        sklearn_score = (float(np.mean(predicted == data.y_test))
                         if data.task == "classification"
                         else float(np.mean((predicted - data.y_test) ** 2)))
    return Comparison(ours_score, ours_seconds, sklearn_score, sklearn_seconds, activation, same,
                      epochs=epochs, ours_diverged=run.diverged,
                      sklearn_diverged=sklearn_diverged)


def _test_score(model, F_test, y_test):
    predicted = model.predict(F_test)
    if model.task == "classification":
        return float(np.mean(predicted == y_test))
    return float(np.mean((predicted - y_test) ** 2))


# --- files: CSV upload, weights, history ------------------------------------------------------
MAX_UPLOAD_BYTES = 256 * 1024
MAX_ROWS = 5000
MIN_ROWS = 10
UPLOAD_COLUMNS = 3
REGRESSION_HEADER = "target"
MAX_ABS_VALUE = 1e9  # larger numbers overflow when squared as features; rescale them first


class UploadError(ValueError):
    """A rejected file: ``code`` names the problem (the app translates it), ``fields`` the
    details; ``str()`` is a full English sentence."""

    MESSAGES = {
        "too_large": "the file is {size:,} bytes; the limit is {limit:,} bytes",
        "not_text": "this is not a CSV file (it is not UTF-8 text)",
        "too_many_rows": "the file has {rows:,} rows; the limit is {limit:,}",
        "too_few_rows": "the file has {rows} data rows; at least {limit} are needed",
        "wrong_columns": "line {line} has {columns} columns; the file needs exactly 3: "
                         "x1, x2 and a label (or target)",
        "not_numeric": "line {line}, column {column}: {value!r} is not a number",
        "missing": "line {line}, column {column} is empty or NaN: fill in or remove missing values",
        "out_of_range": "line {line}, column {column}: {value!r} is too large; keep values "
                        "between -{limit:g} and {limit:g}",
        "one_class": "every row has the same label: a classifier needs at least 2 classes",
        "too_many_classes": "the labels have {classes} different values; the limit is {limit} "
                            "classes (name the third column 'target' for a regression)",
        "not_npz": "this is not a weights file saved by the playground (.npz)",
        "bad_weights": "the weights file is damaged or does not match: {detail}",
    }

    def __init__(self, code, **fields):
        self.code, self.fields = code, fields
        super().__init__(self.MESSAGES[code].format(**fields))


def template_csv():
    """A small example CSV in the format uploads must follow."""
    X, y = make_dataset("moons", n_samples=40, noise=0.1, seed=0)
    lines = ["x1,x2,label"] + [f"{a:.4f},{b:.4f},{c}" for (a, b), c in zip(X, y, strict=True)]
    return "\n".join(lines) + "\n"


def parse_csv(content):
    """Read an uploaded CSV (bytes) with columns x1, x2, label (or x1, x2, target): returns
    (X, y, task). Size, row and column limits are checked before any value is parsed.

    Labels are remapped to 0..k-1 in sorted order. A third column headed ``target`` makes it
    a regression; otherwise the labels must be whole numbers with 2 to 5 classes.

    >>> X, y, task = parse_csv(b"x1,x2,label\\n" + b"0,0,3\\n1,1,7\\n" * 5)
    >>> task, sorted(set(y.tolist())), X.shape
    ('classification', [0, 1], (10, 2))
    """
    if len(content) > MAX_UPLOAD_BYTES:
        raise UploadError("too_large", size=len(content), limit=MAX_UPLOAD_BYTES)
    if b"\x00" in content:
        raise UploadError("not_text")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError("not_text") from None
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_ROWS + 1:
        raise UploadError("too_many_rows", rows=len(lines), limit=MAX_ROWS)
    rows = list(csv.reader(lines))
    for number, row in enumerate(rows, start=1):
        if len(row) != UPLOAD_COLUMNS:
            raise UploadError("wrong_columns", line=number, columns=len(row))
    header, rows, first_line = _split_header(rows)
    if len(rows) < MIN_ROWS:
        raise UploadError("too_few_rows", rows=len(rows), limit=MIN_ROWS)
    values = np.array([[_cell(cell, first_line + i, j + 1) for j, cell in enumerate(row)]
                       for i, row in enumerate(rows)])
    X, labels = values[:, :2], values[:, 2]
    if header is not None and header[2].strip().lower() == REGRESSION_HEADER:
        return X, labels, "regression"
    return X, _class_indices(labels, first_line), "classification"


def _split_header(rows):
    """(header or None, data rows, line number of the first data row)."""
    if not rows:
        return None, rows, 1
    try:
        [float(cell) for cell in rows[0]]
    except ValueError:
        return rows[0], rows[1:], 2
    return None, rows, 1


def _cell(text, line, column):
    text = text.strip()
    if text == "" or text.lower() in ("nan", "na", "null", "none"):
        raise UploadError("missing", line=line, column=column)
    try:
        value = float(text)
    except ValueError:
        raise UploadError("not_numeric", line=line, column=column, value=text[:20]) from None
    if not math.isfinite(value):
        raise UploadError("missing", line=line, column=column)
    if abs(value) > MAX_ABS_VALUE:
        raise UploadError("out_of_range", line=line, column=column, value=text[:20],
                          limit=MAX_ABS_VALUE)
    return value


def _class_indices(labels, first_line):
    not_whole = np.flatnonzero(labels != np.round(labels))
    if not_whole.size:
        raise UploadError("too_many_classes", classes=len(np.unique(labels)), limit=MAX_CLASSES)
    classes, indices = np.unique(labels, return_inverse=True)
    if len(classes) < 2:
        raise UploadError("one_class")
    if len(classes) > MAX_CLASSES:
        raise UploadError("too_many_classes", classes=len(classes), limit=MAX_CLASSES)
    return indices.astype(np.int64)


def weights_to_npz(run, theta):
    """The network's architecture and weights ``theta`` as the bytes of an .npz file."""
    buffer = io.BytesIO()
    spec = run.spec
    np.savez(buffer, theta=theta, hidden=np.array(spec.hidden, dtype=np.int64),
             activations=np.array(spec.activations, dtype="U16"),
             features=np.array(spec.features, dtype="U8"), task=np.array(spec.task),
             n_outputs=np.array(spec.n_outputs), init=np.array(spec.init),
             seed=np.array(spec.seed))
    return buffer.getvalue()


MAX_NPZ_BYTES = 512 * 1024


def weights_from_npz(content):
    """(NetworkSpec, theta) from an uploaded .npz, validated like an upload: size limits
    (of the file and of what it unpacks to) before loading, no pickles, and every field checked."""
    if len(content) > MAX_NPZ_BYTES:
        raise UploadError("too_large", size=len(content), limit=MAX_NPZ_BYTES)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UploadError("not_npz") from None
    if unpacked > MAX_NPZ_BYTES:
        raise UploadError("too_large", size=unpacked, limit=MAX_NPZ_BYTES)
    try:
        with np.load(io.BytesIO(content), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError):
        raise UploadError("not_npz") from None
    try:
        spec = _spec_from_arrays(arrays)
        theta = np.asarray(arrays["theta"], dtype=np.float64)
        expected = build_model(spec).theta.shape
    except (KeyError, TypeError, ValueError) as error:
        raise UploadError("bad_weights", detail=str(error)) from None
    if theta.shape != expected:
        raise UploadError("bad_weights", detail=f"{theta.size} weights for a network that has "
                                                f"{expected[0]}")
    if not np.isfinite(theta).all():
        raise UploadError("bad_weights", detail="some weights are NaN or infinite")
    return spec, theta


def _spec_from_arrays(arrays):
    hidden = tuple(int(n) for n in np.asarray(arrays["hidden"], dtype=np.int64).ravel())
    activations = tuple(str(a) for a in np.asarray(arrays["activations"]).ravel())
    features = tuple(str(f) for f in np.asarray(arrays["features"]).ravel())
    task, init = str(arrays["task"]), str(arrays["init"])
    n_outputs, seed = int(arrays["n_outputs"]), int(arrays["seed"])
    if len(hidden) > MAX_HIDDEN or any(not 1 <= n <= MAX_UNITS for n in hidden):
        raise ValueError(f"0 to {MAX_HIDDEN} hidden layers of 1 to {MAX_UNITS} units allowed")
    if len(activations) != len(hidden) or any(a not in ACTIVATIONS for a in activations):
        raise ValueError("the activations do not match the hidden layers")
    if not features or len(set(features)) != len(features) or any(
            f not in FEATURES for f in features):
        raise ValueError("unknown or repeated input features")
    if task not in ("classification", "regression"):
        raise ValueError(f"unknown task {task!r}")
    if not (2 <= n_outputs <= MAX_CLASSES if task == "classification" else n_outputs == 1):
        raise ValueError(f"{n_outputs} outputs do not fit a {task}")
    if not 0 <= seed < 2**32:
        raise ValueError("the seed is out of range")
    return NetworkSpec(features, hidden, activations, task, n_outputs, init, seed)


def history_to_csv(history):
    """The per-epoch history (dict of equal-length lists) as CSV text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HISTORY_COLUMNS)
    for row in zip(*(history[name] for name in HISTORY_COLUMNS), strict=True):
        writer.writerow([f"{value:.6g}" if isinstance(value, float) else value for value in row])
    return out.getvalue()


@dataclass
class Snapshot:
    """What the page draws from: plain copies made after a chunk of training."""

    epoch: int = 0
    theta: np.ndarray = None
    history: dict = field(default_factory=dict)
    gradient_norms: list = field(default_factory=list)
    update_ratios: list = field(default_factory=list)
    diverged: bool = False
    reason: str = ""
    finished: bool = False


def snapshot_of(run):
    """Copy everything the page needs out of a run (the run keeps training meanwhile)."""
    return Snapshot(
        epoch=run.epoch, theta=run.model.theta.copy(),
        history={name: list(values) for name, values in run.history.items()},
        gradient_norms=list(run.gradient_norms), update_ratios=list(run.update_ratios),
        diverged=run.diverged, reason=run.reason, finished=run.finished,
    )
