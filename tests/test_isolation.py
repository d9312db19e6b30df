"""One server, many students: two sessions training at once never see each other's state."""

import time

import pytest

PLAYGROUND = "pages/playground/page.py"

SESSION_A = dict(pg_dataset="spiral", pg_classes="3", pg_layers="1", pg_units_1="5",
                 pg_seed="1", pg_lr="0.03")
SESSION_B = dict(pg_dataset="circles", pg_layers="3", pg_units_1="7", pg_units_2="7",
                 pg_units_3="7", pg_seed="2", pg_lr="0.1", pg_act_1="relu")


def _trainer(at):
    return at.session_state["pg_trainer"]


def _wait_until(condition, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def two_sessions(open_page):
    first = open_page(PLAYGROUND, **SESSION_A)
    second = open_page(PLAYGROUND, **SESSION_B)
    yield first, second
    for at in (first, second):
        if "pg_trainer" in at.session_state:
            _trainer(at).pause()


def test_two_sessions_train_at_once_and_keep_their_own_models(two_sessions):
    first, second = two_sessions
    assert not first.exception and not second.exception
    trainer_a, trainer_b = _trainer(first), _trainer(second)
    assert trainer_a is not trainer_b
    assert trainer_a.run.model is not trainer_b.run.model

    first.button(key="pg_play_button").click().run()
    second.button(key="pg_play_button").click().run()
    assert not first.exception and not second.exception
    # Both worker threads train at the same time in this one process, as on the server.
    assert trainer_a.running and trainer_b.running
    assert _wait_until(lambda: trainer_a.snapshot().epoch >= 3 and trainer_b.snapshot().epoch >= 3)
    first.button(key="pg_pause_button").click().run()
    second.button(key="pg_pause_button").click().run()
    assert not trainer_a.running and not trainer_b.running

    # Each session's model has the shape its own settings asked for ...
    assert [layer.W.shape for layer in trainer_a.run.model.layers[::2]] == [(2, 5), (5, 3)]
    assert [layer.W.shape for layer in trainer_b.run.model.layers[::2]] == [
        (2, 7), (7, 7), (7, 7), (7, 2)]
    # ... its own data and its own history, which the other session never touched.
    snapshot_a, snapshot_b = trainer_a.snapshot(), trainer_b.snapshot()
    assert snapshot_a.theta.size == trainer_a.run.model.theta.size
    assert snapshot_b.theta.size == trainer_b.run.model.theta.size
    assert len(snapshot_a.history["train_loss"]) == snapshot_a.epoch
    assert len(snapshot_b.history["train_loss"]) == snapshot_b.epoch
    assert snapshot_a.history["train_loss"] != snapshot_b.history["train_loss"][: snapshot_a.epoch]
    assert set(trainer_a.run.data.y_train.tolist()) == {0, 1, 2}
    assert set(trainer_b.run.data.y_train.tolist()) == {0, 1}


def test_one_sessions_reset_leaves_the_other_training_state_alone(two_sessions):
    first, second = two_sessions
    for at in (first, second):
        at.button(key="pg_step_button").click().run()
        at.button(key="pg_step_button").click().run()
    epoch_b = _trainer(second).snapshot().epoch
    theta_b = _trainer(second).snapshot().theta.copy()
    assert epoch_b == 2

    first.button(key="pg_reset_button").click().run()
    assert _trainer(first).snapshot().epoch == 0
    second.run()
    assert _trainer(second).snapshot().epoch == epoch_b
    assert (_trainer(second).snapshot().theta == theta_b).all()


def test_settings_in_one_session_do_not_leak_into_another(open_page):
    first = open_page(PLAYGROUND, lang="zh", pg_dataset="xor")
    second = open_page(PLAYGROUND)
    assert first.session_state["pg_dataset"] == "xor"
    assert second.session_state["pg_dataset"] == "moons"
    assert first.session_state["frame_lang"] == "zh"
    assert second.session_state["frame_lang"] == "en"
    _trainer(first).pause()
    _trainer(second).pause()
