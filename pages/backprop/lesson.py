"""The backprop lesson's logic: the student's numbers in, plain results out (no Streamlit).

Every section works the same way. The page passes what the widgets say; this module builds the
graph or the layers from those numbers, replays the backward pass to the step on screen, and
checks each gradient against an independent oracle (finite differences, the fused node,
nn_core.MLP). A graph is rebuilt on every run: building and replaying a classroom graph takes
well under a millisecond, and a rebuilt graph cannot carry anything from another session.

Input the lesson cannot use raises ``InputProblem``, which names a translated message and its
fields, so the page can say in the student's language what to fix.
"""

import math
import re
import time
from dataclasses import dataclass, field

import numpy as np

import nn_core
from nn_core.graph import (
    Value,
    apple_graph,
    apple_orange_graph,
    mlp_graph,
    pending_gradients,
    replay,
    sigmoid_expanded,
    tanh_expanded,
    topological_order,
)
from nn_core.model import count_parameters

# Centred differences agree with a correct backward pass to ~1e-9 in float64 (1e-7 is the
# tolerance every gradient check of the project uses; a wrong formula is off by ~1e-2).
TOLERANCE = 1e-7
# Below this size a gradient is zero to float64 rounding, and so is any difference from it:
# a relative error between two such arrays measures only noise (e.g. a saturated softmax).
ZERO_SCALE = 1e-12

# --- bounds on what a student can type ------------------------------------------------------
MATRIX_CAP = 100.0  # |entry| of a typed matrix: logits stay moderate, differences accurate
MAX_ROWS = 3  # a batch of at most 3 samples
MAX_COLUMNS = 4
MAX_TEXT = 200  # characters of a typed matrix, checked before anything is parsed


class InputProblem(ValueError):
    """Input the lesson cannot use: ``key`` names the page's message, ``fields`` fill it."""

    def __init__(self, key, **fields):
        super().__init__(f"{key}: {fields}")
        self.key = key
        self.fields = fields


# Students copy numbers from the page (real minus signs) or type them with a Chinese input
# method (full-width punctuation): both mean what they look like.
_SAME_AS_ASCII = str.maketrans({"−": "-", "，": ",", "；": ";", "　": " ", "．": "."})


def parse_matrix(text, name, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS, cap=MATRIX_CAP):
    """A matrix typed as rows separated by ";" (or new lines), entries by "," or spaces:
    "1, -0.5; -2, 3" -> [[1, -0.5], [-2, 3]]. ``name`` is the string key of the matrix's name.

    >>> parse_matrix("1, -0.5; -2, 3", "x").tolist()
    [[1.0, -0.5], [-2.0, 3.0]]
    """
    if len(text) > MAX_TEXT:
        raise InputProblem("bp_problem_too_long", name=name, limit=MAX_TEXT)
    rows = [row for row in re.split(r"[;\n]", text.translate(_SAME_AS_ASCII)) if row.strip()]
    if not rows:
        raise InputProblem("bp_problem_empty", name=name)
    if len(rows) > max_rows:
        raise InputProblem("bp_problem_rows", name=name, rows=len(rows), limit=max_rows)
    matrix = []
    for r, row in enumerate(rows, start=1):
        cells = [cell for cell in re.split(r"[,\s]+", row.strip()) if cell]
        if len(cells) > max_columns:
            raise InputProblem("bp_problem_columns", name=name, row=r, columns=len(cells),
                               limit=max_columns)
        if matrix and len(cells) != len(matrix[0]):
            raise InputProblem("bp_problem_ragged", name=name, row=r, got=len(cells),
                               expected=len(matrix[0]))
        matrix.append([_number(cell, name, r, c, cap) for c, cell in enumerate(cells, start=1)])
    return np.array(matrix, dtype=np.float64)


def parse_vector(text, name, max_length=MAX_COLUMNS, cap=MATRIX_CAP):
    """One row of numbers, "0.1, 0, -0.1", as a 1-D array."""
    matrix = parse_matrix(text, name, max_rows=1, max_columns=max_length, cap=cap)
    return matrix[0]


def parse_labels(text, name, n_samples, n_classes):
    """Class indices, one per sample: "2, 0" -> [2, 0], each in [0, n_classes)."""
    values = parse_vector(text, name, max_length=MAX_ROWS, cap=MATRIX_CAP)
    for c, value in enumerate(values, start=1):
        if value != int(value) or not 0 <= value < n_classes:
            raise InputProblem("bp_problem_label", name=name, cell=f"{value:g}", column=c,
                               high=n_classes - 1)
    if len(values) != n_samples:
        raise InputProblem("bp_problem_label_count", name=name, got=len(values),
                           expected=n_samples)
    return values.astype(np.int64)


def _number(cell, name, row, column, cap):
    try:
        value = float(cell)
    except ValueError:
        raise InputProblem("bp_problem_not_number", name=name, cell=cell[:20], row=row,
                           column=column) from None
    if not math.isfinite(value):
        raise InputProblem("bp_problem_not_finite", name=name, cell=cell[:20], row=row,
                           column=column)
    if abs(value) > cap:
        raise InputProblem("bp_problem_too_large", name=name, cell=cell[:20], row=row,
                           column=column, cap=f"{cap:g}")
    return value


def _check_shape(array, shape, name, other):
    """``array`` must have ``shape`` to fit ``other`` (string keys of the two names)."""
    if array.shape != shape:
        raise InputProblem("bp_problem_shape", name=name, other=other,
                           expected=shape_text(shape), got=shape_text(array.shape))


def shape_text(shape):
    """(2, 3) -> "2×3", (3,) -> "3": a shape as the page prints it."""
    return "×".join(str(n) for n in shape)


# --- scalar graphs replayed to a step -------------------------------------------------------
@dataclass(frozen=True)
class Walk:
    """A graph of Values after the first ``len(steps)`` steps of its backward pass."""

    root: Value
    steps: list  # the BackwardSteps applied, root first
    n_steps: int  # steps of the whole pass

    @property
    def k(self):
        return len(self.steps)

    @property
    def current(self):
        """The step just taken (None before the first)."""
        return self.steps[-1] if self.steps else None

    @property
    def done(self):
        return self.k == self.n_steps

    @property
    def pending(self):
        """Nodes whose gradient is not final yet (drawn as unknown)."""
        return pending_gradients(self.root, self.steps)

    @property
    def highlight(self):
        """The node whose step was just taken (its inputs show their new gradients). Not the
        inputs too: a drawn input fills the circle of the operation that made it as well,
        which would look like a second step."""
        step = self.current
        return [] if step is None else [step.node]

    def node(self, label):
        return next(node for node in topological_order(self.root) if node.label == label)


def walk_to(root, k):
    """``root``'s graph replayed to ``k`` steps, ``k`` clamped to the pass's length (a graph
    with fewer steps than the student's place, after switching graphs, shows its last step)."""
    n_steps = len(replay(root))
    return Walk(root, replay(root, max(0, min(k, n_steps))), n_steps)


SHOP_GRAPHS = ("apples", "apples_oranges")
# The builders' English labels, and the keys of their display names on the page.
SHOP_LABELS = {
    "apple price": "bp_node_apple_price", "apples": "bp_node_apples",
    "apple total": "bp_node_apple_total", "orange price": "bp_node_orange_price",
    "oranges": "bp_node_oranges", "orange total": "bp_node_orange_total",
    "subtotal": "bp_node_subtotal", "tax": "bp_node_tax", "total": "bp_node_total",
}


@dataclass(frozen=True)
class Shopping:
    graph: str  # one of SHOP_GRAPHS
    apple_price: float
    apples: int
    orange_price: float
    oranges: int
    tax: float


def shopping_walk(shopping, k, labels=None):
    """The textbook's shopping graph with the student's numbers, replayed to step ``k``.
    ``labels`` maps the builders' English labels to the names to draw."""
    if shopping.graph == "apples":
        root = apple_graph(shopping.apple_price, shopping.apples, shopping.tax)
    else:
        root = apple_orange_graph(shopping.apple_price, shopping.apples, shopping.orange_price,
                                  shopping.oranges, shopping.tax)
    for node in topological_order(root):
        node.label = (labels or {}).get(node.label, node.label)
    return walk_to(root, k)


def shopping_inputs(walk):
    """The graph's inputs (leaves), whose gradients the finished pass explains."""
    return [node for node in topological_order(walk.root) if not node.op]


# --- sigmoid and tanh: the expanded graph against the fused node -----------------------------
ACTIVATION_GRAPHS = ("sigmoid", "tanh")
# exp(-x) in the expanded sigmoid overflows float64 beyond this (e^709.78 ≈ 1.8e308).
EXP_LIMIT = math.log(np.finfo(np.float64).max)
# Names of the expanded graphs' nodes, by the operation that made them: the textbook's figure.
_EXPANDED_NAMES = {
    "sigmoid": {"×(−1)": "−x", "exp": "exp(−x)", "+1": "1 + exp(−x)", "1/x": "y"},
    "tanh": {"×(−2)": "−2x", "×2": "2x", "exp": "e", "1−x": "1 − e", "−1": "e − 1",
             "+1": "1 + e", "÷": "y"},
}


@dataclass(frozen=True)
class ActivationGraphs:
    function: str
    x: float
    expanded: Walk | None  # None where the expanded graph overflows (see ``overflow``)
    fused: Walk  # one node, its whole pass
    overflow: bool  # exp(−x) of the expanded sigmoid is beyond float64

    @property
    def y(self):
        return self.fused.root.data

    @property
    def fused_grad(self):
        return self.fused.node("x").grad

    @property
    def expanded_grad(self):
        return self.expanded.node("x").grad

    @property
    def difference(self):
        """|expanded − fused| of dy/dx after the whole expanded pass (None before)."""
        if self.expanded is None or not self.expanded.done:
            return None
        return abs(self.expanded_grad - self.fused_grad)

    @property
    def relative_difference(self):
        difference = self.difference
        if difference is None:
            return None
        scale = max(abs(self.expanded_grad), abs(self.fused_grad))
        return difference / scale if scale else 0.0

    @property
    def exp_term(self):
        """exp(−x) for sigmoid, e = exp(−2|x|) for tanh: the factor the algebra simplifies
        (None where it overflows)."""
        if self.function == "sigmoid":
            return None if self.overflow else math.exp(-self.x)
        return math.exp(-2.0 * abs(self.x))


def activation_graphs(function, x, k):
    """sigmoid or tanh of ``x`` twice: the expanded graph replayed to ``k`` steps, and the
    fused node, whose backward needs only its output y."""
    if function not in ACTIVATION_GRAPHS:
        raise ValueError(f"unknown function {function!r}; choose one of: sigmoid, tanh")
    fused_x = Value(x, "x")
    fused = (fused_x.sigmoid() if function == "sigmoid" else fused_x.tanh())
    fused.label = "y"
    overflow = function == "sigmoid" and -x > EXP_LIMIT
    expanded = None
    if not overflow:
        expanded_x = Value(x, "x")
        root = (sigmoid_expanded if function == "sigmoid" else tanh_expanded)(expanded_x)
        names = _EXPANDED_NAMES[function]
        for node in topological_order(root):
            node.label = names.get(node.op, node.label)
        expanded = walk_to(root, k)
    return ActivationGraphs(function, x, expanded, walk_to(fused, 1), overflow)


# --- ReLU's mask ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReluPass:
    x: np.ndarray
    dout: np.ndarray
    mask: np.ndarray  # True where x <= 0: those entries pass no gradient
    out: np.ndarray
    dx: np.ndarray

    @property
    def blocked(self):
        """How many entries pass no gradient (x ≤ 0)."""
        return int(self.mask.sum())


def relu_pass(x, dout):
    """x through nn_core's own ReLU layer, and dout back through it."""
    _check_shape(dout, x.shape, "bp_name_dout", "bp_name_relu_x")
    layer = nn_core.get_activation("relu")
    out = layer.forward(x)
    upstream = dout.copy()
    upstream.setflags(write=False)  # the layer may not write into the gradient it is given
    dx = layer.backward(upstream)
    return ReluPass(x, dout, x <= 0, out, dx)


def relu_from_text(x_text, dout_text):
    """``relu_pass`` of the two matrices as the student typed them."""
    return relu_pass(parse_matrix(x_text, "bp_name_relu_x"),
                     parse_matrix(dout_text, "bp_name_dout"))


# --- gradients checked against finite differences --------------------------------------------
@dataclass(frozen=True)
class GradientCheck:
    """A gradient from backprop next to centred finite differences of the same loss."""

    analytic: np.ndarray
    numeric: np.ndarray
    relative_error: float
    scale: float  # the larger of the two arrays' largest entries

    @property
    def zero(self):
        """Both are 0 to float64 rounding: a relative error between them means nothing."""
        return self.scale < ZERO_SCALE

    @property
    def agrees(self):
        return self.zero or self.relative_error < TOLERANCE


def check_gradient(analytic, f, x, eps=1e-6):
    """Compare ``analytic`` with ``numerical_gradient(f, x)`` (``x`` is perturbed in place)."""
    numeric = nn_core.numerical_gradient(f, x, eps).astype(np.float64)
    analytic = np.asarray(analytic, dtype=np.float64)
    scale = float(max(np.max(np.abs(analytic), initial=0.0), np.max(np.abs(numeric), initial=0.0)))
    return GradientCheck(analytic, numeric, nn_core.relative_error(analytic, numeric), scale)


def _extended(array):
    """A copy in extended precision: the loss's own rounding (~1e-16 / eps) then stays far
    below the tolerance, as in ``nn_core.gradient_check``."""
    return np.array(array, dtype=np.longdouble)


# --- Affine and Softmax-with-Loss -------------------------------------------------------------
@dataclass(frozen=True)
class AffineLesson:
    X: np.ndarray  # N×D
    W: np.ndarray  # D×K
    b: np.ndarray  # K
    labels: np.ndarray  # N class indices
    Z: np.ndarray  # N×K scores X·W + b
    probabilities: np.ndarray  # softmax(Z)
    onehot: np.ndarray  # t
    loss: float
    dZ: np.ndarray  # (y − t) / N: the dout that arrives at the Affine layer
    dX: np.ndarray
    dW: np.ndarray
    db: np.ndarray
    checks: dict  # "dZ", "dX", "dW", "db" -> GradientCheck

    @property
    def n(self):
        return len(self.X)


def affine_softmax(X, W, b, labels):
    """A batch through nn_core's Dense layer and SoftmaxCrossEntropy, and back; every gradient
    checked against finite differences of the loss."""
    _check_shape(W, (X.shape[1], W.shape[1]), "bp_name_w", "bp_name_x")
    _check_shape(b, (W.shape[1],), "bp_name_b", "bp_name_w")
    dense = nn_core.Dense(X.shape[1], W.shape[1])
    dense.W, dense.b = W, b
    loss_layer = nn_core.SoftmaxCrossEntropy()
    Z = dense.forward(X)
    loss = float(loss_layer.forward(Z, labels))
    dZ = loss_layer.backward()
    dX = dense.backward(dZ)
    dW, db = dense.dW.copy(), dense.db.copy()

    X_ext, W_ext, b_ext, Z_ext = _extended(X), _extended(W), _extended(b), _extended(Z)

    def loss_of_affine():
        return nn_core.SoftmaxCrossEntropy().forward(X_ext @ W_ext + b_ext, labels)

    def loss_of_scores():
        return nn_core.SoftmaxCrossEntropy().forward(Z_ext, labels)

    checks = {
        "dZ": check_gradient(dZ, loss_of_scores, Z_ext),
        "dX": check_gradient(dX, loss_of_affine, X_ext),
        "dW": check_gradient(dW, loss_of_affine, W_ext),
        "db": check_gradient(db, loss_of_affine, b_ext),
    }
    onehot = np.eye(W.shape[1])[labels]
    return AffineLesson(X, W, b, labels, Z, nn_core.softmax(Z), onehot, loss, dZ, dX, dW, db,
                        checks)


def affine_from_text(x_text, w_text, b_text, labels_text):
    """``affine_softmax`` of the batch, weights, bias and labels as the student typed them."""
    X = parse_matrix(x_text, "bp_name_x")
    W = parse_matrix(w_text, "bp_name_w")
    b = parse_vector(b_text, "bp_name_b")
    labels = parse_labels(labels_text, "bp_name_t", len(X), W.shape[1])
    return affine_softmax(X, W, b, labels)


SINGLE_LAYER_ACTIVATIONS = ("sigmoid", "tanh", "relu")


@dataclass(frozen=True)
class SingleLayer:
    """y = f(x·W + b) for one sample x: dy_j/dW_ij = x_i f′(z_j), dy_j/db_j = f′(z_j)."""

    activation: str
    x: np.ndarray  # D
    z: np.ndarray  # K
    y: np.ndarray
    slope: np.ndarray  # f′(z)
    dy_dW: np.ndarray  # D×K: the outer product x ⊗ f′(z)
    dy_db: np.ndarray  # K
    check: GradientCheck  # dy_dW against finite differences
    kink: bool  # some z is at ReLU's kink, where f′ is a convention, not a slope


def single_layer(x, W, b, activation):
    """The derivative of one layer's outputs with respect to its weights, ∂y/∂W = x f′(z)ᵀ
    here (x·W, W stored D×K), the textbook's f′(Wx + b)·xᵀ for W stored K×D."""
    if activation not in SINGLE_LAYER_ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}")
    layer = nn_core.get_activation(activation)
    z = x @ W + b
    slope = layer.derivative(z)
    dy_dW = np.outer(x, slope)
    x_ext, W_ext, b_ext = _extended(x), _extended(W), _extended(b)

    def total_output():
        # y_j depends on column j of W only, so d(Σ_j y_j)/dW_ij = dy_j/dW_ij.
        return np.sum(nn_core.get_activation(activation).forward(x_ext @ W_ext + b_ext))

    check = check_gradient(dy_dW, total_output, W_ext)
    kink = activation == "relu" and bool(np.any(np.abs(z) < 1e-6))
    return SingleLayer(activation, x, z, layer.forward(z), slope, dy_dW, slope.copy(), check,
                       kink)


# --- a whole tiny network, layer by layer -----------------------------------------------------
NETWORK_ACTIVATIONS = ("relu", "tanh", "sigmoid", "identity")
HIDDEN_UNITS = (2, 3)
# The layer-level backward pass: Softmax-with-Loss, Affine 2, the activation, Affine 1.
NETWORK_STEPS = ("loss", "affine2", "activation", "affine1")


@dataclass(frozen=True)
class NetworkCheck:
    name: str  # "W1", "b1", "W2", "b2"
    grad: np.ndarray  # nn_core.MLP's gradient
    graph_error: float  # relative error against the network unrolled into Values
    finite: GradientCheck  # against finite differences


@dataclass(frozen=True)
class NetworkLesson:
    """A 2-H-2 MLP on one sample: every forward value and every gradient, layer by layer."""

    activation: str
    x: np.ndarray  # 1×2
    label: int
    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray
    z1: np.ndarray  # 1×H
    h1: np.ndarray
    z2: np.ndarray  # 1×2 logits
    probabilities: np.ndarray
    onehot: np.ndarray
    loss: float
    dz2: np.ndarray
    dh1: np.ndarray
    slope: np.ndarray  # f′(z1)
    dz1: np.ndarray
    dW1: np.ndarray
    db1: np.ndarray
    dW2: np.ndarray
    db2: np.ndarray
    checks: list  # NetworkCheck per parameter array
    graph_loss: float  # the Value graph's loss
    value_graph: object = field(repr=False)  # the MLPGraph after its backward pass

    @property
    def blocked_units(self):
        """Hidden units (numbered from 1) whose derivative f′(z1) is 0 here: no gradient
        passes them, so their weights' gradients are exactly 0 (a ReLU unit with z1 ≤ 0)."""
        return [j + 1 for j, slope in enumerate(self.slope[0]) if slope == 0]


def network_lesson(hidden, activation, x1, x2, label, seed):
    """nn_core.MLP([2, hidden, 2]) on the one sample (x1, x2) with class ``label``: forward
    and backward layer by layer, then the same gradients from the network unrolled into Values
    and from finite differences."""
    model = nn_core.MLP([2, hidden, 2], activation=activation, init="xavier", seed=seed)
    X, y = model.check_data([[x1, x2]], [label])
    dense1, act, dense2 = model.layers
    z1 = dense1.forward(X)
    h1 = act.forward(z1)
    z2 = dense2.forward(h1)
    loss = float(model.loss_fn.forward(z2, y))
    dz1, dh1, dz2 = model.backward()  # what arrived at each layer's output
    dW1, db1, dW2, db2 = (g.copy() for g in model.grads())

    graph = mlp_graph(model, X, y)
    graph.loss.backward()
    X_ext = X.astype(np.longdouble)

    def loss_of_parameters():
        return model.loss(X_ext, y, checked=True)

    checks = []
    for name, p, g, graph_grad in zip(("W1", "b1", "W2", "b2"), model.params(),
                                      (dW1, db1, dW2, db2), graph.grads(), strict=True):
        graph_error = nn_core.relative_error(g, np.array(graph_grad))
        checks.append(NetworkCheck(name, g, graph_error, check_gradient(g, loss_of_parameters,
                                                                        p)))
    return NetworkLesson(
        activation, X, int(y[0]), dense1.W.copy(), dense1.b.copy(), dense2.W.copy(),
        dense2.b.copy(), z1, h1, z2, nn_core.softmax(z2), np.eye(2)[y], loss, dz2, dh1,
        act.derivative(z1), dz1, dW1, db1, dW2, db2, checks, graph.loss.data, graph)


# --- why backprop: one backward pass against 2P forward passes --------------------------------
# Finite differences over every parameter need 2P forward passes: at this cap that is 10,000
# passes of a small network on 8 samples, about a second on one core (benchmarks/bench_backprop.py).
MAX_TIMED_PARAMETERS = 5_000
TIMING_SAMPLES = 8
SPEED_DEPTH = (1, 3)
SPEED_WIDTH = (1, 64)
PAUSE_EVERY = 256  # forward passes between two chances to let other students' work run
BACKPROP_BATCH = 16  # forward + backward passes timed before, after and at every break
# A small network's finite differences take a few milliseconds, less than one time slice of a
# busy server: they are repeated up to this many forward passes in all, and averaged.
MIN_FINITE_PASSES = 2048


def speed_sizes(depth, width):
    """Layer sizes of the timed network: 2 inputs, ``depth`` hidden layers of ``width``, 2
    outputs."""
    return [2, *[width] * depth, 2]


def speed_parameters(depth, width):
    """P, the number of weights and biases of the timed network."""
    return count_parameters(speed_sizes(depth, width))


@dataclass(frozen=True)
class SpeedResult:
    depth: int
    width: int
    n_parameters: int
    finite_seconds: float  # numerical_gradient over every parameter (2P forward passes)
    finite_repeats: int  # how many times it ran (``finite_seconds`` is their mean)
    backprop_seconds: float  # one forward and one backward pass (a mean over many)
    backprop_passes: int  # how many forward + backward passes that mean is over
    relative_error: float  # largest over the parameter arrays

    @property
    def forward_passes(self):
        return 2 * self.n_parameters

    @property
    def ratio(self):
        return self.finite_seconds / self.backprop_seconds

    @property
    def agrees(self):
        return self.relative_error < TOLERANCE


def time_gradients(depth, width, pause=None):
    """Time finite differences over every parameter of a tanh network against backprop, and
    compare the two gradients.

    The server is shared, so its speed changes from one moment to the next: backprop is timed
    in batches of ``BACKPROP_BATCH`` passes before, after and at every ``PAUSE_EVERY`` forward
    passes of the finite differences, so both are measured under the same conditions, and a
    small network's finite differences run several times (``MIN_FINITE_PASSES``). At the
    breaks ``pause`` (an admission turn's ``checkpoint``) lets other work run; neither the
    pause nor the backprop batches count towards the finite differences' time.
    """
    n_parameters = speed_parameters(depth, width)
    if n_parameters > MAX_TIMED_PARAMETERS:
        raise InputProblem("bp_speed_too_big", parameters=n_parameters,
                           limit=MAX_TIMED_PARAMETERS)
    model = nn_core.MLP(speed_sizes(depth, width), activation="tanh", init="xavier", seed=0)
    X, y = model.check_data(*nn_core.make_dataset("moons", n_samples=TIMING_SAMPLES, seed=0))
    model.loss(X, y, checked=True)
    model.backward()
    analytic = [g.copy() for g in model.grads()]

    backprop = {"seconds": 0.0, "passes": 0}
    passes, excluded = 0, 0.0

    def time_backprop():
        # While finite differences run, one parameter is nudged: backprop costs the same.
        start = time.perf_counter()
        for _ in range(BACKPROP_BATCH):
            model.loss(X, y, checked=True)
            model.backward()
        backprop["seconds"] += time.perf_counter() - start
        backprop["passes"] += BACKPROP_BATCH

    def loss():
        nonlocal passes, excluded
        passes += 1
        if passes % PAUSE_EVERY == 0:
            start = time.perf_counter()
            time_backprop()
            if pause is not None:
                pause()
            excluded += time.perf_counter() - start
        return model.loss(X, y, checked=True)

    repeats = -(-MIN_FINITE_PASSES // (2 * n_parameters))  # at least once
    time_backprop()
    start = time.perf_counter()
    for _ in range(repeats):
        numeric = [nn_core.numerical_gradient(loss, p) for p in model.params()]
    finite_seconds = (time.perf_counter() - start - excluded) / repeats
    time_backprop()
    error = max(nn_core.relative_error(a, n) for a, n in zip(analytic, numeric, strict=True))
    return SpeedResult(depth, width, n_parameters, finite_seconds, repeats,
                       backprop["seconds"] / backprop["passes"], backprop["passes"], error)
