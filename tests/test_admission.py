"""The server-wide admission of heavy work (ui.admission): capacity, first come first served,
closed tabs dropped from the queue, long jobs giving their turn to newcomers and finishing in
the order they came, and a live training that frees its slot when its tab closes."""

import threading
import time

import pytest

from pages.playground import trainer as trainer_module
from pages.playground.trainer import LiveTrainer
from tests.test_playground import make_run
from tests.waiting import wait_until
from ui import admission as admission_module
from ui.admission import Admission, QueueStatus, Turn


def test_capacity_and_first_come_first_served():
    queue = Admission(capacity=2)
    assert queue.acquire() and queue.acquire()
    assert not queue.acquire()  # full
    first, second = queue.enqueue("a"), queue.enqueue("b")
    assert queue.status(second) == QueueStatus(running=2, position=2, waiting=2)
    queue.release()
    assert not queue.acquire(second)  # the earlier ticket goes first
    assert queue.acquire(first)
    queue.release()
    assert queue.acquire(second)
    assert queue.running == 2 and queue.waiting == 0
    queue.release()
    queue.release()
    with pytest.raises(ValueError, match="released more often than acquired"):
        queue.release()


def test_a_closed_tab_loses_its_place_at_once():
    alive = {"gone": True, "present": True}
    queue = Admission(capacity=1, is_alive=lambda session: alive[session])
    assert queue.acquire()
    gone, present = queue.enqueue("gone"), queue.enqueue("present")
    alive["gone"] = False  # the tab is closed: its websocket is gone
    assert queue.status(present).position == 1 and queue.waiting == 1
    queue.release()
    assert queue.acquire(present)
    assert queue.status(gone).position == 0


def test_an_unasked_ticket_expires():
    queue = Admission(capacity=1, wait_expiry=0.05)
    assert queue.acquire()
    queue.enqueue("silent")
    time.sleep(0.1)
    assert queue.waiting == 1 and queue.status().waiting == 0  # expired on the next look


def test_a_turn_waits_for_the_slot_and_reports_its_place():
    queue = Admission(capacity=1)
    assert queue.acquire()  # a classmate's job runs
    seen = []
    turn = Turn(queue, "me", seen.append)
    waiter = threading.Thread(target=turn.wait)
    waiter.start()
    wait_until(lambda: seen)
    assert seen[0] == QueueStatus(running=1, position=1, waiting=1)
    queue.release()  # the classmate's job ends
    waiter.join(timeout=5)
    assert turn.holding and queue.running == 1
    turn.close()
    assert queue.running == 0 and queue.waiting == 0


def test_a_released_slot_wakes_the_next_in_line_without_waiting_for_its_poll(monkeypatch):
    monkeypatch.setattr(admission_module, "POLL_SECONDS", 60.0)  # only a wake-up is in time
    queue = Admission(capacity=1)
    assert queue.acquire()
    turn = Turn(queue, "me", lambda status: None)
    waiter = threading.Thread(target=turn.wait)
    waiter.start()
    wait_until(lambda: queue.waiting == 1)
    queue.release()
    waiter.join(timeout=10)
    assert turn.holding and queue.running == 1 and queue.waiting == 0
    turn.close()


def test_a_ticket_leaving_the_queue_wakes_those_behind_it(monkeypatch):
    monkeypatch.setattr(admission_module, "POLL_SECONDS", 60.0)
    queue = Admission(capacity=1)
    ahead = queue.enqueue("ahead")  # first in line, but not asking yet
    behind = Turn(queue, "behind", lambda status: None)
    waiter = threading.Thread(target=behind.wait)
    waiter.start()
    wait_until(lambda: queue.waiting == 2)
    queue.leave(ahead)  # the classmate closed the tab: the slot is free for the next
    waiter.join(timeout=10)
    assert behind.holding
    behind.close()


def test_a_long_job_gives_its_slot_to_the_next_in_line(monkeypatch):
    monkeypatch.setattr(admission_module, "SLICE_SECONDS", 0.05)
    queue = Admission(capacity=1)
    long_job = Turn(queue, "long", lambda status: None)
    long_job.wait()
    long_job.checkpoint()  # nobody waits: it keeps the slot
    assert long_job.holding
    other = Turn(queue, "short", lambda status: None)
    other_started = threading.Event()

    def short_job():
        other.wait()
        other_started.set()
        time.sleep(0.05)
        other.close()

    thread = threading.Thread(target=short_job)
    thread.start()
    wait_until(lambda: queue.waiting == 1)
    time.sleep(0.06)  # the long job has had its slice
    long_job.checkpoint()  # back of the queue: the short job runs, then the long one resumes
    assert other_started.is_set() and long_job.holding
    thread.join(timeout=5)
    long_job.close()
    assert queue.running == 0 and queue.waiting == 0


def test_after_a_turn_a_long_job_waits_behind_newcomers_then_the_oldest_goes_first():
    queue = Admission(capacity=1)
    first = queue.enqueue("first")
    assert queue.acquire(first)  # the first long job runs
    assert not queue.others_first(first)  # nobody waits: it keeps its slot
    second = queue.enqueue("second")  # a second long job comes and has not had a turn
    assert queue.others_first(first)
    first_again = queue.requeue(first, "first")  # slot given up and queued again, in one step
    assert queue.running == 0 and not queue.acquire()  # nobody can jump in between
    assert not queue.acquire(first_again)  # the newcomer goes first
    assert queue.acquire(second)
    # After its first turn the second job makes way for the one that came before it...
    assert queue.others_first(second)
    second_again = queue.requeue(second, "second")
    assert queue.status(second_again) == QueueStatus(running=0, position=2, waiting=2)
    assert not queue.acquire(second_again) and queue.acquire(first_again)
    # ...which then runs to its end: the only job waiting came after it.
    assert not queue.others_first(first)
    third = queue.enqueue("third")  # unless a job that has not had a turn comes
    assert queue.others_first(first)
    queue.leave(third)
    queue.release()
    assert queue.acquire(second_again)
    queue.release()
    assert queue.running == 0 and queue.waiting == 0


def test_long_jobs_take_one_turn_each_then_finish_in_the_order_they_came(monkeypatch):
    monkeypatch.setattr(admission_module, "SLICE_SECONDS", 0.0)  # every checkpoint may yield
    queue = Admission(capacity=1)
    steps = []  # the name of the job that made each step, in the order they were made
    holder = Turn(queue, "holder", lambda status: None)
    holder.wait()  # the slot is taken while the three jobs queue up

    def long_job(name):
        my_turn = Turn(queue, name, lambda status: None)
        my_turn.wait()
        for _ in range(5):
            steps.append(name)  # one job runs at a time: the list is not shared meanwhile
            time.sleep(0.002)
            my_turn.checkpoint()
        my_turn.close()

    threads = []
    for name in "abc":
        threads.append(threading.Thread(target=long_job, args=(name,)))
        threads[-1].start()
        wait_until(lambda: queue.waiting == len(threads))
    holder.close()
    for thread in threads:
        thread.join(timeout=10)
    # A first turn each, then one job after the other (round robin: "abcabcabc...").
    assert "".join(steps) == "abc" + "aaaa" + "bbbb" + "cccc"
    assert queue.running == 0 and queue.waiting == 0


def test_an_interrupted_wait_leaves_the_queue():
    queue = Admission(capacity=1)
    assert queue.acquire()

    def interrupted(status):
        raise RuntimeError("the student clicked something else")  # as Streamlit's StopException

    turn = Turn(queue, "me", interrupted)
    with pytest.raises(RuntimeError):
        turn.wait()
    turn.close()
    assert queue.waiting == 0 and queue.running == 1


def test_a_training_whose_tab_closed_frees_its_slot(monkeypatch):
    alive = {"tab": True}
    monkeypatch.setattr(trainer_module, "session_is_alive", lambda session: alive[session])
    queue = Admission(capacity=1)
    trainer = LiveTrainer(make_run(), queue, session_id="tab")
    assert trainer.start() and trainer.running
    wait_until(lambda: trainer.snapshot().epoch >= 1)
    closed_at = time.monotonic()
    alive["tab"] = False
    wait_until(lambda: queue.running == 0)
    assert time.monotonic() - closed_at < 1.0  # within a chunk, not an idle timeout
    assert not trainer.running
