"""Unit tests of nn_core.experiments.explore: the computations behind the activations page."""

import inspect
import textwrap

import numpy as np
import pytest

from nn_core import ACTIVATIONS, Adam, get_activation, softmax
from nn_core.experiments.explore import (
    UNIT_RANGES,
    UNIT_STEP,
    Interval,
    activation_curves,
    activation_properties,
    activation_source,
    cell_centres,
    finite_difference_slope,
    fit_relu_units,
    intervals_where,
    linear_collapse,
    make_activation,
    maxout_approximation,
    relative_costs,
    relu_units_curve,
    relu_units_grid,
    snap_to_step,
    softmax_overflow,
    softmax_overflow_demo,
    softmax_with_temperature,
    symmetric_grid,
    units_loss_and_gradient,
)
from nn_core.model import MLP

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


@pytest.mark.parametrize(("logits", "temperature", "expected"), [
    # z / T overflowed to inf, and inf - inf in the softmax is NaN (with a warning).
    ([1.0, 2.0], 1e-320, [0.0, 1.0]),
    ([1.0, 2.0], 5e-324, [0.0, 1.0]),  # the smallest temperature above 0
    ([3.0, 3.0, 1.0], 1e-300, [0.5, 0.5, 0.0]),  # a tie keeps its halves
    ([1e308, 1e308], 0.5, [0.5, 0.5]),
    ([1e308, -1e308], 1e-300, [1.0, 0.0]),
    ([-1e308, 1e308], 1e6, [0.0, 1.0]),  # the gap 2e308 itself overflows
    ([1e300, 1e300 * (1 + 2**-52)], 1e-10, [0.0, 1.0]),
])
def test_softmax_temperature_never_gives_nan(logits, temperature, expected):
    probabilities = softmax_with_temperature(logits, temperature)
    np.testing.assert_array_equal(probabilities, expected)


def test_softmax_temperature_is_softmax_of_the_divided_logits_where_that_is_finite():
    logits = np.array([[0.3, -1.2, 2.5], [10.0, 10.5, 9.0]])
    for temperature in (0.05, 0.7, 3.0):
        np.testing.assert_allclose(softmax_with_temperature(logits, temperature),
                                   softmax(logits / temperature), rtol=1e-13)


@pytest.mark.parametrize("logits", [[np.nan, 1.0], [np.inf, 1.0], [1.0, -np.inf]])
def test_softmax_temperature_refuses_logits_that_are_not_finite(logits):
    with pytest.raises(ValueError, match="logits must be finite numbers, got NaN or infinity"):
        softmax_with_temperature(logits, 1.0)


def test_softmax_temperature_of_one_number_says_to_write_a_list():
    with pytest.raises(ValueError, match=r"got the single number 3: for one class write \[z\]"):
        softmax_with_temperature(3.0, 1.0)


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


# The page's default sliders (rows w, b, v): the student's curve of the issue, error 0.27.
DEFAULT_START = ((1.0, 1.0, 1.0), (3.0, 1.5, -1.5), (-0.6, 1.2, 0.0))


def test_units_gradient_is_the_mlps_backward(rng):
    params = rng.uniform(-2.0, 2.0, (2, 3, 4))
    x = relu_units_grid(51)
    y = np.sin(x)
    loss, gradient = units_loss_and_gradient(params, x, y)
    for candidate, candidate_loss, candidate_gradient in zip(params, loss, gradient, strict=True):
        model = MLP([1, 4, 1], activation="relu", task="regression")
        hidden, _, output = model.layers
        hidden.W[0, :], hidden.b[:] = candidate[0], candidate[1]
        output.W[:, 0], output.b[:] = candidate[2], 0.0
        assert model.loss(x[:, None], y) == pytest.approx(candidate_loss, rel=1e-12)
        model.backward()
        np.testing.assert_allclose(candidate_gradient, [hidden.dW[0], hidden.db, output.dW[:, 0]],
                                   rtol=1e-10, atol=1e-15)


def test_snap_to_step_lands_on_what_the_slider_shows():
    snapped = snap_to_step([3 * 0.05, 0.149, -0.0001, 7.0, -2.0249], -2.0, 2.0, 0.05)
    assert [repr(float(v)) for v in snapped] == ["0.15", "0.15", "0.0", "2.0", "-2.0"]
    assert snap_to_step([-2.026], -2.0, 2.0, 0.05)[0] == -2.0  # clipped, then on the grid


def _on_slider_grid(fit):
    for row, (low, high) in zip(fit.rows, UNIT_RANGES, strict=True):
        for value in row:
            assert low <= value <= high
            steps = (value - low) / UNIT_STEP
            assert abs(steps - round(steps)) < 1e-9
            assert value == round(value, 2)  # exactly the decimal the slider prints


def test_fit_of_the_units_shown_continues_from_the_student_and_keeps_to_the_sliders():
    before = relu_units_curve(*DEFAULT_START).error
    fit = fit_relu_units(3, start=DEFAULT_START)
    assert before == pytest.approx(0.2746, abs=1e-4)
    assert fit.n_units == 3 and fit.from_start
    _on_slider_grid(fit)
    # like with like: the fit's error is the error of the student's own curve at those values
    assert fit.error == relu_units_curve(*fit.rows).error
    assert fit.error < 0.006 < before
    assert fit_relu_units(3, start=DEFAULT_START) == fit  # deterministic


def test_the_fit_is_never_worse_than_where_it_starts():
    good = fit_relu_units(3, start=DEFAULT_START)
    again = fit_relu_units(3, start=good.rows, iterations=20)
    assert again.error <= good.error
    _on_slider_grid(again)


def test_three_units_cannot_do_much_better_and_eight_can():
    """What the page says: about the best three units can do; more units, more bends."""
    three = fit_relu_units(3, start=DEFAULT_START)
    # 32 random starts, 600 steps of Adam each, off the grid and without the ranges: none
    # beats the three-unit fit by more than a few per cent.
    rng = np.random.default_rng(7)
    params = np.stack([rng.uniform(-2, 2, (32, 3)), rng.uniform(-4, 4, (32, 3)),
                       rng.uniform(-2, 2, (32, 3))], axis=1)
    x = relu_units_grid()
    adam = Adam(0.03)
    for _ in range(600):
        adam.step([params], [units_loss_and_gradient(params, x, np.sin(x))[1]])
    best_random = units_loss_and_gradient(params, x, np.sin(x))[0].min()
    assert three.error < 1.05 * best_random
    eight = fit_relu_units(8, iterations=300)
    _on_slider_grid(eight)
    assert eight.error < three.error / 5


@pytest.mark.parametrize("start", [
    ((1.0, 2.0), (0.0, 0.0), (1.0, 1.0)),  # two units, not three
    ((float("nan"), 1.0, 1.0), (0.0, 0.0, 0.0), (1.0, 1.0, 1.0)),
    ((1e308, 1.0, 1.0), (0.0, 0.0, 0.0), (1.0, float("inf"), 1.0)),
])
def test_fit_refuses_a_bad_start(start):
    with pytest.raises(ValueError, match="start"):
        fit_relu_units(3, start=start)


def test_a_huge_but_finite_start_is_clipped_onto_the_sliders():
    fit = fit_relu_units(3, start=((1e308, 1.0, 1.0), (0.0, 0.0, 0.0), (1.0, 1.0, 1.0)),
                         iterations=10)
    _on_slider_grid(fit)


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
