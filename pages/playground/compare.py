"""The same network trained by nn_core and by scikit-learn's MLP, side by side, on one click."""

import math
import time
import warnings
from dataclasses import dataclass

import numpy as np

from pages.playground.model import TrainingRun

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


# nn_core's share of a comparison; scikit-learn's takes about as long. The comparison holds a
# server-wide turn for heavy work, so it must stay a few seconds in all.
COMPARE_SECONDS = 2.0


def compare_with_sklearn(data, spec, config, epochs, between=None):
    """Train a fresh copy of our network and scikit-learn's MLP for ``epochs`` epochs with the
    same architecture, split, optimiser, step size and batch size; score both on the test set.

    scikit-learn's ``alpha`` is an L2 penalty on the summed loss, so ours is scaled by the
    training-set size; it has no L1 penalty and one activation for all hidden layers.
    ``between()`` is called between the two trainings (the page gives others a turn there)."""
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
    if between is not None:
        between()

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
