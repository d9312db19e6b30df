"""The training loop: mini-batch gradient descent that reports what happened in a History."""

import math
import threading
from dataclasses import dataclass, field

import numpy as np

from nn_core._checks import check_choice, check_int, check_number

# Training counts as diverged when the loss climbs this far above where it started.
EXPLOSION_FACTOR = 100.0

# What a History's per-epoch training loss and accuracy measure (see ``fit``).
HISTORY_MODES = ("exact", "batches")


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


# Rows per chunk in ``evaluate``: about this many float64 values of temporaries (1 MB).
EVALUATION_VALUES = 2**17


def evaluate(model, X, y, checked=False):
    """(mean loss, accuracy) of ``model`` on (X, y); accuracy is NaN for regression.

    The data is validated as ``fit`` does (``model.check_data``): rows of X and y that do not
    match, the wrong number of features, labels the network cannot output or values that are
    not finite numbers are a ``ValueError`` that says so. ``checked=True`` skips that, for data
    that already passed it (``fit`` evaluates its checked data after every epoch).

    Speed: a large set is evaluated in chunks of rows, so its temporaries stay near a megabyte
    however many rows it has (whole-set temporaries of a deep or wide network run to tens of
    megabytes, allocated and page-faulted in again after every epoch: for 6 x 64 units on 1,600
    rows that was a quarter of fit's time). A set that fits in one chunk is one pass, as
    ``model.loss`` would do; over several chunks the mean differs only by rounding.
    """
    if not checked:
        X, y = model.check_data(X, y)
    rows = max(1, EVALUATION_VALUES // sum(model.layer_sizes[1:]))
    if len(X) <= rows:
        return _evaluate_at_once(model, X, y)
    total_loss, correct = 0.0, 0
    for start in range(0, len(X), rows):
        Xc, yc = X[start:start + rows], y[start:start + rows]
        out = model.forward(Xc, checked=True)
        total_loss += model.loss_fn.forward(out, yc, checked=True) * len(Xc)
        if model.task == "classification":
            correct += int(np.count_nonzero(np.argmax(out, axis=1) == yc))
    accuracy = correct / len(X) if model.task == "classification" else math.nan
    return total_loss / len(X), accuracy


def _evaluate_checked(model, X, y):
    return evaluate(model, X, y, checked=True)


def _evaluate_at_once(model, X, y):
    """``evaluate`` in one forward pass, which leaves the layers ready for ``model.backward``."""
    out = model.forward(X, checked=True)
    loss = model.loss_fn.forward(out, y, checked=True)
    return loss, _accuracy(model, out, y)


def _accuracy(model, out, y):
    if model.task != "classification":
        return math.nan
    return float(np.mean(np.argmax(out, axis=1) == y))


def fit(model, X, y, optimizer, epochs, batch_size=None, seed=0, X_val=None, y_val=None,
        l1=0.0, l2=0.0, callback=None, history="exact"):
    """Train ``model`` on (X, y) for ``epochs`` passes; returns a History.

    Each epoch shuffles the data with its own seeded generator, takes mini-batches of
    ``batch_size`` (``None``: the whole set), and after each gradient adds the penalties
    l1 * sign(W) + l2 * W for the weights (not the biases): the gradients of
    l1 * sum|W| + (l2 / 2) * sum W^2. The recorded losses never include the penalty.

    ``history`` chooses what the per-epoch training loss and accuracy are:

    - ``"exact"`` (the default): measured on the whole training set with the weights at the end
      of the epoch. That costs one extra forward pass over X per epoch, except with full batches
      and no callback, where it is also the next epoch's forward pass and is reused.
    - ``"batches"``: the mean over the epoch's mini-batches of the loss and accuracy each batch
      had when it was trained (what scikit-learn's ``loss_curve_`` records). Free, but it mixes
      the weights of the whole epoch, so it lags behind the exact curve.

    Validation loss and accuracy (``X_val``, ``y_val``) are always measured exactly, after
    every epoch.

    ``callback(epoch, history, model)`` runs after each epoch; returning True stops training.
    If the loss or the parameters become NaN or infinite, or the loss climbs far above its
    starting value (``EXPLOSION_FACTOR`` times the loss on the training set before the first
    step in "exact" mode, on the first mini-batch in "batches" mode), training stops with
    ``history.diverged`` set and a reason; it never raises.

    Speed: small networks run their matrix products on one BLAS thread (see
    ``single_blas_thread``): on such sizes extra threads only wait for each other.

    >>> from nn_core import MLP, Adam, make_dataset
    >>> X, y = make_dataset("xor", n_samples=200, seed=0)
    >>> history = fit(MLP([2, 8, 2], "tanh"), X, y, Adam(0.05), epochs=100)
    >>> history.train_accuracy[-1] > 0.9
    True
    """
    keep_freed_memory_for_reuse()
    X, y = model.check_data(X, y)
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val and y_val go together: give both for a validation set, or "
                         "neither")
    if not callable(getattr(optimizer, "step", None)):
        raise ValueError(f"optimizer must be an nn_core optimizer such as nn_core.Adam(0.01), "
                         f"got {type(optimizer).__name__}")
    if callback is not None and not callable(callback):
        raise ValueError(f"callback must be a function callback(epoch, history, model), got "
                         f"{type(callback).__name__}")
    validate = X_val is not None
    if validate:
        X_val, y_val = model.check_data(X_val, y_val)
    epochs = check_int("epochs", epochs, 0, 1_000_000)
    n = len(X)
    batch_size = n if batch_size is None else min(check_int("batch_size", batch_size, 1), n)
    l1 = check_number("l1", l1, 0.0, 1e3)
    l2 = check_number("l2", l2, 0.0, 1e3)
    exact = check_choice("history", history, HISTORY_MODES) == "exact"
    rng = np.random.default_rng(seed)
    record = History()
    classify = model.task == "classification"
    full_batch = batch_size == n
    # With full batches, the exact evaluation after an epoch is the very forward pass the next
    # epoch starts with (same weights, same rows), so it is reused. A callback might change
    # the model or run its own forward passes in between, so then nothing is reused.
    reuse_evaluation = exact and full_batch and callback is None
    # The flat buffers keep their identity (assigning net.theta copies into it), so the lists
    # the optimiser takes are made once.
    params, grads = [model.theta], [model.grad]

    # Overflow is expected when a learning rate is too large; it is detected and reported below.
    with single_blas_thread(_is_small(model, batch_size)), \
            np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        evaluate_training_set = _evaluate_at_once if reuse_evaluation else _evaluate_checked
        start_loss = evaluate_training_set(model, X, y)[0] if exact else None
        evaluated = reuse_evaluation  # True: the layers hold a forward pass of X, y
        for epoch in range(1, epochs + 1):
            X_epoch, y_epoch = X, y
            if not full_batch:
                # One shuffled copy per epoch: every mini-batch below is then a slice (a view).
                order = rng.permutation(n)
                X_epoch, y_epoch = X[order], y[order]
            batch_losses, batch_outputs = [], []
            for start in range(0, n, batch_size):
                Xb, yb = X_epoch[start:start + batch_size], y_epoch[start:start + batch_size]
                if evaluated:
                    batch_loss = record.train_loss[-1] if record.train_loss else start_loss
                else:
                    out = model.forward(Xb, checked=True)
                    batch_loss = model.loss_fn.forward(out, yb, checked=True)
                    if not exact:
                        batch_losses.append(batch_loss * len(Xb))
                        batch_outputs.append(out)
                evaluated = False
                if not math.isfinite(batch_loss):
                    break
                model.backward()
                if l1 or l2:
                    _add_penalties(model, l1, l2)
                optimizer.step(params, grads)

            if validate:  # before the training set, so its forward pass stays in the layers
                val_loss, val_accuracy = evaluate(model, X_val, y_val, checked=True)
                record.val_loss.append(val_loss)
                if classify:
                    record.val_accuracy.append(val_accuracy)
            if exact:
                train_loss, train_accuracy = evaluate_training_set(model, X, y)
                evaluated = reuse_evaluation
            else:
                train_loss, train_accuracy = _batch_means(model, batch_losses, batch_outputs,
                                                          y_epoch, batch_loss)
                if start_loss is None:
                    start_loss = batch_losses[0] / batch_size if batch_losses else 0.0
            record.epochs = epoch
            record.train_loss.append(train_loss)
            if classify:
                record.train_accuracy.append(train_accuracy)

            reason = _divergence(model, train_loss, start_loss, epoch)
            if reason:
                record.diverged, record.reason = True, reason
                break
            if callback is not None and callback(epoch, record, model):
                record.stopped_early = True
                record.reason = f"stopped by the callback after epoch {epoch}"
                break
    return record


def _batch_means(model, batch_losses, batch_outputs, y_epoch, last_loss):
    """The epoch's mean loss and accuracy over its mini-batches, weighted by their sizes."""
    if not math.isfinite(last_loss):
        return last_loss, math.nan
    seen = sum(len(out) for out in batch_outputs)
    loss = sum(batch_losses) / seen
    if model.task != "classification":
        return loss, math.nan
    # One argmax over all the epoch's outputs, not one per mini-batch.
    return loss, _accuracy(model, np.concatenate(batch_outputs), y_epoch[:seen])


def _add_penalties(model, l1, l2):
    if l2:
        model.grad += l2 * (model.theta * model.weight_mask)
    if l1:
        model.grad += l1 * (np.sign(model.theta) * model.weight_mask)


def _divergence(model, loss, start_loss, epoch):
    """A sentence saying why training diverged, or "" if it did not."""
    cause = divergence_cause(loss, start_loss, model.theta)
    if not cause:
        return ""
    return f"training diverged in epoch {epoch}: {cause}. Try a smaller learning rate."


def divergence_cause(loss, start_loss, weights):
    """The rule by which a training run has diverged, as the cause in words ("" if it has not):
    a loss or a weight that is NaN or infinite, or a loss above ``EXPLOSION_FACTOR`` times
    where it started (at least 1). ``weights``: any array that is finite only if they are."""
    if not math.isfinite(loss) or not np.isfinite(weights).all():
        return "the loss or the weights became NaN or infinite"
    if loss > EXPLOSION_FACTOR * max(start_loss, 1.0):
        return f"the loss exploded from {start_loss:.3g} to {loss:.3g}"
    return ""


# --- memory ---------------------------------------------------------------------------------
FREED_BLOCK_BYTES = 2**24  # 16 MB


def keep_freed_memory_for_reuse():
    """Speed: have the allocator keep freed temporaries for the next step.

    glibc's malloc hands freed memory at the top of the heap back to the system as soon as more
    than twice the largest block it ever unmapped is free, and the next use page-faults it in
    again, 4 KB at a time. A step of a deep or wide network on a large batch frees megabytes of
    temporaries, so every step paid those faults: a third of fit's time for 6 x 64 units on
    1,600 rows in full batches (and the saturation profile, whose 4 MB temporaries per layer
    cost it a fifth of its time, calls this too). Freeing one 16 MB block, as any program that
    once used a 16 MB array does, raises that threshold to 32 MB for the process; elsewhere it
    is a no-op. The block is never touched, so this costs a map and an unmap (microseconds),
    and it keeps no state: calling it on every fit is simpler than remembering it was done.
    """
    block = np.empty(FREED_BLOCK_BYTES // 8)  # allocated and freed, nothing else
    del block


# --- BLAS threads ---------------------------------------------------------------------------
# Below this many multiply-adds in a mini-batch's largest matrix product (batch x n_in x n_out),
# a second BLAS thread costs more than it saves: OpenBLAS threads spin-wait for each other, and
# on a busy machine for a core. Measured on 2 cores (benchmarks/README.md): 2 threads start to
# pay off around a 128 x 256 by 256 x 256 product (8.4 million).
SMALL_PRODUCT = 4_000_000


def _is_small(model, batch_size):
    sizes = model.layer_sizes
    largest = max(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))
    return batch_size * largest < SMALL_PRODUCT


class single_blas_thread:
    """``with single_blas_thread(small):`` runs the block on one BLAS thread if ``small``.

    The BLAS thread count is process-wide, and several fits may run at once in worker threads
    (the app does that), so it is changed by one fit at a time, under a lock, and always put
    back by the fit that changed it:

    - a process that already runs BLAS on one thread (the app sets that once at start, in
      ``ui/__init__.py``) is left alone: nothing is toggled at all;
    - otherwise the first small fit sets one thread and restores the previous count when it
      ends; fits that start meanwhile run under that limit and change nothing, so no fit can
      undo another's limit and the process never stays limited after the last fit;
    - if the limit does not take (threadpoolctl 3.8+ lets only one Python thread at a time set
      OpenBLAS's thread count, e.g. one inside ``with threadpool_limits(...)``), that setting is
      respected and the fit runs with it. Without ``threadpoolctl`` this does nothing.
    """

    _lock = threading.Lock()
    _holder = None  # the instance whose fit set the limit, while it runs
    _blas = None  # threadpoolctl controller of the loaded BLAS libraries, found once

    def __init__(self, small):
        self.small = small
        self.limiter = None

    def __enter__(self):
        if not self.small:
            return self
        cls = type(self)
        with cls._lock:
            blas = cls._blas_libraries()
            if cls._holder is not None or blas is None or _most_threads(blas) <= 1:
                return self  # limited by another fit, already single-threaded, or no control
            limiter = blas.limit(limits=1)
            limiter.__enter__()  # as a ``with`` block, so threadpoolctl knows when we are done
            if _most_threads(blas) > 1:  # another Python thread controls BLAS threads
                limiter.__exit__(None, None, None)
                return self
            self.limiter, cls._holder = limiter, self
        return self

    def __exit__(self, *exc):
        if self.limiter is None:
            return
        with type(self)._lock:
            self.limiter.__exit__(None, None, None)  # restores the previous thread counts
            self.limiter, type(self)._holder = None, None

    @classmethod
    def _blas_libraries(cls):
        if cls._blas is None:
            try:
                from threadpoolctl import ThreadpoolController
            except ImportError:
                return None
            # Finding the libraries takes ~20 ms, so it is done once; numpy's BLAS is loaded
            # before nn_core is imported, so it is always among them.
            cls._blas = ThreadpoolController().select(user_api="blas")
        return cls._blas


def _most_threads(blas):
    return max((lib.num_threads or 1 for lib in blas.lib_controllers), default=1)
