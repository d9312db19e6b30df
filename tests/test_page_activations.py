"""AppTest tests of the activations page: every control, both languages, projector mode,
tampered links, and the data behind the charts."""


from contextlib import contextmanager

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from nn_core import ACTIVATIONS, get_activation
from nn_core.experiments import zero_centred
from nn_core.experiments.explore import fit_relu_units, maxout_approximation, relu_units_curve
from pages.activations import strings, work
from pages.activations.controls import (
    BETA,
    DEFAULT_UNITS,
    ELU_ALPHA,
    HALF_RANGE,
    LEAKY_ALPHA,
    LOGIT,
    MAXOUT_PIECES,
    OVERFLOW_SHIFT,
    PRELU_ALPHA,
    SETTINGS,
    TEMPERATURE,
    UNIT_BIAS,
    UNIT_OUTPUT,
    UNIT_WEIGHT,
)
from tests.apptest_helpers import chart_frames, chart_spec, chart_titles, setting_label
from ui.admission import QUICK_WORK
from ui.strings import Translator

PAGE = "pages/activations/page.py"
EN, ZH = Translator("en"), Translator("zh")


def open_page(repo_root, tab=None, lang="en", **query):
    """Run the app, switch to the activations page (with URL parameters), optionally
    open one of its tabs by key ("softmax", "maxout", ...)."""
    at = AppTest.from_file(str(repo_root / "app.py"), default_timeout=30)
    query = {"lang": lang, **query}

    def set_query():
        for key, value in query.items():
            at.query_params[key] = value

    set_query()
    at.run()
    set_query()  # the home page's run wrote its own URL; a link carries the page's parameters
    at.switch_page(PAGE).run()
    if tab is not None:
        at.session_state["act_tab"] = Translator(lang)(f"act_tab_{tab}")
        at.run()
    assert not at.exception, at.exception
    return at


def chart_data(at, index):
    """The data frame behind the index-th chart on the page (top-level or named dataset)."""
    return chart_frames(at.get("vega_lite_chart")[index])[0]


def spec_of(at, index):
    return chart_spec(at.get("vega_lite_chart")[index])


def series(frame, label, kind="curve"):
    if "kind" in frame:
        frame = frame[frame["kind"] == kind]
    rows = frame[frame["series"] == label]
    return rows["x"].to_numpy(), rows["y"].to_numpy()


def query_value(at, key):
    """One URL parameter as text (AppTest may hold it as a one-element list)."""
    value = at.query_params[key]
    return value[0] if isinstance(value, list) else value


def warnings_text(at):
    return " ".join(w.value for w in at.warning)


# --- strings --------------------------------------------------------------------------------

def test_both_languages_have_the_same_prefixed_keys():
    assert strings.EN.keys() == strings.ZH.keys()
    assert all(key.startswith("act_") for key in strings.EN)
    assert all(text.strip() for text in [*strings.EN.values(), *strings.ZH.values()])


def test_the_fit_delta_starts_with_its_number_in_both_languages():
    # st.metric reads the arrow's direction (and with "inverse", its colour) from the sign
    # at the start of the delta: a falling error must show a green arrow pointing down.
    for t in (EN, ZH):
        assert t("act_fit_delta", change="-0.2692").startswith("-0.2692")


# --- comparison tab -------------------------------------------------------------------------

def test_default_page_draws_backprop_derivatives(repo_root):
    at = open_page(repo_root)
    assert at.title[0].value == EN("act_title")
    assert len(at.get("vega_lite_chart")) == 2
    values, slopes = chart_data(at, 0), chart_data(at, 1)
    for name in ("relu", "sigmoid", "tanh"):
        x, y = series(values, EN(f"act_name_{name}"))
        layer = get_activation(name)
        np.testing.assert_array_equal(y, layer.forward(x))
        x, dy = series(slopes, EN(f"act_name_{name}"))
        np.testing.assert_array_equal(dy, layer.backward(np.ones_like(x)))  # the real backward
        check_x, check_y = series(slopes, EN(f"act_name_{name}"), kind="check")
        assert len(check_x) == 40
        np.testing.assert_allclose(check_y, get_activation(name).derivative(check_x), atol=1e-6)
    assert x.min() == -6.0 and x.max() == 6.0 and len(x) == 401
    assert at.success  # backprop and finite differences agree


def test_all_activations_and_every_parameter_at_its_extremes(repo_root):
    at = open_page(repo_root)
    at.multiselect(key="act_names").set_value(list(ACTIVATIONS)).run()
    assert not at.exception
    assert set(chart_data(at, 0)["series"]) == {EN(f"act_name_{n}") for n in ACTIVATIONS}
    sliders = {"act_leaky_alpha": LEAKY_ALPHA, "act_elu_alpha": ELU_ALPHA,
               "act_prelu_alpha": PRELU_ALPHA, "act_swish_beta": BETA,
               "act_softplus_beta": BETA, "act_half_range": HALF_RANGE}
    for key, (low, high) in sliders.items():
        for value in (low, high):
            at.slider(key=key).set_value(value).run()
            assert not at.exception, (key, value)
    at.toggle(key="act_gelu_approximate").set_value(True).run()
    assert not at.exception
    # The last settings: half range 20, leaky alpha 1.0 (the identity), beta 5, approximate GELU.
    slopes = chart_data(at, 1)
    x, dy = series(slopes, EN("act_name_leaky_relu"))
    assert x.max() == 20.0
    np.testing.assert_array_equal(dy, np.ones_like(x))
    x, dy = series(slopes, EN("act_name_gelu"))
    np.testing.assert_array_equal(dy, get_activation("gelu", approximate=True).derivative(x))
    x, dy = series(slopes, EN("act_name_swish"))
    np.testing.assert_array_equal(dy, get_activation("swish", beta=5.0).derivative(x))


def test_toggle_removes_the_check_dots(repo_root):
    at = open_page(repo_root)
    at.toggle(key="act_show_checks").set_value(False).run()
    assert set(chart_data(at, 1)["kind"]) == {"curve"}
    assert not at.success


def test_empty_selection_shows_a_hint(repo_root):
    at = open_page(repo_root)
    at.multiselect(key="act_names").set_value([]).run()
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 0
    assert at.info[0].value == EN("act_none_selected")


# --- the other tabs -------------------------------------------------------------------------

def test_properties_tab_has_a_row_and_formulas_per_activation(repo_root):
    at = open_page(repo_root, act_names="relu,gelu,step")
    at.session_state["act_tab"] = EN("act_tab_properties")
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table[EN("act_col_activation")]) == ["ReLU", "GELU", "Step"]
    assert table[EN("act_col_zero_grad")].iloc[0] == "x ≤ 0"
    assert table[EN("act_col_cost")].iloc[0] == "×1.0"
    assert len(at.latex) == 6
    assert any("def backward" in code.value for code in at.code)
    at.selectbox(key="act_code_name").set_value("gelu").run()
    assert any("GELU.slope" in md.value for md in at.markdown)


@pytest.mark.parametrize(("alpha", "low"), [("0", "0"), ("0.05", "−∞")])
def test_properties_tab_shows_the_output_range_of_leaky_relu_for_its_alpha(repo_root, alpha,
                                                                           low):
    # At alpha = 0 leaky ReLU is ReLU: it said −∞ to ∞.
    at = open_page(repo_root, tab="properties", act_names="leaky_relu,relu",
                   act_leaky_alpha=alpha)
    ranges = list(at.dataframe[0].value[EN("act_col_range")])
    assert ranges == [EN("act_range_fmt", low=low, high="∞"), EN("act_range_fmt", low="0",
                                                                 high="∞")]


def test_softmax_tab(repo_root):
    at = open_page(repo_root, tab="softmax")
    probabilities = chart_data(at, 0)["p"].to_numpy()
    assert probabilities.sum() == pytest.approx(1.0)
    assert np.argmax(probabilities) == 0  # logit 1 is the largest by default
    assert at.error  # offset 1000: the naive softmax overflows
    for key in ("act_logit_0", "act_logit_3"):
        for value in LOGIT:
            at.slider(key=key).set_value(value).run()
            assert not at.exception
    for value in TEMPERATURE:
        at.slider(key="act_temperature").set_value(value).run()
        assert not at.exception
    # T = 10 flattens the distribution
    assert np.ptp(chart_data(at, 0)["p"].to_numpy()) < 0.3
    at.slider(key="act_overflow_shift").set_value(OVERFLOW_SHIFT[0]).run()
    assert not at.error and at.success
    at.slider(key="act_overflow_shift").set_value(OVERFLOW_SHIFT[1]).run()
    assert at.error and not at.exception


def test_linear_tab_shows_the_collapse(repo_root):
    at = open_page(repo_root, tab="linear")
    data = chart_data(at, 0)
    _, linear = series(data, EN("act_series_linear"))
    _, collapsed = series(data, EN("act_series_collapsed"))
    np.testing.assert_allclose(linear, collapsed, atol=1e-12)
    assert len(at.latex) == 4
    errors = [float(m.value) for m in at.metric]
    assert errors[1] < errors[0]  # with a ReLU the fit is better


def unit_sliders(at):
    """The nine unit sliders as rows (w, b, v), as the fit takes them."""
    return tuple(tuple(at.slider(key=f"act_unit_{i}_{part}").value for i in range(3))
                 for part in "wbv")


def test_relu_units_sliders_draw_the_sum_of_hinges(repo_root):
    at = open_page(repo_root, tab="relu_units")
    for key, bounds in (("w", UNIT_WEIGHT), ("b", UNIT_BIAS), ("v", UNIT_OUTPUT)):
        for value in bounds:
            at.slider(key=f"act_unit_0_{key}").set_value(value).run()
            assert not at.exception
    x, y = series(chart_data(at, 0), EN("act_series_sum"))
    expected = relu_units_curve(*unit_sliders(at), n_points=len(x))
    assert unit_sliders(at)[0][0] == 2.0 and unit_sliders(at)[2][0] == 2.0
    np.testing.assert_allclose(y, expected.output)
    assert len(at.get("vega_lite_chart")) == 1


def test_fit_it_for_me_fits_the_units_shown_and_moves_their_sliders(repo_root):
    at = open_page(repo_root, tab="relu_units")
    start = tuple(zip(*DEFAULT_UNITS, strict=True))  # rows (w, b, v)
    assert unit_sliders(at) == start
    assert at.metric[0].value == "0.2746"  # the student's error in the issue: 0.27
    at.button(key="act_fit_button").click().run()
    assert not at.exception
    fitted = unit_sliders(at)
    expected = fit_relu_units(3, start=start)
    assert fitted == expected.rows and fitted != start
    assert all(value == round(value, 2) for row in fitted for value in row)  # on the step grid
    # like with like: the chart and the metric are the student's own curve, now at the fit
    x, y = series(chart_data(at, 0), EN("act_series_sum"))
    np.testing.assert_array_equal(y, relu_units_curve(*fitted).output)
    assert at.metric[0].value == f"{expected.error:.4f}" == "0.0054"
    assert at.metric[0].proto.delta.startswith("-0.2692")
    said = " ".join(md.value for md in at.markdown)
    assert EN("act_fit_before", before="0.2746", after="0.0054", n=201) in said
    # the bigger network is a separate, labelled comparison with its own error
    assert chart_titles(at)[1] == EN("act_chart_comparison", k=8)
    assert float(at.metric[1].value) < expected.error / 5
    # the link now carries the fitted sliders
    assert query_value(at, "act_unit_2_b") == str(fitted[1][2])
    # once the student moves a slider, the comparison no longer describes the curve shown
    at.slider(key="act_unit_0_w").set_value(0.5).run()
    assert not at.metric[0].proto.delta
    assert at.info[0].value == EN("act_fit_moved", after="0.0054")
    assert len(at.get("vega_lite_chart")) == 1


def test_a_value_between_two_slider_steps_is_snapped_so_the_slider_shows_what_is_plotted(
        repo_root):
    at = open_page(repo_root, tab="relu_units", act_unit_0_w="0.123", act_unit_1_b="1e-9")
    assert unit_sliders(at)[0][0] == 0.1 and unit_sliders(at)[1][1] == 0.0
    x, y = series(chart_data(at, 0), EN("act_series_sum"))
    np.testing.assert_array_equal(y, relu_units_curve(*unit_sliders(at)).output)
    assert query_value(at, "act_unit_0_w") == "0.1"
    at.session_state["act_tab"] = EN("act_tab_zero_centred")
    at.session_state["act_zc_lr"] = 0.15000000000000002  # as floating-point steps come out
    at.run()
    assert at.slider(key="act_zc_lr").value == 0.15
    assert query_value(at, "act_zc_lr") == "0.15"


def test_heavy_work_takes_a_turn_only_when_its_result_is_missing(repo_root, monkeypatch):
    turns = []

    @contextmanager
    def recording_turn(t, admission):
        assert admission is QUICK_WORK  # quick jobs: they never queue behind long ones
        turns.append(t("admission_waiting", position=1, running=0))
        yield None

    monkeypatch.setattr(work, "turn", recording_turn)
    at = open_page(repo_root, tab="properties")
    assert len(turns) == 1  # the relative-cost timing
    at.run()
    at.session_state["act_tab"] = EN("act_tab_linear")
    at.run()
    at.run()
    assert len(turns) == 2  # the linear-collapse training, once
    at.session_state["act_tab"] = EN("act_tab_relu_units")
    at.run()
    assert len(turns) == 2
    at.button(key="act_fit_button").click().run()
    at.run()
    assert len(turns) == 3  # the fit, once per press
    assert not at.exception


def test_maxout_tab_every_target_and_piece_count(repo_root):
    at = open_page(repo_root, tab="maxout")
    for target in ("abs", "square", "relu"):
        at.segmented_control(key="act_maxout_target").set_value(target).run()
        for pieces in MAXOUT_PIECES:
            at.slider(key="act_maxout_pieces").set_value(pieces).run()
            assert not at.exception
            x, y = series(chart_data(at, 0), EN("act_series_maxout"))
            np.testing.assert_allclose(y, maxout_approximation(target, pieces).output)


def test_zero_centred_tab_shows_both_descents_with_their_step_counts(repo_root):
    at = open_page(repo_root, tab="zero_centred")
    assert chart_titles(at) == [EN("act_zc_chart_sigmoid"), EN("act_zc_chart_tanh")]
    steps = {m.label: [] for m in at.metric}
    for m in at.metric:
        steps[m.label].append(m.value)
    sigmoid_steps, tanh_steps = (int(v.replace(",", "")) for v in steps[EN("act_zc_metric_steps")])
    assert tanh_steps < sigmoid_steps  # default settings: tanh reaches w* sooner
    assert steps[EN("act_zc_metric_one_sign")][0] == "100%"
    paths = zero_centred.compare_descents(0.5, (-2.0, 2.0))
    assert (sigmoid_steps, tanh_steps) == (paths["sigmoid"].steps_to_optimum,
                                           paths["tanh"].steps_to_optimum)
    drawn = chart_data(at, 0)
    drawn = drawn[drawn["kind"] == "path"].sort_values("order")
    np.testing.assert_array_equal(drawn[["w1", "w2"]].to_numpy(), paths["sigmoid"].path)
    assert spec_of(at, 1)["layer"][0]["encoding"]["x"]["scale"]["domain"] == list(
        zero_centred.zero_centred_lesson(0.5, (-2.0, 2.0)).view)
    at.slider(key="act_zc_lr").set_value(1.0).run()
    at.slider(key="act_zc_w1").set_value(3.0).run()
    assert not at.exception
    assert query_value(at, "act_zc_lr") == "1.0"
    faster = zero_centred.compare_descents(1.0, (3.0, 2.0))
    assert at.metric[0].value == f"{faster['sigmoid'].steps_to_optimum:,}"


def test_properties_tab_shows_the_same_in_pytorch_with_the_current_values(repo_root):
    at = open_page(repo_root, tab="properties", act_names="leaky_relu,swish,relu",
                   act_leaky_alpha="0.05", act_swish_beta="2.5", act_code_name="leaky_relu")
    said = " ".join(md.value for md in at.markdown)
    for call in ("nn.LeakyReLU(negative_slope=0.05)", "x * torch.sigmoid(2.5 * x)", "nn.ReLU()"):
        assert EN("act_torch_call", call=call) in said
    code = " ".join(block.value for block in at.code)
    assert "y = F.leaky_relu(x, negative_slope=0.05)" in code
    assert EN("act_torch_note_leaky_relu") in said


def test_a_link_naming_an_activation_twice_draws_it_once(repo_root):
    at = open_page(repo_root, tab="properties", act_names="relu,relu,relu,tanh")
    assert not at.exception and not at.warning
    assert list(at.dataframe[0].value[EN("act_col_activation")]) == ["ReLU", "Tanh"]


def test_settings_survive_a_tab_switch(repo_root):
    at = open_page(repo_root, tab="maxout")
    at.slider(key="act_maxout_pieces").set_value(7).run()
    at.session_state["act_tab"] = EN("act_tab_softmax")
    at.run()
    at.session_state["act_tab"] = EN("act_tab_maxout")
    at.run()
    assert at.slider(key="act_maxout_pieces").value == 7
    assert at.query_params["act_maxout_pieces"] == "7"


# --- language, projector, URL -------------------------------------------------------------

def test_chinese_page(repo_root):
    at = open_page(repo_root, lang="zh")
    assert at.title[0].value == ZH("act_title")
    values = chart_data(at, 0)
    assert set(values["series"]) == {ZH("act_name_relu"), ZH("act_name_sigmoid"),
                                     ZH("act_name_tanh")}
    spec = spec_of(at, 1)
    assert spec["title"] == ZH("act_chart_slopes")
    assert at.slider(key="act_half_range").label == ZH("act_half_range")
    for tab in ("properties", "zero_centred", "softmax", "linear", "relu_units", "maxout"):
        at.session_state["act_tab"] = ZH(f"act_tab_{tab}")
        at.run()
        assert not at.exception, tab


def test_projector_mode_draws_thicker_lines(repo_root):
    at = open_page(repo_root, projector="true")
    spec = spec_of(at, 0)
    assert spec["layer"][0]["mark"]["strokeWidth"] == 4.5
    assert spec["config"]["axis"]["labelFontSize"] == 18
    for tab in ("softmax", "maxout", "zero_centred"):
        at.session_state["act_tab"] = EN(f"act_tab_{tab}")
        at.run()
        assert not at.exception
    spec = spec_of(at, 0)  # the descent panels stay square and fit their columns
    assert spec["width"] == spec["height"] == 420  # 340 enlarged, up to a column's width
    assert spec["config"]["axis"]["labelFontSize"] == 18


def test_settings_come_from_the_url(repo_root):
    at = open_page(repo_root, act_names="elu,swish", act_elu_alpha="0.5", act_half_range="3")
    assert not at.warning
    x, y = series(chart_data(at, 0), EN("act_name_elu"))
    assert x.min() == -3.0
    np.testing.assert_allclose(y, get_activation("elu", alpha=0.5).forward(x))


@pytest.mark.parametrize("key, value", [
    ("act_half_range", "10000"), ("act_half_range", "banana"), ("act_names", "relu,banana"),
    ("act_temperature", "0"), ("act_maxout_pieces", "10000"), ("act_overflow_shift", "nan"),
    ("act_elu_alpha", "-5"), ("act_gelu_approximate", "maybe"), ("act_code_name", "relux"),
    ("act_unit_0_w", "1e308"), ("act_zc_lr", "5"), ("act_zc_w2", "nan"),
])
def test_tampered_url_values_give_a_notice(repo_root, key, value):
    at = open_page(repo_root, **{key: value})
    # The notice names the control as its label does, not by its URL key.
    setting = next(setting for setting in SETTINGS if setting.key == key)
    assert setting.display_name(EN) in warnings_text(at)
    assert key not in warnings_text(at)
    assert len(at.get("vega_lite_chart")) == 2


def test_a_link_opens_the_lesson_it_names_and_the_open_lesson_is_in_the_url(open_page):
    at = open_page(PAGE, act_lesson="softmax")
    assert not at.exception
    assert at.session_state["act_tab"] == Translator("en")("act_tab_softmax")
    assert at.query_params["act_lesson"] in ("softmax", ["softmax"])
    at.session_state["act_tab"] = Translator("en")("act_tab_maxout")
    at.run()
    assert at.query_params["act_lesson"] in ("maxout", ["maxout"])
    tampered = open_page(PAGE, act_lesson="<script>")
    assert not tampered.exception
    assert tampered.session_state["act_tab"] == Translator("en")("act_tab_compare")
    label = setting_label("act_lesson", Translator("en"))
    assert any(label in warning.value for warning in tampered.warning)
