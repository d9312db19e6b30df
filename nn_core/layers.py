"""Layers with parameters: Dense (affine) and Maxout.

A layer's gradients are written *into* its existing ``dW``/``db`` arrays (``out=``), never
rebound: inside an MLP they are views into one flat gradient buffer, which lets the optimiser
update every parameter with a handful of vector operations. For the same reason assigning
``layer.W = new_values`` copies the values into the existing array (see ``parameter``).
"""

import numpy as np

from nn_core._checks import (
    check_forward_done,
    check_int,
    check_parameter_count,
    parameter,
    real_array,
    upstream_gradient,
)
from nn_core.initializers import init_weights


class Dense:
    """Affine layer: y = x W + b, with W of shape (n_in, n_out) and b of shape (n_out,).

    Backward, for upstream gradient g = dL/dy:
    dL/dW = x^T g,  dL/db = sum of g over the batch,  dL/dx = g W^T.
    """

    param_names = ("W", "b")
    grad_names = ("dW", "db")
    W, b, dW, db = parameter("W"), parameter("b"), parameter("dW"), parameter("db")
    x = None  # the last forward pass's input, which backward needs

    def __init__(self, n_in, n_out, init="he", rng=None, gain=1.0):
        n_in = check_int("n_in", n_in, 1)
        n_out = check_int("n_out", n_out, 1)
        check_parameter_count((n_in + 1) * n_out, f"Dense({n_in}, {n_out})")
        rng = np.random.default_rng(rng)
        self.W = init_weights(init, n_in, n_out, rng, gain)
        self.b = np.zeros(n_out)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        # The first layer of a network has no one to pass dL/dx to; skipping it saves a matmul.
        self.needs_input_grad = True
        self.ones = np.ones(0)

    def forward(self, x):
        self.x = x = _batch_of_rows(self, real_array(x, "Dense input"), self.W.shape[0])
        out = np.dot(x, self.W)
        out += self.b
        return out

    def backward(self, dout):
        check_forward_done(self, self.x)
        dout = upstream_gradient(self, dout, (len(self.x), self.W.shape[1]),
                                 "Dense upstream gradient")
        _product_into(self.x.T, dout, self.dW)
        # The sum over the batch as the product 1^T g: a BLAS call, twice as fast as a
        # reduction along the batch axis for the small batches of training.
        if len(self.ones) != len(dout):
            self.ones = np.ones(len(dout), dout.dtype)  # kept: the batch size rarely changes
        _product_into(self.ones, dout, self.db)
        return np.dot(dout, self.W.T) if self.needs_input_grad else None

    def params(self):
        return [self.W, self.b]

    def grads(self):
        return [self.dW, self.db]

    def __repr__(self):
        return f"Dense({self.W.shape[0]}, {self.W.shape[1]})"


class Maxout:
    """Maxout unit (Goodfellow et al., 2013): each output is the max of k affine pieces,
    y_j = max_i (x W_i + b_i)_j, so it can approximate any convex function such as |x| or x^2.

    W has shape (n_in, n_out * pieces), piece i of unit j in column j * pieces + i. Backward sends
    the upstream gradient only to the winning piece of each unit (ties go to the first).
    """

    param_names = ("W", "b")
    grad_names = ("dW", "db")
    W, b, dW, db = parameter("W"), parameter("b"), parameter("dW"), parameter("db")

    x = None  # the last forward pass's input, which backward needs

    def __init__(self, n_in, n_out, pieces=2, init="he", rng=None):
        n_in = check_int("n_in", n_in, 1)
        n_out = check_int("n_out", n_out, 1)
        self.pieces = check_int("pieces", pieces, 1, 64)
        check_parameter_count((n_in + 1) * n_out * self.pieces,
                              f"Maxout({n_in}, {n_out}, pieces={self.pieces})")
        self.n_out = n_out
        rng = np.random.default_rng(rng)
        self.W = init_weights(init, n_in, n_out * self.pieces, rng)
        self.b = np.zeros(n_out * self.pieces)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.needs_input_grad = True

    def forward(self, x):
        self.x = x = _batch_of_rows(self, real_array(x, "Maxout input"), self.W.shape[0])
        z = (x @ self.W + self.b).reshape(len(x), self.n_out, self.pieces)
        self.winner = np.argmax(z, axis=2)
        return np.take_along_axis(z, self.winner[:, :, None], axis=2)[:, :, 0]

    def backward(self, dout):
        check_forward_done(self, self.x)
        dout = upstream_gradient(self, dout, (len(self.x), self.n_out), "Maxout upstream gradient")
        dz = np.zeros((len(dout), self.n_out, self.pieces))
        np.put_along_axis(dz, self.winner[:, :, None], dout[:, :, None], axis=2)
        dz = dz.reshape(len(dout), self.n_out * self.pieces)
        np.matmul(self.x.T, dz, out=self.dW)
        np.sum(dz, axis=0, out=self.db)
        return dz @ self.W.T if self.needs_input_grad else None

    def params(self):
        return [self.W, self.b]

    def grads(self):
        return [self.dW, self.db]

    def __repr__(self):
        return f"Maxout({self.W.shape[0]}, {self.n_out}, pieces={self.pieces})"


def _product_into(a, b, out):
    """out = a b. Speed: through ``np.dot``, whose call costs ~0.4 us less than ``np.matmul``'s
    (the same BLAS product, the same result), a tenth of a small network's products; np.dot
    writes only into an array of the product's own dtype, so other dtypes (a float64 layer
    given float32 values, say) take matmul, which casts."""
    if a.dtype == b.dtype == out.dtype:
        np.dot(a, b, out=out)
    else:
        np.matmul(a, b, out=out)


def _batch_of_rows(layer, x, n_in):
    """``x`` if it is a batch of rows of ``n_in`` inputs (samples x inputs); else a ValueError
    that says what it got (numpy's matmul would speak of gufunc signatures)."""
    if x.ndim != 2 or x.shape[1] != n_in:
        hint = " (one sample: x.reshape(1, -1))" if x.ndim == 1 and x.size == n_in else ""
        raise ValueError(f"{layer!r} takes a batch of rows of {n_in} inputs (samples x "
                         f"{n_in}), got shape {x.shape}{hint}")
    return x
