"""The backprop page: its lesson logic against the textbook and independent oracles, and the
page under AppTest (stepping, every section, Chinese, tampered URLs, settings across pages).

The lesson tests are plain function calls (fast); the page tests open the page a few times
each, with the smallest settings that show the behaviour.
"""

import re

import numpy as np
import pytest

import nn_core
from pages.backprop import lesson
from pages.backprop.lesson import InputProblem
from tests.apptest_helpers import open_app_page, setting_label
from tests.gradients import record_error
from ui.strings import Translator

PAGE = "pages/backprop/page.py"
EN, ZH = Translator("en"), Translator("zh")


# --- typed matrices -------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("1.0, -0.5; -2.0, 3.0", [[1.0, -0.5], [-2.0, 3.0]]),
    ("1 -0.5\n-2 3", [[1.0, -0.5], [-2.0, 3.0]]),  # spaces and new lines
    ("1，−0.5；−2，3", [[1.0, -0.5], [-2.0, 3.0]]),  # full-width punctuation, real minus signs
    (" 7 ; ", [[7.0]]),
    ("1e2, -100", [[100.0, -100.0]]),  # the cap itself is allowed
])
def test_a_typed_matrix_reads_as_it_looks(text, expected):
    assert lesson.parse_matrix(text, "bp_name_x").tolist() == expected


@pytest.mark.parametrize(("text", "key", "fields"), [
    ("", "bp_problem_empty", {}),
    (" ; ;", "bp_problem_empty", {}),
    ("1, abc; 2, 3", "bp_problem_not_number", {"cell": "abc", "row": 1, "column": 2}),
    ("1, 2; 3, 0x10", "bp_problem_not_number", {"cell": "0x10", "row": 2, "column": 2}),
    ("nan, 1", "bp_problem_not_finite", {"cell": "nan", "row": 1, "column": 1}),
    ("1, -inf", "bp_problem_not_finite", {"cell": "-inf", "row": 1, "column": 2}),
    ("1e400", "bp_problem_not_finite", {"cell": "1e400"}),
    ("1e308", "bp_problem_too_large", {"cell": "1e308", "cap": "100"}),
    ("1, 2; 3", "bp_problem_ragged", {"row": 2, "got": 1, "expected": 2}),
    ("1; 2; 3; 4", "bp_problem_rows", {"rows": 4, "limit": 3}),
    ("1, 2, 3, 4, 5", "bp_problem_columns", {"row": 1, "columns": 5, "limit": 4}),
    ("1, " * 100, "bp_problem_too_long", {"limit": lesson.MAX_TEXT}),
])
def test_a_bad_matrix_names_the_problem_and_where(text, key, fields):
    with pytest.raises(InputProblem) as caught:
        lesson.parse_matrix(text, "bp_name_x")
    assert caught.value.key == key
    assert fields.items() <= caught.value.fields.items()
    # Every problem reads in both languages with the fields it carries.
    for t in (EN, ZH):
        assert t(key, **{"name": "X", **caught.value.fields})


@pytest.mark.parametrize(("text", "key"), [
    ("2, 0.5", "bp_problem_label"), ("3, 0", "bp_problem_label"), ("-1, 0", "bp_problem_label"),
    ("1", "bp_problem_label_count"), ("0, 1, 2", "bp_problem_label_count"),
])
def test_labels_are_class_indices_one_per_sample(text, key):
    assert lesson.parse_labels("2, 0", "bp_name_t", 2, 3).tolist() == [2, 0]
    with pytest.raises(InputProblem) as caught:
        lesson.parse_labels(text, "bp_name_t", 2, 3)
    assert caught.value.key == key


# --- 1. the shopping graph --------------------------------------------------------------------
def shopping(graph="apples", **numbers):
    values = dict(apple_price=100.0, apples=2, orange_price=150.0, oranges=3, tax=1.1)
    return lesson.Shopping(graph, **{**values, **numbers})


def test_shopping_graphs_give_the_textbooks_numbers():
    # 100 × 2 × 1.1 = 220; gradients 2.2 (price), 110 (count), 200 (tax).
    apples = lesson.shopping_walk(shopping(), 99)
    assert apples.done and apples.n_steps == 2 and apples.k == 2  # k clamped to the pass
    grads = {node.label: node.grad for node in lesson.shopping_inputs(apples)}
    assert apples.root.data == pytest.approx(220)
    assert grads == pytest.approx({"apple price": 2.2, "apples": 110, "tax": 200})
    # (100 × 2 + 150 × 3) × 1.1 = 715; 2.2, 110, 3.3, 165, 650.
    both = lesson.shopping_walk(shopping("apples_oranges"), 4)
    grads = {node.label: node.grad for node in lesson.shopping_inputs(both)}
    assert both.root.data == pytest.approx(715)
    assert grads == pytest.approx({"apple price": 2.2, "apples": 110, "orange price": 3.3,
                                   "oranges": 165, "tax": 650})


def test_a_shopping_walk_stops_where_the_student_is():
    walk = lesson.shopping_walk(shopping("apples_oranges"), 1, labels={"tax": "消费税"})
    # After the first step (total = subtotal × tax): subtotal and tax are final, the rest not.
    assert walk.current.node.label == "total"
    assert [edge.contribution for edge in walk.current.edges] == pytest.approx([1.1, 650])
    assert {node.label for node in walk.pending} == {
        "apple price", "apples", "apple total", "orange price", "oranges", "orange total"}
    assert walk.highlight == [walk.root]
    assert walk.node("消费税").grad == pytest.approx(650)
    start = lesson.shopping_walk(shopping(), 0)
    assert start.current is None and start.highlight == [] and len(start.pending) == 4


# --- 2. sigmoid and tanh ------------------------------------------------------------------------
@pytest.mark.parametrize("function", lesson.ACTIVATION_GRAPHS)
@pytest.mark.parametrize("x", [-30.0, -2.5, -0.7, 0.0, 1.0, 4.0, 700.0])
def test_the_expanded_graph_equals_the_fused_node(function, x):
    graphs = lesson.activation_graphs(function, x, 99)
    assert graphs.expanded.done
    assert graphs.relative_difference <= 1e-15  # a few float64 roundings at most
    # And both equal the textbook's closed forms y(1 − y) and 1 − y², to the absolute
    # rounding of those forms (in the tails 1 − y rounds to 0 long before the derivative does).
    y = graphs.y
    closed = y * (1 - y) if function == "sigmoid" else 1 - y * y
    assert graphs.fused_grad == pytest.approx(closed, rel=1e-12, abs=1e-15)


def test_the_sigmoid_graph_steps_like_the_textbook():
    # x = 0: 1/x sends −y² = −0.25; +1 passes it; exp multiplies by e^0 = 1; ×(−1) by −1.
    graphs = lesson.activation_graphs("sigmoid", 0.0, 2)
    assert graphs.expanded.k == 2 and graphs.difference is None  # not finished: no verdict
    assert [step.upstream for step in graphs.expanded.steps] == [1.0, -0.25]
    names = [node.label for node in lesson.topological_order(graphs.expanded.root)]
    assert names == ["x", "−x", "exp(−x)", "1 + exp(−x)", "y"]
    assert lesson.activation_graphs("tanh", -1.0, 0).expanded.n_steps == 5


def test_where_exp_overflows_only_the_fused_node_exists():
    graphs = lesson.activation_graphs("sigmoid", -800.0, 4)
    assert graphs.overflow and graphs.expanded is None and graphs.exp_term is None
    assert graphs.fused_grad == 0.0 and graphs.y == 0.0
    # Below x ≈ −372, y² underflows: the expanded graph's gradient loses its digits.
    deep = lesson.activation_graphs("sigmoid", -400.0, 4)
    assert deep.relative_difference > 1e-3 and deep.fused_grad > 0
    assert not lesson.activation_graphs("tanh", -1000.0, 5).overflow


# --- 3. ReLU ------------------------------------------------------------------------------------
def test_relu_mask_of_the_textbook_example_and_dout_left_alone():
    result = lesson.relu_from_text("1.0, -0.5; -2.0, 3.0", "1, 2; 3, 4")
    assert result.mask.tolist() == [[False, True], [True, False]]
    assert result.out.tolist() == [[1.0, 0.0], [0.0, 3.0]]
    assert result.dx.tolist() == [[1.0, 0.0], [0.0, 4.0]]
    assert result.dout.tolist() == [[1.0, 2.0], [3.0, 4.0]]  # not written into
    at_zero = lesson.relu_from_text("0, 1", "5, 5")
    assert at_zero.mask.tolist() == [[True, False]] and at_zero.dx.tolist() == [[0.0, 5.0]]
    with pytest.raises(InputProblem) as caught:
        lesson.relu_from_text("1, 2; 3, 4", "1, 2")
    assert (caught.value.key, caught.value.fields["expected"], caught.value.fields["got"]) == (
        "bp_problem_shape", "2×2", "1×2")


# --- 4. Affine and Softmax-with-Loss --------------------------------------------------------------
def test_affine_and_softmax_gradients_by_their_formulas_and_finite_differences():
    result = lesson.affine_from_text("1.0, 0.5; -1.5, 2.0", "0.1, -0.2, 0.3; 0.4, 0.5, -0.6",
                                     "0.1, 0.0, -0.1", "2, 0")
    X, W, dZ = result.X, result.W, result.dZ
    probabilities = np.exp(result.Z) / np.exp(result.Z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(dZ, (probabilities - np.eye(3)[[2, 0]]) / 2, rtol=1e-13)
    np.testing.assert_allclose(result.dX, dZ @ W.T, rtol=1e-13)
    np.testing.assert_allclose(result.dW, X.T @ dZ, rtol=1e-13)
    np.testing.assert_allclose(result.db, dZ.sum(axis=0), rtol=1e-13)
    assert [result.checks[name].analytic.shape for name in ("dX", "dW", "db")] == [
        X.shape, W.shape, result.b.shape]
    for name, check in result.checks.items():
        record_error(check.relative_error, f"backprop page affine {name}")
        assert check.agrees and not check.zero and check.relative_error < lesson.TOLERANCE


def test_a_saturated_softmax_is_reported_as_zero_not_as_a_disagreement():
    # Logits 100 apart: the gradient is ~e^-100, below float64's resolution of the loss.
    result = lesson.affine_from_text("10", "10, -10", "0, 0", "0")
    check = result.checks["dZ"]
    assert check.zero and check.agrees


def test_affine_shapes_must_fit():
    cases = [("1, 2", "1, 2, 3", "0, 0, 0", "0", "bp_name_w"),
             ("1, 2", "1, 2; 3, 4", "0, 0, 0", "0", "bp_name_b")]
    for x, w, b, labels, name in cases:
        with pytest.raises(InputProblem) as caught:
            lesson.affine_from_text(x, w, b, labels)
        assert (caught.value.key, caught.value.fields["name"]) == ("bp_problem_shape", name)


@pytest.mark.parametrize("activation", lesson.SINGLE_LAYER_ACTIVATIONS)
def test_single_layer_derivative_is_x_times_the_slope(activation):
    x, W = np.array([1.0, 0.5]), np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]])
    b = np.array([0.1, 0.0, -0.1])  # z = [0.4, 0.05, -0.1]: no unit at ReLU's kink
    single = lesson.single_layer(x, W, b, activation)
    slope = nn_core.get_activation(activation).derivative(x @ W + b)
    np.testing.assert_array_equal(single.dy_dW, np.outer(x, slope))
    np.testing.assert_array_equal(single.dy_db, slope)
    assert not single.kink and single.check.agrees
    record_error(single.check.relative_error, f"backprop page single layer {activation}")


def test_a_unit_at_relus_kink_is_flagged():
    # z3 = 1 × 0.3 + 0.5 × (−0.6) = 0: the finite difference straddles the kink (slope 1/2).
    x, W = np.array([1.0, 0.5]), np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]])
    single = lesson.single_layer(x, W, np.zeros(3), "relu")
    assert single.kink and not single.check.agrees
    assert single.check.numeric[:, 2].tolist() == pytest.approx([0.5, 0.25])


# --- 5. the tiny network ------------------------------------------------------------------------
@pytest.mark.parametrize("activation", lesson.NETWORK_ACTIVATIONS)
@pytest.mark.parametrize("hidden", lesson.HIDDEN_UNITS)
def test_the_network_layers_equal_the_scalar_graph_and_finite_differences(activation, hidden):
    net = lesson.network_lesson(hidden, activation, 1.0, -0.5, 1, 3)
    model = nn_core.MLP([2, hidden, 2], activation=activation, init="xavier", seed=3)
    model.loss([[1.0, -0.5]], [1])
    model.backward()
    for check, grad in zip(net.checks, model.grads(), strict=True):
        np.testing.assert_array_equal(check.grad, grad)  # the page shows nn_core.MLP's own
        record_error(check.finite.relative_error, f"backprop page network {activation} "
                                                  f"d{check.name} vs finite differences")
        record_error(check.graph_error, f"backprop page network {activation} d{check.name} "
                                        f"vs graph of Values")
        assert check.finite.agrees and check.graph_error < 1e-11
    assert net.graph_loss == pytest.approx(net.loss, rel=1e-14)
    # Each layer's step, by its own formula.
    np.testing.assert_allclose(net.dz2, net.probabilities - net.onehot, rtol=1e-13)
    np.testing.assert_allclose(net.dh1, net.dz2 @ net.W2.T, rtol=1e-13)
    np.testing.assert_allclose(net.dz1, net.dh1 * net.slope, rtol=1e-13)
    np.testing.assert_allclose(net.dW1, net.x.T @ net.dz1, rtol=1e-13)


def test_a_dead_relu_unit_blocks_its_weights_gradients():
    # Seed 3 on this sample: z1 = [1.295, −1.606], unit 2 is off.
    net = lesson.network_lesson(2, "relu", 1.0, -0.5, 1, 3)
    assert net.blocked_units == [2]
    assert np.all(net.dW1[:, 1] == 0) and np.all(net.dW2[1] == 0) and net.db1[0] != 0
    assert lesson.network_lesson(2, "tanh", 1.0, -0.5, 1, 3).blocked_units == []


# --- 6. why backprop ------------------------------------------------------------------------------
def test_timing_compares_every_parameter_and_lets_others_run():
    pauses = []
    result = lesson.time_gradients(2, 8, pause=lambda: pauses.append(1))
    assert result.n_parameters == 2 * 8 + 8 + 8 * 8 + 8 + 8 * 2 + 2 == 114
    assert result.forward_passes == 228
    # A small network's finite differences run until 2,048 passes: 9 times, 2,052 passes,
    # with a break (a pause and a batch of backprop) after every 256.
    assert result.finite_repeats == 9 and len(pauses) == 2052 // lesson.PAUSE_EVERY == 8
    # Backprop timed before and after, and beside finite differences at every break.
    assert result.backprop_passes == (2 + 8) * lesson.BACKPROP_BATCH
    big = lesson.time_gradients(2, 30)  # 2P = 2,164 passes: once is enough
    assert big.n_parameters == 3 * 30 + 31 * 30 + 31 * 2 == 1082 and big.finite_repeats == 1
    assert result.finite_seconds > 0 and result.backprop_seconds > 0
    assert result.agrees and big.agrees
    with pytest.raises(InputProblem) as caught:
        lesson.time_gradients(3, 64)
    assert caught.value.key == "bp_speed_too_big"


# --- the page -----------------------------------------------------------------------------------
def dots(at):
    return [chart.proto.spec for chart in at.get("graphviz_chart")]


def labels_of(dot):
    """The text of every box and circle of a DOT drawing."""
    return [re.sub(r"\\(.)", lambda m: "\n" if m[1] == "n" else m[1], label)
            for label in re.findall(r'label="((?:[^"\\]|\\.)*)"', dot)]


def texts(elements):
    return [element.value for element in elements]


def test_stepping_the_shopping_graph_next_back_all_reset():
    at = open_app_page(PAGE)
    assert not at.exception
    wide, tall = dots(at)  # one graph, drawn for wide and for narrow screens
    assert "rankdir=LR" in wide and "rankdir=TB" in tall
    assert "apple price\ndata 100\ngrad ?" in labels_of(wide)
    assert "total\ndata 220\ngrad 1" in labels_of(wide)
    at.button(key="bp_shop_step_next").click().run()
    assert at.session_state["bp_shop_step"] == 1
    assert "apple total\ndata 200\ngrad 1.1" in labels_of(dots(at)[0])
    assert at.query_params["bp_shop_step"] in ("1", ["1"])  # a link to this step
    at.button(key="bp_shop_step_all").click().run()
    assert at.button(key="bp_shop_step_next").disabled
    meanings = at.table[-1].value
    assert meanings.iloc[:, 2].tolist() == ["2.2", "110", "200"]
    at.button(key="bp_shop_step_back").click().run()
    assert at.session_state["bp_shop_step"] == 1
    at.button(key="bp_shop_step_reset").click().run()
    assert at.session_state["bp_shop_step"] == 0 and "bp_shop_step" not in at.query_params
    # The other graph: 715, four steps; switching back clamps the place to this graph's two.
    at.segmented_control(key="bp_shop_graph").set_value("apples_oranges").run()
    at.button(key="bp_shop_step_all").click().run()
    assert at.session_state["bp_shop_step"] == 4
    assert at.table[-1].value.iloc[:, 2].tolist() == ["2.2", "110", "3.3", "165", "650"]
    at.segmented_control(key="bp_shop_graph").set_value("apples").run()
    assert at.session_state["bp_shop_step"] == 2 and not at.exception


def test_the_chinese_page_names_the_nodes_in_chinese():
    at = open_app_page(PAGE, lang="zh", bp_shop_step=2)
    assert not at.exception
    assert at.title[0].value == ZH("page_backprop")
    boxes = labels_of(dots(at)[0])
    assert "苹果单价\n值 100\n梯度 2.2" in boxes and "支付金额\n值 220\n梯度 1" in boxes
    assert ZH("bp_col_meaning") in at.table[-1].value.columns
    assert at.button(key="bp_shop_step_next").proto.label == ZH("bp_button_next")


def test_a_tampered_url_gives_notices_and_messages_not_tracebacks():
    at = open_app_page(PAGE, bp_lesson="affine", bp_shop_step=99, bp_act_x="1e308",
                       bp_net_hidden=50, bp_aff_x="1, abc; 2, 3", bp_speed_width="nan")
    assert not at.exception
    warnings = texts(at.warning)
    assert EN("notice_clamped", name=setting_label("bp_shop_step", EN), value="99",
              fixed=4) in warnings
    assert EN("notice_clamped", name=setting_label("bp_act_x", EN), value="1e308",
              fixed=1000.0) in warnings
    assert EN("notice_clamped", name=setting_label("bp_net_hidden", EN), value="50",
              fixed=3) in warnings
    assert EN("notice_invalid", name=setting_label("bp_speed_width", EN)) in warnings
    assert texts(at.error) == [EN("bp_problem_not_number", name="X", cell="abc", row=1,
                                  column=2)]
    script = open_app_page(PAGE, lang="zh", bp_lesson="<script>", bp_relu_x="nan, 1")
    assert ZH("notice_invalid", name=setting_label("bp_lesson", ZH)) in texts(script.warning)
    assert script.session_state["bp_lesson"] == "shopping" and not script.exception


def test_the_sigmoid_section_runs_to_equality_and_explains_overflow():
    at = open_app_page(PAGE, bp_lesson="activation", bp_act_x=-1.5)
    assert not at.exception
    at.button(key="bp_act_step_all").click().run()
    expanded, fused, difference = (metric.value for metric in at.metric)
    assert expanded == fused and float(difference) <= 1e-16
    assert any(EN("bp_act_reading_equal", relative="0.0e+00")[:17] in text
               for text in texts(at.markdown))
    at.number_input(key="bp_act_x").set_value(-800.0).run()
    assert not at.exception
    assert texts(at.warning) == [EN("bp_act_overflow", x="-800", x_negated="800",
                                    limit=f"{lesson.EXP_LIMIT:.2f}")]
    assert [metric.value for metric in at.metric][:2] == ["—", "0"]
    # tanh's graph has 5 steps: the place (step 4, sigmoid's last) is kept, one step to go.
    at.segmented_control(key="bp_act_function").set_value("tanh").run()
    assert not at.exception and at.session_state["bp_act_step"] == 4
    assert not at.button(key="bp_act_step_next").disabled


def test_the_relu_section_masks_and_refuses_a_bad_cell():
    at = open_app_page(PAGE, bp_lesson="relu")
    formulas = " ".join(texts(at.latex))
    assert r"\texttt{False} & \texttt{True} \\ \texttt{True} & \texttt{False}" in formulas
    assert EN("bp_relu_why", blocked=2, total=4) in texts(at.info)
    at.text_input(key="bp_relu_dout").set_value("1, 2").run()
    assert texts(at.error) == [EN("bp_problem_shape", name="dout", other="x", expected="2×2",
                                  got="1×2")]
    assert not at.exception


def test_the_affine_section_checks_every_gradient():
    at = open_app_page(PAGE, bp_lesson="affine")
    assert not at.exception
    checks = at.table[0].value.iloc[:, -1].tolist()
    assert len(checks) == 4 and all(check.startswith("agree: relative error") for check in checks)
    at.segmented_control(key="bp_aff_activation").set_value("relu").run()
    assert any(text.startswith("agree") for text in texts(at.markdown))
    at.text_input(key="bp_aff_t").set_value("2, 5").run()
    assert texts(at.error) == [EN("bp_problem_label", name="t", cell="5", column=2, high=2)]


def test_the_network_steps_layer_by_layer():
    at = open_app_page(PAGE, bp_lesson="network", bp_net_activation="tanh")
    assert not at.exception
    assert all("grad ?" in box for box in labels_of(dots(at)[0]) if box.startswith("W1"))
    for k, step in enumerate(lesson.NETWORK_STEPS, start=1):
        at.button(key="bp_net_step_next").click().run()
        assert at.session_state["bp_net_step"] == k
        assert any(text.startswith(f"**Step {k} of 4") for text in texts(at.markdown)), step
    assert not any("grad ?" in box for box in labels_of(dots(at)[0]))
    checks = at.table[0].value
    assert checks.iloc[:, 0].tolist() == ["dW1", "db1", "dW2", "db2"]
    assert all(text.startswith("agree") for text in checks.iloc[:, -1])


def test_timing_runs_on_request_and_keeps_each_result():
    at = open_app_page(PAGE, bp_lesson="speed")
    assert EN("bp_speed_prompt") in texts(at.info) and not at.get("vega_lite_chart")
    at.button(key="bp_speed_run").click().run()
    assert not at.exception
    results = at.session_state["bp_speed_results"]
    assert list(results) == [(1, 10)] and results[(1, 10)].n_parameters == 52
    assert len(at.metric) == 3 and at.metric[2].value.startswith("×")
    at.slider(key="bp_speed_width").set_value(12).run()  # another size: asks again
    assert EN("bp_speed_prompt") in texts(at.info)
    assert list(at.session_state["bp_speed_results"]) == [(1, 10)]  # nothing recomputed
    at.slider(key="bp_speed_depth").set_value(3).run()
    at.slider(key="bp_speed_width").set_value(64).run()
    assert at.button(key="bp_speed_run").disabled
    assert EN("bp_speed_too_big", parameters="8,642", limit="5,000") in texts(at.warning)


def test_the_place_in_each_pass_survives_a_page_switch_and_a_lock_hides_the_buttons():
    at = open_app_page(PAGE, bp_shop_step=1, lock="bp_shop_step")
    css = " ".join(html.proto.body for html in at.get("html"))
    assert ".st-key-bp_shop_step {" in css  # the step buttons' container
    at.switch_page("pages/home/page.py").run()
    at.switch_page(PAGE).run()
    assert at.session_state["bp_shop_step"] == 1 and not at.exception
    assert "apple total\ndata 200\ngrad 1.1" in labels_of(dots(at)[0])
