"""Unit tests of nn_core.experiments.zero_centred: the physics of the zig-zag."""

import numpy as np
import pytest

from nn_core.experiments.zero_centred import (
    MAX_STEPS,
    TARGET_WEIGHTS,
    compare_descents,
    descend,
    loss_contours,
    mean_loss,
    previous_layer_outputs,
    zero_centred_lesson,
)


def test_one_step_worked_by_hand():
    # Input a = (0.75, 0.5) (sigmoid of ln 3 and of 0), teacher w* = (1, -1): target
    # t = 0.75 - 0.5 = 0.25. From w = (0, 0): delta = a . w - t = -0.25, so
    # dL/dw = delta * a = (-0.1875, -0.125): both negative, the sign of delta.
    # With lr 1: w = (0.1875, 0.125). Second step: delta = 0.140625 + 0.0625 - 0.25
    # = -0.046875, dL/dw = (-0.03515625, -0.0234375), w = (0.22265625, 0.1484375).
    path = descend([[0.75, 0.5]], (1.0, -1.0), (0.0, 0.0), 1.0, max_steps=2)
    np.testing.assert_array_equal(path.gradients, [[-0.1875, -0.125], [-0.03515625, -0.0234375]])
    np.testing.assert_array_equal(path.path, [[0.0, 0.0], [0.1875, 0.125],
                                              [0.22265625, 0.1484375]])
    assert path.signs(2) == [(-1, -1), (-1, -1)]
    assert path.steps_to_optimum is None  # one input cannot pin down two weights


def test_the_inputs_are_the_engines_sigmoid_and_tanh_of_the_same_z():
    z = np.random.default_rng(0).normal(0.0, 1.0, (8, 2))
    np.testing.assert_allclose(previous_layer_outputs("sigmoid"), 1.0 / (1.0 + np.exp(-z)))
    np.testing.assert_allclose(previous_layer_outputs("tanh"), np.tanh(z))
    assert np.all(previous_layer_outputs("sigmoid") > 0)
    tanh = previous_layer_outputs("tanh")
    assert np.any(tanh > 0) and np.any(tanh < 0)


@pytest.mark.parametrize("lr, start", [(0.5, (-2.0, 2.0)), (1.0, (3.0, 3.0)), (0.05, (0.0, -3.0))])
def test_sigmoid_inputs_give_gradients_of_one_sign_at_every_step(lr, start):
    paths = compare_descents(lr, start)
    sigmoid, tanh = paths["sigmoid"], paths["tanh"]
    assert sigmoid.steps > 10
    products = sigmoid.gradients[:, 0] * sigmoid.gradients[:, 1]
    assert np.all(products >= 0) and np.all(sigmoid.one_sign)
    assert sigmoid.one_sign_fraction == 1.0
    assert tanh.one_sign_fraction < 0.9  # tanh's steps do point across the quadrants


@pytest.mark.parametrize("lr", [0.25, 0.5, 0.75, 1.0])
def test_tanh_inputs_reach_the_optimum_in_fewer_steps(lr):
    paths = compare_descents(lr, (-2.0, 2.0))
    assert paths["tanh"].steps_to_optimum is not None
    assert paths["sigmoid"].steps_to_optimum is None or (
        paths["tanh"].steps_to_optimum * 3 < paths["sigmoid"].steps_to_optimum)


def test_a_descent_ends_within_the_tolerance_and_never_moves_away():
    path = compare_descents(0.5, (-2.0, 2.0))["sigmoid"]
    distance = np.linalg.norm(path.path - np.array(TARGET_WEIGHTS), axis=1)
    assert path.steps_to_optimum == path.steps == len(path.path) - 1
    assert distance[-1] <= path.tolerance < distance[-2]
    assert np.all(np.diff(distance) <= 1e-12)  # lr |a|^2 < 2: each step is a relaxed projection


def test_not_reaching_the_optimum_is_reported_after_the_step_limit():
    path = compare_descents(0.05, (-2.0, 2.0))["sigmoid"]
    assert path.steps_to_optimum is None and path.steps == MAX_STEPS


def test_starting_at_the_optimum_takes_no_step():
    path = descend([[0.5, 0.25], [0.3, 0.9]], TARGET_WEIGHTS, TARGET_WEIGHTS, 0.5)
    assert path.steps_to_optimum == 0 and path.steps == 0 and path.one_sign_fraction is None


def test_contours_are_level_sets_of_the_mean_loss():
    inputs = previous_layer_outputs("sigmoid")
    levels = [0.5, 0.01]
    contours = loss_contours(inputs, TARGET_WEIGHTS, levels, n_points=13)
    assert contours.shape == (2, 13, 2)
    for level, curve in zip(levels, contours, strict=True):
        losses = [mean_loss(inputs, TARGET_WEIGHTS, point) for point in curve]
        np.testing.assert_allclose(losses, level, rtol=1e-10)


def test_the_lesson_shares_one_view_holding_both_paths():
    lesson = zero_centred_lesson(0.5, (-2.0, 2.0))
    low, high = lesson.view
    for path in lesson.paths.values():
        assert low < path.path.min() and path.path.max() < high
        # the outermost contour passes through the start
        start_loss = mean_loss(path.inputs, path.target, path.path[0])
        outer = lesson.contours[path.activation][0]
        assert mean_loss(path.inputs, path.target, outer[0]) == pytest.approx(start_loss)


@pytest.mark.parametrize("kwargs", [
    {"lr": 0.0}, {"lr": 1.5}, {"lr": float("nan")}, {"start": (float("nan"), 0.0)},
    {"start": (1e308, 0.0)}, {"inputs": [[1.0, 2.0, 3.0]]}, {"max_steps": 10**9},
])
def test_bad_input_is_refused(kwargs):
    arguments = {"inputs": [[0.5, 0.5]], "target": TARGET_WEIGHTS, "start": (0.0, 0.0),
                 "lr": 0.5, **kwargs}
    with pytest.raises(ValueError):
        descend(**arguments)
