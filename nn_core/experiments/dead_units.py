"""Dead ReLU units: train a network and record, epoch by epoch, which hidden units stop firing.

A hidden unit computes a = f(z) with z = x w + b. It is *dead* on a data set when its output is
exactly 0 for every input of the set. For ReLU, f(z) = max(0, z) and f'(z) = 0 for z <= 0, so
a dead unit sends no gradient to its own w and b: gradient descent cannot revive it (only a
change in the layers below it can). A big update (a high learning rate) or a negative bias
pushes z below 0 for every input, and the unit dies.

A unit's *activity rate* is the fraction of inputs on which it fires (a != 0); dead means an
activity rate of exactly 0. Leaky ReLU, PReLU and ELU output a non-zero value for every z != 0,
so their units cannot die in this sense. GELU and swish can only underflow to an exact 0, far
out in their negative tail.

What such a unit has instead is a *negative side*: the share of inputs with z <= 0 (for ReLU,
exactly the inputs it ignores). A leaky unit can have every input there, as a dead ReLU does,
and still learn: its slope there is alpha (0.01), not 0, so a gradient still reaches w and b.
The run records each unit's share of inputs with z > 0 after every epoch (for ReLU, its
activity rate) and its mean slope f'(z) over the negative-side inputs at the start and at
the end.

>>> config = DeadUnitConfig(epochs=5, width=8)
>>> run = train_and_track(config)
>>> run.activity_rate.shape  # (hidden layers, records: initialisation + 5 epochs, units)
(2, 6, 8)
>>> run.dead_fraction.shape
(6, 2)
"""

from dataclasses import dataclass, replace

import numpy as np

from nn_core._checks import check_choice, check_int, check_number, check_parameter_count
from nn_core.activations import PReLU
from nn_core.datasets import DATASETS, MAX_SAMPLES, make_dataset
from nn_core.diagnostics import activity_rate, cached_signals, hidden_signals
from nn_core.model import MLP, count_parameters
from nn_core.optimizers import OPTIMIZERS, make_optimizer
from nn_core.training import evaluate, fit

# Every epoch adds a record of every unit (its activity rate): this bounds the records' size.
MAX_RECORDED_EPOCHS = 10_000

CLASSIFICATION_SETS = tuple(name for name, info in DATASETS.items()
                            if info.task == "classification")


@dataclass(frozen=True)
class DeadUnitConfig:
    """Everything that decides a run: the same config always trains the same network."""

    dataset: str = "moons"
    activation: str = "relu"
    learning_rate: float = 0.01
    optimizer: str = "adam"
    init: str = "he"
    initial_bias: float = 0.0  # every hidden bias starts at this constant
    width: int = 32  # units per hidden layer
    depth: int = 2  # hidden layers
    epochs: int = 100
    seed: int = 0  # data, initial weights and batch order
    n_samples: int = 300
    noise: float = 0.15
    batch_size: int = 32

    @property
    def layer_sizes(self):
        """[inputs, width, ..., width, classes] for the data set."""
        info = DATASETS[self.dataset]
        return [info.n_features] + [self.width] * self.depth + [info.default_classes]


@dataclass
class DeadUnitRun:
    """What one training run recorded. Row 0 of every per-epoch array is the initialisation.

    If training diverged, the records stop at the last epoch whose weights were finite.
    """

    config: DeadUnitConfig
    epochs: np.ndarray  # (n_records,) epoch numbers 0, 1, 2, ...
    train_loss: np.ndarray  # (n_records,)
    train_accuracy: np.ndarray  # (n_records,)
    dead_fraction: np.ndarray  # (n_records, depth)
    activity_rate: np.ndarray  # (depth, n_records, width)
    positive_share: np.ndarray  # (depth, n_records, width) share of inputs with z > 0
    prelu_slopes: np.ndarray  # (n_records, depth) learned PReLU alphas; (n_records, 0) otherwise
    initial_pre_activation: np.ndarray  # (depth, n_samples, width) z at initialisation
    final_pre_activation: np.ndarray  # (depth, n_samples, width) z after the last recorded epoch
    initial_negative_slope: np.ndarray  # (depth, width) mean f'(z) where z <= 0; NaN if none
    final_negative_slope: np.ndarray  # (depth, width) the same after the last recorded epoch
    diverged: bool = False
    diverged_epoch: int = 0  # the epoch in which training diverged (0 if it did not)

    @property
    def activation(self):
        return self.config.activation

    @property
    def dead_counts_initial(self):
        """(depth,) number of dead units per hidden layer at initialisation."""
        return np.sum(self.activity_rate[:, 0, :] == 0.0, axis=1)

    @property
    def dead_counts_final(self):
        """(depth,) number of dead units per hidden layer after the last recorded epoch."""
        return np.sum(self.activity_rate[:, -1, :] == 0.0, axis=1)

    @property
    def negative_only_final(self):
        """(depth,) units with every input on the negative side after the last recorded epoch
        (for ReLU these are the dead units; for leaky ReLU they still learn, with slope alpha)."""
        return np.sum(self.positive_share[:, -1, :] == 0.0, axis=1)

    @property
    def n_hidden_units(self):
        return self.config.depth * self.config.width

    @property
    def dead_total_initial(self):
        return int(self.dead_counts_initial.sum())

    @property
    def dead_total_final(self):
        return int(self.dead_counts_final.sum())

    @property
    def dead_change(self):
        """Dead units gained (positive) or revived (negative) between initialisation and the end."""
        return self.dead_total_final - self.dead_total_initial

    @property
    def final_accuracy(self):
        return float(self.train_accuracy[-1])


def check_config(config):
    """Return ``config`` if every field is in its allowed range; else raise ValueError.

    Sizes are bounded by the engine itself (``MLP``'s parameter limit, ``make_dataset``'s
    sample limit) and the records by ``MAX_RECORDED_EPOCHS``; an app sets tighter bounds of
    its own for what fits a click.
    """
    check_choice("data set", config.dataset, CLASSIFICATION_SETS)
    check_choice("optimiser", config.optimizer, OPTIMIZERS)
    check_number("learning rate", config.learning_rate, 0.0, 1e6, low_open=True)
    check_number("initial bias", config.initial_bias, -1e3, 1e3)
    check_int("width", config.width, 1)
    check_int("depth", config.depth, 1)
    check_int("epochs", config.epochs, 0, MAX_RECORDED_EPOCHS)
    check_int("seed", config.seed, 0, 2**32 - 1)
    check_int("n_samples", config.n_samples, 10, MAX_SAMPLES)
    check_int("batch_size", config.batch_size, 1)
    check_parameter_count(count_parameters(config.layer_sizes))
    return config


def build_model(config):
    """The MLP of ``config``, every hidden bias starting at ``config.initial_bias``.

    Weights come from ``np.random.default_rng(config.seed)`` layer by layer, and no activation
    draws random numbers, so two configs that differ only in activation start from identical
    weights: a fair comparison.
    """
    return MLP(config.layer_sizes, activation=config.activation, init=config.init, seed=config.seed,
               hidden_bias=config.initial_bias)


def activity_rates(model, X):
    """Per hidden layer, each unit's activity rate on X (0 for a unit dead on X)."""
    return [activity_rate(a) for _, a in hidden_signals(model, X)]


def negative_slopes(model, signals):
    """Per hidden layer, (width,) each unit's mean slope f'(z) over the inputs where z <= 0:
    0 for ReLU, alpha for leaky ReLU and PReLU, between 0 and alpha for ELU; NaN for a unit
    with no input on that side."""
    slopes = []
    for layer, (z, a) in zip(model.hidden_activations(), signals, strict=True):
        negative = z <= 0.0
        count = negative.sum(axis=0)
        total = np.where(negative, layer.slope(z, a), 0.0).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            slopes.append(np.where(count > 0, total / count, np.nan))
    return np.array(slopes)


def prelu_alphas(model):
    """The learned alpha of every PReLU layer, in order (an empty list if there is none)."""
    return [float(layer.alpha[0]) for layer in model.layers if isinstance(layer, PReLU)]


class _Recorder:
    """Collects the per-epoch statistics; ``__call__`` is the callback ``fit`` calls."""

    def __init__(self, model, X, y, total_epochs, on_epoch):
        self.X = X
        self.total_epochs, self.on_epoch = total_epochs, on_epoch
        self.epochs, self.loss, self.accuracy = [], [], []
        self.rates, self.positive, self.slopes = [], [], []
        self.model = model
        # Only a learned slope (PReLU) changes between two records; any other activation's
        # slope on the negative side is a fixed function of z, so it is computed once, at the
        # end, from the last record's z and a.
        self.learned_slopes = any(layer.param_names for layer in model.hidden_activations())
        loss, accuracy = evaluate(model, X, y, checked=True)  # checked by train_and_track
        self.record(0, loss, accuracy)
        self.initial_z = np.stack([z for z, _ in self.last_signals])
        self.initial_negative_slope = negative_slopes(model, self.last_signals)

    def record(self, epoch, loss, accuracy):
        model = self.model
        # fit's exact evaluation of the training set has just run; done in one pass, it left
        # every layer holding z and a of exactly these rows (its first layer saw this very
        # array), so they are read from there rather than computed a second time.
        if model.layers[0].x is self.X:
            signals = cached_signals(model)
        else:
            signals = hidden_signals(model, self.X)
        self.epochs.append(epoch)
        self.loss.append(loss)
        self.accuracy.append(accuracy)
        self.rates.append([activity_rate(a) for _, a in signals])
        self.positive.append([np.mean(z > 0.0, axis=0) for z, _ in signals])
        self.slopes.append(prelu_alphas(model))
        # Kept as they are: every forward pass makes new arrays, it never writes into these.
        self.last_signals = signals
        if self.learned_slopes:
            self.last_negative_slope = negative_slopes(model, signals)

    def __call__(self, epoch, history, model):
        self.record(epoch, history.train_loss[-1], history.train_accuracy[-1])  # our model
        if self.on_epoch is not None:
            self.on_epoch(epoch, self.total_epochs)
        return False  # never stop early

    def run(self, config, history):
        rates = np.array(self.rates)  # (n_records, depth, width)
        last_epoch = self.epochs[-1]
        final_negative_slope = (self.last_negative_slope if self.learned_slopes
                                else negative_slopes(self.model, self.last_signals))
        return DeadUnitRun(
            config=config,
            epochs=np.array(self.epochs),
            train_loss=np.array(self.loss),
            train_accuracy=np.array(self.accuracy),
            dead_fraction=np.mean(rates == 0.0, axis=2),
            activity_rate=rates.transpose(1, 0, 2),
            positive_share=np.array(self.positive).transpose(1, 0, 2),
            prelu_slopes=np.array(self.slopes).reshape(len(self.epochs), -1),
            initial_pre_activation=self.initial_z,
            final_pre_activation=np.stack([z for z, _ in self.last_signals]),
            initial_negative_slope=self.initial_negative_slope,
            final_negative_slope=final_negative_slope,
            diverged=history.diverged,
            diverged_epoch=last_epoch + 1 if history.diverged else 0,
        )


def train_and_track(config, on_epoch=None):
    """Train the network of ``config`` and record its dead units after every epoch.

    ``on_epoch(epoch, total_epochs)`` is called after each epoch (for a progress bar).
    Training that diverges stops early (see ``fit``); the run says so and keeps the records
    of every epoch before it.
    """
    check_config(config)
    X, y = make_dataset(config.dataset, config.n_samples, noise=config.noise, seed=config.seed)
    model = build_model(config)
    X, y = model.check_data(X, y)
    recorder = _Recorder(model, X, y, config.epochs, on_epoch)
    history = fit(model, X, y, make_optimizer(config.optimizer, config.learning_rate),
                  config.epochs, batch_size=config.batch_size, seed=config.seed,
                  callback=recorder)
    return recorder.run(config, history)


def train_runs(config, alternative=None, on_progress=None):
    """The run of ``config``; or, given an ``alternative`` activation, the run with ReLU and
    the same run with ``alternative`` (same seed, data and initial weights), in that order.

    ``on_progress(fraction)`` reports overall progress in [0, 1] after every epoch.
    """
    activations = [config.activation] if alternative is None else ["relu", alternative]
    runs = []
    for done, activation in enumerate(activations):
        def on_epoch(epoch, total, done=done):
            if on_progress is not None:
                on_progress((done + epoch / max(total, 1)) / len(activations))
        runs.append(train_and_track(replace(config, activation=activation), on_epoch))
    return runs


def pre_activation_histogram(initial, final, bins=30):
    """Histogram one unit's pre-activations at initialisation and at the end on shared bins.

    Returns (edges (bins + 1,), initial counts (bins,), final counts (bins,)). Non-finite
    values (from a run about to diverge) are left out; with no finite value at all the three
    arrays are empty.
    """
    bins = check_int("bins", bins, 1, 1000)
    initial = np.asarray(initial, dtype=np.float64)
    final = np.asarray(final, dtype=np.float64)
    initial, final = initial[np.isfinite(initial)], final[np.isfinite(final)]
    both = np.concatenate([initial, final])
    if both.size == 0:
        return np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # Include 0 so the ReLU kink is always on the chart.
    low, high = min(both.min(), 0.0), max(both.max(), 0.0)
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, bins + 1)
    return edges, np.histogram(initial, edges)[0], np.histogram(final, edges)[0]


def epoch_columns(n_records, max_columns=100):
    """Indices of at most ``max_columns`` evenly spaced records, first and last included.

    A heatmap of units x epochs stays small and quick to draw however long the run.

    >>> epoch_columns(5, max_columns=3).tolist()
    [0, 2, 4]
    """
    n_records = check_int("n_records", n_records, 0)
    max_columns = check_int("max_columns", max_columns, 2)
    if n_records <= max_columns:
        return np.arange(n_records)
    return np.unique(np.round(np.linspace(0, n_records - 1, max_columns)).astype(np.int64))
