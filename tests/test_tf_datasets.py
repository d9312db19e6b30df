"""TensorFlow Playground's data sets (nn_core.datasets, ``tf_*``): the same shapes, labels and
difficulty as playground.tensorflow.org, checked against its definitions point by point."""

import numpy as np
import pytest

from nn_core.datasets import TF_DATASETS as DATASETS
from nn_core.datasets import make_tf_dataset as make_dataset

TF_SETS = ["tf_circle", "tf_xor", "tf_gaussian", "tf_spiral", "tf_plane", "tf_multi_gaussian"]


@pytest.mark.parametrize("name", TF_SETS)
def test_each_set_is_seeded_balanced_and_on_tf_playgrounds_square(name):
    X, y = make_dataset(name, n_samples=500, noise=0.3, seed=4)
    again, y_again = make_dataset(name, n_samples=500, noise=0.3, seed=4)
    assert np.array_equal(X, again) and np.array_equal(y, y_again)
    assert X.shape == (500, 2) and np.abs(X).max() <= 6.0 + 3.0  # gaussian tails reach out
    if DATASETS[name].task == "classification":
        assert set(y.tolist()) == {0, 1} and 0.4 <= y.mean() <= 0.6
    else:
        assert y.dtype == np.float64 and np.abs(y).max() <= 1.2 * (1 + 0.3 / 2)


def test_the_spiral_has_two_arms_of_one_and_three_quarter_turns():
    X, y = make_dataset("tf_spiral", n_samples=400, noise=0.0)
    for label, turned in ((0, 0.0), (1, np.pi)):
        arm = X[y == label]
        radius = np.hypot(arm[:, 0], arm[:, 1])
        assert radius[0] == 0 and radius[-1] == pytest.approx(5 * 199 / 200)
        angle = np.unwrap(np.arctan2(arm[1:, 0], arm[1:, 1]))  # TF measures from the y-axis
        assert angle[-1] - angle[0] == pytest.approx(1.75 * 2 * np.pi * 198 / 200, rel=1e-9)
        assert np.arctan2(arm[1, 0], arm[1, 1]) % (2 * np.pi) == pytest.approx(
            (turned + 1.75 * 2 * np.pi / 200) % (2 * np.pi))


def test_circle_xor_and_gaussian_label_the_way_tf_playground_does():
    X, y = make_dataset("tf_circle", n_samples=400, noise=0.0, seed=1)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert (radius[y == 0] < 2.5).all() and (radius[y == 1] >= 3.5).all()
    X, y = make_dataset("tf_xor", n_samples=400, noise=0.0, seed=1)
    assert (np.abs(X) >= 0.3).all()  # the padding around the axes
    assert np.array_equal(y == 0, X[:, 0] * X[:, 1] >= 0)
    X, y = make_dataset("tf_gaussian", n_samples=4000, noise=0.0, seed=1)
    assert X[y == 0].mean(axis=0) == pytest.approx([2, 2], abs=0.1)
    assert X[y == 0].var(axis=0) == pytest.approx([0.5, 0.5], rel=0.1)  # variance 0.5 at 0 %
    X, _ = make_dataset("tf_gaussian", n_samples=4000, noise=1.0, seed=1)
    assert X[:2000].var(axis=0) == pytest.approx([4, 4], rel=0.1)  # and 4 at its 50 %


def test_noise_mislabels_points_near_the_boundary_only():
    X, y = make_dataset("tf_circle", n_samples=2000, noise=1.0, seed=2)
    inner = np.hypot(X[:, 0], X[:, 1]) < 2.5
    assert 0.05 < np.mean(y[inner] == 1) < 0.6  # some inner points were labelled outer


def test_regression_targets_follow_tf_playgrounds_formulas():
    X, y = make_dataset("tf_plane", n_samples=300, noise=0.0, seed=3)
    assert y == pytest.approx((X[:, 0] + X[:, 1]) / 10)
    X, y = make_dataset("tf_multi_gaussian", n_samples=3000, noise=0.0, seed=3)
    near = np.hypot(X[:, 0] - 4, X[:, 1] + 2.5) < 0.2  # the bump at (4, -2.5) is negative
    assert (y[near] < -0.85).all()
    far = np.min([np.hypot(X[:, 0] - cx, X[:, 1] - cy)
                  for cx in (-4, 0, 4) for cy in (-2.5, 2.5)], axis=0) > 2
    assert (y[far] == 0).all()
