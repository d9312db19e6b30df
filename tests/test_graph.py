"""nn_core.graph: scalar computational graphs against independent oracles.

The oracles: the textbook's worked numbers and hand-worked examples (arithmetic in comments),
plain ``math`` formulas for every forward value, centred finite differences for every backward,
and ``nn_core.MLP`` itself for a network unrolled into Values.
"""

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn_core
from nn_core import relative_error
from nn_core.graph import (
    Value,
    apple_graph,
    apple_orange_graph,
    backward_steps,
    dot_label,
    mlp_graph,
    pending_gradients,
    replay,
    sigmoid_expanded,
    sum_values,
    tanh_expanded,
    to_dot,
    topological_order,
)
from tests.gradients import TOLERANCE, largest_error, record_error

# Expanded and fused sigmoid / tanh differ only by rounding: a few float64 ulps (2.2e-16 each;
# at most 3 ulps over 300,000 random points).
ULPS = 1e-15
# A network of Values against nn_core.MLP: relative error over each gradient array. Both are
# exact to rounding, but where an output is confident (p - 1 cancels) or a tanh unit saturates
# (nn_core's tanh' = 1 - y² keeps only absolute accuracy there) 1-ulp differences grow: over
# 1,700 random cases the largest was 1.7e-12, the typical 1e-15.
NETWORK_TOLERANCE = 1e-11


def by_label(root):
    return {node.label: node for node in topological_order(root) if node.label}


def grads_by_label(root):
    return {label: node.grad for label, node in by_label(root).items()}


# --- the textbook's shopping graphs -------------------------------------------------------------
def test_apples_textbook_numbers():
    # Forward: 100 × 2 = 200, 200 × 1.1 = 220.
    # Backward from 1; a × node sends each input the *other* input times the upstream gradient:
    #   d/d(apple total) = 1.1, d/d(tax) = 200;
    #   d/d(apple price) = 1.1 × 2 = 2.2, d/d(apples) = 1.1 × 100 = 110.
    total = apple_graph()
    total.backward()
    assert total.data == pytest.approx(220, rel=1e-15)
    assert grads_by_label(total) == pytest.approx(
        {"apple price": 2.2, "apples": 110, "tax": 200, "apple total": 1.1, "total": 1}, rel=1e-15)


def test_apples_and_oranges_textbook_numbers():
    # Forward: 100 × 2 + 150 × 3 = 200 + 450 = 650; 650 × 1.1 = 715.
    # Backward: d/d(tax) = 650; d/d(subtotal) = 1.1, which + passes unchanged to both totals;
    #   apples 1.1 × 100 = 110, apple price 1.1 × 2 = 2.2,
    #   oranges 1.1 × 150 = 165, orange price 1.1 × 3 = 3.3.
    total = apple_orange_graph()
    total.backward()
    assert total.data == pytest.approx(715, rel=1e-15)
    grads = grads_by_label(total)
    assert grads == pytest.approx({
        "apple price": 2.2, "apples": 110, "orange price": 3.3, "oranges": 165, "tax": 650,
        "apple total": 1.1, "orange total": 1.1, "subtotal": 1.1, "total": 1,
    }, rel=1e-15)


def test_shopping_graph_from_other_numbers():
    # 3 apples at 50, tax 1.2: 50 × 3 × 1.2 = 180; d/d(apple price) = 3 × 1.2 = 3.6,
    # d/d(apples) = 50 × 1.2 = 60, d/d(tax) = 150.
    total = apple_graph(apple_price=50, apples=3, tax=1.2)
    total.backward()
    assert total.data == pytest.approx(180, rel=1e-15)
    grads = grads_by_label(total)
    assert [grads["apple price"], grads["apples"], grads["tax"]] == pytest.approx([3.6, 60, 150])


# --- hand-worked examples ----------------------------------------------------------------------
def test_a_node_used_twice_gets_the_sum_of_both_paths():
    # b = a·a + a at a = 3: b = 12. The + node sends 1 to (a·a) and 1 to a; the × node sends
    # a = 3 along each of its two edges to a: a.grad = 1 + 3 + 3 = 7 = 2a + 1.
    a = Value(3.0)
    b = a * a + a
    b.backward()
    assert (b.data, a.grad) == (12.0, 7.0)


def test_add_then_multiply():
    # f = (x + y) · z at x = -2, y = 5, z = -4: q = x + y = 3, f = q z = -12.
    # df/dz = q = 3; df/dq = z = -4, and + passes it on: df/dx = df/dy = -4.
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    f = (x + y) * z
    f.backward()
    assert (f.data, x.grad, y.grad, z.grad) == (-12.0, -4.0, -4.0, 3.0)


def test_log_of_a_quotient():
    # f = log(a / b) at a = 6, b = 3: a / b = 2, f = log 2.
    # log sends 1/2; ÷ has local derivatives 1/b = 1/3 and -a/b² = -2/3:
    # df/da = 1/2 · 1/3 = 1/6 (= 1/a), df/db = 1/2 · (-2/3) = -1/3 (= -1/b).
    a, b = Value(6.0), Value(3.0)
    f = (a / b).log()
    f.backward()
    assert f.data == pytest.approx(math.log(2), rel=1e-15)
    assert [a.grad, b.grad] == pytest.approx([1 / 6, -1 / 3], rel=1e-15)


def test_the_sigmoid_graph_node_by_node_at_zero():
    # Forward: 0 → ×(−1) → 0 → exp → 1 → +1 → 2 → 1/x → 0.5.
    # Backward: 1/x has local -y² = -0.25; +1 passes it; exp multiplies by e^0 = 1;
    # ×(−1) by -1: dx = 0.25 = σ(0) (1 - σ(0)).
    x = Value(0.0)
    steps = replay(sigmoid_expanded(x))
    assert [step.node.op for step in steps] == ["1/x", "+1", "exp", "×(−1)"]
    assert [step.upstream for step in steps] == [1.0, -0.25, -0.25, -0.25]
    assert [step.edges[0].local_grad for step in steps] == [-0.25, 1.0, 1.0, -1.0]
    assert x.grad == 0.25


@pytest.mark.parametrize(("expression", "op", "data", "grad"), [
    # x = 2 in every row; a number is a constant folded into the op's label.
    (lambda x: x + 1, "+1", 3.0, 1.0),
    (lambda x: 1 + x, "+1", 3.0, 1.0),
    (lambda x: x + -2, "+(−2)", 0.0, 1.0),
    (lambda x: x - 1, "−1", 1.0, 1.0),
    (lambda x: 1 - x, "1−x", -1.0, -1.0),
    (lambda x: 3 * x, "×3", 6.0, 3.0),
    (lambda x: x * -1, "×(−1)", -2.0, -1.0),
    (lambda x: -x, "×(−1)", -2.0, -1.0),
    (lambda x: x / 4, "÷4", 0.5, 0.25),
    (lambda x: 1 / x, "1/x", 0.5, -0.25),  # d(1/x)/dx = -1/x² = -1/4
    (lambda x: 3 / x, "3/x", 1.5, -0.75),
    (lambda x: x**-1, "1/x", 0.5, -0.25),
    (lambda x: x**3, "x^3", 8.0, 12.0),  # 3x² = 12
    (lambda x: x**0.5, "x^0.5", math.sqrt(2), 0.5 / math.sqrt(2)),
    (lambda x: x**-2, "x^(−2)", 0.25, -0.25),  # -2 x^-3 = -2/8
    (lambda x: x**0, "x^0", 1.0, 0.0),
    (lambda x: x.exp(), "exp", math.exp(2), math.exp(2)),
    (lambda x: x.log(), "log", math.log(2), 0.5),
    (lambda x: x.relu(), "relu", 2.0, 1.0),
    (lambda x: (-x).relu(), "relu", 0.0, 0.0),
    (lambda x: x.tanh(), "tanh", math.tanh(2), 1 - math.tanh(2) ** 2),
    (lambda x: x.sigmoid(), "sigmoid", 1 / (1 + math.exp(-2)),
     math.exp(-2) / (1 + math.exp(-2)) ** 2),
    (lambda x: np.float64(3) * x, "×3", 6.0, 3.0),  # a numpy number on the left, too
    (lambda x: np.float64(1) + x, "+1", 3.0, 1.0),
])
def test_each_operation_at_two(expression, op, data, grad):
    x = Value(2.0)
    y = expression(x)
    y.backward()
    assert y.op == op
    assert type(y.data) is float
    assert (y.data, x.grad) == pytest.approx((data, grad), rel=1e-15, abs=0)


def test_relu_at_zero_has_derivative_zero():
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == 0.0


def test_sum_values_is_one_node_with_a_constant_in_its_label():
    # s = a + b + c + 0.5 at 1, 2, 3: 6.5; ∂s/∂(each Value) = 1; the constant gets no edge.
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    s = sum_values([a, 0.5, b, c], label="s")
    s.backward()
    assert (s.data, s.op, s.label, s.inputs) == (6.5, "+0.5", "s", (a, b, c))
    assert (a.grad, b.grad, c.grad) == (1.0, 1.0, 1.0)
    assert sum_values([a, b]).op == "+"


def test_sum_values_is_exact_where_the_running_sum_overflows():
    # 1e308 + 1e308 is beyond float64 (about 1.8e308), but the whole sum, 1e308, is not: the
    # exact sum rounded once. Its "+1e308" constant likewise, and + 1 rounds away at 1e308.
    a, b, c = Value(1e308), Value(1e308), Value(-1e308)
    s = sum_values([a, b, c])
    s.backward()
    assert (s.data, a.grad, b.grad, c.grad) == (1e308, 1.0, 1.0, 1.0)
    t = sum_values([Value(1.0), 1e308, 1e308, -1e308])
    assert (t.data, t.op) == (1e308, "+1e+308")
    # 2**1023 + 2**971 + 2**970 - 2**1023 = 2**971 + 2**970 exactly (once rounded, the same).
    big = 2.0**1023
    nodes = [Value(big), 2.0**971, Value(big), 2.0**970, Value(-big), Value(-big)]
    assert sum_values(nodes).data == 2.0**971 + 2.0**970


def test_inputs_and_local_grads_are_recorded():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = a * b
    assert (a.op, a.inputs, a.local_grads) == ("", (), ())
    assert (c.op, c.inputs, c.local_grads) == ("×", (a, b), (-3.0, 2.0))


def test_data_is_read_only_and_values_compare_by_identity():
    v = Value(1.0)
    with pytest.raises(AttributeError):
        v.data = 2.0
    assert v != Value(1.0) and v == v and len({v, Value(1.0)}) == 2


def test_repr_shows_the_node():
    c = Value(2.0, "a") * 3
    c.label = "c"
    assert repr(Value(2.0, "a")) == "Value(2.0, label='a', grad=0.0)"
    assert repr(c) == "Value(6.0, label='c', op='×3', grad=0.0)"


# --- every operation against math and finite differences ---------------------------------------
def sigmoid(x):
    return 1 / (1 + math.exp(-x))


# name: (graph function of Values, the same function on floats, point)
OPERATIONS = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, (1.5, -2.25)),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, (1.5, -2.25)),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, (1.5, -2.25)),
    "div": (lambda a, b: a / b, lambda a, b: a / b, (1.5, -2.25)),
    "neg": (lambda a: -a, lambda a: -a, (0.7,)),
    "number + x": (lambda a: 3 + a, lambda a: 3 + a, (0.7,)),
    "number - x": (lambda a: 3 - a, lambda a: 3 - a, (0.7,)),
    "number * x": (lambda a: -2.5 * a, lambda a: -2.5 * a, (0.7,)),
    "number / x": (lambda a: 3 / a, lambda a: 3 / a, (1.7,)),
    "x / number": (lambda a: a / 4, lambda a: a / 4, (1.7,)),
    "x ** 2": (lambda a: a**2, lambda a: a**2, (-1.3,)),
    "x ** 3": (lambda a: a**3, lambda a: a**3, (-1.3,)),
    "x ** 0.5": (lambda a: a**0.5, math.sqrt, (2.5,)),
    "x ** -1": (lambda a: a**-1, lambda a: 1 / a, (0.8,)),
    "x ** -1.5": (lambda a: a**-1.5, lambda a: a**-1.5, (2.0,)),
    "exp": (Value.exp, math.exp, (1.3,)),
    "exp of a negative": (Value.exp, math.exp, (-2.0,)),
    "log": (Value.log, math.log, (0.4,)),
    "log of a large x": (Value.log, math.log, (30.0,)),
    "tanh": (Value.tanh, math.tanh, (-0.8,)),
    "tanh further out": (Value.tanh, math.tanh, (3.0,)),
    "relu of a positive": (Value.relu, lambda a: max(a, 0.0), (1.3,)),
    "sigmoid": (Value.sigmoid, sigmoid, (0.3,)),
    "sigmoid of a negative": (Value.sigmoid, sigmoid, (-4.0,)),
    "sum_values": (lambda a, b, c: sum_values([a, b, c, 1.0]),
                   lambda a, b, c: a + b + c + 1.0, (0.5, -1.5, 2.0)),
    "a used twice": (lambda a: a * a + a, lambda a: a * a + a, (3.0,)),
    "composite": (lambda a, b: (a * b + a.exp()) / (b**2 + 1),
                  lambda a, b: (a * b + math.exp(a)) / (b**2 + 1), (0.6, -1.4)),
    "a neuron": (lambda w, x, b: (w * x + b).tanh().relu(),
                 lambda w, x, b: max(math.tanh(w * x + b), 0.0), (0.8, 1.5, -0.3)),
    "sigmoid expanded": (sigmoid_expanded, sigmoid, (-1.2,)),
    "tanh expanded": (tanh_expanded, math.tanh, (0.9,)),
    "tanh expanded, negative": (tanh_expanded, math.tanh, (-0.9,)),
}


def assert_matches_math_and_finite_differences(name, graph_fn, float_fn, point):
    """Forward equal to the float formula; gradients of every input equal to centred finite
    differences of the float formula (step 1e-6 relative), relative error < 1e-7."""
    inputs = [Value(x) for x in point]
    out = graph_fn(*inputs)
    assert out.data == pytest.approx(float_fn(*point), rel=1e-15)
    out.backward()
    numeric = []
    for i, x in enumerate(point):
        h = 1e-6 * max(1.0, abs(x))
        up, down = list(point), list(point)
        up[i], down[i] = x + h, x - h
        numeric.append((float_fn(*up) - float_fn(*down)) / (up[i] - down[i]))
    error = record_error(relative_error([v.grad for v in inputs], numeric), f"graph {name}")
    assert error < TOLERANCE, f"{name}: off by relative error {error:.3g}"


@pytest.mark.parametrize("name", OPERATIONS)
def test_operation_matches_math_and_finite_differences(name):
    assert_matches_math_and_finite_differences(name, *OPERATIONS[name])


def test_the_finite_difference_check_catches_a_wrong_derivative():
    def wrong_tanh(v):  # tanh's value with the derivative of sigmoid
        return sum_values([v.sigmoid(), math.tanh(v.data) - v.sigmoid().data])

    saved = dict(largest_error)  # this deliberate failure is not part of the suite's report
    with pytest.raises(AssertionError, match="off by relative error"):
        assert_matches_math_and_finite_differences("wrong", wrong_tanh, math.tanh, (0.5,))
    largest_error.update(saved)


# --- expanded and fused sigmoid / tanh ---------------------------------------------------------
def assert_expanded_equals_fused(expanded, fused, x):
    a, b = Value(x), Value(x)
    y_expanded, y_fused = expanded(a), fused(b)
    y_expanded.backward()
    y_fused.backward()
    assert y_expanded.data == pytest.approx(y_fused.data, rel=ULPS, abs=0)
    assert a.grad == pytest.approx(b.grad, rel=ULPS, abs=0)


@pytest.mark.parametrize("x", [-300.0, -30.0, -5.0, -1.0, 0.0, 0.5, 3.0, 30.0, 100.0, 700.0,
                               1000.0])
def test_sigmoid_expanded_equals_the_fused_node(x):
    assert_expanded_equals_fused(sigmoid_expanded, Value.sigmoid, x)


@pytest.mark.parametrize("x", [-400.0, -300.0, -30.0, -5.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0,
                               20.0, 300.0])
def test_tanh_expanded_equals_the_fused_node(x):
    assert_expanded_equals_fused(tanh_expanded, Value.tanh, x)


def test_tanh_expanded_near_zero_loses_relative_digits_in_one_minus_e():
    # At x = 1e-3, 1 - e^(-2x) cancels: the value keeps ~14 digits, not 16. The gradient is
    # unaffected.
    a, b = Value(1e-3), Value(1e-3)
    y_expanded, y_fused = tanh_expanded(a), b.tanh()
    y_expanded.backward()
    y_fused.backward()
    assert y_expanded.data == pytest.approx(y_fused.data, rel=1e-14)
    assert a.grad == pytest.approx(b.grad, rel=ULPS)


def test_sigmoid_expanded_overflows_where_the_fused_node_does_not():
    with pytest.raises(ValueError, match=r"exp\(1000\) overflows float64"):
        sigmoid_expanded(Value(-1000.0))
    x = Value(-1000.0)
    x.sigmoid().backward()
    assert x.grad == 0.0


@pytest.mark.parametrize("x", [-1e308, -1000.0, -800.0, 800.0, 1000.0, 1e308])
def test_fused_sigmoid_and_tanh_are_finite_at_extremes(x):
    for fused, low, high in [(Value.sigmoid, 0.0, 1.0), (Value.tanh, -1.0, 1.0)]:
        v = Value(x)
        y = fused(v)
        y.backward()
        assert y.data == (low if x < 0 else high)
        assert v.grad == pytest.approx(0.0, abs=1e-300) and v.grad >= 0.0


@pytest.mark.parametrize(("fused", "x", "slope"), [
    # Far out, σ'(x) = e^-x / (1 + e^-x)² = e^-x and tanh'(x) = 4e^-2x / (1 + e^-2x)² = 4e^-2x
    # to float64 precision: e^-40 < 1e-17 does not change 1 + e^-40.
    (Value.sigmoid, 40.0, math.exp(-40.0)),
    (Value.sigmoid, -40.0, math.exp(-40.0)),
    (Value.tanh, 20.0, 4 * math.exp(-40.0)),
    (Value.tanh, -20.0, 4 * math.exp(-40.0)),
])
def test_fused_derivatives_keep_their_digits_in_the_tails(fused, x, slope):
    # 1 - σ and 1 - tanh² would round to 0 (or to 1e-16) here.
    v = Value(x)
    fused(v).backward()
    assert v.grad == pytest.approx(slope, rel=1e-15)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_fused_sigmoid_is_a_probability_with_a_bounded_slope(x):
    v = Value(x)
    y = v.sigmoid()
    y.backward()
    assert 0.0 <= y.data <= 1.0
    assert 0.0 <= v.grad <= 0.25


@given(st.floats(-300.0, 700.0))
def test_sigmoid_expanded_equals_fused_anywhere_exp_is_safe(x):
    assert_expanded_equals_fused(sigmoid_expanded, Value.sigmoid, x)


@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))
def test_product_plus_input_has_gradients_b_plus_one_and_a(a, b):
    va, vb = Value(a), Value(b)
    (va * vb + va).backward()
    assert (va.grad, vb.grad) == (b + 1.0, a)


# --- bad input is refused with a message that says what to do -----------------------------------
def gradient_overflow():
    # Forward: (1e200 × 1e-200) × 1e200 = 1e200, all finite. Backward: the inner × node
    # receives 1e200 and sends 1e200 × 1e200 to its second input: beyond float64.
    (Value(1e200) * Value(1e-200) * 1e200).backward()


@pytest.mark.parametrize(("make", "error", "phrase"), [
    (lambda: Value(math.nan), ValueError, "Value data must be a finite real number, got nan"),
    (lambda: Value(math.inf), ValueError, "finite real number, got inf"),
    (lambda: Value(-math.inf), ValueError, "finite real number, got -inf"),
    (lambda: Value(True), ValueError, "finite real number, got True"),
    (lambda: Value("3"), ValueError, "finite real number, got '3'"),
    (lambda: Value(None), ValueError, "finite real number, got None"),
    (lambda: Value(1 + 2j), ValueError, "finite real number"),
    (lambda: Value(10**400), ValueError, "finite real number"),
    (lambda: Value(np.array([1.0])), ValueError, "finite real number"),
    (lambda: Value(1.0, label=3), ValueError, "label must be a string"),
    (lambda: Value(800).exp(), ValueError, r"exp\(800\) overflows float64 .* 709.78"),
    (lambda: Value(0).log(), ValueError, "log is defined for positive numbers, got 0"),
    (lambda: Value(-1).log(), ValueError, "log is defined for positive numbers, got -1"),
    (lambda: Value(1e-310).log(), ValueError, "'log' of 1e-310 overflows float64"),
    (lambda: 1 / Value(0), ValueError, "1 / 0: division by zero"),
    (lambda: Value(1) / Value(0), ValueError, "1 / 0: division by zero"),
    (lambda: Value(1) / 0, ValueError, "1 / 0: division by zero"),
    (lambda: Value(0) ** -1, ValueError, r"0 \*\* -1 divides by zero"),
    (lambda: Value(-8) ** 0.5, ValueError, "not a real number: a negative base needs a whole"),
    (lambda: Value(0) ** 0.5, ValueError, "derivative of x \\*\\* 0.5 is infinite at x = 0"),
    (lambda: Value(1e200) ** 2, ValueError, "overflows float64"),
    (lambda: Value(1e-200) ** -2, ValueError, "overflows float64"),
    (lambda: Value(1e308) * 10, ValueError, "'×10' of 1e\\+308 overflows float64"),
    (lambda: Value(1e308) + Value(1e308), ValueError, "overflows float64"),
    (lambda: Value(1e300) / Value(1e-10), ValueError, "'÷' of 1e\\+300, 1e-10 overflows"),
    (lambda: Value(2) ** Value(3), TypeError, "needs a number p such as 2, -1 or 0.5"),
    (lambda: Value(2) ** "2", TypeError, "needs a number p"),
    (lambda: Value(2) ** math.nan, ValueError, "exponent p in x \\*\\* p must be a finite"),
    (lambda: Value(2) ** True, ValueError, "exponent p in x \\*\\* p must be a finite"),
    (lambda: 2 ** Value(3), TypeError, r"number \*\* Value is not supported"),
    (lambda: Value(1) + "a", TypeError, "unsupported operand"),
    (lambda: [1.0] * Value(1), TypeError, "can't multiply sequence"),
    (lambda: Value(1) + math.nan, ValueError, "the number in Value \\+ number must be a finite"),
    (lambda: Value(1) * True, ValueError, "must be a finite real number, got True"),
    (lambda: sum_values([1.0, 2.0]), ValueError, "needs at least one Value"),
    (lambda: sum_values([Value(1), "a"]), ValueError, "Values and numbers only"),
    (lambda: sum_values([Value(1e308), Value(1e308)]), ValueError, "'\\+' of 1e\\+308, "
                                                                   "1e\\+308 overflows float64"),
    (lambda: sum_values([Value(1), 1e308, 1e308]), ValueError,
     "the numbers in sum_values add up beyond float64"),
    (lambda: sum_values([Value(1)], label=3), ValueError, "label must be a string, got 3"),
    (lambda: backward_steps(3.0), ValueError, "root must be a Value, got 3.0"),
    (lambda: sigmoid_expanded(0.5), ValueError, "x must be a Value, got 0.5"),
    (lambda: tanh_expanded(0.5), ValueError, "x must be a Value, got 0.5"),
    (lambda: replay(apple_graph(), 3), ValueError, "k must be between 0 and 2, got 3"),
    (lambda: replay(apple_graph(), -1), ValueError, "k must be between 0 and 2, got -1"),
    (lambda: replay(apple_graph(), 1.5), ValueError, "k must be a whole number"),
    (gradient_overflow, ValueError, "the gradient overflows float64 at an input of '×'"),
])
def test_bad_input_is_refused(make, error, phrase):
    with pytest.raises(error, match=phrase):
        make()


# --- the backward pass, step by step -------------------------------------------------------------
def test_backward_order_is_the_reverse_topological_order():
    total = apple_orange_graph()
    order = topological_order(total)
    assert [node.label for node in order] == [
        "apple price", "apples", "apple total", "orange price", "oranges", "orange total",
        "subtotal", "tax", "total"]
    steps = replay(total)
    assert [step.index for step in steps] == [0, 1, 2, 3]
    assert [step.node.label for step in steps] == [
        "total", "subtotal", "orange total", "apple total"]


def test_first_steps_of_the_shopping_graph():
    # total = subtotal × tax: upstream 1; it sends tax = 1.1 to subtotal and 650 to tax.
    # subtotal = apple total + orange total: upstream 1.1, passed on unchanged to both.
    first, second = replay(apple_orange_graph(), 2)
    assert first.upstream == 1.0
    assert [(e.input.label, e.local_grad, e.contribution) for e in first.edges] == [
        ("subtotal", 1.1, 1.1), ("tax", 650.0, 650.0)]
    assert second.upstream == 1.1
    assert [(e.input.label, e.local_grad, e.contribution) for e in second.edges] == [
        ("apple total", 1.0, 1.1), ("orange total", 1.0, 1.1)]


def small_network_graph():
    """A tanh network on two samples: ~60 nodes, shared weights, every kind of node."""
    model = nn_core.MLP([2, 3, 2], activation="tanh", seed=3)
    return mlp_graph(model, [[0.5, -1.0], [1.5, 0.25]], [1, 0]).loss


@pytest.mark.parametrize("build", [apple_orange_graph, small_network_graph,
                                   lambda: sigmoid_expanded(Value(0.7))])
def test_every_edge_is_upstream_times_local_and_the_edges_add_up_to_each_grad(build):
    root = build()
    steps = replay(root)
    arrived = {node: 0.0 for node in topological_order(root)}
    arrived[root] = 1.0
    for step in steps:
        # Reverse topological order: every node using step.node has had its step already.
        assert step.upstream == arrived[step.node] == step.node.grad
        for edge, child, local in zip(step.edges, step.node.inputs, step.node.local_grads,
                                     strict=True):
            assert (edge.input, edge.local_grad) == (child, local)
            assert edge.contribution == step.upstream * edge.local_grad
            arrived[child] += edge.contribution
    for node, total in arrived.items():
        assert node.grad == total


@pytest.mark.parametrize("build", [apple_orange_graph, small_network_graph])
def test_replay_to_k_equals_stopping_a_walk_after_k_steps(build):
    n_steps = len(replay(build()))
    for k in range(n_steps + 1):
        replayed, walked = build(), build()
        replay(replayed, k)
        walk = backward_steps(walked)
        for _ in range(k):
            next(walk)
        assert [n.grad for n in topological_order(replayed)] == [
            n.grad for n in topological_order(walked)]
    # And the whole replay is backward().
    replayed, full = build(), build()
    replay(replayed)
    full.backward()
    assert [n.grad for n in topological_order(replayed)] == [
        n.grad for n in topological_order(full)]


def test_replay_on_a_graph_that_already_ran_starts_from_scratch():
    total = apple_orange_graph()
    total.backward()
    replay(total, 1)
    grads = grads_by_label(total)
    # After one step only total's inputs have gradients.
    assert grads == {"apple price": 0.0, "apples": 0.0, "apple total": 0.0, "orange price": 0.0,
                     "oranges": 0.0, "orange total": 0.0, "subtotal": 1.1, "tax": 650.0,
                     "total": 1.0}


def test_backward_twice_gives_the_same_gradients_not_twice_them():
    a = Value(3.0)
    b = a * a + a
    b.backward()
    b.backward()
    assert a.grad == 7.0


def test_a_second_root_resets_the_nodes_it_shares_with_the_first():
    # Documented: gradients are of one backward pass, never accumulated across roots.
    w = Value(2.0)
    first, second = w * 3, w * 5
    first.backward()
    second.backward()
    assert (w.grad, first.grad, second.grad) == (5.0, 1.0, 1.0)


def test_the_walk_resets_when_called_and_steps_when_iterated():
    a = Value(3.0)
    b = a * a + a
    b.backward()
    walk = backward_steps(b)
    assert (a.grad, b.grad) == (0.0, 1.0)
    next(walk)
    assert a.grad == 1.0  # from the + node; the × node's 3 + 3 come with the next step
    next(walk)
    assert a.grad == 7.0
    with pytest.raises(StopIteration):
        next(walk)


def test_an_input_node_as_root():
    x = Value(4.0)
    assert replay(x) == []
    assert x.grad == 1.0


def test_two_identical_graphs_give_identical_steps():
    def numbers(steps):
        return [(s.index, s.node.op, s.upstream, [(e.local_grad, e.contribution) for e in s.edges])
                for s in steps]

    assert numbers(replay(small_network_graph())) == numbers(replay(small_network_graph()))


def test_a_long_chain_does_not_hit_the_recursion_limit():
    x = Value(0.0)
    y = x
    for _ in range(5000):
        y = y + 1
    y.backward()
    assert (y.data, x.grad, len(topological_order(y))) == (5000.0, 1.0, 5001)


# --- Graphviz DOT -------------------------------------------------------------------------------
QUOTED = r'"(?:[^"\\]|\\.)*"'
STATEMENT = re.compile(
    rf"  (?:rankdir=(?:LR|TB|RL|BT)|node \[fontname={QUOTED}, fontsize=\d+\]"
    rf"|(?P<node>n\d+|op\d+) \[shape=(?:box|circle), label=(?P<label>{QUOTED})"
    rf"(?P<fill>, style=filled, fillcolor={QUOTED})?\]"
    rf"|(?P<tail>n\d+|op\d+) -> (?P<head>n\d+|op\d+)(?: \[label=(?P<edge>{QUOTED})\])?);"
)


def unescape(quoted):
    """A DOT quoted string's text; only the escapes to_dot writes are allowed."""
    assert set(re.findall(r"\\(.)", quoted[1:-1])) <= {"\\", '"', "n"}
    return re.sub(r"\\(.)", lambda m: "\n" if m[1] == "n" else m[1], quoted[1:-1])


def parse_dot(text):
    """Check the structure of to_dot's output line by line; return its nodes and edges:
    ({node id: (label text, highlighted)}, [(tail, head, edge label or None)])."""
    lines = text.split("\n")
    assert lines[0] == "digraph computational_graph {" and lines[-1] == "}"
    nodes, edges = {}, []
    for line in lines[1:-1]:
        match = STATEMENT.fullmatch(line)
        assert match, f"not a to_dot statement: {line!r}"
        if match["node"]:
            assert match["node"] not in nodes
            nodes[match["node"]] = (unescape(match["label"]), match["fill"] is not None)
        elif match["tail"]:
            edge = match["edge"] and unescape(match["edge"])
            edges.append((match["tail"], match["head"], edge))
    assert {end for edge in edges for end in edge[:2]} <= set(nodes)
    return nodes, edges


def test_dot_of_the_shopping_graph():
    total = apple_graph()
    total.backward()
    nodes, edges = parse_dot(to_dot(total))
    assert nodes == {
        "n0": ("apple price\ndata 100\ngrad 2.2", False),
        "n1": ("apples\ndata 2\ngrad 110", False),
        "n2": ("apple total\ndata 200\ngrad 1.1", False),
        "op2": ("×", False),
        "n3": ("tax\ndata 1.1\ngrad 200", False),
        "n4": ("total\ndata 220\ngrad 1", False),
        "op4": ("×", False),
    }
    assert edges == [("n0", "op2", None), ("n1", "op2", None), ("op2", "n2", None),
                     ("n2", "op4", None), ("n3", "op4", None), ("op4", "n4", None)]


def test_dot_options():
    total = apple_graph()
    total.backward()
    text = to_dot(total, number_format=".2f", show_grad=False, local_grads=True, rankdir="TB",
                  names=("值", "梯度"))
    nodes, edges = parse_dot(text)
    assert "  rankdir=TB;" in text.split("\n")
    assert nodes["n0"] == ("apple price\n值 100.00", False)
    assert edges[:2] == [("n0", "op2", "2.00"), ("n1", "op2", "100.00")]  # ∂(p × n)/∂p = n


def test_dot_draws_negative_zero_as_zero():
    nodes, _ = parse_dot(to_dot(-Value(0.0)))
    assert nodes["n1"] == ("data 0\ngrad 0", False)


def test_dot_highlights_the_current_step():
    total = apple_orange_graph()
    step = replay(total, 2)[-1]  # subtotal, whose inputs are the two totals
    nodes, _ = parse_dot(to_dot(total, highlight=[step.node, *step.node.inputs]))
    filled = [(node, text.split("\n")[0]) for node, (text, filled) in nodes.items() if filled]
    # The three boxes and their op circles: subtotal (+) and the two totals (×).
    assert filled == [("n2", "apple total"), ("op2", "×"), ("n5", "orange total"), ("op5", "×"),
                      ("n6", "subtotal"), ("op6", "+")]
    single, _ = parse_dot(to_dot(total, highlight=step.node))
    assert [node for node, (_, filled) in single.items() if filled] == ["n6", "op6"]


def test_dot_refuses_a_node_of_another_graph():
    first, second = apple_graph(), apple_graph()
    with pytest.raises(ValueError, match="not a node of this graph"):
        to_dot(first, highlight=[second])


@pytest.mark.parametrize(("options", "phrase"), [
    ({"number_format": "d"}, "number_format must be a format spec for floats"),
    ({"number_format": 4}, "number_format must be a format spec"),
    ({"rankdir": "XY"}, "unknown rankdir 'XY'; choose one of: LR, TB, RL, BT"),
    ({"highlight": 3}, "highlight must be a Value or a list of Values"),
    ({"highlight": ["total"]}, "highlight must be a Value or a list of Values"),
    ({"names": ("data",)}, "names must be two strings"),
    ({"names": ("data", 2)}, "names must be two strings"),
])
def test_dot_bad_options(options, phrase):
    with pytest.raises(ValueError, match=phrase):
        to_dot(apple_graph(), **options)


def test_dot_is_deterministic():
    assert to_dot(small_network_graph()) == to_dot(small_network_graph())
    assert to_dot(apple_graph()) != to_dot(apple_graph(apples=3))


@pytest.mark.parametrize(("label", "shown"), [
    ('say "hi"', 'say "hi"'),
    ("back\\slash", "back\\slash"),
    ("not a \\n newline", "not a \\n newline"),
    ("\\N \\G \\l \\r", "\\N \\G \\l \\r"),  # Graphviz's escapes, written literally
    ("trailing \\", "trailing \\"),
    ('"', '"'),
    ("two\nlines", "two\nlines"),
    ("windows\r\nline", "windows\nline"),
    ("{record|<port> x}", "{record|<port> x}"),
    ("<b>html</b> & co", "<b>html</b> & co"),
    ("tab\tand bell\x07", "tab and bell "),
    ("苹果 ×2 → ∂", "苹果 ×2 → ∂"),
    ("} ]; digraph x { n0 -> n1", "} ]; digraph x { n0 -> n1"),
])
def test_dot_escapes_hostile_labels(label, shown):
    nodes, _ = parse_dot(to_dot(Value(1.0, label) + 1))
    assert nodes["n0"][0] == shown + "\ndata 1\ngrad 0"


@given(st.text())
def test_dot_survives_any_label(label):
    nodes, _ = parse_dot(to_dot(Value(1.0, label) * Value(2.0, label)))
    assert len(nodes) == 4
    printable = label.replace("\r\n", "\n").replace("\r", "\n")
    if all(ch == "\n" or (ch >= " " and not "\x7f" <= ch <= "\x9f") for ch in printable):
        assert nodes["n0"][0] == (printable + "\n" if label else "") + "data 1\ngrad 0"


# --- an MLP of Values against nn_core.MLP --------------------------------------------------------
def assert_graph_matches_model(model, X, y):
    """mlp_graph's weights are the model's, and its loss and every gradient equal nn_core's."""
    graph = mlp_graph(model, X, y)
    graph.loss.backward()
    loss = model.loss(X, y)
    model.backward()
    assert graph.loss.data == pytest.approx(loss, rel=1e-12, abs=0)
    for nodes, p in zip(graph.params, model.params(), strict=True):
        np.testing.assert_array_equal(np.array(data_of(nodes)), p)
    for mine, theirs in zip(graph.grads(), model.grads(), strict=True):
        assert np.shape(mine) == theirs.shape
        assert relative_error(np.array(mine), theirs) < NETWORK_TOLERANCE


def data_of(nodes):
    return nodes.data if isinstance(nodes, Value) else [data_of(node) for node in nodes]


def data_and_model(sizes, activation, n_samples, task="classification", seed=0):
    rng = np.random.default_rng(seed)
    model = nn_core.MLP(sizes, activation=activation, seed=seed, task=task)
    model.theta[:] += rng.normal(0, 0.5, model.theta.size)  # non-zero biases, varied weights
    X = rng.normal(size=(n_samples, sizes[0]))
    if task == "classification":
        y = rng.integers(0, sizes[-1], n_samples)
    else:
        y = rng.normal(size=(n_samples, sizes[-1]))
    return model, X, y


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("sizes", [[2, 3, 2], [2, 2, 2]])
@pytest.mark.parametrize("n_samples", [1, 5])
def test_a_network_of_values_equals_nn_core(activation, sizes, n_samples):
    assert_graph_matches_model(*data_and_model(sizes, activation, n_samples))


@pytest.mark.parametrize(("sizes", "activation", "task"), [
    ([2, 3, 3, 2], ["tanh", "relu"], "classification"),
    ([3, 4, 3], "identity", "classification"),
    ([2, 2], "relu", "classification"),  # no hidden layer: softmax regression
    ([2, 3, 1], "tanh", "regression"),
    ([2, 3, 2], "sigmoid", "regression"),
])
def test_other_networks_of_values_equal_nn_core(sizes, activation, task):
    assert_graph_matches_model(*data_and_model(sizes, activation, 4, task))


def test_network_graph_labels_and_logits():
    model, X, y = data_and_model([2, 3, 2], "relu", 2)
    graph = mlp_graph(model, X, y)
    labels = by_label(graph.loss)
    assert {"W1[0,0]", "W1[1,2]", "b1[2]", "W2[2,1]", "b2[1]", "x[1,0]", "z1[1,2]", "h1[1,2]",
            "z2[1,1]", "loss[0]", "loss[1]", "loss"} <= set(labels)
    assert labels["h1[1,2]"].op == "relu" and labels["h1[1,2]"].inputs == (labels["z1[1,2]"],)
    assert labels["W1[1,2]"].data == model.layers[0].W[1, 2]
    assert len(graph.logits) == 2 and all(len(z) == 2 for z in graph.logits)
    np.testing.assert_allclose([[z.data for z in row] for row in graph.logits], model.forward(X),
                               rtol=1e-13)


def test_network_cross_entropy_is_stable_for_huge_logits():
    # Logits of about ±2000: e^2000 would overflow; subtracting the max keeps exponents <= 0.
    model, X, y = data_and_model([2, 2], "relu", 1)
    model.theta[:] = [1000.0, -1000.0, -1000.0, 1000.0, 0.0, 0.0]
    assert_graph_matches_model(model, [[1.0, -1.0]], [1])


def test_a_network_graph_is_refused_beyond_classroom_size():
    model = nn_core.MLP([2, 50, 50, 2], activation="relu")
    with pytest.raises(ValueError, match="a graph of Values is for classroom sizes"):
        mlp_graph(model, np.zeros((10, 2)), np.zeros(10, dtype=int))


@pytest.mark.parametrize(("activation", "phrase"), [
    ("elu", "unknown activation for a graph of Values 'elu'; choose one of: identity, relu"),
    ("prelu", "unknown activation for a graph of Values 'prelu'"),
])
def test_a_network_graph_refuses_other_activations(activation, phrase):
    with pytest.raises(ValueError, match=phrase):
        mlp_graph(nn_core.MLP([2, 3, 2], activation=activation), [[0.0, 1.0]], [0])


def test_a_network_graph_checks_its_data_like_the_model():
    with pytest.raises(ValueError, match="model must be an nn_core.MLP"):
        mlp_graph(nn_core.Dense(2, 2), [[0.0, 1.0]], [0])
    with pytest.raises(ValueError, match="X has 3 feature column"):
        mlp_graph(nn_core.MLP([2, 3, 2]), [[0.0, 1.0, 2.0]], [0])
    with pytest.raises(ValueError, match="class labels must be between 0 and 1"):
        mlp_graph(nn_core.MLP([2, 3, 2]), [[0.0, 1.0]], [2])


# --- helpers for the backprop page: pending gradients, type size, labels -------------------------
@pytest.mark.parametrize("build", [apple_orange_graph, small_network_graph,
                                   lambda: tanh_expanded(Value(0.4))])
def test_a_gradient_not_pending_after_k_steps_is_already_final(build):
    final = build()
    final.backward()
    final_grads = [node.grad for node in topological_order(final)]
    root = build()
    order = topological_order(root)
    n_steps = len(replay(root))
    for k in range(n_steps + 1):
        steps = replay(root, k)
        pending = set(pending_gradients(root, steps))
        stepped = {step.node for step in steps}
        for node, grad in zip(order, final_grads, strict=True):
            users = [user for user in order if node in user.inputs]
            # Pending exactly when some node using it has not had its step yet ...
            assert (node in pending) == any(user not in stepped for user in users)
            if node not in pending:  # ... and every other gradient is the final one.
                assert node.grad == grad
    assert pending_gradients(root, replay(root)) == []
    assert set(pending_gradients(root, [])) == set(order) - {root}


def test_pending_gradients_of_a_node_used_twice():
    # b = a·a + a: the + node's step gives a its first 1; a stays pending until the × node's.
    a = Value(3.0, "a")
    square = a * a
    b = square + a
    first = replay(b, 1)
    assert pending_gradients(b, first) == [a]
    assert (square.grad, a.grad) == (1.0, 1.0)
    assert pending_gradients(b, replay(b, 2)) == []


def test_dot_draws_pending_gradients_as_unknown():
    total = apple_graph()
    steps = replay(total, 1)
    nodes, _ = parse_dot(to_dot(total, pending=pending_gradients(total, steps)))
    assert nodes["n0"] == ("apple price\ndata 100\ngrad ?", False)
    assert nodes["n2"] == ("apple total\ndata 200\ngrad 1.1", False)
    with pytest.raises(ValueError, match="pending: .* is not a node of this graph"):
        to_dot(total, pending=[Value(1.0)])
    with pytest.raises(ValueError, match="pending must be a Value or a list of Values"):
        to_dot(total, pending=3)


def test_dot_font_size_sets_nodes_and_edge_labels():
    total = apple_graph()
    lines = to_dot(total, font_size=20, local_grads=True).split("\n")
    assert lines[2:4] == ['  node [fontname="Helvetica", fontsize=20];',
                          '  edge [fontname="Helvetica", fontsize=20];']
    # At the default size the text is what it always was (no edge statement).
    default = to_dot(total, local_grads=True)
    assert to_dot(total, font_size=12, local_grads=True) == default
    assert "edge [" not in default


@pytest.mark.parametrize("size", [5, 73, 12.5, True, "12"])
def test_dot_refuses_a_font_size_out_of_range(size):
    with pytest.raises(ValueError, match="font_size must be"):
        to_dot(apple_graph(), font_size=size)


@pytest.mark.parametrize("lines", [['say "hi"', "x = 1"], ["back\\slash"], ["两行\n文字"], []])
def test_dot_label_is_what_to_dot_writes(lines):
    text = dot_label(lines)
    assert unescape(text) == "\n".join(lines)
    if lines:  # the same quoting as to_dot's labels
        nodes, _ = parse_dot(to_dot(Value(1.0, "\n".join(lines)), show_grad=False))
        assert nodes["n0"][0] == unescape(text) + "\ndata 1"
