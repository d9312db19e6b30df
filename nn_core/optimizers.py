"""Optimisers: update parameters in place from their gradients.

``step(params, grads)`` takes matching lists of arrays and changes ``params`` in place. An MLP
can pass its two flat buffers as one-element lists, so a step is a few vector operations
whatever the depth of the network.
"""

import math

import numpy as np

from nn_core._checks import check_choice, check_number


class SGD:
    """Stochastic gradient descent with (heavy-ball) momentum:
    v <- momentum * v - lr * g;  theta <- theta + v.  With momentum 0: theta <- theta - lr * g.
    """

    def __init__(self, lr=0.01, momentum=0.0):
        self.lr = check_number("learning rate", lr, 0.0, 1e6, low_open=True)
        self.momentum = check_number("momentum", momentum, 0.0, 1.0, high_open=True)
        self.velocity = None

    def step(self, params, grads):
        if self.momentum == 0.0:
            for p, g in zip(params, grads):
                p -= self.lr * g
            return
        if self.velocity is None:
            self.velocity = [np.zeros_like(p) for p in params]
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
    v_hat = v / (1 - b2^t).

    Kept as M = m / (1 - b1) and V = v / (1 - b2), the running means need no factor (1 - b):
    M <- b1 M + g and V <- b2 V + g^2. The factors and both corrections fold into two
    numbers, so that theta <- theta - step * M / (sqrt(V) + eps_V), with
    step = lr (1 - b1) / ((1 - b1^t) c) and eps_V = eps / c, c = sqrt((1 - b2) / (1 - b2^t)):
    the same update, in 10 passes over the parameters instead of 12 (the optimiser is a
    fifth of a wide network's training step).
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = check_number("learning rate", lr, 0.0, 1e6, low_open=True)
        self.beta1 = check_number("beta1", beta1, 0.0, 1.0, high_open=True)
        self.beta2 = check_number("beta2", beta2, 0.0, 1.0, high_open=True)
        self.eps = check_number("eps", eps, 0.0, 1.0, low_open=True)
        self.t = 0
        self.M = self.V = self.scratch = None

    @property
    def m(self):
        """The textbook first moment m = (1 - b1) M, one array per parameter (a copy)."""
        return None if self.M is None else [(1.0 - self.beta1) * M for M in self.M]

    @property
    def v(self):
        """The textbook second moment v = (1 - b2) V, one array per parameter (a copy)."""
        return None if self.V is None else [(1.0 - self.beta2) * V for V in self.V]

    def step(self, params, grads):
        if self.M is None:
            self.M = [np.zeros_like(p) for p in params]
            self.V = [np.zeros_like(p) for p in params]
            self.scratch = [np.empty_like(p) for p in params]
        self.t += 1
        c = math.sqrt((1.0 - self.beta2) / (1.0 - self.beta2 ** self.t))
        step_size = self.lr * (1.0 - self.beta1) / ((1.0 - self.beta1 ** self.t) * c)
        eps_v = self.eps / c
        for p, g, M, V, s in zip(params, grads, self.M, self.V, self.scratch):
            M *= self.beta1
            M += g
            V *= self.beta2
            np.multiply(g, g, out=s)
            V += s
            np.sqrt(V, out=s)
            s += eps_v
            np.divide(M, s, out=s)
            s *= step_size
            p -= s

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
