"""Activation functions: closed forms, derivatives, gradients, stability and metadata.

Every test is parametrized over ``nn_core.ACTIVATIONS`` (the single source of truth), so a new
activation is tested as soon as it is registered, and fails until it has reference values here.
The oracles are independent of nn_core: ``math`` and ``scipy.special`` scalar formulas, and
centred finite differences.
"""

import math
import warnings

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from scipy.special import expit, ndtr

from nn_core import ACTIVATION_PARAMS, ACTIVATIONS, get_activation
from tests.gradients import KINKS, assert_gradients, kink_free_points

# The SELU constants of Klambauer et al. (2017), to 32 digits.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

# Non-default parameters worth their own gradient check.
VARIANTS = [
    ("leaky_relu", {"alpha": 0.2}),
    ("elu", {"alpha": 0.5}),
    ("elu", {"alpha": 2.0}),
    ("prelu", {"alpha": 0.1}),
    ("softplus", {"beta": 0.5}),
    ("softplus", {"beta": 2.0}),
    ("swish", {"beta": 0.5}),
    ("swish", {"beta": 2.0}),
    ("gelu", {"approximate": True}),
]
CASES = [(name, {}) for name in ACTIVATIONS] + VARIANTS


def case_id(case):
    name, params = case
    return name + "".join(f"-{key}={value}" for key, value in params.items())


CASE_IDS = [case_id(case) for case in CASES]


def make(name, params):
    return get_activation(name, **params)


# --- the independent oracle: scalar formulas in math / scipy.special --------------------------
def _elu(x, alpha=1.0):
    return x if x > 0 else alpha * math.expm1(x)


def _elu_slope(x, alpha=1.0):
    return 1.0 if x > 0 else alpha * math.exp(x)


def _swish_slope(x, beta=1.0):
    s = expit(beta * x)
    return s + beta * x * s * expit(-beta * x)


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _gelu(x, approximate=False):
    if approximate:
        return 0.5 * x * (1.0 + math.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x**3)))
    return x * ndtr(x)


def _gelu_slope(x, approximate=False):
    if approximate:
        t = math.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x**3))
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x**2)
    return ndtr(x) + x * math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def _mish_slope(x):
    softplus = math.log1p(math.exp(x))
    return math.tanh(softplus) + x * expit(x) / math.cosh(softplus) ** 2


# name -> (f(x, **params), f'(x, **params)), valid for moderate x (|x| <= 50).
REFERENCE = {
    "identity": (lambda x: x, lambda x: 1.0),
    "step": (lambda x: float(x > 0), lambda x: 0.0),
    "sigmoid": (expit, lambda x: expit(x) * expit(-x)),
    "tanh": (math.tanh, lambda x: 1.0 / math.cosh(x) ** 2),
    "relu": (lambda x: max(x, 0.0), lambda x: float(x > 0)),
    "leaky_relu": (lambda x, alpha=0.01: x if x > 0 else alpha * x,
                   lambda x, alpha=0.01: 1.0 if x > 0 else alpha),
    "elu": (_elu, _elu_slope),
    "selu": (lambda x: SELU_SCALE * _elu(x, SELU_ALPHA),
             lambda x: SELU_SCALE * _elu_slope(x, SELU_ALPHA)),
    "prelu": (lambda x, alpha=0.25: x if x > 0 else alpha * x,
              lambda x, alpha=0.25: 1.0 if x > 0 else alpha),
    "softplus": (lambda x, beta=1.0: math.log1p(math.exp(beta * x)) / beta,
                 lambda x, beta=1.0: expit(beta * x)),
    "swish": (lambda x, beta=1.0: x * expit(beta * x), _swish_slope),
    "gelu": (_gelu, _gelu_slope),
    "mish": (lambda x: x * math.tanh(math.log1p(math.exp(x))), _mish_slope),
    "softsign": (lambda x: x / (1 + abs(x)), lambda x: 1 / (1 + abs(x)) ** 2),
    "hard_sigmoid": (lambda x: min(max(x + 3, 0), 6) / 6, lambda x: 1 / 6 if -3 < x < 3 else 0.0),
    "hard_tanh": (lambda x: min(max(x, -1.0), 1.0), lambda x: 1.0 if -1 < x < 1 else 0.0),
}


def reference(name, params, x):
    """(f(x), f'(x)) elementwise from the scalar oracle."""
    f, slope = REFERENCE[name]
    values = [float(f(float(t), **params)) for t in np.ravel(x)]
    slopes = [float(slope(float(t), **params)) for t in np.ravel(x)]
    return np.reshape(values, np.shape(x)), np.reshape(slopes, np.shape(x))


# --- the registry ------------------------------------------------------------------------------
DESIGN_NAMES = [
    "identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "prelu",
    "softplus", "swish", "gelu", "mish", "softsign", "hard_sigmoid", "hard_tanh",
]


def test_registry_holds_exactly_the_documented_names():
    assert list(ACTIVATIONS) == DESIGN_NAMES


def test_every_activation_has_an_oracle_and_closed_form_cases():
    assert set(REFERENCE) == set(ACTIVATIONS)
    assert set(LIMITS) == set(ACTIVATIONS)
    assert {name for name, *_ in CLOSED_FORM} == set(ACTIVATIONS)


def test_variants_use_documented_parameters():
    for name, params in VARIANTS:
        assert set(params) <= set(ACTIVATION_PARAMS[name])


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_get_activation_returns_a_fresh_layer_of_the_registered_class(name):
    first, second = get_activation(name), get_activation(name)
    assert type(first) is ACTIVATIONS[name] and first.name == name
    assert first is not second
    if name == "prelu":  # a learnable alpha must not be shared between two layers
        assert not np.shares_memory(first.alpha, second.alpha)


# --- closed forms at chosen points -------------------------------------------------------------
E = math.e
PHI_1 = 0.8413447460685429  # Phi(1), the standard normal CDF at 1
PDF_1 = math.exp(-0.5) / math.sqrt(2 * math.pi)  # phi(1)
SIGMOID_1 = 1 / (1 + math.exp(-1))
SOFTPLUS_1 = math.log(1 + E)

# (name, params, x, f(x), f'(x))
CLOSED_FORM = [
    ("identity", {}, -2.5, -2.5, 1.0),
    ("step", {}, 0.0, 0.0, 0.0),
    ("step", {}, 2.0, 1.0, 0.0),
    ("step", {}, -2.0, 0.0, 0.0),
    ("step", {}, 1e-300, 1.0, 0.0),
    ("sigmoid", {}, 0.0, 0.5, 0.25),
    ("sigmoid", {}, math.log(3), 0.75, 3 / 16),
    ("tanh", {}, 0.0, 0.0, 1.0),
    ("tanh", {}, math.log(2), 0.6, 0.64),  # (2 - 1/2) / (2 + 1/2) = 0.6
    ("relu", {}, 0.0, 0.0, 0.0),  # relu'(0) = 0 by convention
    ("relu", {}, 2.0, 2.0, 1.0),
    ("relu", {}, -2.0, 0.0, 0.0),
    ("leaky_relu", {}, 0.0, 0.0, 0.01),  # leaky_relu'(0) = alpha
    ("leaky_relu", {}, -2.0, -0.02, 0.01),
    ("leaky_relu", {"alpha": 0.2}, 0.0, 0.0, 0.2),
    ("leaky_relu", {"alpha": 0.2}, -5.0, -1.0, 0.2),
    ("elu", {}, -1.0, 1 / E - 1, 1 / E),
    ("elu", {}, 2.0, 2.0, 1.0),
    ("elu", {"alpha": 2.0}, -1.0, 2 * (1 / E - 1), 2 / E),
    ("selu", {}, 1.0, SELU_SCALE, SELU_SCALE),
    ("selu", {}, -1.0, SELU_SCALE * SELU_ALPHA * (1 / E - 1), SELU_SCALE * SELU_ALPHA / E),
    ("selu", {}, 0.0, 0.0, SELU_SCALE * SELU_ALPHA),
    ("prelu", {}, -2.0, -0.5, 0.25),
    ("prelu", {}, 3.0, 3.0, 1.0),
    ("prelu", {"alpha": 0.1}, 0.0, 0.0, 0.1),
    ("softplus", {}, 0.0, math.log(2), 0.5),
    ("softplus", {}, math.log(3), math.log(4), 0.75),
    ("softplus", {"beta": 2.0}, 0.0, math.log(2) / 2, 0.5),
    ("swish", {}, 0.0, 0.0, 0.5),
    ("swish", {}, 1.0, SIGMOID_1, SIGMOID_1 + SIGMOID_1 * (1 - SIGMOID_1)),
    ("swish", {"beta": 2.0}, math.log(3) / 2, math.log(3) / 2 * 0.75,
     0.75 + math.log(3) * 0.75 * 0.25),
    ("gelu", {}, 0.0, 0.0, 0.5),
    ("gelu", {}, 1.0, PHI_1, PHI_1 + PDF_1),
    ("gelu", {}, -1.0, -(1 - PHI_1), (1 - PHI_1) - PDF_1),
    ("gelu", {"approximate": True}, 0.0, 0.0, 0.5),
    ("mish", {}, 0.0, 0.0, 0.6),  # tanh(log 2) = (2 - 1/2) / (2 + 1/2)
    ("mish", {}, 1.0, math.tanh(SOFTPLUS_1),
     math.tanh(SOFTPLUS_1) + (1 - math.tanh(SOFTPLUS_1) ** 2) * SIGMOID_1),
    ("softsign", {}, 1.0, 0.5, 0.25),
    ("softsign", {}, -3.0, -0.75, 1 / 16),
    ("hard_sigmoid", {}, 0.0, 0.5, 1 / 6),
    ("hard_sigmoid", {}, 1.0, 4 / 6, 1 / 6),
    ("hard_sigmoid", {}, 3.0, 1.0, 0.0),  # hard_sigmoid'(+-3) = 0: corners count as flat
    ("hard_sigmoid", {}, -3.0, 0.0, 0.0),
    ("hard_sigmoid", {}, 5.0, 1.0, 0.0),
    ("hard_tanh", {}, 0.5, 0.5, 1.0),
    ("hard_tanh", {}, 1.0, 1.0, 0.0),  # hard_tanh'(+-1) = 0
    ("hard_tanh", {}, -1.0, -1.0, 0.0),
    ("hard_tanh", {}, -7.0, -1.0, 0.0),
]


@pytest.mark.parametrize(
    ("name", "params", "x", "value", "slope"), CLOSED_FORM,
    ids=[f"{case_id((name, params))}@{x:.3g}" for name, params, x, *_ in CLOSED_FORM],
)
def test_closed_form_value_and_derivative(name, params, x, value, slope):
    layer = make(name, params)
    assert layer.forward(np.array([x]))[0] == pytest.approx(value, rel=1e-14, abs=1e-300)
    assert layer.derivative(np.array([x]))[0] == pytest.approx(slope, rel=1e-14, abs=1e-300)


def test_gelu_at_one_is_the_normal_cdf():
    assert get_activation("gelu").forward(np.array([1.0]))[0] == pytest.approx(
        0.8413447460685429, rel=1e-15)
    assert ndtr(1.0) == pytest.approx(0.8413447460685429, rel=1e-15)


def test_gelu_keeps_its_digits_in_the_left_tail():
    # Phi(-10) = 7.619853024160526e-24 (tables of the normal distribution); 1 + erf(x / sqrt 2)
    # would cancel to exactly 0 there, and keeps under two digits already at x = -8.
    gelu = get_activation("gelu")
    assert gelu.forward(np.array([-10.0]))[0] == pytest.approx(-7.619853024160526e-23,
                                                              rel=1e-13)
    x = -np.geomspace(1.0, 37.0, 200)  # Phi(-37) = 5.7e-300, still a normal float
    values, slopes = reference("gelu", {}, x)
    np.testing.assert_allclose(gelu.forward(x), values, rtol=1e-12, atol=0)
    np.testing.assert_allclose(gelu.derivative(x), slopes, rtol=1e-12, atol=0)


def test_step_derivative_is_zero_everywhere():
    x = np.concatenate([np.linspace(-10, 10, 2001), [-1e-300, 0.0, 1e-300]])
    assert np.all(get_activation("step").derivative(x) == 0.0)
    layer = get_activation("step")
    layer.forward(x)
    assert np.all(layer.backward(np.ones_like(x)) == 0.0)


def test_hand_worked_mish_forward_and_backward():
    # mish(x) = x tanh(softplus(x)) at x = ln 3, where everything is a fraction:
    #   softplus(ln 3) = ln(1 + e^(ln 3)) = ln(1 + 3) = ln 4
    #   tanh(ln 4)     = (4 - 1/4) / (4 + 1/4) = (15/4) / (17/4) = 15/17
    #   mish(ln 3)     = ln 3 * 15/17
    # Derivative, by the product and chain rules:
    #   mish'(x) = tanh(sp) + x (1 - tanh(sp)^2) sp'(x),  with sp'(x) = sigmoid(x)
    #   sigmoid(ln 3) = 1 / (1 + e^(-ln 3)) = 1 / (1 + 1/3) = 3/4
    #   1 - tanh(sp)^2 = 1 - 225/289 = 64/289
    #   mish'(ln 3) = 15/17 + ln 3 * 64/289 * 3/4 = 15/17 + ln 3 * 48/289
    #              = 0.88235... + 1.09861... * 0.16609... = 1.06482...
    # backward(dout = 2) = 2 * mish'(ln 3) = 30/17 + ln 3 * 96/289
    ln3 = math.log(3)
    layer = get_activation("mish")
    assert layer.forward(np.array([ln3]))[0] == pytest.approx(ln3 * 15 / 17, rel=1e-15)
    assert layer.derivative(np.array([ln3]))[0] == pytest.approx(15 / 17 + ln3 * 48 / 289,
                                                                 rel=1e-15)
    assert layer.backward(np.array([2.0]))[0] == pytest.approx(30 / 17 + ln3 * 96 / 289,
                                                               rel=1e-15)


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_matches_the_scalar_oracle_on_a_grid(name, params):
    x = np.linspace(-6.0, 6.0, 481)  # includes every kink exactly: -3, -1, 0, 1, 3
    value, slope = reference(name, params, x)
    layer = make(name, params)
    np.testing.assert_allclose(layer.forward(x), value, rtol=1e-13, atol=1e-15)
    # 1 - tanh^2 (and friends) cancel digits where the slope is tiny; that is harmless.
    np.testing.assert_allclose(layer.derivative(x), slope, rtol=1e-10, atol=1e-14)


# --- gradients ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_backward_matches_finite_differences(name, params):
    assert_gradients(make(name, params), kink_free_points((4, 6), seed=1))


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_derivative_equals_backward_of_ones_exactly(name, params):
    # Kinks included: the plotted derivative and backprop must agree there too.
    x = np.concatenate([np.linspace(-5, 5, 101), KINKS, [-1e-12, 1e-12, -50.0, 50.0]])
    layer = make(name, params)
    layer.forward(x)
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), layer.derivative(x))


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_forward_and_backward_leave_their_arguments_alone(name, params):
    x = kink_free_points((3, 5), seed=2)
    x.setflags(write=False)
    x_before = x.copy()
    g = np.random.default_rng(3).normal(size=x.shape)
    g.setflags(write=False)
    g_before = g.copy()
    layer = make(name, params)
    y = layer.forward(x)
    dx = layer.backward(g)
    d = layer.derivative(x)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(g, g_before)
    for result in (y, dx, d):
        assert not np.shares_memory(result, x) and not np.shares_memory(result, g)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_forward_accepts_lists_and_numbers(name):
    layer = get_activation(name)
    np.testing.assert_array_equal(layer.forward([-2.0, 0.5]), layer.forward(np.array([-2.0, 0.5])))
    assert float(layer.forward(0.5)) == float(layer.forward(np.array([0.5]))[0])


def test_prelu_alpha_gradient_matches_finite_differences_and_the_formula():
    layer = get_activation("prelu", alpha=0.3)
    x = kink_free_points((5, 4), seed=4)
    assert_gradients(layer, x, seed=5)  # checks dalpha among the layer's params
    g = np.random.default_rng(5).normal(size=x.shape)
    layer.forward(x)
    layer.backward(g)
    # df/dalpha = min(x, 0), so dL/dalpha = sum of g * min(x, 0)
    assert layer.dalpha[0] == pytest.approx(np.sum(g * np.minimum(x, 0.0)), rel=1e-12)


# --- numerical stability -----------------------------------------------------------------------
X_EXTREME = np.array([-1e308, -1e3, -50.0, -1.0, 0.0, 1.0, 50.0, 1e3, 1e308])
S, A = SELU_SCALE, SELU_ALPHA
# name -> (f, f') at (-1e308, -1e3, 1e3, 1e308): the limits the formulas must reach.
LIMITS = {
    "identity": ((-1e308, -1e3, 1e3, 1e308), (1, 1, 1, 1)),
    "step": ((0, 0, 1, 1), (0, 0, 0, 0)),
    "sigmoid": ((0, 0, 1, 1), (0, 0, 0, 0)),
    "tanh": ((-1, -1, 1, 1), (0, 0, 0, 0)),
    "relu": ((0, 0, 1e3, 1e308), (0, 0, 1, 1)),
    "leaky_relu": ((-1e306, -10, 1e3, 1e308), (0.01, 0.01, 1, 1)),
    "elu": ((-1, -1, 1e3, 1e308), (0, 0, 1, 1)),
    "selu": ((-S * A, -S * A, S * 1e3, S * 1e308), (0, 0, S, S)),
    "prelu": ((-2.5e307, -250, 1e3, 1e308), (0.25, 0.25, 1, 1)),
    "softplus": ((0, 0, 1e3, 1e308), (0, 0, 1, 1)),
    "swish": ((0, 0, 1e3, 1e308), (0, 0, 1, 1)),
    "gelu": ((0, 0, 1e3, 1e308), (0, 0, 1, 1)),
    "mish": ((0, 0, 1e3, 1e308), (0, 0, 1, 1)),
    "softsign": ((-1, -1000 / 1001, 1000 / 1001, 1), (0, 1 / 1001**2, 1 / 1001**2, 0)),
    "hard_sigmoid": ((0, 0, 1, 1), (0, 0, 0, 0)),
    "hard_tanh": ((-1, -1, 1, 1), (0, 0, 0, 0)),
}
STABILITY_CASES = [(name, {}) for name in ACTIVATIONS] + [("gelu", {"approximate": True})]


def expected_on_extremes(name, params):
    """f and f' on X_EXTREME: the limits at the four far points, the oracle in between."""
    (f_far, slope_far), middle = LIMITS[name], X_EXTREME[2:-2]
    f_mid, slope_mid = reference(name, params, middle)
    value = np.concatenate([f_far[:2], f_mid, f_far[2:]])
    slope = np.concatenate([slope_far[:2], slope_mid, slope_far[2:]])
    return value, slope


@pytest.mark.parametrize(("name", "params"), STABILITY_CASES,
                         ids=[case_id(case) for case in STABILITY_CASES])
def test_extreme_inputs_give_finite_correct_limits_without_warnings(name, params):
    value, slope = expected_on_extremes(name, params)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow or invalid-value RuntimeWarning fails
        layer = make(name, params)
        y = layer.forward(X_EXTREME)
        dx = layer.backward(np.ones_like(X_EXTREME))
        d = layer.derivative(X_EXTREME)
    for result in (y, dx, d):
        assert np.all(np.isfinite(result))
    np.testing.assert_allclose(y, value, rtol=1e-12, atol=1e-30)
    np.testing.assert_allclose(dx, slope, rtol=1e-12, atol=1e-30)
    np.testing.assert_array_equal(d, dx)


def test_named_extremes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert get_activation("sigmoid").forward(np.array([-1000.0]))[0] == 0.0
        assert get_activation("sigmoid").forward(np.array([-1e308]))[0] == 0.0
        assert get_activation("softplus").forward(np.array([1000.0]))[0] == 1000.0
        assert get_activation("softplus").forward(np.array([1e308]))[0] == 1e308
        assert get_activation("softsign").forward(np.array([1e308]))[0] == 1.0
        assert get_activation("swish", beta=100.0).forward(np.array([1e308]))[0] == 1e308


# --- teaching metadata ---------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_metadata_is_complete_and_true_on_a_grid(name, params):
    layer = make(name, params)
    assert layer.name == name
    assert isinstance(layer.latex, str) and layer.latex.startswith("f(x)")
    assert isinstance(layer.derivative_latex, str) and layer.derivative_latex.startswith("f'(x)")
    for flag in (layer.zero_centered, layer.monotonic, layer.smooth):
        assert isinstance(flag, bool)

    x = np.linspace(-20.0, 20.0, 40001)
    y = layer.forward(x)
    low, high = layer.output_range
    assert low < high
    assert np.all(y >= low) and np.all(y <= high)
    steps = np.diff(y)
    assert np.all(steps >= 0) if layer.monotonic else np.any(steps < 0)
    if layer.zero_centered:
        assert layer.forward(np.array([0.0]))[0] == 0.0 and y.min() < 0 < y.max()
    if layer.smooth:  # no jump in the derivative at any of the corners of the others
        for kink in KINKS:
            left, right = layer.derivative(np.array([kink - 1e-9, kink + 1e-9]))
            assert abs(left - right) < 1e-6


@pytest.mark.parametrize(("alpha", "expected"), [(0.0, (0.0, math.inf)),  # ReLU
                                                 (0.01, (-math.inf, math.inf)),
                                                 (1.0, (-math.inf, math.inf))])  # identity
def test_leaky_relu_output_range_follows_alpha(alpha, expected):
    layer = get_activation("leaky_relu", alpha=alpha)
    assert layer.output_range == expected
    assert get_activation("leaky_relu").output_range == (-math.inf, math.inf)  # class default
    assert layer.forward(np.array([-1e308]))[0] >= expected[0]


@pytest.mark.parametrize(("name", "params"), [("swish", {}), ("swish", {"beta": 2.0}),
                                              ("gelu", {}), ("gelu", {"approximate": True}),
                                              ("mish", {})])
def test_lower_bound_of_non_monotonic_activations_is_their_minimum(name, params):
    layer = make(name, params)
    found = minimize_scalar(lambda t: float(layer.forward(np.array([t]))[0]), bounds=(-3, 0),
                            method="bounded", options={"xatol": 1e-10})
    assert layer.output_range[0] == pytest.approx(found.fun, rel=1e-10)


# --- bad input ----------------------------------------------------------------------------------
def test_unknown_activation_lists_the_valid_names():
    with pytest.raises(ValueError, match="unknown activation 'relux'") as info:
        get_activation("relux")
    for name in ACTIVATIONS:
        assert name in str(info.value)


@pytest.mark.parametrize(("name", "params", "phrase"), [
    ("relu", {"alpha": 0.1}, "relu takes no parameter 'alpha'; its parameters: none"),
    ("leaky_relu", {"beta": 1.0}, "its parameters: alpha"),
    ("gelu", {"beta": 1.0}, "its parameters: approximate"),
])
def test_unknown_parameter_is_refused(name, params, phrase):
    with pytest.raises(ValueError, match=phrase):
        get_activation(name, **params)


@pytest.mark.parametrize(("name", "params", "phrase"), [
    ("leaky_relu", {"alpha": -0.1}, r"leaky_relu alpha must be in \[0, 1\]"),
    ("leaky_relu", {"alpha": float("nan")}, "must be a finite number"),
    ("leaky_relu", {"alpha": "0.1"}, "must be a finite number"),
    ("leaky_relu", {"alpha": True}, "must be a finite number"),
    ("elu", {"alpha": -1.0}, "elu alpha must be in"),
    ("prelu", {"alpha": 2.0}, "prelu alpha must be in"),
    ("softplus", {"beta": 0.0}, r"softplus beta must be in \(0, 100\]"),
    ("swish", {"beta": -1.0}, "swish beta must be in"),
    ("swish", {"beta": float("inf")}, "must be a finite number"),
    ("gelu", {"approximate": "yes"}, "approximate must be True or False"),
])
def test_bad_parameter_values_are_refused(name, params, phrase):
    with pytest.raises(ValueError, match=phrase):
        get_activation(name, **params)



NOT_REAL = [
    (np.array([1.0 + 2.0j, 0.5]), r"complex numbers \(dtype complex128\)"),
    (np.array([1.0, None], dtype=object), r"Python objects \(dtype object\)"),
    (np.array(["1.0", "2.0"]), r"text \(dtype <U3\)"),
]


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize(("x", "phrase"), NOT_REAL)
def test_anything_but_real_numbers_is_refused(name, x, phrase):
    layer = get_activation(name)
    with pytest.raises(ValueError, match=f"^{name} input must be real numbers, got {phrase}"):
        layer.forward(x)
    with pytest.raises(ValueError, match=f"^{name} input must be real numbers, got {phrase}"):
        layer.derivative(x)
    layer.forward(np.array([0.5, -0.5]))
    with pytest.raises(ValueError, match=f"^{name} upstream gradient must be real numbers"):
        layer.backward(x)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_integers_and_extended_precision_are_accepted(name):
    layer = get_activation(name)
    np.testing.assert_array_equal(layer.forward(np.array([-2, 0, 3])),
                                  layer.forward(np.array([-2.0, 0.0, 3.0])))
    wide = layer.forward(np.array([-2.0, 0.5, 3.0], dtype=np.longdouble))
    assert wide.dtype == np.longdouble
    assert layer.backward(np.ones(3, dtype=np.longdouble)).dtype == np.longdouble


@pytest.mark.parametrize("x", [3.0, 10.0, 19.0, 30.0, -25.0, 300.0])
def test_tanh_slope_keeps_its_digits_where_tanh_saturates(x):
    # The closed form 1 - tanh(x)^2 = sech(x)^2 = 1 / cosh(x)^2; evaluated as 1 - y^2 it would
    # round to 0 from |x| = 19 on and lose digits well before.
    expected = 1.0 / math.cosh(x) ** 2 if abs(x) < 700 else 4.0 * math.exp(-2.0 * abs(x))
    assert get_activation("tanh").derivative(np.array([x]))[0] == pytest.approx(expected,
                                                                                  rel=1e-14)


def test_a_number_past_the_float_range_is_refused_with_a_clear_message():
    from nn_core._checks import check_number

    with pytest.raises(ValueError, match="lr must be a finite number, got a number beyond"):
        check_number("lr", 10**400)
    with pytest.raises(ValueError, match="must be a finite number"):
        get_activation("elu", alpha=-10**400)
