"""Optimisers: update parameters in place from their gradients.

``step(params, grads)`` takes matching lists of arrays and changes ``params`` in place. An MLP
can pass its two flat buffers as one-element lists, so a step is a few vector operations
whatever the depth of the network.
"""

import math
import operator

import numpy as np

from nn_core._checks import check_choice, check_number


def _check_same_parameters(optimizer, params, state):
    """A stateful optimiser keeps running values per parameter array: refuse other arrays (a
    second network) instead of applying the first network's velocity or moments to them, or
    failing inside numpy on their shapes."""
    if len(params) != len(state) or not all(map(operator.is_, params, state)):
        raise ValueError(f"this {type(optimizer).__name__} optimiser has already trained other "
                         f"parameters (another network), and its running values belong to "
                         f"them: give each network its own, e.g. {optimizer!r}")


class SGD:
    """Stochastic gradient descent with (heavy-ball) momentum:
    v <- momentum * v - lr * g;  theta <- theta + v.  With momentum 0: theta <- theta - lr * g.
    """

    def __init__(self, lr=0.01, momentum=0.0):
        self.lr = check_number("learning rate", lr, 0.0, 1e6, low_open=True)
        self.momentum = check_number("momentum", momentum, 0.0, 1.0, high_open=True)
        self.velocity = self.trained = None

    def step(self, params, grads):
        if self.momentum == 0.0:
            for p, g in zip(params, grads):
                p -= self.lr * g
            return
        if self.velocity is None:
            self.velocity = [np.zeros_like(p) for p in params]
            self.trained = list(params)  # the arrays the velocity belongs to
        _check_same_parameters(self, params, self.trained)
        for p, g, v in zip(params, grads, self.velocity):
            v *= self.momentum
            v -= self.lr * g
            p += v

    def __repr__(self):
        return f"SGD(lr={self.lr:g}, momentum={self.momentum:g})"


class Adam:
    """Adam (Kingma & Ba, 2015): running means of the gradient and its square, bias-corrected.

    m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;
    theta <- theta - lr * m_hat / (sqrt(v_hat) + eps), with m_hat = m / (1 - b1^t),
    v_hat = v / (1 - b2^t). The two corrections are folded into one step size.

    Speed: the moments are kept divided by their constant weights, M = m / (1 - b1) and
    V = v / (1 - b2), so that each running mean is one multiply and one add,
    M <- b1 M + g and V <- b2 V + g^2 (the same values, one pass over every parameter fewer
    each); the constant factors go into the step size and eps. A step is then ten passes over
    the flat parameter buffer, and the square root is the dearest of them.
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = check_number("learning rate", lr, 0.0, 1e6, low_open=True)
        self.beta1 = check_number("beta1", beta1, 0.0, 1.0, high_open=True)
        self.beta2 = check_number("beta2", beta2, 0.0, 1.0, high_open=True)
        self.eps = check_number("eps", eps, 0.0, 1.0, low_open=True)
        self.t = 0
        self.m = self.v = self.scratch = self.trained = None

    def step(self, params, grads):
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]  # M = m / (1 - b1), see the docstring
            self.v = [np.zeros_like(p) for p in params]  # V = v / (1 - b2)
            self.scratch = [np.empty_like(p) for p in params]
            self.trained = list(params)  # the arrays the moments belong to
            self.scaled_by = (self.beta1, self.beta2)
        _check_same_parameters(self, params, self.trained)
        b1, b2 = self.beta1, self.beta2
        if self.scaled_by != (b1, b2):
            self._rescale_moments()  # betas changed between steps: M and V keep m and v
        self.t += 1
        # m_hat = (1 - b1) M / (1 - b1^t) and sqrt(v_hat) = c sqrt(V) with
        # c = sqrt((1 - b2) / (1 - b2^t)), so lr m_hat / (sqrt(v_hat) + eps) is
        # step_size M / (sqrt(V) + eps / c): the textbook update, with other rounding.
        c = math.sqrt((1.0 - b2) / (1.0 - b2 ** self.t))
        step_size = self.lr * (1.0 - b1) / ((1.0 - b1 ** self.t) * c)
        eps_hat = self.eps / c
        for p, g, m, v, s in zip(params, grads, self.m, self.v, self.scratch):
            m *= b1
            m += g
            v *= b2
            np.multiply(g, g, out=s)
            v += s
            np.sqrt(v, out=s)
            s += eps_hat
            np.divide(m, s, out=s)
            s *= step_size
            p -= s

    def _rescale_moments(self):
        """Keep m = (1 - b1) M and v = (1 - b2) V when the betas are changed between steps."""
        (old1, old2), b1, b2 = self.scaled_by, self.beta1, self.beta2
        for m, v in zip(self.m, self.v):
            m *= (1.0 - old1) / (1.0 - b1)
            v *= (1.0 - old2) / (1.0 - b2)
        self.scaled_by = (b1, b2)

    def __repr__(self):
        return f"Adam(lr={self.lr:g})"


# The optimisers by name: plain SGD, heavy-ball SGD with momentum, and Adam.
OPTIMIZERS = ("sgd", "momentum", "adam")


def make_optimizer(name, lr, momentum=0.9):
    """A fresh optimiser by name with learning rate ``lr``: ``"sgd"``, ``"momentum"`` (SGD with
    heavy-ball ``momentum``, the classic 0.9 unless given) or ``"adam"`` (default betas).

    >>> make_optimizer("momentum", 0.1)
    SGD(lr=0.1, momentum=0.9)
    """
    check_choice("optimiser", name, OPTIMIZERS)
    if name == "adam":
        return Adam(lr)
    return SGD(lr, momentum=momentum if name == "momentum" else 0.0)
