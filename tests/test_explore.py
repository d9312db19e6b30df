"""Unit tests of nn_core.experiments.explore: the computations behind the activations page."""

import inspect
import textwrap

import numpy as np
import pytest

from nn_core import ACTIVATIONS, get_activation, softmax
from nn_core.experiments.explore import (
    Interval,
    activation_curves,
    activation_properties,
    activation_source,
    cell_centres,
    finite_difference_slope,
    fit_sine,
    intervals_where,
    linear_collapse,
    make_activation,
    maxout_approximation,
    relative_costs,
    relu_units_curve,
    softmax_overflow,
    softmax_overflow_demo,
    softmax_with_temperature,
    symmetric_grid,
)

ALL = list(ACTIVATIONS)


# --- curves ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL)
def test_slopes_are_what_backward_returns(name):
    curves = activation_curves([name], half_range=5.0, n_points=101)
    layer = get_activation(name)
    layer.forward(curves.x)
    np.testing.assert_array_equal(curves.slopes[name], layer.backward(np.ones(101)))
    np.testing.assert_array_equal(curves.values[name], get_activation(name).forward(curves.x))


@pytest.mark.parametrize("name", ALL)
def test_finite_differences_agree_with_backprop_away_from_kinks(name):
    curves = activation_curves([name], half_range=6.0, n_points=401, n_checks=40)
    assert curves.check_errors[name] < 1e-6
    assert curves.checks_agree


def test_check_points_avoid_zero_and_are_symmetric():
    centres = cell_centres(6.0, 40)
    assert 0.0 not in centres
    np.testing.assert_allclose(centres, -centres[::-1])


def test_a_check_point_on_a_kink_shows_the_average_slope():
    # hard tanh has kinks at +-1; the centred difference there averages 1 and 0.
    layer = get_activation("hard_tanh")
    assert finite_difference_slope(layer, np.array([1.0]))[0] == pytest.approx(0.5)
    curves = activation_curves(["hard_tanh"], half_range=8.0, n_checks=40)  # 1.0 is a centre
    assert not curves.checks_agree


def test_parameters_reach_the_layer():
    params = {"elu": {"alpha": 0.5}, "gelu": {"approximate": True}}
    assert make_activation("elu", params).alpha == 0.5
    assert make_activation("gelu", params).approximate is True
    assert repr(make_activation("relu", params)) == "ReLU()"  # no entry: its defaults
    # A parameter the activation does not take is refused, exactly as get_activation does.
    with pytest.raises(ValueError, match="relu takes no parameter 'alpha'"):
        make_activation("relu", {"relu": {"alpha": 3.0}})
    curves = activation_curves(["elu"], params, half_range=40.0, n_points=5)
    assert curves.values["elu"][0] == pytest.approx(-0.5)


def test_relu_slope_at_zero_is_zero_on_the_grid():
    curves = activation_curves(["relu"], half_range=1.0, n_points=3)
    np.testing.assert_array_equal(curves.slopes["relu"], [0.0, 0.0, 1.0])


def test_empty_selection_gives_empty_curves():
    curves = activation_curves([], half_range=2.0)
    assert curves.values == {} and curves.largest_check_error == 0.0 and curves.checks_agree


@pytest.mark.parametrize("half_range, n_points", [(0.0, 10), (-1.0, 10), (1e9, 10), (1.0, 10**9)])
def test_grid_refuses_bad_sizes(half_range, n_points):
    with pytest.raises(ValueError):
        symmetric_grid(half_range, n_points)


# --- properties -----------------------------------------------------------------------------

def test_intervals_where():
    x = np.arange(6.0)
    assert intervals_where(x, np.zeros(6, bool)) == []
    assert intervals_where(x, np.ones(6, bool)) == [Interval(0.0, 5.0, True, True)]
    mask = np.array([False, True, True, False, True, False])
    assert intervals_where(x, mask) == [Interval(1.0, 2.0, False, False),
                                        Interval(4.0, 4.0, False, False)]


def _properties(name, half_range=6.0):
    curves = activation_curves([name], half_range=half_range, n_points=401)
    return activation_properties(name, curves.x, curves.slopes[name])


def test_relu_properties():
    p = _properties("relu")
    assert p.max_slope == 1.0
    assert p.zero_gradient == [Interval(-6.0, 0.0, True, False)]  # relu'(0) = 0 included
    assert p.saturated == p.zero_gradient
    assert (p.zero_centered, p.monotonic, p.smooth) == (False, True, False)


def test_sigmoid_properties():
    p = _properties("sigmoid")
    assert p.max_slope == pytest.approx(0.25)
    assert p.zero_gradient == []
    # sigmoid'(x) < 0.01 for |x| > 4.59 (solve s(1 - s) = 0.01)
    low, high = p.saturated
    assert low.open_left and high.open_right
    assert low.high == pytest.approx(-4.59, abs=0.03) and high.low == pytest.approx(4.59, abs=0.03)


def test_identity_never_saturates_and_step_always_does():
    assert _properties("identity").saturated == []
    step = _properties("step")
    assert step.zero_gradient == [Interval(-6.0, 6.0, True, True)]


def test_relative_costs_are_relative_to_relu():
    costs = relative_costs(["relu", "sigmoid", "gelu"], n_elements=2_000, repeats=2)
    assert costs["relu"] == 1.0
    assert all(np.isfinite(c) and c > 0 for c in costs.values())


# --- source code ----------------------------------------------------------------------------

def test_source_is_read_from_the_class_that_runs_it():
    sources = dict(activation_source("relu"))
    assert list(sources) == ["Activation.forward", "ReLU.backward", "ReLU.value", "ReLU.slope"]
    assert sources["ReLU.backward"].startswith("def backward(self, dout):")
    relu_backward = ACTIVATIONS["relu"].backward
    assert sources["ReLU.backward"] == textwrap.dedent(inspect.getsource(relu_backward))


def test_source_of_an_activation_without_its_own_backward():
    sources = dict(activation_source("sigmoid"))
    assert "Activation.backward" in sources and "Sigmoid.slope" in sources


# --- softmax --------------------------------------------------------------------------------

def test_softmax_temperature():
    logits = [2.0, 1.0, 0.1, -1.0]
    np.testing.assert_allclose(softmax_with_temperature(logits, 1.0), softmax(np.array(logits)))
    hot = softmax_with_temperature(logits, 1e4)
    cold = softmax_with_temperature(logits, 0.01)
    np.testing.assert_allclose(hot, 0.25, atol=1e-3)
    assert cold[0] == pytest.approx(1.0)
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError):
            softmax_with_temperature(logits, bad)


def test_naive_softmax_overflows_without_a_warning():
    # pytest turns RuntimeWarnings into errors: the naive overflow must stay silent.
    demo = softmax_overflow([1000.0, 1001.0, 1002.0])
    assert np.all(np.isinf(demo.naive_exp)) and np.all(np.isnan(demo.naive_probabilities))
    assert demo.naive_failed
    np.testing.assert_array_equal(demo.shifted_logits, [-2.0, -1.0, 0.0])
    np.testing.assert_allclose(demo.probabilities, softmax(np.array([0.0, 1.0, 2.0])))


def test_no_overflow_at_small_offsets():
    demo = softmax_overflow_demo(0)
    assert not demo.naive_failed
    np.testing.assert_allclose(demo.naive_probabilities, demo.probabilities)
    # e^z overflows past z = 709.78: logits [700, 701, 702] are fine, [710, 711, 712] are not
    assert softmax_overflow_demo(700).naive_failed is False
    assert softmax_overflow_demo(710).naive_failed is True


# --- why non-linearity ----------------------------------------------------------------------

def test_two_linear_layers_are_one():
    collapse = linear_collapse(epochs=50)
    assert collapse.W.shape == (1, 1) and collapse.b.shape == (1,)
    np.testing.assert_allclose(collapse.W, collapse.W1 @ collapse.W2)
    np.testing.assert_allclose(collapse.b, collapse.b1 @ collapse.W2 + collapse.b2)
    assert collapse.max_difference < 1e-12
    # the linear stack is a straight line: its second differences vanish
    assert np.max(np.abs(np.diff(collapse.linear_stack, 2))) < 1e-12


def test_a_relu_between_the_layers_fits_better():
    collapse = linear_collapse()
    assert collapse.relu_error < collapse.linear_error / 5


# --- ReLU units -----------------------------------------------------------------------------

def test_relu_units_curve_is_the_sum_of_hinges():
    w, b, v = [1.0, -0.5, 2.0], [0.5, 1.0, -1.0], [0.3, -1.2, 0.7]
    curve = relu_units_curve(w, b, v, n_points=51)
    x = curve.x
    expected = [vi * np.maximum(wi * x + bi, 0.0) for wi, bi, vi in zip(w, b, v, strict=True)]
    np.testing.assert_allclose(curve.contributions, expected)
    np.testing.assert_allclose(curve.output, np.sum(expected, axis=0))
    assert curve.error == pytest.approx(np.mean((curve.output - np.sin(x)) ** 2))


def test_relu_units_curve_refuses_mismatched_lengths():
    with pytest.raises(ValueError):
        relu_units_curve([1.0, 2.0], [0.0], [1.0])


def test_fit_sine_learns_the_curve():
    fit = fit_sine()
    assert not fit.diverged
    assert fit.error < 0.01
    assert fit.train_loss[-1] < fit.train_loss[0]


def test_fit_sine_reports_divergence_instead_of_raising():
    fit = fit_sine(epochs=50, lr=1e5)
    assert fit.diverged and "diverged" in fit.reason


# --- maxout ---------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["abs", "relu"])
def test_maxout_is_exact_for_two_lines_and_more(target):
    assert maxout_approximation(target, 1).max_error > 0.5
    for k in (2, 3, 8):
        assert maxout_approximation(target, k).max_error < 1e-12


def test_maxout_square_error_falls_fourfold_when_k_doubles():
    errors = [maxout_approximation("square", k, half_range=2.0).max_error for k in (2, 4, 8)]
    # gap of tangents at cell centres: (cell width / 2)^2 = (2 / k)^2
    np.testing.assert_allclose(errors, [1.0, 0.25, 0.0625], rtol=1e-2)


def test_maxout_output_is_the_max_of_its_pieces():
    fit = maxout_approximation("square", 5)
    np.testing.assert_allclose(fit.output, fit.pieces.max(axis=0))
    low, high = fit.view_limits
    assert low < fit.target.min() and high > fit.target.max()


@pytest.mark.parametrize("target, pieces", [("sin", 3), ("square", 0), ("square", 65)])
def test_maxout_refuses_bad_input(target, pieces):
    with pytest.raises(ValueError):
        maxout_approximation(target, pieces)
