"""Why zero-centred activations train faster: a two-weight descent fed by sigmoid or tanh outputs.

A neuron with two weights w = (w1, w2) reads the outputs a = f(z) of two units of the layer
before it and should learn the weights w* of a teacher, y = a . w*. Its loss on one input is
L = (a . w - a . w*)^2 / 2, so the gradient is

    dL/dw_i = delta * a_i,    delta = a . w - a . w*,

the same delta for both weights, times each input. Sigmoid outputs are all positive: both
components of every gradient then have the sign of delta, and a step can only move both
weights up or both down. To reach an optimum that needs one weight up and the other down, the
descent has to zig-zag. Tanh outputs have both signs, so steps can point anywhere.

The descent here takes one input per step, in turn (the textbooks' argument is about one
input; a batch adds up gradients whose deltas differ in sign, which softens the effect), with
the same start, learning rate and inputs z for both activations. The targets come from the
teacher, so w* fits every input exactly: the loss is a convex quadratic with its minimum at w*,
whose contour lines are ellipses, and each step moves w no farther from w* (for learning rates
up to 1: lr |a|^2 < 2).

>>> paths = compare_descents(lr=0.5, start=(-2.0, 2.0))
>>> paths["sigmoid"].steps_to_optimum > paths["tanh"].steps_to_optimum
True
>>> bool(np.all(paths["sigmoid"].one_sign))
True
"""

import math
from dataclasses import dataclass

import numpy as np

from nn_core._checks import check_choice, check_int, check_number
from nn_core.activations import get_activation

ACTIVATIONS = ("sigmoid", "tanh")  # all positive outputs vs both signs
TARGET_WEIGHTS = (1.0, -1.0)  # one weight must go up and the other down from the default start
N_INPUTS = 8
TOLERANCE = 0.05  # "reached the optimum": within this distance of w*
MAX_STEPS = 1000
MAX_LEARNING_RATE = 1.0  # lr |a|^2 < 2 for every input a in (-1, 1)^2: no step moves away
START_LIMIT = 10.0


@dataclass(frozen=True)
class DescentPath:
    """Gradient descent of the two weights, one input per step."""

    activation: str
    inputs: np.ndarray  # (n, 2): a = f(z), what the neuron reads
    target: np.ndarray  # w*
    learning_rate: float
    path: np.ndarray  # (steps + 1, 2): the weights before the first step and after each step
    gradients: np.ndarray  # (steps, 2): dL/dw of each step
    steps_to_optimum: int | None  # steps taken to come within the tolerance; None if never
    tolerance: float

    @property
    def steps(self):
        return len(self.gradients)

    @property
    def one_sign(self):
        """Per step: True if both components of the gradient have one sign (or one is 0)."""
        return np.sign(self.gradients[:, 0]) * np.sign(self.gradients[:, 1]) >= 0

    @property
    def one_sign_fraction(self):
        """The fraction of steps whose gradient has one sign (None before any step)."""
        return float(np.mean(self.one_sign)) if self.steps else None

    def signs(self, n_steps):
        """The signs (-1, 0 or 1) of both gradient components for the first ``n_steps`` steps."""
        return [tuple(int(s) for s in row) for row in np.sign(self.gradients[:n_steps])]


def previous_layer_outputs(activation, n_inputs=N_INPUTS, seed=0):
    """What the neuron reads: f(z) of two units for ``n_inputs`` inputs, z ~ N(0, 1), computed
    by the engine's activation layer."""
    check_choice("activation", activation, list(ACTIVATIONS))
    n_inputs = check_int("number of inputs", n_inputs, 2, 1000)
    z = np.random.default_rng(seed).normal(0.0, 1.0, (n_inputs, 2))
    return get_activation(activation).forward(z)


def descend(inputs, target, start, lr, activation="", tolerance=TOLERANCE, max_steps=MAX_STEPS):
    """Gradient descent on L = (a . w - a . w*)^2 / 2, one input a per step, in turn.

    Stops as soon as w is within ``tolerance`` of w* or after ``max_steps`` steps.
    """
    inputs = np.asarray(inputs, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if inputs.ndim != 2 or inputs.shape[1] != 2 or len(inputs) == 0 or target.shape != (2,):
        raise ValueError("give inputs of shape (n, 2) and two target weights")
    lr = check_number("learning rate", lr, 0.0, MAX_LEARNING_RATE, low_open=True)
    tolerance = check_number("tolerance", tolerance, 0.0, 1e3, low_open=True)
    max_steps = check_int("max steps", max_steps, 1, 100_000)
    w1, w2 = (check_number("start weight", value, -START_LIMIT, START_LIMIT) for value in start)
    targets = inputs @ target
    # Python floats: a step is a few multiplications, and numpy's per-call cost would be most
    # of the time for arrays of two numbers.
    rows = [(float(a1), float(a2), float(t)) for (a1, a2), t in zip(inputs, targets, strict=True)]
    goal1, goal2 = float(target[0]), float(target[1])
    path, gradients = [(w1, w2)], []
    reached = 0 if math.hypot(w1 - goal1, w2 - goal2) <= tolerance else None
    for step in range(max_steps if reached is None else 0):
        a1, a2, t = rows[step % len(rows)]
        delta = a1 * w1 + a2 * w2 - t  # dL/d(output)
        g1, g2 = delta * a1, delta * a2  # dL/dw_i = delta * a_i
        w1, w2 = w1 - lr * g1, w2 - lr * g2
        path.append((w1, w2))
        gradients.append((g1, g2))
        if math.hypot(w1 - goal1, w2 - goal2) <= tolerance:
            reached = step + 1
            break
    return DescentPath(activation, inputs, target, lr, np.array(path),
                       np.array(gradients).reshape(-1, 2), reached, tolerance)


def compare_descents(lr, start, target=TARGET_WEIGHTS, n_inputs=N_INPUTS, seed=0,
                     tolerance=TOLERANCE, max_steps=MAX_STEPS):
    """{activation: DescentPath} for sigmoid and tanh outputs of the same z, same start and lr."""
    return {name: descend(previous_layer_outputs(name, n_inputs, seed), target, start, lr,
                          name, tolerance, max_steps)
            for name in ACTIVATIONS}


def mean_loss(inputs, target, w):
    """L(w) = mean over the inputs of (a . w - a . w*)^2 / 2."""
    residual = np.asarray(inputs) @ (np.asarray(w, dtype=np.float64) - np.asarray(target))
    return 0.5 * float(np.mean(residual * residual))


def loss_contours(inputs, target, levels, n_points=121):
    """Contour lines of the mean loss at ``levels``, as closed curves (levels, n_points, 2).

    L(w) = (w - w*)' H (w - w*) / 2 with H = mean of a a': the level set L = c is the ellipse
    w* + sqrt(2c) V diag(1 / sqrt(lambda)) (cos t, sin t), with H = V diag(lambda) V'.
    """
    inputs = np.asarray(inputs, dtype=np.float64)
    hessian = inputs.T @ inputs / len(inputs)
    eigenvalues, eigenvectors = np.linalg.eigh(hessian)
    axes = eigenvectors / np.sqrt(np.maximum(eigenvalues, 1e-12))
    angle = np.linspace(0.0, 2.0 * np.pi, n_points)
    circle = np.stack([np.cos(angle), np.sin(angle)])
    radii = np.sqrt(2.0 * np.asarray(levels, dtype=np.float64))
    return np.asarray(target)[None, None, :] + radii[:, None, None] * (axes @ circle).T[None]


def contour_levels(path, n_levels=6, ratio=4.0):
    """Levels for ``path``'s contour lines: the loss at its start, then each ``ratio`` times
    smaller, so the innermost lines show the last steps."""
    start_loss = mean_loss(path.inputs, path.target, path.path[0])
    return start_loss / ratio ** np.arange(n_levels)


def view_limits(paths, margin=0.15):
    """One square view (low, high) for both axes holding every path and the optimum, so that
    the two panels share their scales."""
    points = np.concatenate([p.path for p in paths] + [p.target[None] for p in paths])
    low, high = float(points.min()), float(points.max())
    pad = margin * max(high - low, 1.0)
    return low - pad, high + pad


@dataclass(frozen=True)
class ZeroCentredLesson:
    """Both descents with what their panels draw: contour lines and one shared view."""

    paths: dict  # activation -> DescentPath
    contours: dict  # activation -> (levels, n_points, 2) closed curves of its mean loss
    view: tuple  # (low, high) for both axes of both panels


def zero_centred_lesson(lr, start, target=TARGET_WEIGHTS):
    """The two descents of the lesson (sigmoid and tanh outputs, same start and lr), their
    loss contours and a shared view."""
    paths = compare_descents(lr, start, target)
    contours = {name: loss_contours(path.inputs, path.target, contour_levels(path))
                for name, path in paths.items()}
    return ZeroCentredLesson(paths, contours, view_limits(list(paths.values())))
