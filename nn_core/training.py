"""The training loop: mini-batch gradient descent that reports what happened in a History."""

import math
from dataclasses import dataclass, field

import numpy as np

from nn_core._checks import check_int, check_number

# Training counts as diverged when the loss climbs this far above where it started.
EXPLOSION_FACTOR = 100.0


@dataclass
class History:
    """Per-epoch record of a ``fit`` run (accuracy lists stay empty for regression)."""

    train_loss: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    epochs: int = 0
    diverged: bool = False
    stopped_early: bool = False
    reason: str = ""


def evaluate(model, X, y):
    """(mean loss, accuracy) of ``model`` on (X, y); accuracy is NaN for regression."""
    out = model.forward(X, checked=True)
    loss = model.loss_fn.forward(out, y)
    if model.task != "classification":
        return loss, math.nan
    return loss, float(np.mean(np.argmax(out, axis=1) == y))


def fit(model, X, y, optimizer, epochs, batch_size=None, seed=0, X_val=None, y_val=None,
        l1=0.0, l2=0.0, callback=None):
    """Train ``model`` on (X, y) for ``epochs`` passes; returns a History.

    Each epoch shuffles the data with its own seeded generator, takes mini-batches of
    ``batch_size`` (``None``: the whole set), and after each gradient adds the penalties
    l1 * sign(W) + l2 * W for the weights (not the biases): the gradients of
    l1 * sum|W| + (l2 / 2) * sum W^2. Loss and accuracy are measured on the whole training and
    validation sets after every epoch (the loss without the penalty).

    ``callback(epoch, history, model)`` runs after each epoch; returning True stops training.
    If the loss or the parameters become NaN or infinite, or the loss climbs far above its
    starting value, training stops with ``history.diverged`` set and a reason; it never raises.

    >>> from nn_core import MLP, Adam, make_dataset
    >>> X, y = make_dataset("xor", n_samples=200, seed=0)
    >>> history = fit(MLP([2, 8, 2], "tanh"), X, y, Adam(0.05), epochs=100)
    >>> history.train_accuracy[-1] > 0.9
    True
    """
    X, y = model.check_data(X, y)
    validate = X_val is not None
    if validate:
        X_val, y_val = model.check_data(X_val, y_val)
    epochs = check_int("epochs", epochs, 0, 1_000_000)
    batch_size = len(X) if batch_size is None else min(check_int("batch_size", batch_size, 1), len(X))
    l1 = check_number("l1", l1, 0.0, 1e3)
    l2 = check_number("l2", l2, 0.0, 1e3)
    rng = np.random.default_rng(seed)
    history = History()

    # Overflow is expected when a learning rate is too large; it is detected and reported below.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        start_loss, _ = evaluate(model, X, y)
        for epoch in range(1, epochs + 1):
            order = rng.permutation(len(X)) if batch_size < len(X) else None
            for start in range(0, len(X), batch_size):
                if order is None:
                    Xb, yb = X, y
                else:
                    batch = order[start:start + batch_size]
                    Xb, yb = X[batch], y[batch]
                batch_loss = model.loss(Xb, yb, checked=True)
                if not math.isfinite(batch_loss):
                    break
                model.backward()
                _add_penalties(model, l1, l2)
                optimizer.step([model.theta], [model.grad])

            train_loss, train_accuracy = evaluate(model, X, y)
            history.epochs = epoch
            history.train_loss.append(train_loss)
            if model.task == "classification":
                history.train_accuracy.append(train_accuracy)
            if validate:
                val_loss, val_accuracy = evaluate(model, X_val, y_val)
                history.val_loss.append(val_loss)
                if model.task == "classification":
                    history.val_accuracy.append(val_accuracy)

            reason = _divergence(model, train_loss, start_loss, epoch)
            if reason:
                history.diverged, history.reason = True, reason
                break
            if callback is not None and callback(epoch, history, model):
                history.stopped_early = True
                history.reason = f"stopped by the callback after epoch {epoch}"
                break
    return history


def _add_penalties(model, l1, l2):
    if l2:
        model.grad += l2 * (model.theta * model.weight_mask)
    if l1:
        model.grad += l1 * (np.sign(model.theta) * model.weight_mask)


def _divergence(model, loss, start_loss, epoch):
    """A sentence saying why training diverged, or "" if it did not."""
    if not math.isfinite(loss) or not np.isfinite(model.theta).all():
        return (f"training diverged in epoch {epoch}: the loss or the weights became NaN or "
                f"infinite. Try a smaller learning rate.")
    if loss > EXPLOSION_FACTOR * max(start_loss, 1.0):
        return (f"training diverged in epoch {epoch}: the loss exploded from {start_loss:.3g} "
                f"to {loss:.3g}. Try a smaller learning rate.")
    return ""
