"""AppTest tests of the MLP playground page, driven by widget keys, step by step.

``run_every`` timers never fire under AppTest, so live training is tested by clicking Play,
watching the worker's snapshot, and clicking Pause; the worker itself is tested in
tests/test_playground.py.
"""

import io
import json
import time
from types import SimpleNamespace

import numpy as np
import pyarrow as pa
import pytest

from nn_core import train_test_split
from nn_core.datasets import MAX_NOISE
from pages.playground.controls import SETTINGS
from pages.playground.files import template_csv
from pages.playground.model import PLAYGROUND_DATASETS as DATASETS
from pages.playground.strings import EN, ZH
from tests.apptest_helpers import chart_frames, chart_titles, open_app_page, setting_label
from ui.admission import TRAININGS
from ui.strings import Translator, activation_name

PAGE = "pages/playground/page.py"


def open_page(**params):
    """The playground opened from a link with ``params``; it must run without exception."""
    at = open_app_page(PAGE, **params)
    assert not at.exception
    return at


def trainer(at):
    return at.session_state["pg_trainer"]


def step(at, times=1):
    for _ in range(times):
        at.button(key="pg_step_button").click().run()
        assert not at.exception
    return at


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def board(at):
    """The board chart's data sets, by name."""
    chart = next(c for c in at.get("vega_lite_chart") if c.proto.id)  # the one with a key
    return {d.name: pa.ipc.open_stream(d.data.data).read_all().to_pandas()
            for d in chart.proto.datasets}


def board_payload(at):
    chart = next(c for c in at.get("vega_lite_chart") if c.proto.id)
    return len(chart.proto.spec) + sum(len(d.data.data) for d in chart.proto.datasets)


def test_the_board_shows_every_node_its_map_and_the_output():
    at = open_page()
    frames = board(at)
    nodes, edges = frames["nodes"], frames["edges"]
    # 7 input features (x1 and x2 used), 2 x 8 hidden units, 2 outputs; every weight an edge.
    assert len(nodes) == 7 + 16 + 2 and nodes["active"].sum() == 2 + 16 + 2
    assert len(edges) == 2 * 8 + 8 * 8 + 8 * 2
    assert nodes["url"].str.startswith("data:image/png;base64,").all()
    assert frames["output"]["url"][0].startswith("data:image/png;base64,")
    assert list(frames["headers"]["text"]) == ["inputs", "8 × Tanh", "8 × Tanh", "output"]
    spec = json.loads(next(c for c in at.get("vega_lite_chart") if c.proto.id).proto.spec)
    diagram, plot = spec["hconcat"]
    assert plot["width"] == plot["height"]  # a square output plot
    params = [p["name"] for layer in diagram["layer"] for p in layer.get("params", [])]
    assert sorted(params) == ["edge", "hover"]
    assert board_payload(at) < 200_000


def test_chinese_and_projector_mode():
    at = open_page(lang="zh", projector="true")
    assert at.title[0].value == "MLP 训练场"
    frames = board(at)
    assert list(frames["headers"]["text"])[0] == ZH["pg_header_inputs"]
    assert frames["nodes"]["name"][0] == ZH["pg_feature_x1"]
    spec = json.loads(next(c for c in at.get("vega_lite_chart") if c.proto.id).proto.spec)
    assert spec["config"]["axis"]["labelFontSize"] == 18
    step(at)
    assert metric(at, ZH["pg_metric_epoch"]) == "1"


@pytest.mark.parametrize("name", ["spiral", "tf_spiral", "sine", "tf_multi_gaussian"])
def test_data_sets_of_each_kind(name):
    at = open_page()
    at.selectbox(key="pg_dataset").set_value(name).run()
    assert not at.exception and not at.error
    step(at)
    assert trainer(at).run.epoch == 1
    assert trainer(at).run.data.task == DATASETS[name].task
    if DATASETS[name].task == "regression":
        assert (board(at)["points"]["tone"].abs() <= 1).all()  # the signed ramp's domain


def test_one_input_data_offers_only_its_features_and_keeps_the_choice():
    at = open_page(pg_features="x1,x2,x1x2,sinx1")
    at.selectbox(key="pg_dataset").set_value("sine").run()
    pills = at.get("button_group")
    options = next(p for p in pills if p.proto.id.endswith("pg_features")).proto.options
    assert [o.content for o in options] == [EN[f"pg_feature_{f}"] for f in ("x1", "x1sq", "sinx1")]
    assert trainer(at).run.spec.features == ("x1", "sinx1")
    assert list(board(at)["nodes"]["name"][:3]) == ["x₁", "x₁²", "sin(x₁)"]
    at.selectbox(key="pg_dataset").set_value("moons").run()
    assert trainer(at).run.spec.features == ("x1", "x2", "x1x2", "sinx1")


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "gelu"])
def test_activations_show_in_the_diagram(activation):
    at = open_page(pg_layers="1")
    at.selectbox(key="pg_act_1").set_value(activation).run()
    step(at)
    assert trainer(at).run.spec.activations == (activation,)
    shown = activation_name(Translator("en"), activation)
    assert f"8 × {shown}" in list(board(at)["headers"]["text"])


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_each_optimiser_lowers_the_loss(optimizer):
    at = open_page(pg_lr="0.1" if optimizer == "sgd" else "0.03")
    at.segmented_control(key="pg_optimizer").set_value(optimizer).run()
    step(at, 6)
    history = trainer(at).run.history["train_loss"]
    assert trainer(at).run.config.optimizer == optimizer
    assert history[-1] < history[0]


@pytest.mark.parametrize("layers", [0, 6])
def test_zero_and_six_hidden_layers(layers):
    at = open_page()
    at.slider(key="pg_layers").set_value(layers).run()
    step(at, 2)
    assert trainer(at).run.model.layer_sizes == [2, *([8] * layers), 2]
    assert len(board(at)["headers"]) == layers + 2


def test_the_diagrams_plus_and_minus_buttons_reshape_the_network():
    at = open_page()
    at.button(key="pg_unit_1_add").click().run()
    assert trainer(at).run.model.layer_sizes == [2, 9, 8, 2]
    assert at.query_params["pg_units_1"] in ("9", ["9"])  # the link keeps the new shape
    at.button(key="pg_layer_remove").click().run()
    assert trainer(at).run.model.layer_sizes == [2, 9, 2]
    at.button(key="pg_layer_add").click().run()
    assert trainer(at).run.model.layer_sizes == [2, 9, 8, 2]
    assert at.button(key="pg_unit_2_remove")


def test_an_edge_clicked_on_the_diagram_gets_its_weight_edited():
    at = open_page()
    step(at)
    # What a click on the edge from x2 to unit 3 of layer 1 sends: the board's selection.
    at.session_state["pg_edge"] = "0_1_2"
    at.session_state["pg_edge_value"] = 0.25
    at.run()
    box = at.number_input(key="pg_edge_value")
    assert box.label == EN["pg_edge_weight"].format(source="x₂", target="layer 1, unit 3")
    box.set_value(-1.5).run()
    assert not at.exception
    assert trainer(at).run.model.dense_layers()[0].W[1, 2] == -1.5
    assert board(at)["edges"].set_index("id").loc["0_1_2", "weight"] == -1.5
    step(at)  # training goes on from the edited network
    assert trainer(at).run.model.dense_layers()[0].W[1, 2] != -1.5


def test_the_speed_setting_paces_the_trainer():
    at = open_page(pg_speed="3")
    assert trainer(at).epochs_per_second == 3.0
    at.select_slider(key="pg_speed").set_value("max").run()
    assert trainer(at).epochs_per_second is None
    at.select_slider(key="pg_speed").set_value("auto").run()
    assert trainer(at).epochs_per_second == "auto"


def test_links_to_the_views_that_moved_into_the_board_still_open():
    at = open_page(pg_view="units")
    assert not at.warning  # no "not understood" notice: the unit maps are in the board
    assert at.segmented_control(key="pg_view").value == "warp"


def test_step_reset_and_initial_weights():
    at = open_page()
    start = trainer(at).snapshot().theta.copy()
    step(at, 3)
    assert metric(at, EN["pg_metric_epoch"]) == "3"
    assert not np.array_equal(trainer(at).snapshot().theta, start)
    at.button(key="pg_reset_button").click().run()
    assert metric(at, EN["pg_metric_epoch"]) == "0"
    assert np.array_equal(trainer(at).snapshot().theta, start)


def test_reinitialise_draws_new_weights():
    at = open_page()
    start = trainer(at).snapshot().theta.copy()
    at.button(key="pg_reinit_button").click().run()
    assert at.number_input(key="pg_seed").value == 1
    assert not np.array_equal(trainer(at).snapshot().theta, start)
    assert at.query_params["pg_seed"] in ("1", ["1"])


def test_play_then_pause():
    at = open_page()
    at.button(key="pg_play_button").click().run()
    assert not at.exception and trainer(at).running
    deadline = time.monotonic() + 20
    while trainer(at).snapshot().epoch < 3:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    at.button(key="pg_pause_button").click().run()
    assert not at.exception and not trainer(at).running
    epoch = trainer(at).snapshot().epoch
    assert epoch >= 3 and metric(at, EN["pg_metric_epoch"]) == f"{epoch:,}"
    assert at.button(key="pg_play_button")


@pytest.fixture
def full_server():
    """Every training slot of the server taken (as by classmates); given back afterwards."""
    slots = TRAININGS
    taken = 0
    while slots.acquire():
        taken += 1
    yield slots, taken
    for _ in range(taken):
        slots.release()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_full_server_shows_a_waiting_message_then_starts(full_server, lang):
    slots, taken = full_server
    strings = EN if lang == "en" else ZH
    at = open_page(lang=lang)
    at.button(key="pg_play_button").click().run()
    assert not at.exception and trainer(at).waiting and not trainer(at).running
    assert not at.warning  # no refusal: a friendly wait
    message = strings["pg_waiting"].format(training=taken, position=1, waiting=1)
    assert [info.value for info in at.info] == [message]
    assert at.button(key="pg_pause_button")  # Pause cancels the wait
    slots.release()  # a classmate pauses: the next tick takes the slot
    at.run()
    assert not at.exception and trainer(at).running and not at.info
    at.button(key="pg_pause_button").click().run()
    assert not trainer(at).running and not trainer(at).waiting
    assert slots.acquire()  # the slot is free again (the fixture gives it back)


def test_pause_cancels_the_wait(full_server):
    slots, _ = full_server
    at = open_page()
    at.button(key="pg_play_button").click().run()
    assert trainer(at).waiting and slots.waiting == 1
    at.button(key="pg_pause_button").click().run()
    assert not at.exception and not trainer(at).waiting and slots.waiting == 0
    assert not at.info and at.button(key="pg_play_button")


def test_changing_the_learning_rate_keeps_the_training_state():
    at = open_page()
    step(at, 2)
    at.select_slider(key="pg_lr").set_value("0.001").run()
    assert trainer(at).run.epoch == 2 and trainer(at).run.optimizer.lr == 0.001
    at.toggle(key="pg_show_test").set_value(True).run()
    assert trainer(at).run.epoch == 2
    points = board(at)["points"]
    assert set(points["split"]) == {EN["pg_split_train"], EN["pg_split_test"]}


def test_three_arm_spiral_reaches_95_percent():
    at = open_page(pg_dataset="spiral", pg_classes="3", pg_units_1="16", pg_units_2="16")
    trainer(at).step(60)  # the worker's own loop would do this between redraws
    at.run()
    accuracy = metric(at, EN["pg_metric_test_accuracy"])
    assert float(accuracy.rstrip("%")) >= 95.0


def test_divergence_is_reported_not_raised():
    at = open_page(pg_optimizer="sgd", pg_lr="10", pg_act_1="identity",
                   pg_act_2="identity")
    step(at, 3)
    assert any(EN["pg_diverged"].split("{")[0] in e.value for e in at.error)


@pytest.mark.parametrize("view", ["warp", "confusion", "gradients"])
def test_detail_views(view):
    at = open_page(pg_view=view)
    step(at, 2)
    titles = chart_titles(at)
    key = {"warp": "pg_chart_warp", "confusion": "pg_chart_confusion",
           "gradients": "pg_chart_gradients"}[view]
    assert EN[key] in titles
    if view == "confusion":
        counts = max(chart_frames(at.get("vega_lite_chart")[titles.index(EN[key])]), key=len)
        assert counts["count"].sum() == len(trainer(at).run.data.y_test)


def test_tampered_url_values_give_notices():
    at = open_page(pg_layers="10000", pg_units_1="banana", pg_lr="1e9",
                   pg_dataset="../../etc", pg_features="x1,evil")
    warnings = " ".join(w.value for w in at.warning)
    for key in ("pg_layers", "pg_units_1", "pg_lr", "pg_dataset", "pg_features"):
        assert setting_label(key, Translator("en")) in warnings and key not in warnings
    assert trainer(at).run.model.layer_sizes == [1, 8, 8, 8, 8, 8, 8, 2]


def upload(at, content, name="data.csv"):
    at.file_uploader(key="pg_csv_file").set_value((name, content, "text/csv")).run()
    assert not at.exception


def test_upload_good_and_broken_files():
    at = open_page(pg_dataset="upload")
    assert at.info[0].value == EN["pg_upload_prompt"]
    upload(at, template_csv().encode())
    assert at.success and not at.error
    step(at)
    assert trainer(at).run.data.n_classes == 2
    upload(at, b"x1,x2,label\n" + b"1,2,0\n" * 11 + b"1,abc,1\n")
    assert "abc" in at.error[0].value and "13" in at.error[0].value
    upload(at, b"\x89PNG\x00\x00\x00")
    assert at.error[0].value == EN["pg_upload_error_not_text"]
    upload(at, b"x1,x2,label\n" + b"1,2,0\n" * 12)
    assert at.error[0].value == EN["pg_upload_error_one_class"]


def test_the_noise_slider_stays_within_what_make_dataset_accepts():
    at = open_page()
    assert at.slider(key="pg_noise").min == 0.0
    assert at.slider(key="pg_noise").max <= MAX_NOISE
    setting = next(s for s in SETTINGS if s.key == "pg_noise")
    assert 0.0 <= setting.low and setting.high <= MAX_NOISE  # what a link may set


def test_an_upload_that_cannot_be_standardised_says_so():
    # x1 differs by 1e-300 in the training rows and is 1e9 in one test row: 2e309 training
    # spreads from their mean, which standardize refuses (it would be infinite).
    n_rows = 30
    rows = np.arange(n_rows)
    _, test_rows, _, _ = train_test_split(rows[:, None], rows, 1.0 - 70 / 100.0, seed=0)
    x1 = np.where(rows % 2 == 1, 1e-300, 0.0)
    x1[int(test_rows[0, 0])] = 1e9
    content = "x1,x2,label\n" + "".join(f"{a:.17g},{i % 3},{i % 2}\n" for i, a in enumerate(x1))
    for lang, table in (("en", EN), ("zh", ZH)):
        at = open_page(pg_dataset="upload", lang=lang)
        upload(at, content.encode())
        assert at.error[0].value == table["pg_upload_error_not_standardisable"]


def test_gradient_check_and_sklearn_comparison():
    at = open_page(pg_compare_epochs="20")
    step(at)
    at.button(key="pg_gradcheck_button").click().run()
    error = next(m.value for m in at.metric if m.label == EN["pg_gradcheck_metric"])
    assert float(error) < 1e-6
    at.button(key="pg_compare_button").click().run()
    assert not at.exception
    table = at.table[0].value
    assert list(table.index) == ["nn_core", "scikit-learn"]


def test_weights_export_and_import():
    at = open_page(pg_layers="1", pg_units_1="5")
    step(at, 2)
    from pages.playground.files import weights_to_npz

    saved_run = trainer(at).run
    content = weights_to_npz(saved_run, saved_run.model.theta)
    at2 = open_page()
    at2.file_uploader(key="pg_weights_file").set_value(
        ("w.npz", content, "application/octet-stream")).run()
    assert not at2.exception and not at2.error
    assert trainer(at2).run.model.layer_sizes == [2, 5, 2]
    assert np.array_equal(trainer(at2).snapshot().theta, saved_run.model.theta)
    at2.file_uploader(key="pg_weights_file").set_value(
        ("w.npz", b"garbage", "application/octet-stream")).run()
    assert at2.error[0].value == EN["pg_upload_error_not_npz"]


def test_history_download_matches_the_run():
    at = open_page()
    step(at, 2)
    run = trainer(at).run
    from pages.playground.files import history_to_csv

    text = history_to_csv(run.history)
    frame = np.genfromtxt(io.StringIO(text), delimiter=",", names=True)
    assert list(frame["epoch"]) == [1, 2]


def test_gradient_check_is_not_offered_for_a_huge_network():
    params = {"pg_layers": "6", **{f"pg_units_{i}": "64" for i in range(1, 7)}}
    at = open_page(**params)
    assert at.button(key="pg_gradcheck_button").disabled
    n_parameters = trainer(at).run.model.n_parameters
    assert n_parameters > 20_000
    assert any(f"{n_parameters:,}" in c.value for c in at.caption)


def test_strings_match_in_both_languages_and_carry_the_prefix():
    assert set(EN) == set(ZH)
    assert all(key.startswith("pg_") for key in EN)
    assert all(ZH[key].strip() for key in ZH)


class FakeState(dict):
    """Attribute access like st.session_state, for calling a widget callback directly."""

    __getattr__ = dict.__getitem__
    __setattr__ = dict.__setitem__


def test_a_tampered_edge_selection_selects_nothing(monkeypatch):
    from pages.playground import views

    at = open_page()
    for sent, expected in (("0_1_2", "0_1_2"), ("9_9_9", None), ("x_1_2", None),
                           ("0_1_99", None), (12, None), ("0_1_2" * 200, None)):
        # What Streamlit hands the callback: the board's selection, as the browser sent it.
        selection = SimpleNamespace(selection={"edge": [{"id": sent}]})
        state = FakeState(pg_board=selection, pg_trainer=trainer(at))
        monkeypatch.setattr(views.st, "session_state", state)
        views._pick_edge()
        assert state["pg_edge"] == expected
