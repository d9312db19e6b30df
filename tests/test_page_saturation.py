"""The gradient-saturation page under AppTest: controls by key, the data behind its charts, the
reading, and heavy work computed once per request through the server's admission."""


import numpy as np
import pandas as pd
import pytest

from pages.saturation.results import PROFILES_KEY, TRAINING_KEY, number, reading_fields
from tests.apptest_helpers import (
    chart_frames,
    chart_spec,
    chart_title,
    open_app_page,
    setting_label,
    template_fields,
)
from tests.waiting import SlotsHeld, open_after_waiting
from ui.admission import HEAVY_WORK
from ui.strings import Translator, activation_name

PAGE = "pages/saturation/page.py"
# A small network keeps most tests quick; the classic-size checks set their own sizes.
SMALL = dict(sat_depth=4, sat_width=16, sat_batch=64)
# The classic cases at 10 layers of 200 units: the same effects as with 500, at a third the cost.
CLASSIC_SHAPE = dict(sat_width=200, sat_batch=100)


def charts(at):
    """{chart title: DataFrame of its (first) data set} for every chart on the page."""
    return {chart_title(chart) or "": chart_frames(chart)[0]
            for chart in at.get("vega_lite_chart")}


def spec_titled(at, title):
    for chart in at.get("vega_lite_chart"):
        if chart_title(chart) == title:
            return chart_spec(chart)
    raise AssertionError(f"no chart titled {title!r}")


def values(frame, name):
    """One activation's series of a per-layer line chart, in layer order."""
    rows = frame[frame["name"] == name].sort_values("x")
    return rows["value"].to_numpy()


def texts(elements):
    return [element.value for element in elements]


t = Translator("en")


def test_default_page_is_the_classic_tanh_small_weights_case(open_page):
    at = open_page(PAGE, **CLASSIC_SHAPE)
    assert not at.exception
    found = charts(at)
    assert len(found) == 6
    std = values(found[t("sat_chart_std")], "tanh")
    assert len(std) == 10
    assert std[-1] < 1e-3 * std[0]
    # The histogram chart: 10 layers x 30 bins, each layer's shares adding up to 1.
    histogram = found[t("sat_chart_act_hist", activation=activation_name(t, "tanh"))]
    assert histogram["layer"].nunique() == 10
    assert np.allclose(histogram.groupby("layer")["share"].sum(), 1.0)


def test_std_one_saturates_most_tanh_units(open_page):
    at = open_page(PAGE, sat_init="normal_1.0", **CLASSIC_SHAPE)
    assert not at.exception
    saturated = values(charts(at)[t("sat_chart_saturated")], "tanh")
    assert np.all(saturated > 0.5)


@pytest.mark.parametrize("activation, init", [("tanh", "xavier"), ("relu", "he")])
def test_matched_initialisation_keeps_the_std(open_page, activation, init):
    at = open_page(PAGE, sat_activations=activation, sat_init=init, **CLASSIC_SHAPE)
    std = values(charts(at)[t("sat_chart_std")], activation)
    assert std.max() / std.min() < 4.0


def readings(at):
    return [text for text in texts(at.info) if "layers:" in text or "层：" in text]


def test_sigmoid_reading_says_vanishing_with_the_charts_numbers(open_page):
    at = open_page(PAGE, sat_activations="sigmoid", sat_init="xavier", **CLASSIC_SHAPE)
    [reading] = readings(at)
    assert "**vanishes**" in reading
    norms = charts(at)[t("sat_chart_grad_norm")]
    measured = norms[norms["curve"] == t("sat_series_measured")].sort_values("x")["value"]
    ratio = measured.iloc[0] / measured.iloc[-1]
    assert ratio < 1e-3 and f"only {number(ratio)} ×" in reading
    # Sigmoid is shown: its bound 0.25^(L - l) is drawn, and the caption explains it.
    assert set(norms["curve"]) == {t("sat_series_measured"), t("sat_series_envelope")}
    assert any(t("sat_envelope_caption") in text for text in texts(at.caption))


def test_tanh_with_std_one_reads_as_exploding_without_a_sigmoid_bound(open_page):
    at = open_page(PAGE, sat_init="normal_1.0", **CLASSIC_SHAPE)
    [reading] = readings(at)
    assert "**explodes**" in reading and "saturated" in reading
    norms = charts(at)[t("sat_chart_grad_norm")]
    assert set(norms["curve"]) == {t("sat_series_measured")}  # no sigmoid, no sigmoid bound
    assert not any(t("sat_envelope_caption") in text for text in texts(at.caption))


def test_relu_with_std_one_reads_too_large_with_the_rate_that_suits_it(open_page):
    shape = dict(sat_activations="relu", sat_init="normal_1.0", sat_depth=3, sat_width=256)
    at = open_page(PAGE, **shape)
    [reading] = readings(at)
    profile = at.session_state[PROFILES_KEY][1]["relu"]
    rate = number(profile.reading.learning_rate)
    assert "**too large**" in reading and f"about {rate} gives" in reading
    assert "grew from rms" in reading
    at = open_page(PAGE, lang="zh", **shape)
    [reading] = readings(at)
    assert "**太大了**" in reading and f"约 {rate} 的学习率" in reading


def test_every_reading_has_a_sentence_the_page_can_fill():
    from nn_core.experiments.depth import READINGS, depth_profile
    from pages.saturation.strings import EN

    filled = {"activation", "depth", *reading_fields(depth_profile("tanh", 2, 8, "xavier",
                                                                   batch_size=8).reading)}
    for code in READINGS:
        assert template_fields(EN[f"sat_reading_{code}"]) <= filled, code


def test_a_healthy_reading_names_its_learning_rate(open_page):
    at = open_page(PAGE, sat_activations="relu", sat_init="he", **CLASSIC_SHAPE)
    [reading] = readings(at)
    profile = at.session_state[PROFILES_KEY][1]["relu"]
    assert "**healthy**" in reading
    assert f"about {number(profile.reading.learning_rate)} with plain SGD" in reading


def test_controls_by_key_redraw_the_charts(open_page):
    at = open_page(PAGE, **SMALL)
    at.slider(key="sat_depth").set_value(6).run()
    at.selectbox(key="sat_init").set_value("he").run()
    at.slider(key="sat_gain").set_value(1.5).run()
    at.select_slider(key="sat_threshold").set_value("0.1").run()
    at.number_input(key="sat_seed").set_value(5).run()
    assert not at.exception
    found = charts(at)
    assert len(values(found[t("sat_chart_mean")], "tanh")) == 6
    assert at.query_params["sat_depth"] == ["6"] or at.query_params["sat_depth"] == "6"
    assert "sat_init" in at.query_params


def test_two_activations_side_by_side(open_page):
    at = open_page(PAGE, **SMALL)
    at.multiselect(key="sat_activations").set_value(["sigmoid", "relu"]).run()
    assert not at.exception
    found = charts(at)
    assert len(found) == 8  # a histogram chart per activation, twice, and the shared lines
    assert set(found[t("sat_chart_std")]["name"]) == {"sigmoid", "relu"}
    assert len(readings(at)) == 2


def test_no_activation_gives_a_message_not_an_error(open_page):
    at = open_page(PAGE, **SMALL)
    at.multiselect(key="sat_activations").set_value([]).run()
    assert not at.exception
    assert t("sat_pick_one") in texts(at.warning)
    assert not at.get("vega_lite_chart")


def test_preset_sets_the_classic_network(open_page):
    at = open_page(PAGE, sat_batch=100)
    at.button(key="sat_preset_relu_he").click().run()
    assert not at.exception
    state = at.session_state
    assert state["sat_activations"] == ["relu"] and state["sat_init"] == "he"
    assert state["sat_depth"] == 10 and state["sat_width"] == 500


def test_training_draws_gradient_update_and_loss_charts(open_page):
    at = open_page(PAGE, **SMALL)
    assert t("sat_train_prompt") in texts(at.info)
    profiles = at.session_state[PROFILES_KEY]
    at.button(key="sat_train").click().run()
    assert not at.exception
    assert at.session_state[PROFILES_KEY] is profiles  # the click did not recompute them
    found = charts(at)
    assert len(found) == 9
    gradients = found[t("sat_chart_train_grad")]
    assert set(gradients["curve"]) == {t("sat_series_first"), t("sat_series_last")}
    assert len(gradients) == 2 * 20  # 20 steps by default
    loss = found[t("sat_chart_train_loss")].sort_values("x")
    assert loss["x"].tolist() == list(range(21))  # from the initial loss on
    assert loss["value"].iloc[-1] < loss["value"].iloc[0]  # tanh + Xavier learns
    ratio_chart = spec_titled(at, t("sat_chart_train_ratio", activation=activation_name(t, "tanh")))
    assert len(ratio_chart["layer"]) == 3  # lines, the 1e-3 reference rule and its label
    assert ratio_chart["layer"][0]["encoding"]["x"]["axis"]["tickMinStep"] == 1  # whole steps
    ratio = [c for c in at.get("vega_lite_chart") if len(c.proto.datasets) == 2][0]
    assert chart_frames(ratio)[1]["value"].tolist() == [1e-3]
    # Pressing again with the same settings keeps the run; changing the network makes it stale
    # instead of showing the wrong numbers.
    trained = at.session_state[TRAINING_KEY]
    at.button(key="sat_train").click().run()
    assert at.session_state[TRAINING_KEY] is trained
    at.slider(key="sat_depth").set_value(5).run()
    assert t("sat_train_stale") in texts(at.info)


def test_diverging_training_gives_a_warning(open_page):
    at = open_page(PAGE, sat_activations="relu", sat_init="normal_1.0", sat_lr="1",
                   sat_depth=5, sat_width=64, sat_batch=32)
    at.button(key="sat_train").click().run()
    assert not at.exception
    assert any("diverged" in text for text in texts(at.warning))


@pytest.mark.parametrize("key, value, notice", [
    ("sat_depth", "10000", "notice_clamped"),
    ("sat_width", "banana", "notice_invalid"),
    ("sat_gain", "nan", "notice_invalid"),
    ("sat_batch", "-5", "notice_clamped"),
    ("sat_init", "normal_5.0", "notice_invalid"),
    ("sat_threshold", "7", "notice_invalid"),
    ("sat_activations", "tanh,relu,sigmoid", "sat_too_many"),
])
def test_tampered_url_values_give_a_notice(open_page, key, value, notice):
    query = {**dict(sat_width=16, sat_batch=32, sat_depth=3), key: value}
    at = open_page(PAGE, **query)
    assert not at.exception
    warnings = " ".join(texts(at.warning))
    # The frame's notices name the setting by its label; the page's own notice is a sentence.
    assert (t(notice) if notice.startswith("sat_") else setting_label(key, t)) in warnings
    assert key not in warnings
    assert at.get("vega_lite_chart")


def test_chinese_page(open_page):
    at = open_page(PAGE, lang="zh", **SMALL)
    assert not at.exception
    zh = Translator("zh")
    assert at.title[0].value == zh("page_saturation")
    found = charts(at)
    assert zh("sat_chart_std") in found
    assert any(text.startswith("Tanh，4 层：") for text in readings(at))
    assert at.multiselect(key="sat_activations").label == zh("sat_activations")


def test_projector_mode_enlarges_chart_text(open_page):
    at = open_page(PAGE, projector=True, **SMALL)
    assert not at.exception
    spec = spec_titled(at, t("sat_chart_std"))
    assert spec["config"]["axis"]["labelFontSize"] == 18


def test_every_control_has_help_text(open_page):
    at = open_page(PAGE, **SMALL)
    widgets = [at.multiselect(key="sat_activations"), at.selectbox(key="sat_init"),
               at.slider(key="sat_gain"), at.slider(key="sat_depth"), at.slider(key="sat_width"),
               at.slider(key="sat_batch"), at.select_slider(key="sat_threshold"),
               at.number_input(key="sat_seed"), at.slider(key="sat_steps"),
               at.select_slider(key="sat_lr")]
    assert all(widget.help for widget in widgets)


def test_chart_helper_reads_dataframes(open_page):
    at = open_page(PAGE, **SMALL)
    assert all(isinstance(frame, pd.DataFrame) and len(frame) for frame in charts(at).values())


def test_numbers_in_sentences_read_as_powers_of_ten():
    assert [number(x) for x in (77146.5, 0.1413, 6.81e-07, 3.0, 501.04, 0.0, float("nan"))] == [
        "7.7×10⁴", "0.14", "6.8×10⁻⁷", "3", "501", "0", "–"]


def test_a_new_profile_waits_its_turn_and_a_cached_one_does_not():
    # A seed no other test uses, so this request is computed here first.
    query = dict(sat_depth=3, sat_width=16, sat_batch=32, sat_seed=4321)
    with SlotsHeld(HEAVY_WORK) as slots:  # the class's work fills every slot
        first = open_after_waiting(slots, lambda: open_app_page(PAGE, **query))  # queued
        assert not first.exception and first.get("vega_lite_chart")
        # Every slot busy again: a classmate opening the same link gets the cached profile at
        # once, without queueing.
        slots.take_one()
        again = open_app_page(PAGE, **query)
        assert not again.exception and HEAVY_WORK.waiting == 0
        assert len(again.get("vega_lite_chart")) == 6
