"""Weight initialisers: how the first weights are drawn decides whether signals survive depth.

- ``normal_0.01``: N(0, 0.01^2), the small constant of early textbooks; fine for a shallow net,
  but activations shrink by ~0.01 sqrt(n_in) per layer, so a deep one goes silent.
- ``normal_1.0``: N(0, 1); activations grow by ~sqrt(n_in) per layer, saturating tanh/sigmoid.
- ``xavier``: N(0, 2 / (n_in + n_out)) (Glorot & Bengio, 2010), keeps variance for tanh.
- ``he``: N(0, 2 / n_in) (He et al., 2015), keeps variance for ReLU, which zeroes half its inputs.
"""

import math

from nn_core._checks import check_choice, check_int, check_number

_STD = {
    "normal_0.01": lambda n_in, n_out: 0.01,
    "normal_1.0": lambda n_in, n_out: 1.0,
    "xavier": lambda n_in, n_out: math.sqrt(2.0 / (n_in + n_out)),
    "he": lambda n_in, n_out: math.sqrt(2.0 / n_in),
}

INITIALIZERS = tuple(_STD)


def init_std(name, n_in, n_out):
    """The standard deviation the named scheme uses for an (n_in x n_out) weight matrix."""
    check_choice("initialisation", name, INITIALIZERS)
    return _STD[name](check_int("n_in", n_in, 1), check_int("n_out", n_out, 1))


def init_weights(name, n_in, n_out, rng, gain=1.0):
    """Draw an (n_in x n_out) weight matrix: N(0, (gain * std)^2) with the scheme's std."""
    gain = check_number("gain", gain, 0.0, 100.0)
    return rng.normal(0.0, gain * init_std(name, n_in, n_out), size=(n_in, n_out))
