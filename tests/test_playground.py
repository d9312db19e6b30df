"""Unit tests of nn_core.playground (features, views, training run, files) and pages.playground.trainer."""

import io
import time

import numpy as np
import pytest

from nn_core import ACTIVATIONS, confusion_matrix
from pages.playground import trainer as trainer_module
from pages.playground.compare import compare_with_sklearn
from pages.playground.files import (
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    UploadError,
    history_to_csv,
    parse_csv,
    template_csv,
    weights_from_npz,
    weights_to_npz,
)
from pages.playground.model import (
    FEATURES,
    NetworkSpec,
    TrainingConfig,
    TrainingRun,
    available_features,
    feature_matrix,
    hidden_projection,
    input_grid,
    make_playground_data,
    map_resolution,
    nearest_class_count,
    network_diagram,
    network_maps,
    output_map,
    plane_extent,
    warped_grid,
)
from pages.playground.model import PLAYGROUND_DATASETS as DATASETS
from pages.playground.trainer import LiveTrainer
from tests.waiting import wait_until
from ui.admission import Admission


def make_run(name="moons", hidden=(4, 4), activation="tanh", optimizer="adam", lr=0.03,
             n_classes=None, features=("x1", "x2"), **config):
    data = make_playground_data(name, n_samples=200, noise=0.2, test_fraction=0.3, seed=0,
                                n_classes=n_classes)
    spec = NetworkSpec(features, tuple(hidden), (activation,) * len(hidden), data.task,
                       data.n_outputs, "xavier", seed=0)
    return TrainingRun(data, spec, TrainingConfig(optimizer=optimizer, lr=lr, **config))


# --- features and data ------------------------------------------------------------------------
def test_feature_matrix_computes_each_feature():
    X = np.array([[2.0, 0.5]])
    expected = {"x1": 2.0, "x2": 0.5, "x1sq": 4.0, "x2sq": 0.25, "x1x2": 1.0,
                "sinx1": np.sin(2.0), "sinx2": np.sin(0.5)}
    assert feature_matrix(X, list(FEATURES))[0] == pytest.approx(list(expected.values()))


def test_one_input_data_only_offers_x1_features():
    assert available_features(1) == ["x1", "x1sq", "sinx1"]
    with pytest.raises(ValueError, match="needs x2"):
        feature_matrix(np.zeros((3, 1)), ["x2"])
    with pytest.raises(ValueError, match="at least one"):
        feature_matrix(np.zeros((3, 2)), [])


def test_data_is_split_and_standardised_by_the_training_set():
    data = make_playground_data("blobs", n_samples=300, test_fraction=0.25, n_classes=4)
    assert len(data.X_train) == 225 and len(data.X_test) == 75
    assert data.X_train.mean(axis=0) == pytest.approx([0, 0], abs=1e-12)
    assert data.X_train.std(axis=0) == pytest.approx([1, 1])
    assert data.n_classes == 4 and data.n_outputs == 4


def test_nearest_class_count_respects_the_data_set():
    assert nearest_class_count("moons", 5) == 2
    assert nearest_class_count("classification", 5) == 4
    assert nearest_class_count("spiral", 3) == 3
    assert nearest_class_count("sine", 3) == 0


# --- training ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(DATASETS))
def test_every_data_set_trains(name):
    run = make_run(name, features=tuple(available_features(DATASETS[name].n_features)))
    run.train(3)
    assert run.epoch == 3 and not run.diverged
    assert np.isfinite(run.history["test_loss"]).all()


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_every_activation_trains_without_warnings(activation):
    run = make_run(activation=activation, lr=0.01)
    run.train(3)
    assert run.epoch == 3 and np.isfinite(run.model.theta).all()


@pytest.mark.parametrize("optimizer, lr", [("sgd", 0.1), ("momentum", 0.03), ("adam", 0.03)])
def test_every_optimiser_lowers_the_loss(optimizer, lr):
    run = make_run(optimizer=optimizer, lr=lr)
    run.train(15)
    assert run.history["train_loss"][-1] < 0.7 * run.history["train_loss"][0]


@pytest.mark.parametrize("hidden", [(), (3,) * 6])
def test_zero_and_six_hidden_layers(hidden):
    run = make_run(hidden=hidden)
    assert run.model.layer_sizes == [2, *hidden, 2]
    run.train(5)
    assert run.history["train_loss"][-1] < run.history["train_loss"][0]


def test_three_arm_spiral_is_learned():
    data = make_playground_data("spiral", n_samples=400, noise=0.2, test_fraction=0.3,
                                n_classes=3)
    spec = NetworkSpec(("x1", "x2"), (16, 16), ("tanh", "tanh"), "classification", 3)
    run = TrainingRun(data, spec, TrainingConfig("adam", 0.01, batch_size=10))
    run.train(60)
    assert run.history["test_accuracy"][-1] >= 0.95


def test_reset_restores_the_same_initial_weights_and_replays_the_same_run():
    run = make_run()
    start = run.model.theta.copy()
    run.train(5)
    first = list(run.history["train_loss"])
    assert not np.array_equal(run.model.theta, start)
    run.reset()
    assert np.array_equal(run.model.theta, start)
    assert run.epoch == 0 and run.history["epoch"] == []
    run.train(2)
    run.train(3)  # chunks of any size give the same run
    assert run.history["train_loss"] == first


def test_a_huge_learning_rate_diverges_cleanly_and_keeps_finite_weights():
    run = make_run(optimizer="sgd", lr=10.0, activation="identity")
    run.train(50)
    assert run.diverged and "diverged" in run.reason
    assert np.isfinite(run.model.theta).all()
    assert run.finished
    epoch = run.epoch
    run.train(5)
    assert run.epoch == epoch


def test_stop_conditions():
    run = make_run(stop_epochs=4)
    run.train(100)
    assert run.epoch == 4 and run.finished
    run = make_run(stop_loss=0.3)
    run.train(500)
    losses = run.history["train_loss"]
    assert losses[-1] <= 0.3 < min(losses[:-1]) and run.finished


def test_configure_keeps_weights_and_adam_state_when_only_the_rate_changes():
    run = make_run()
    run.train(2)
    optimizer, theta = run.optimizer, run.model.theta.copy()
    run.configure(TrainingConfig(optimizer="adam", lr=0.001))
    assert run.optimizer is optimizer and optimizer.lr == 0.001
    assert np.array_equal(run.model.theta, theta)
    run.configure(TrainingConfig(optimizer="sgd", lr=0.1))
    assert run.optimizer is not optimizer


def test_gradient_norms_and_update_ratios_are_recorded_per_layer():
    run = make_run(hidden=(5, 5))
    run.train(4)
    assert np.array(run.gradient_norms).shape == (4, 3)
    ratios = np.array(run.update_ratios)
    assert ratios.shape == (4, 3) and (ratios > 0).all() and (ratios < 1).all()


# --- views over the plane ---------------------------------------------------------------------
def test_output_map_gives_a_class_and_a_confidence_per_cell():
    run = make_run("blobs", n_classes=3)
    grid = input_grid(plane_extent(run.data.X_train), 2, resolution=20)
    assert grid.points.shape == (400, 2)
    output = output_map(run.model, run.spec.features, grid)
    assert set(np.unique(output.predicted)) <= {0, 1, 2}
    assert (output.confidence >= 1 / 3 - 1e-12).all() and (output.confidence <= 1).all()


def test_regression_output_map_is_the_predicted_value():
    run = make_run("sine", features=("x1", "sinx1"))
    grid = input_grid(3.0, 1, resolution=50)
    output = output_map(run.model, run.spec.features, grid)
    assert output.predicted.shape == (50,) and np.isnan(output.confidence).all()


def test_network_maps_hold_every_node_of_the_diagram():
    run = make_run(hidden=(3, 5), features=("x1", "x2", "x1x2"))
    grid = input_grid(2.0, 2, resolution=12)
    maps = network_maps(run.model, run.spec.features, grid)
    assert maps.inputs.shape == (144, 7)  # every feature two inputs allow, used or not
    assert [m.shape for m in maps.hidden] == [(144, 3), (144, 5)]
    assert maps.probabilities.sum(axis=1) == pytest.approx(np.ones(144))
    # The same network, the same answer as the model's own forward pass.
    expected = run.model.predict_proba(feature_matrix(grid.points, run.spec.features))
    assert maps.probabilities == pytest.approx(expected, rel=1e-12)
    assert np.array_equal(maps.output.predicted, np.argmax(expected, axis=1))
    diagram = network_diagram(run.model, run.spec.features, 2)
    assert len(diagram.node_id) == 7 + 3 + 5 + 2
    assert map_resolution(len(diagram.node_id)) == 32
    assert map_resolution(6 * 64 + 9) ** 2 * (6 * 64 + 9) <= 40_000


def test_warped_grid_and_projection():
    run = make_run(hidden=(4, 3))
    warped = warped_grid(run.model, run.spec.features, 2, 0, 2, extent=2.0, n_lines=5,
                         n_points=10)
    assert warped.u.shape == (100,) and warped.line.max() == 9
    u, v = hidden_projection(run.model, run.spec.features, run.data.X_train, 1, 1, 3)
    assert u.shape == v.shape == (len(run.data.X_train),)


def test_network_diagram_has_every_unit_and_weight():
    run = make_run(hidden=(3,), features=("x2", "x1sq"))
    diagram = network_diagram(run.model, run.spec.features, 2)
    assert diagram.column_sizes == (7, 3, 2)
    assert diagram.node_id[:3] == ("input_x1", "input_x2", "input_x1sq")
    assert diagram.node_active[:7].tolist() == [False, True, True, False, False, False, False]
    assert len(diagram.edge_weight) == diagram.edges_total == 2 * 3 + 3 * 2
    # Edges of the first layer leave the rows of the features the network uses.
    assert set(diagram.edge_source[diagram.edge_layer == 0].tolist()) == {1, 2}
    W = run.model.dense_layers()[0].W
    first = diagram.edge_id.index("0_1_2")  # from x1sq (the network's input 1) to unit 3
    assert diagram.edge_weight[first] == W[1, 2] and diagram.edge_source[first] == 2
    assert np.isnan(diagram.node_bias[:7]).all()
    assert diagram.node_bias[-2:] == pytest.approx(run.model.layers[-1].b)
    thinned = network_diagram(run.model, run.spec.features, 2, max_edges=4)
    assert len(thinned.edge_weight) == 4
    assert np.min(np.abs(thinned.edge_weight)) >= np.sort(np.abs(diagram.edge_weight))[-4]
    one_input = make_run("sine", hidden=(2,), features=("x1", "sinx1"))
    assert network_diagram(one_input.model, ("x1", "sinx1"), 1).column_sizes == (3, 2, 1)


def test_confusion_matrix_counts_pairs():
    counts = confusion_matrix(np.array([0, 1, 2, 2]), np.array([0, 2, 2, 2]), 3)
    assert counts.tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 2]]


# --- CSV upload -------------------------------------------------------------------------------
def csv_bytes(lines):
    return ("\n".join(lines) + "\n").encode()


def test_template_and_good_files_parse():
    X, y, task = parse_csv(template_csv().encode())
    assert X.shape == (40, 2) and task == "classification" and set(y) == {0, 1}
    rows = [f"{i},{i % 3},{i * 0.5}" for i in range(12)]
    X, y, task = parse_csv(csv_bytes(["a,b,target", *rows]))
    assert task == "regression" and y[2] == 1.0
    X, y, task = parse_csv(csv_bytes([f"{i},{-i},{(i % 2) * 5}" for i in range(12)]))
    assert X.shape == (12, 2) and sorted(set(y)) == [0, 1]


@pytest.mark.parametrize("content, code", [
    (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not_text"),
    (b"\xff\xfe\xfa" * 10, "not_text"),
    (b"x1,x2,label\n" + b"1,2\n" * 12, "wrong_columns"),
    (b"x1,x2,label\n" + b"1,2,0\n" * 11 + b"1,abc,1\n", "not_numeric"),
    (b"x1,x2,label\n" + b"1,2,0\n" * 11 + b"1,,1\n", "missing"),
    (b"x1,x2,label\n" + b"1,2,0\n" * 11 + b"1,nan,1\n", "missing"),
    (b"x1,x2,label\n" + b"1,2,0\n" * 11 + b"1,1e300,1\n", "out_of_range"),
    (b"x1,x2,label\n" + b"1,2,0\n" * 12, "one_class"),
    (b"x1,x2,label\n" + b"".join(b"%d,1,%d\n" % (i, i) for i in range(12)), "too_many_classes"),
    (b"x1,x2,label\n" + b"1,2,0.5\n" * 12, "not_whole"),
    (b"x1,x2,label\n1,2,0\n2,1,1\n", "too_few_rows"),
    (b"", "too_few_rows"),
])
def test_broken_files_say_what_is_wrong(content, code):
    with pytest.raises(UploadError) as caught:
        parse_csv(content)
    assert caught.value.code == code and str(caught.value)


def test_limits_are_checked_before_parsing():
    with pytest.raises(UploadError) as caught:
        parse_csv(b"garbage" * (MAX_UPLOAD_BYTES // 7 + 1))
    assert caught.value.code == "too_large"
    with pytest.raises(UploadError) as caught:
        parse_csv(b"0,0,x\n" * (MAX_ROWS + 2))  # the bad label is never reached
    assert caught.value.code == "too_many_rows"


# --- weights and history files ----------------------------------------------------------------
def test_weights_round_trip():
    run = make_run("spiral", hidden=(5, 3), n_classes=3, features=("x1", "x2", "sinx1"))
    run.train(2)
    spec, theta = weights_from_npz(weights_to_npz(run, run.model.theta))
    assert spec == run.spec
    assert np.array_equal(theta, run.model.theta)


def npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_bad_weight_files_are_refused():
    run = make_run()
    good = dict(np.load(io.BytesIO(weights_to_npz(run, run.model.theta))))
    cases = {
        b"not a zip at all": "not_npz",
        npz_bytes(**{**good, "theta": good["theta"][:-1]}): "npz_theta_size",
        npz_bytes(**{**good, "hidden": np.array([100])}): "npz_hidden",
        npz_bytes(**{**good, "activations": np.array(["relux", "tanh"])}): "npz_activation",
        npz_bytes(**{**good, "activations": np.array(["tanh"])}): "npz_activations",
        npz_bytes(**{k: v for k, v in good.items() if k != "features"}): "npz_missing",
        npz_bytes(**{**good, "theta": np.full_like(good["theta"], np.nan)}): "npz_theta_nan",
        npz_bytes(**{**good, "task": np.array("ranking")}): "npz_task",
        npz_bytes(**{**good, "n_outputs": np.array(9)}): "npz_outputs",
        npz_bytes(**{**good, "init": np.array("zeros")}): "npz_init",
        npz_bytes(**{**good, "seed": np.array(-1)}): "npz_seed",
        npz_bytes(**{**good, "hidden": np.array(["4", "4"])}): "npz_bad_value",
    }
    for content, code in cases.items():
        with pytest.raises(UploadError) as caught:
            weights_from_npz(content)
        assert caught.value.code == code, content[:40]


def test_history_to_csv():
    run = make_run()
    run.train(3)
    lines = history_to_csv(run.history).splitlines()
    assert lines[0] == "epoch,train_loss,test_loss,train_accuracy,test_accuracy"
    assert len(lines) == 4 and lines[3].startswith("3,")


# --- scikit-learn -----------------------------------------------------------------------------
@pytest.mark.parametrize("hidden, activation, same", [((8,), "tanh", True), ((), "tanh", True),
                                                      ((8,), "elu", False)])
def test_compare_with_sklearn(hidden, activation, same):
    run = make_run(hidden=hidden, activation=activation)
    result = compare_with_sklearn(run.data, run.spec, run.config, epochs=20)
    assert 0.5 <= result.ours_score <= 1 and 0.0 <= result.sklearn_score <= 1
    assert result.same_activation is same
    assert result.ours_seconds > 0 and result.sklearn_seconds > 0


def test_compare_with_sklearn_regression():
    run = make_run("plane", features=("x1", "x2"))
    result = compare_with_sklearn(run.data, run.spec, run.config, epochs=10)
    assert result.ours_score >= 0 and result.sklearn_score >= 0


# --- the live trainer -------------------------------------------------------------------------
def test_live_trainer_plays_pauses_steps_and_resets():
    trainer = LiveTrainer(make_run())
    start = trainer.run.model.theta.copy()
    assert trainer.start() and trainer.running
    wait_until(lambda: trainer.snapshot().epoch >= 3)
    trainer.configure(TrainingConfig(optimizer="adam", lr=0.001))  # while running
    trainer.pause()
    assert not trainer.running
    epoch = trainer.snapshot().epoch
    time.sleep(0.1)
    assert trainer.snapshot().epoch == epoch == trainer.run.epoch
    snapshot = trainer.snapshot()
    assert len(snapshot.history["epoch"]) == epoch
    assert np.array_equal(snapshot.theta, trainer.run.model.theta)
    trainer.step()
    assert trainer.snapshot().epoch == epoch + 1
    trainer.reset()
    assert trainer.snapshot().epoch == 0
    assert np.array_equal(trainer.snapshot().theta, start)
    assert trainer.error == ""


def test_live_trainer_stops_at_the_stop_condition_and_refuses_to_restart():
    trainer = LiveTrainer(make_run(stop_epochs=5))
    trainer.start()
    wait_until(lambda: not trainer.running)
    assert trainer.snapshot().epoch == 5 and trainer.snapshot().finished
    assert not trainer.start()


def test_snapshots_are_copies():
    trainer = LiveTrainer(make_run())
    trainer.step()
    snapshot = trainer.snapshot()
    trainer.step()
    assert snapshot.epoch == 1 and len(snapshot.history["epoch"]) == 1
    assert not np.shares_memory(snapshot.theta, trainer.run.model.theta)


# --- the cap on concurrent trainings: waiting for a slot -------------------------------------
def test_a_full_server_makes_play_wait_then_start_when_a_slot_frees():
    slots = Admission(capacity=1)
    first, second = LiveTrainer(make_run(), slots), LiveTrainer(make_run(), slots)
    assert first.start() and first.running
    assert second.start()  # accepted: it waits rather than failing
    assert second.waiting and not second.running
    assert second.queue_status() == (1, 1, 1)
    assert not second.poll() and second.waiting  # the periodic tick: still no slot
    first.pause()
    assert slots.running == 0
    assert second.poll() and second.running and not second.waiting
    wait_until(lambda: second.snapshot().epoch >= 2)
    second.pause()
    assert slots.running == 0 and slots.waiting == 0


def test_waiting_is_first_come_first_served_and_pause_cancels_it():
    slots = Admission(capacity=1)
    holder, early, late = (LiveTrainer(make_run(), slots) for _ in range(3))
    holder.start()
    early.start()
    late.start()
    assert late.queue_status() == (1, 2, 2)
    holder.pause()
    assert not late.poll()  # the earlier ticket goes first
    assert early.poll() and early.running
    early.pause()
    late.pause()  # cancels the wait: the queue is empty
    assert not late.waiting and slots.waiting == 0
    assert not late.poll()
    assert slots.running == 0


def test_a_closed_tab_does_not_hold_its_place_in_the_queue():
    slots = Admission(capacity=1, wait_expiry=0.05)
    holder, gone, present = (LiveTrainer(make_run(), slots) for _ in range(3))
    holder.start()
    gone.start()  # then never polls again
    present.start()
    time.sleep(0.1)
    assert not present.poll()  # the periodic tick keeps its ticket alive
    assert present.queue_status()[1:] == (1, 1)  # gone's ticket expired
    holder.pause()
    assert present.poll() and present.running
    present.pause()


def test_a_training_yields_its_slot_after_its_turn_while_others_wait(monkeypatch):
    monkeypatch.setattr(trainer_module, "TURN_SECONDS", 0.2)
    slots = Admission(capacity=1)
    first, second = LiveTrainer(make_run(), slots), LiveTrainer(make_run(), slots)
    first.start()
    second.start()
    wait_until(lambda: not first.running)
    assert first.waiting and second.poll() and second.running
    assert first.queue_status() == (1, 1, 1)
    second.pause()
    first.pause()
    assert slots.running == 0 and slots.waiting == 0


# --- pace and edits ---------------------------------------------------------------------------
def test_a_paced_training_trains_at_its_pace():
    trainer = LiveTrainer(make_run(), Admission(capacity=1))
    trainer.pace(20)
    start = time.monotonic()
    trainer.start()
    wait_until(lambda: trainer.snapshot().epoch >= 10)
    elapsed = time.monotonic() - start
    trainer.pace(None)  # "max" while running: much faster
    epoch = trainer.snapshot().epoch
    wait_until(lambda: trainer.snapshot().epoch >= epoch + 40)
    trainer.pause()
    assert elapsed >= 9 / 20  # 10 epochs at 20 a second: the first at once, then one per 50 ms


def test_pace_allows_one_epoch_per_period_and_never_bursts():
    pace = trainer_module.Pace()
    assert pace.due(10, now=100.0) == 1
    pace.trained(1)
    assert pace.due(10, now=100.05) == 0 and pace.wait(100.05) == pytest.approx(0.05)
    assert pace.due(10, now=100.1) == 1
    pace.trained(1)
    assert pace.due(10, now=200.0) == trainer_module.MAX_BACKLOG_EPOCHS  # after a long stall
    assert pace.due(None, now=200.0) == trainer_module.MAX_EPOCHS_PER_CHUNK


def test_an_edited_weight_is_trained_from():
    trainer = LiveTrainer(make_run(hidden=(3,)))
    trainer.set_weight(0, 1, 2, 2.5)
    assert trainer.snapshot().theta[trainer.run.model.theta == 2.5].size == 1
    assert trainer.run.model.dense_layers()[0].W[1, 2] == 2.5
    trainer.step()
    assert trainer.run.model.dense_layers()[0].W[1, 2] != 2.5  # training moved it on
    with pytest.raises(ValueError):
        trainer.set_weight(2, 0, 0, 1.0)
    with pytest.raises(ValueError):
        trainer.set_weight(0, 0, 0, float("nan"))


def test_the_automatic_pace_starts_slow_and_speeds_up():
    auto = trainer_module.AutoPace()
    assert auto.epochs_by(1.0) == pytest.approx(1.12, abs=0.01)  # about 1 epoch a second
    assert auto.epochs_by(60.0) - auto.epochs_by(59.0) == pytest.approx(auto.TOP)
    for epochs in (1, 10, 100, 1000):
        assert auto.epochs_by(auto.time_of(epochs)) == pytest.approx(epochs)


def test_what_the_l1_help_says_about_the_weights():
    """L1's gradient l1·sign(w) pulls every weight by the same amount: many weights end up near
    0, and plain gradient steps leave them hovering there, never at exactly 0."""
    from nn_core import MLP, SGD, fit, make_dataset
    from pages.playground.strings import EN

    assert "so many end up close to 0" in EN["pg_l1_help"]
    assert "never exactly at it" in EN["pg_l1_help"]
    X, y = make_dataset("moons", n_samples=300, seed=0)
    near_zero = {}
    for l1 in (0.0, 0.01):
        model = MLP([2, 8, 8, 2], "tanh", init="xavier", seed=0)
        fit(model, X, y, SGD(0.03), epochs=200, batch_size=10, l1=l1)
        weights = np.concatenate([dense.W.ravel() for dense in model.dense_layers()])
        near_zero[l1] = int(np.sum(np.abs(weights) < 1e-3))
        assert not np.any(weights == 0.0)
    assert near_zero[0.01] > weights.size / 2 > near_zero[0.0]
