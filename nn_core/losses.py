"""Losses: each returns a mean over the batch in ``forward`` and dL/d(input) in ``backward``.

``forward(..., checked=True)`` skips the label checks, for data an ``MLP`` has already checked
(the training loop checks its data once, not once per mini-batch).
"""

import numpy as np

from nn_core._checks import check_forward_done, check_labels, real_array
from nn_core.activations import _shift_by_max


class SoftmaxCrossEntropy:
    """L = -(1/N) sum_n log softmax(z_n)[y_n], computed as log-softmax so it never takes log(0):
    log softmax(z)[y] = (z_y - max z) - log sum_j e^(z_j - max z), and the sum is at least 1.

    Fused with the softmax, the gradient is simply dL/dz = (softmax(z) - onehot(y)) / N.
    ``y`` holds class indices, or one-hot rows. The loss is computed in float64 (or wider)
    whatever the logits' precision; the gradient comes back in the logits' own dtype.
    """

    y = None  # the last forward pass's labels (with its exps and sums), which backward needs

    def __init__(self):
        # Where each of the N rows starts in the flattened N x K logits, and a vector of K
        # ones, kept between calls: the batch size and the number of classes rarely change.
        self.shape = self.rows = self.ones = None

    def forward(self, logits, y, checked=False):
        logits = real_array(logits, "SoftmaxCrossEntropy logits")
        if not checked and (logits.ndim != 2 or 0 in logits.shape):
            raise ValueError(f"SoftmaxCrossEntropy logits must be 2-D with at least one sample "
                             f"and one class (samples x classes), got shape {logits.shape}")
        self.dtype = logits.dtype  # of the gradient: float32 logits get a float32 gradient
        shifted, exps = _shift_by_max(logits, axis=-1, what="SoftmaxCrossEntropy logits")
        if not checked:
            y = check_labels(y, len(shifted), shifted.shape[1], samples="the logits have")
        y = np.asarray(y)
        if y.ndim == 2:
            y = y.argmax(axis=1)
        n, k = exps.shape
        if self.shape != (n, k):
            # Row starts in the flattened logits, and K ones, for this batch shape.
            self.shape, self.rows, self.ones = (n, k), np.arange(0, n * k, k), np.ones(k)
        self.y = y
        # Position of each sample's true class in the flat (row-major) array: one index per
        # row, several times faster to gather and to scatter at than a pair of index arrays.
        self.true_class = self.rows + y
        self.exps = exps
        # The sum over the classes as the product with a vector of ones: one BLAS call, about
        # twice as fast as a reduction along the short class axis.
        self.sums = np.dot(exps, self.ones)
        # A numpy scalar (np.float64 is a float), so extended-precision checks keep their digits.
        return (np.log(self.sums).sum() - shifted.reshape(-1)[self.true_class].sum()) / n

    def backward(self):
        check_forward_done(self, self.y)
        n = len(self.y)
        dlogits = self.exps / (n * self.sums[:, None])  # softmax(z) / N
        dlogits.reshape(-1)[self.true_class] -= 1.0 / n
        return dlogits.astype(self.dtype, copy=False)


class MSELoss:
    """L = (1/(N K)) sum_n sum_k (p_nk - y_nk)^2; dL/dp = 2 (p - y) / (N K).

    The mean is taken in float64 (or wider); the gradient has the predictions' dtype."""

    diff = None  # the last forward pass's p - y, which backward needs

    def forward(self, predictions, y, checked=False):
        if not checked:
            predictions = real_array(predictions, "MSELoss predictions")
            y = real_array(y, "MSELoss targets")
            if not _same_targets(predictions, y):
                raise ValueError(f"MSELoss: the predictions have shape {predictions.shape} but "
                                 f"the targets have shape {y.shape}: give one target per "
                                 f"prediction, in the same shape")
            if y.size == 0:
                raise ValueError("MSELoss needs at least one prediction: the mean of none is "
                                 "undefined")
        predictions = np.asarray(predictions)
        # The difference in the predictions' precision (float64 targets would turn a float32
        # network's whole backward pass into float64); the mean in float64 or wider.
        y = np.asarray(y, dtype=np.result_type(predictions.dtype, np.float32))
        self.diff = predictions - y.reshape(predictions.shape)
        return np.mean(self.diff * self.diff, dtype=np.result_type(self.diff, np.float64))

    def backward(self):
        check_forward_done(self, self.diff)
        return (2.0 / self.diff.size) * self.diff


def _same_targets(predictions, y):
    """True if ``y`` pairs one target with each prediction: the same shape, or one column
    (N, 1) against N values. Equal sizes alone are not enough: the transpose of (3, 2)
    targets would pair the wrong values."""
    if y.shape == predictions.shape:
        return True

    def column(a):
        return a.ndim == 2 and a.shape[1] == 1

    return ((column(predictions) and y.shape == predictions.shape[:1])
            or (column(y) and predictions.shape == y.shape[:1]))
