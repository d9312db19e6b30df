"""Dense and Maxout layers, softmax / log-softmax, cross-entropy and MSE: values, gradients
(by finite differences) and numerical stability."""

import math
import warnings

import numpy as np
import pytest

from nn_core import (
    INITIALIZERS,
    Dense,
    Maxout,
    MSELoss,
    SoftmaxCrossEntropy,
    get_activation,
    init_std,
    log_softmax,
    numerical_gradient,
    relative_error,
    softmax,
)
from tests.gradients import TOLERANCE, assert_gradients, largest_error, record_error


# --- Dense -------------------------------------------------------------------------------------
def test_dense_forward_is_affine():
    layer = Dense(3, 4, rng=0)
    x = np.random.default_rng(1).normal(size=(5, 3))
    np.testing.assert_allclose(layer.forward(x), x @ layer.W + layer.b, rtol=1e-15)
    assert layer.W.shape == (3, 4) and layer.b.shape == (4,)
    assert np.all(layer.b == 0.0)


def test_dense_hand_worked_backward():
    # y = x W + b with one sample x = [1, 2], W = [[1, -1], [0, 3]], b = [0.5, 0]:
    #   y = [1*1 + 2*0 + 0.5, 1*(-1) + 2*3 + 0] = [1.5, 5]
    # For upstream g = [2, -1]:
    #   dW = x^T g = [[1*2, 1*(-1)], [2*2, 2*(-1)]] = [[2, -1], [4, -2]]
    #   db = g = [2, -1]
    #   dx = g W^T = [2*1 + (-1)*(-1), 2*0 + (-1)*3] = [3, -3]
    layer = Dense(2, 2, rng=0)
    layer.W[...] = [[1.0, -1.0], [0.0, 3.0]]
    layer.b[...] = [0.5, 0.0]
    np.testing.assert_array_equal(layer.forward(np.array([[1.0, 2.0]])), [[1.5, 5.0]])
    dx = layer.backward(np.array([[2.0, -1.0]]))
    np.testing.assert_array_equal(layer.dW, [[2.0, -1.0], [4.0, -2.0]])
    np.testing.assert_array_equal(layer.db, [2.0, -1.0])
    np.testing.assert_array_equal(dx, [[3.0, -3.0]])


@pytest.mark.parametrize("init", INITIALIZERS)
def test_dense_gradients_match_finite_differences(init):
    x = np.random.default_rng(2).normal(size=(6, 3))
    assert_gradients(Dense(3, 4, init=init, rng=3), x)


def test_dense_gradients_are_written_into_the_same_arrays():
    layer = Dense(3, 2, rng=0)
    dW, db = layer.dW, layer.db
    layer.forward(np.ones((4, 3)))
    layer.backward(np.ones((4, 2)))
    assert layer.dW is dW and layer.db is db


@pytest.mark.parametrize(("init", "n_in", "n_out", "std"), [
    ("normal_0.01", 400, 300, 0.01),
    ("normal_1.0", 400, 300, 1.0),
    ("xavier", 400, 300, math.sqrt(2 / 700)),
    ("he", 400, 300, math.sqrt(2 / 400)),
])
def test_initialisers_draw_with_the_documented_std(init, n_in, n_out, std):
    assert init_std(init, n_in, n_out) == pytest.approx(std, rel=1e-15)
    W = Dense(n_in, n_out, init=init, rng=0).W
    assert W.std() == pytest.approx(std, rel=0.01)  # 120,000 draws: within 1 %
    assert abs(W.mean()) < 0.01 * std


def test_dense_same_rng_seed_same_weights():
    np.testing.assert_array_equal(Dense(3, 4, rng=7).W, Dense(3, 4, rng=7).W)
    assert not np.array_equal(Dense(3, 4, rng=7).W, Dense(3, 4, rng=8).W)


@pytest.mark.parametrize(("args", "phrase"), [
    ((0, 3), "n_in must be at least 1"),
    ((3, -1), "n_out must be at least 1"),
    ((2.5, 3), "n_in must be a whole number"),
])
def test_dense_bad_sizes(args, phrase):
    with pytest.raises(ValueError, match=phrase):
        Dense(*args)


def test_dense_bad_initialiser_lists_the_choices():
    with pytest.raises(ValueError, match="unknown initialisation 'glorot'; choose one of: "
                                         "normal_0.01, normal_1.0, xavier, he"):
        Dense(2, 2, init="glorot")


# --- Maxout ------------------------------------------------------------------------------------
def test_maxout_forward_is_the_max_over_pieces():
    layer = Maxout(3, 4, pieces=3, rng=0)
    layer.b[...] = np.random.default_rng(1).normal(size=layer.b.shape)
    x = np.random.default_rng(2).normal(size=(5, 3))
    out = layer.forward(x)
    z = x @ layer.W + layer.b
    for unit in range(4):
        pieces = z[:, unit * 3:(unit + 1) * 3]  # piece i of unit j is column j * pieces + i
        np.testing.assert_array_equal(out[:, unit], pieces.max(axis=1))


@pytest.mark.parametrize("pieces", [1, 2, 4])
def test_maxout_gradients_match_finite_differences(pieces):
    layer = Maxout(3, 4, pieces=pieces, rng=0)
    layer.b[...] = np.random.default_rng(1).normal(size=layer.b.shape)
    x = np.random.default_rng(2).normal(size=(6, 3))
    # Away from ties: the winning piece must lead by far more than a finite-difference step.
    z = np.sort((x @ layer.W + layer.b).reshape(6, 4, pieces), axis=2)
    if pieces > 1:
        assert np.min(z[:, :, -1] - z[:, :, -2]) > 1e-3
    assert_gradients(layer, x)


def test_maxout_sends_the_gradient_to_the_winner_only():
    layer = Maxout(1, 1, pieces=2, rng=0)
    layer.W[...] = [[1.0, -1.0]]  # the unit computes max(x, -x) = |x|
    np.testing.assert_array_equal(layer.forward(np.array([[-2.0], [3.0]])), [[2.0], [3.0]])
    dx = layer.backward(np.array([[1.0], [1.0]]))
    np.testing.assert_array_equal(dx, [[-1.0], [1.0]])  # d|x|/dx = sign(x)
    # piece 0 (x) wins for x = 3, piece 1 (-x) for x = -2: dW = [3 * 1, -2 * 1]
    np.testing.assert_array_equal(layer.dW, [[3.0, -2.0]])


# --- softmax and log-softmax ---------------------------------------------------------------------
def test_softmax_of_far_apart_logits():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(softmax(np.array([1000.0, -1000.0])), [1.0, 0.0])
        np.testing.assert_array_equal(softmax(np.array([1e308, -1e308])), [1.0, 0.0])
        np.testing.assert_array_equal(softmax(np.array([-1e308, 1e308])), [0.0, 1.0])
        np.testing.assert_array_equal(softmax(np.array([1e308, 1e308])), [0.5, 0.5])
        np.testing.assert_array_equal(log_softmax(np.array([1000.0, -1000.0])), [0.0, -2000.0])
        far = log_softmax(np.array([1e308, -1e308]))
    assert far[0] == 0.0 and np.isfinite(far[1]) and far[1] < -1e308


@pytest.mark.parametrize("shift", [-1e5, -1000.0, -1.0, 3.5, 1000.0, 1e5])
def test_softmax_is_invariant_to_adding_a_constant(shift):
    z = np.random.default_rng(0).normal(0, 3, size=(4, 5))
    np.testing.assert_allclose(softmax(z + shift), softmax(z), rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(log_softmax(z + shift), log_softmax(z), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("scale", [1e-3, 1.0, 30.0, 1e3, 1e300])
def test_softmax_rows_sum_to_one(scale):
    z = np.random.default_rng(1).normal(0, scale, size=(50, 7))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = softmax(z)
    assert np.all(p >= 0.0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-15)


def test_softmax_along_another_axis():
    z = np.random.default_rng(2).normal(size=(3, 4))
    np.testing.assert_allclose(softmax(z, axis=0), softmax(z.T).T, rtol=1e-15)
    np.testing.assert_allclose(np.exp(log_softmax(z)), softmax(z), rtol=1e-14)


@pytest.mark.parametrize("z", [3.0, np.float32(3.0), np.array(3.0), 3])
def test_softmax_of_a_single_number_says_to_write_a_list(z):
    # It raised "TypeError: return arrays must be of ArrayType" from inside numpy.
    with pytest.raises(ValueError, match=r"^softmax input must be one number per class .*, got "
                                         r"the single number 3.0: for one class write \[z\] "
                                         r"\(its softmax is 1\)"):
        softmax(z)
    with pytest.raises(ValueError, match=r"^log_softmax input .* the single number 3.0: .* "
                                         r"\(its log_softmax is 0\)"):
        log_softmax(z)
    np.testing.assert_array_equal(softmax([z]), [1.0])
    np.testing.assert_array_equal(log_softmax([z]), [0.0])


def test_softmax_leaves_its_input_alone():
    z = np.array([[1000.0, -3.0, 2.0]])
    z.setflags(write=False)
    softmax(z)
    log_softmax(z)
    np.testing.assert_array_equal(z, [[1000.0, -3.0, 2.0]])


# --- cross-entropy -------------------------------------------------------------------------------
def test_cross_entropy_hand_worked():
    # Logits [0, ln 3]: exp gives [1, 3], so softmax = [1/4, 3/4].
    # With label 1: loss = -log(3/4) = log(4/3) = 0.28768...
    # dL/dz = softmax - onehot = [1/4, 3/4] - [0, 1] = [1/4, -1/4] (over a batch of 1).
    loss = SoftmaxCrossEntropy()
    assert loss.forward(np.array([[0.0, math.log(3)]]), np.array([1])) == pytest.approx(
        math.log(4 / 3), rel=1e-15)
    np.testing.assert_allclose(loss.backward(), [[0.25, -0.25]], rtol=1e-15)


def test_cross_entropy_indices_and_one_hot_agree():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(8, 3))
    y = rng.integers(0, 3, size=8)
    by_index, by_one_hot = SoftmaxCrossEntropy(), SoftmaxCrossEntropy()
    loss_index = by_index.forward(logits, y)
    loss_one_hot = by_one_hot.forward(logits, np.eye(3)[y])
    assert loss_index == loss_one_hot
    np.testing.assert_array_equal(by_index.backward(), by_one_hot.backward())


def test_cross_entropy_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 2, size=(6, 4))
    y = rng.integers(0, 4, size=6)
    loss = SoftmaxCrossEntropy()
    loss.forward(logits, y)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda: loss.forward(logits, y), logits)
    error = record_error(relative_error(analytic, numeric), "SoftmaxCrossEntropy")
    assert error < TOLERANCE


def test_cross_entropy_of_a_confident_wrong_answer_is_finite():
    loss = SoftmaxCrossEntropy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss.forward(np.array([[1000.0, -1000.0]]), np.array([1]))
        grad = loss.backward()
        huge = SoftmaxCrossEntropy().forward(np.array([[1e308, -1e308]]), np.array([1]))
    assert value == pytest.approx(2000.0, rel=1e-15)
    np.testing.assert_array_equal(grad, [[1.0, -1.0]])
    assert math.isfinite(huge) and huge > 1e308


def test_cross_entropy_of_a_confident_right_answer_is_zero():
    loss = SoftmaxCrossEntropy()
    assert loss.forward(np.array([[1000.0, -1000.0]]), np.array([0])) == 0.0
    np.testing.assert_array_equal(loss.backward(), [[0.0, 0.0]])


# --- mean squared error --------------------------------------------------------------------------
def test_mse_hand_worked():
    # predictions [[1], [4]], targets [0, 2]: errors 1 and 2, squares 1 and 4, mean 5/2.
    # dL/dp = 2 (p - y) / N = [2 * 1 / 2, 2 * 2 / 2] = [1, 2].
    loss = MSELoss()
    assert loss.forward(np.array([[1.0], [4.0]]), np.array([0.0, 2.0])) == 2.5
    np.testing.assert_array_equal(loss.backward(), [[1.0], [2.0]])


def test_mse_gradient_matches_finite_differences():
    rng = np.random.default_rng(2)
    predictions = rng.normal(size=(7, 2))
    y = rng.normal(size=(7, 2))
    loss = MSELoss()
    loss.forward(predictions, y)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda: loss.forward(predictions, y), predictions)
    assert record_error(relative_error(analytic, numeric), "MSELoss") < TOLERANCE


# --- the finite-difference oracle itself ---------------------------------------------------------
def test_relative_error_conventions():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert relative_error(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(
        math.sqrt(2))


def test_numerical_gradient_of_a_known_function_and_restores_x():
    x = np.array([[0.5, -1.0], [2.0, 3.0]])
    before = x.copy()
    grad = numerical_gradient(lambda: np.sum(np.sin(x)), x)
    np.testing.assert_allclose(grad, np.cos(before), rtol=1e-9)
    np.testing.assert_array_equal(x, before)


def test_assert_gradients_catches_a_wrong_backward():
    class WrongDense(Dense):
        def backward(self, dout):
            return 1.01 * super().backward(dout)  # dx off by 1 %

    saved = dict(largest_error)  # this deliberate failure is not part of the report
    with pytest.raises(AssertionError, match="dx off by relative error"):
        assert_gradients(WrongDense(3, 2, rng=0), np.ones((2, 3)))
    largest_error.update(saved)


# --- bad input: sizes beyond the cap, and anything but real numbers -----------------------------
@pytest.mark.parametrize(("make", "phrase"), [
    (lambda: Dense(10**5, 10**5),
     r"Dense\(100000, 100000\) would have 10,000,100,000 parameters; the limit is 6,000,000"),
    (lambda: Maxout(10**4, 10**4, 64),
     r"Maxout\(10000, 10000, pieces=64\) would have 6,400,640,000 parameters; the limit is"),
])
def test_oversized_layers_are_refused_before_allocating(make, phrase):
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=phrase):
            make()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000  # 75 / 48 GiB were about to be drawn


def test_the_largest_allowed_layer_is_still_built():
    assert Dense(5999, 1000, rng=0).W.shape == (5999, 1000)  # 5,999,000 + 1,000 = the limit


NOT_REAL = [
    (np.array([[1.0 + 2.0j, 0.5]]), r"complex numbers \(dtype complex128\)"),
    (np.array([[1.0, None]], dtype=object), r"Python objects \(dtype object\)"),
    (np.array([["1.0", "2.0"]]), r"text \(dtype <U3\)"),
]


@pytest.mark.parametrize(("x", "phrase"), NOT_REAL)
def test_layers_softmax_and_losses_refuse_anything_but_real_numbers(x, phrase):
    with pytest.raises(ValueError, match="Dense input must be real numbers, got " + phrase):
        Dense(2, 3, rng=0).forward(x)
    with pytest.raises(ValueError, match="Maxout input must be real numbers, got " + phrase):
        Maxout(2, 3, rng=0).forward(x)
    with pytest.raises(ValueError, match="^softmax input must be real numbers, got " + phrase):
        softmax(x)
    with pytest.raises(ValueError, match="log_softmax input must be real numbers, got " + phrase):
        log_softmax(x)
    with pytest.raises(ValueError, match="SoftmaxCrossEntropy logits must be real numbers"):
        SoftmaxCrossEntropy().forward(x, [0])
    with pytest.raises(ValueError, match="MSELoss predictions must be real numbers, got " + phrase):
        MSELoss().forward(x, [[0.0, 0.0]])
    with pytest.raises(ValueError, match="MSELoss targets must be real numbers, got " + phrase):
        MSELoss().forward(np.zeros((1, 2)), x)


def test_integers_booleans_and_extended_precision_are_real_numbers():
    np.testing.assert_array_equal(softmax([0, 0]), [0.5, 0.5])
    np.testing.assert_array_equal(softmax(np.array([True, True])), [0.5, 0.5])
    np.testing.assert_array_equal(Dense(2, 2, rng=0).forward([[1, 2]]),
                                  Dense(2, 2, rng=0).forward([[1.0, 2.0]]))
    wide = np.array([[0.0, math.log(3)]], dtype=np.longdouble)
    assert softmax(wide).dtype == log_softmax(wide).dtype == np.longdouble
    assert SoftmaxCrossEntropy().forward(wide, [1]).dtype == np.longdouble
    assert softmax(np.array([1.0, 2.0], dtype=np.float32)).dtype == np.float64


@pytest.mark.parametrize(("logits", "y", "phrase"), [
    (np.zeros((2, 3)), [0, 3], "class labels must be between 0 and 2 for a network with 3 outputs"),
    (np.zeros((2, 3)), [0, -1], "class labels must be between 0 and 2"),
    (np.zeros((2, 3)), [0, 0, 1], "the logits have 2 samples but y has 3 labels"),
    (np.zeros((2, 3)), [0.5, 1], "class labels must be whole numbers"),
    (np.zeros((2, 3)), ["a", "b"], "class labels must be whole numbers"),
    (np.zeros((2, 3)), [[0, 1, 1], [1, 0, 0]], "one-hot labels must have exactly one 1 per row"),
    (np.zeros(3), [0], r"SoftmaxCrossEntropy logits must be 2-D with at least one sample and "
                       r"one class \(samples x classes\), got shape \(3,\)"),
    # An empty batch was a "divide" warning and a NaN loss; no classes, a numpy error.
    (np.zeros((0, 3)), [], r"at least one sample and one class .*got shape \(0, 3\)"),
    (np.zeros((2, 0)), [0, 0], r"got shape \(2, 0\)"),
])
def test_cross_entropy_refuses_bad_labels_with_what_is_wrong(logits, y, phrase):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=phrase):
            SoftmaxCrossEntropy().forward(logits, y)


def test_mse_of_no_predictions_is_refused():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # was "mean of empty slice" and a NaN loss
        with pytest.raises(ValueError, match="MSELoss needs at least one prediction"):
            MSELoss().forward(np.zeros((0, 1)), [])


def test_mse_refuses_targets_of_another_size():
    with pytest.raises(ValueError, match=r"MSELoss: the predictions have shape \(2, 1\) but the "
                                         r"targets have shape \(3,\)"):
        MSELoss().forward(np.zeros((2, 1)), [1.0, 2.0, 3.0])


# --- a backward pass before any forward pass ---------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: (Dense(2, 3, rng=0), np.zeros((1, 3))),
    lambda: (Maxout(2, 3, rng=0), np.zeros((1, 3))),
    lambda: (get_activation("tanh"), np.zeros((1, 3))),
    lambda: (get_activation("relu"), np.zeros((1, 3))),  # its own backward (a boolean mask)
    lambda: (get_activation("prelu"), np.zeros((1, 3))),  # its own backward (dalpha too)
])
def test_backward_before_forward_says_so(make):
    # A student's first try in a notebook: numpy used to answer that None has no attribute 'T'.
    layer, dout = make()
    with pytest.raises(RuntimeError, match=f"{type(layer).__name__}.backward needs a forward "
                                           f"pass first"):
        layer.backward(dout)


@pytest.mark.parametrize("loss", [SoftmaxCrossEntropy(), MSELoss()])
def test_a_loss_backward_before_its_forward_says_so(loss):
    with pytest.raises(RuntimeError, match=r"needs a forward pass first.*net\.loss\(X, y\), "
                                           r"then net\.backward\(\)"):
        loss.backward()


def test_init_std_refuses_an_empty_layer():
    with pytest.raises(ValueError, match="n_in must be at least 1, got 0"):  # was ZeroDivision
        init_std("he", 0, 3)


@pytest.mark.parametrize(("x", "kwargs", "message"), [
    (np.zeros(3), {"eps": 0.0}, "eps must be"),  # was 0 / 0: NaN and a warning
    (np.zeros(3), {"eps": math.nan}, "eps must be a finite number"),
    (np.zeros(3, dtype=int), {}, "x must be a float array"),  # x + eps was cut back to 0
    ([0.0, 1.0], {}, "x must be a float array"),
    (np.zeros(3), {"indices": [5]}, "index must be between 0 and 2, got 5"),
])
def test_numerical_gradient_refuses_steps_it_cannot_take(x, kwargs, message):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=message):
            numerical_gradient(lambda: 0.0, x, **kwargs)


@pytest.mark.parametrize("view", [lambda W: W[:, :2], lambda W: W.T], ids=["slice", "transpose"])
def test_numerical_gradient_perturbs_any_view_of_a_parameter(view):
    # It perturbed x.reshape(-1), a copy of these views, and returned zeros: relative error 1.
    layer = Dense(3, 4, rng=0)
    x = np.random.default_rng(1).normal(size=(5, 3))
    layer.forward(x)
    layer.backward(np.ones((5, 4)))
    W = view(layer.W)
    before = W.copy()
    numeric = numerical_gradient(lambda: np.sum(layer.forward(x)), W)
    np.testing.assert_allclose(numeric, view(layer.dW), rtol=1e-8)
    np.testing.assert_array_equal(W, before)


def test_numerical_gradient_of_a_column_major_array():
    x = np.asfortranarray([[0.5, -1.0, 0.25], [2.0, 3.0, -0.5]])
    grad = numerical_gradient(lambda: np.sum(np.sin(x) * np.arange(1.0, 7.0).reshape(2, 3)), x)
    np.testing.assert_allclose(grad, np.cos(x) * np.arange(1.0, 7.0).reshape(2, 3), rtol=1e-9)


@pytest.mark.parametrize(("f", "x", "eps", "message"), [
    (lambda: 0.0, np.array([1000.0]), 1e-14, "eps=1e-14 is too small for the entry 1000"),
    (lambda: 0.0, np.array([100.0], dtype=np.float32), 1e-6, "in float32"),
    (lambda: np.zeros(2), np.zeros(2), 1e-6, "one real number, got ndarray of shape"),
    (lambda: None, np.zeros(2), 1e-6, "one real number, got NoneType"),
])
def test_numerical_gradient_says_when_it_cannot_difference(f, x, eps, message):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # was 0 / 0: NaN with a RuntimeWarning
        with pytest.raises(ValueError, match=message):
            numerical_gradient(f, x, eps)


def test_numerical_gradient_refuses_a_read_only_array():
    x = np.zeros(3)
    x.flags.writeable = False
    with pytest.raises(ValueError, match="x is read-only"):
        numerical_gradient(lambda: 0.0, x)


def test_relative_error_of_a_nan_gradient_is_nan():
    # max(0, nan) is 0, so it said 0.0: "they agree".
    assert math.isnan(relative_error([0.0, 0.0], [math.nan, math.nan]))
    assert math.isnan(relative_error([1.0, math.nan], [1.0, 2.0]))


@pytest.mark.parametrize("layer", [Dense(3, 4, rng=0), Maxout(3, 4, 2, rng=0),
                                   get_activation("relu"), get_activation("prelu"),
                                   get_activation("tanh")], ids=repr)
def test_backward_refuses_an_upstream_gradient_of_another_shape(layer):
    # Activations broadcast (3, 1) against (3,) into a (3, 3) "gradient" (and PReLU summed a
    # wrong dalpha); the layers failed inside numpy's matmul.
    x = np.random.default_rng(0).normal(size=(3, 3))
    out = layer.forward(x if isinstance(layer, (Dense, Maxout)) else x[:, 0])
    with pytest.raises(ValueError, match="upstream gradient has shape"):
        layer.backward(np.ones((len(out), 1)) if out.ndim == 1 else np.ones(out.shape[::-1]))
    assert layer.backward(np.ones(out.shape)).shape == (x.shape if out.ndim == 2 else (3,))


@pytest.mark.parametrize(("layer", "x", "message"), [
    (Dense(3, 4, rng=0), np.ones((5, 2)),
     r"batch of rows of 3 inputs \(samples x 3\), got shape \(5, 2\)$"),
    (Dense(3, 4, rng=0), np.ones(3), r"one sample: x.reshape\(1, -1\)"),
    (Maxout(3, 4, 2, rng=0), np.ones(3), r"got shape \(3,\) \(one sample"),
    (Dense(3, 4, rng=0), np.ones((2, 5, 3)), r"got shape \(2, 5, 3\)"),
])
def test_layers_say_what_input_they_take(layer, x, message):
    with pytest.raises(ValueError, match=message):  # numpy spoke of gufunc signatures
        layer.forward(x)


def test_mse_refuses_targets_of_another_shape_with_the_same_size():
    p = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with pytest.raises(ValueError, match=r"shape \(3, 2\) but the targets have shape \(2, 3\)"):
        MSELoss().forward(p, p.T)  # was 1.667: the wrong values paired
    assert MSELoss().forward(p, p) == 0.0
    assert MSELoss().forward(p[:, :1], p[:, 0]) == 0.0  # one column against N values


@pytest.mark.parametrize("x_dtype, g_dtype", [(np.float32, np.float32), (np.float32, np.float64),
                                              (np.longdouble, np.longdouble)])
def test_dense_backward_writes_its_gradients_from_inputs_of_another_dtype(x_dtype, g_dtype):
    # The products go through np.dot where the dtypes match; other dtypes must still give
    # x^T g and the sum of g in the layer's own float64 gradients, not an error.
    layer = Dense(3, 2, rng=0)
    x = np.array([[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]], dtype=x_dtype)
    g = np.array([[1.0, 2.0], [-0.5, 4.0]], dtype=g_dtype)
    layer.forward(x)
    dx = layer.backward(g)
    x64, g64 = x.astype(np.float64), g.astype(np.float64)
    np.testing.assert_allclose(layer.dW, x64.T @ g64, rtol=1e-6)
    np.testing.assert_allclose(layer.db, g64.sum(axis=0), rtol=1e-6)
    np.testing.assert_allclose(dx.astype(np.float64), g64 @ layer.W.T, rtol=1e-6)
    assert layer.dW.dtype == layer.db.dtype == np.float64
