"""nn_core: a small, exact numpy neural-network engine for teaching.

>>> import nn_core
>>> X, y = nn_core.make_dataset("moons", n_samples=200, noise=0.1, seed=0)
>>> model = nn_core.MLP([2, 16, 16, 2], activation="relu", seed=0)
>>> history = nn_core.fit(model, X, y, nn_core.Adam(0.01), epochs=50, batch_size=32)
>>> history.train_accuracy[-1] > 0.95
True
>>> nn_core.gradient_check(model, X[:20], y[:20]) < 1e-7
True
"""

from nn_core import graph as graph  # nn_core.graph: scalar computational graphs (Value)
from nn_core.activations import (
    ACTIVATION_PARAMS,
    ACTIVATIONS,
    Activation,
    get_activation,
    log_softmax,
    softmax,
)
from nn_core.datasets import DATASETS, make_dataset, standardize, train_test_split
from nn_core.diagnostics import (
    LayerStats,
    activity_rate,
    confusion_matrix,
    hidden_signals,
    layer_stats,
    update_ratios,
    weight_gradient_norms,
)
from nn_core.gradcheck import gradient_check, numerical_gradient, relative_error
from nn_core.initializers import INITIALIZERS, init_std
from nn_core.layers import Dense, Maxout
from nn_core.losses import MSELoss, SoftmaxCrossEntropy
from nn_core.model import MLP
from nn_core.optimizers import OPTIMIZERS, SGD, Adam, make_optimizer
from nn_core.training import History, evaluate, fit

__all__ = [
    "ACTIVATIONS", "ACTIVATION_PARAMS", "Activation", "get_activation", "softmax", "log_softmax",
    "DATASETS", "make_dataset", "standardize", "train_test_split",
    "LayerStats", "layer_stats", "update_ratios", "hidden_signals", "activity_rate",
    "weight_gradient_norms", "confusion_matrix",
    "gradient_check", "numerical_gradient", "relative_error",
    "INITIALIZERS", "init_std",
    "Dense", "Maxout", "MSELoss", "SoftmaxCrossEntropy", "MLP",
    "OPTIMIZERS", "SGD", "Adam", "make_optimizer",
    "History", "evaluate", "fit",
]
