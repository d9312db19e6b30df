"""The dead-ReLU page under AppTest: controls by key, the data behind the charts, the suggested
lesson, training once per request through the server's admission, both languages, projector
mode and tampered links."""


from pages.dead_relu import strings
from pages.dead_relu.results import RESULTS_KEY
from tests.apptest_helpers import (
    chart_data,
    chart_spec,
    chart_titles,
    open_app_page,
    setting_label,
)
from tests.waiting import SlotsHeld, open_after_waiting
from ui.admission import HEAVY_WORK
from ui.strings import Translator

EN = Translator("en")

PAGE = "pages/dead_relu/page.py"
TIMEOUT = 30  # seconds: the page trains a network (compare mode trains two)


def open_page(**query):
    """The dead-ReLU page opened from a link with ``query``; it must run without exception."""
    at = open_app_page(PAGE, TIMEOUT, **query)
    assert not at.exception
    return at


def chart_by_title(at, text):
    """(spec, data) of the first chart whose title starts with ``text``."""
    for chart, title in zip(at.get("vega_lite_chart"), chart_titles(at)):
        if title and title.startswith(text):
            return chart_spec(chart), chart_data(chart)
    raise AssertionError(f"no chart titled {text!r} among {chart_titles(at)}")


def summary(at):
    return at.dataframe[0].value


def test_strings_have_the_same_keys_in_both_languages():
    assert strings.EN.keys() == strings.ZH.keys()
    assert all(key.startswith("dead_") for key in strings.EN)


def test_default_page_trains_and_draws_every_chart():
    at = open_page()
    assert at.title[0].value == "Dead ReLUs"
    assert chart_titles(at) == [
        "Fraction of dead units per layer", "Training accuracy", "Training loss",
        "Points with z > 0 per unit, layer 1 · ReLU", "Pre-activations of unit 1, layer 1 · ReLU",
    ]
    _, dead = chart_by_title(at, "Fraction of dead units")
    assert len(dead) == 2 * 101  # two layers, initialisation + 100 epochs
    assert dead["dead_fraction"].between(0, 1).all()
    _, heat = chart_by_title(at, "Points with z > 0")
    assert heat["unit"].nunique() == 32 and heat["epoch"].nunique() <= 100
    _, hist = chart_by_title(at, "Pre-activations")
    assert hist["count"].sum() == 2 * 300  # every training point, before and after
    assert len(summary(at)) == 2
    assert "current settings" in at.caption[0].value


def test_the_summary_agrees_with_the_heatmap():
    at = open_page(dead_lr="0.3")
    _, heat = chart_by_title(at, "Points with z > 0")
    last = heat[heat["epoch"] == heat["epoch"].max()]
    dead_in_heatmap = int((last["rate"] == 0).sum())
    assert summary(at).iloc[0]["Dead at the end"] == f"{dead_in_heatmap} / 32"
    assert dead_in_heatmap > 0


def test_chart_options_and_an_unchanged_train_do_not_retrain():
    at = open_page()
    results = at.session_state[RESULTS_KEY]
    at.slider(key="dead_unit").set_value(5).run()
    at.select_slider(key="dead_layer").set_value(2).run()
    at.button(key="dead_train").click().run()  # the same settings: the same run
    assert not at.exception
    assert at.session_state[RESULTS_KEY] is results
    assert "Pre-activations of unit 5, layer 2 · ReLU" in chart_titles(at)


def test_changed_settings_are_stale_until_train_is_pressed():
    at = open_page()
    at.slider(key="dead_width").set_value(8).run()
    assert "changed" in at.info[0].value
    _, heat = chart_by_title(at, "Points with z > 0")
    assert heat["unit"].nunique() == 32  # still the old run
    at.button(key="dead_train").click().run()
    assert not at.exception and not at.info
    _, heat = chart_by_title(at, "Points with z > 0")
    assert heat["unit"].nunique() == 8
    assert at.query_params["dead_width"] == "8"


def test_the_suggested_lesson_kills_relu_and_shows_leaky_units_still_learning():
    at = open_page(dead_width="8")
    at.button(key="dead_lesson").click().run()
    assert not at.exception and not at.error  # nothing diverges
    state = at.session_state
    assert (state["dead_lr"], state["dead_bias"], state["dead_compare"]) == ("0.3", -0.5, True)
    assert state["dead_width"] == 32 and state["dead_alternative"] == "leaky_relu"
    relu, leaky = state[RESULTS_KEY][1]
    # What the page promises (see tests/test_dead_units.py): most ReLU units die, no leaky one.
    assert relu.dead_fraction[-1].mean() > 0.5 and leaky.dead_total_final == 0
    assert "current settings" in at.caption[0].value  # trained by the click
    # Leaky ReLU's box counts the units with every point on the negative side...
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Negative side only"] == f"{int(leaky.negative_only_final.sum())} / 64"
    # ...and its heatmap paints them orange, not black: their slope there is alpha.
    spec, heat = chart_by_title(at, "Points with z > 0 per unit, layer 1 · Leaky ReLU")
    assert '"#E69F00"' in str(spec).replace("'", '"')
    assert (heat["rate"] == 0).any()
    # The chosen unit's histogram says how much of it is on the negative side, at slope alpha.
    unit = int(leaky.positive_share[0, -1].argmin()) + 1  # the most negative unit of layer 1
    at.slider(key="dead_unit").set_value(unit).run()
    spec, _ = chart_by_title(at, f"Pre-activations of unit {unit}, layer 1 · Leaky ReLU")
    share = 1.0 - leaky.positive_share[0, -1, unit - 1]
    assert spec["layer"][0]["title"]["subtitle"] == EN("dead_hist_subtitle", share=f"{share:.0%}",
                                                       slope="0.01")


def test_high_learning_rate_and_negative_bias_kill_relu_but_not_leaky_relu():
    at = open_page(dead_lr="0.3", dead_bias="-1.0", dead_compare="true")
    _, dead = chart_by_title(at, "Fraction of dead units")
    last = dead[dead["epoch"] == dead["epoch"].max()]
    by_activation = last.groupby("activation")["dead_fraction"].mean()
    assert by_activation["ReLU"] > 0.5
    assert (dead[dead["activation"] == "Leaky ReLU"]["dead_fraction"] == 0).all()
    assert len(at.get("vega_lite_chart")) == 7  # a heatmap and a histogram per run
    assert set(summary(at)["Activation"]) == {"ReLU", "Leaky ReLU"}


def test_diverged_training_says_so_without_a_traceback():
    at = open_page(dead_lr="3", dead_bias="-1.0", dead_compare="true")
    assert any("diverged" in error.value for error in at.error)
    assert len(at.get("vega_lite_chart")) == 7


def test_prelu_shows_its_learned_slopes():
    at = open_page()
    at.selectbox(key="dead_activation").set_value("prelu")
    at.button(key="dead_train").click().run()
    assert not at.exception
    _, slopes = chart_by_title(at, "Learned PReLU slope")
    assert slopes["layer"].nunique() == 2
    assert slopes[slopes["epoch"] == 0]["alpha"].eq(0.25).all()


def test_chinese():
    at = open_page(lang="zh")
    assert at.title[0].value == "死亡 ReLU"
    assert chart_titles(at)[0] == strings.ZH["dead_chart_dead_title"]
    assert summary(at).columns[0] == strings.ZH["dead_col_activation"]


def test_projector_mode_enlarges_the_chart_text():
    at = open_page(projector="true")
    spec, _ = chart_by_title(at, "Fraction of dead units")
    assert spec["config"]["axis"]["labelFontSize"] == 18


# One link per test holding every tampered value: each AppTest run costs a second or two.
CLAMPED = {"dead_width": ("10000", 64), "dead_epochs": ("-5", 10), "dead_depth": ("99", 5),
           "dead_bias": ("-1e308", -3.0), "dead_unit": ("500", 64), "dead_layer": ("9", 5)}
UNREADABLE = {"dead_lr": "10000", "dead_seed": "banana", "dead_dataset": "sine",
              "dead_compare": "maybe", "dead_activation": "sigmoid", "dead_optimizer": "adamw",
              "dead_init": "nan"}


def test_out_of_range_links_are_clamped_with_a_notice():
    at = open_page(**{key: text for key, (text, _) in CLAMPED.items()})
    notices = [warning.value for warning in at.warning]
    assert len(notices) == len(CLAMPED)
    for key, (text, fixed) in CLAMPED.items():
        label = setting_label(key, Translator("en"))
        assert any(label in notice and text in notice for notice in notices)
        assert not any(key in notice for notice in notices)  # no raw URL keys
        assert at.session_state[key] == fixed
    _, heat = chart_by_title(at, "Points with z > 0 per unit, layer 5")
    assert heat["unit"].nunique() == 64


def test_a_link_to_a_unit_beyond_the_network_shows_the_last_unit():
    at = open_page(dead_unit="40", dead_layer="4")
    assert at.session_state["dead_unit"] == 32 and at.session_state["dead_layer"] == 2
    assert "Pre-activations of unit 32, layer 2 · ReLU" in chart_titles(at)


def test_unreadable_links_fall_back_to_the_defaults_with_a_notice():
    at = open_page(**UNREADABLE)
    notices = [warning.value for warning in at.warning]
    assert len(notices) == len(UNREADABLE)
    assert all(any(setting_label(key, Translator("en")) in notice for notice in notices)
               for key in UNREADABLE)
    assert at.session_state["dead_lr"] == "0.01" and at.session_state["dead_dataset"] == "moons"
    assert len(at.get("vega_lite_chart")) == 5


def test_the_smallest_network_draws_without_error():
    at = open_page(dead_depth="1", dead_width="2", dead_epochs="10")
    assert not at.warning
    _, heat = chart_by_title(at, "Points with z > 0 per unit, layer 1")
    assert heat["unit"].nunique() == 2 and heat["epoch"].nunique() == 11
    assert len(summary(at)) == 1


def test_a_training_from_a_link_waits_its_turn_and_a_cached_one_does_not():
    query = dict(dead_width="6", dead_epochs="10", dead_seed="4321")  # trained nowhere else
    with SlotsHeld(HEAVY_WORK) as slots:  # the class's work fills every slot
        first = open_after_waiting(slots, lambda: open_page(**query))  # queued, not training
        assert len(first.get("vega_lite_chart")) == 5
        slots.take_one()  # every slot busy again
        again = open_page(**query)  # a classmate with the same link: no queue, same runs
        assert HEAVY_WORK.waiting == 0 and len(again.get("vega_lite_chart")) == 5
        assert (again.session_state[RESULTS_KEY][1][0].train_loss.tolist()
                == first.session_state[RESULTS_KEY][1][0].train_loss.tolist())
