"""Live training outside the script run: one worker thread per session.

The page keeps a ``LiveTrainer`` in ``st.session_state``. Play starts a thread that trains the
session's ``TrainingRun`` in small chunks and, after each chunk, publishes a ``Snapshot``
(plain copies: epoch, history, weights). An ``st.fragment(run_every=...)`` reads the latest
snapshot and redraws; it never touches the model the thread is training. The thread never
calls ``st.*``; pause sets an event and the thread ends after its current chunk.

Trainings take a slot of the server-wide ``ui.admission.TRAININGS`` queue. When the server is
full, Play does not fail: the trainer *waits* (``waiting``), and the page's periodic tick calls
``poll()``, which takes a slot without blocking as soon as one is free and it is this session's
turn. Pause cancels the wait. All trainings together get a fixed share of the CPU
(``TRAINING_SHARE``): the more run at once, the longer each rests between chunks, so the script
runs that redraw the pages stay responsive. While others wait, a training that has run
``TURN_SECONDS`` goes back to the end of the queue, so everybody gets a turn. A training whose
browser tab is gone (closed or reloaded) stops after its current chunk and frees its slot.
"""

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from ui.admission import TRAININGS, current_session_id, session_is_alive

# All trainings together train at most this fraction of the time; each rests in proportion.
TRAINING_SHARE = 0.3
CHUNK_SECONDS = 0.05  # train this long between snapshots
MAX_EPOCHS_PER_CHUNK = 50
# Alone, a training rests as long as it trained (half a core at most); with others, longer.
PAUSE_BETWEEN_CHUNKS = CHUNK_SECONDS
# A safety net: stop when nobody has looked at the snapshot for this long. A closed tab is
# noticed much sooner, from its session (``session_is_alive``).
IDLE_TIMEOUT = 600.0
TURN_SECONDS = 90.0  # while others wait, a training yields its slot after this long


class LiveTrainer:
    """Play, pause, step and reset one ``TrainingRun``; hands out snapshots to draw from."""

    def __init__(self, run, slots=None, session_id=None):
        self.run = run
        self.slots = TRAININGS if slots is None else slots
        # The session this trainer belongs to: its training ends when the session's tab does.
        self.session_id = current_session_id() if session_id is None else session_id
        self._lock = threading.Lock()  # held while the run's model changes
        self._stop = threading.Event()
        self._thread = None
        self._ticket = None  # our place in the queue while waiting for a slot
        self._snapshot = snapshot_of(run)
        self._last_seen = time.monotonic()
        self.error = ""

    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive()

    @property
    def waiting(self):
        """True while Play waits for a free training slot (the server is busy)."""
        return self._ticket is not None and not self.running

    def snapshot(self):
        """The latest published state (and a sign of life for the idle timeout)."""
        self._last_seen = time.monotonic()
        return self._snapshot

    def start(self):
        """Start training in the background, or, when the server is full, wait for a slot
        (``waiting``; ``poll`` starts it). False only if training is finished."""
        if self.running:
            return True
        if self.run.finished:
            self._cancel_wait()
            return False
        if self._ticket is None:
            if self._take_slot():
                return True
            self._ticket = self.slots.enqueue(self.session_id)
        self.poll()
        return True

    def poll(self):
        """While waiting: take a slot if it is our turn (never blocks). True if running."""
        if self.running:
            return True
        if self._ticket is None:
            return False
        if self.run.finished:
            self._cancel_wait()
            return False
        return self._take_slot(self._ticket)

    def queue_status(self):
        """(trainings running on the server, our position in the queue or 0, sessions waiting)."""
        return self.slots.status(self._ticket)

    def _take_slot(self, ticket=None):
        if not self.slots.acquire(ticket):
            return False
        self._ticket = None
        self._stop.clear()
        self._last_seen = time.monotonic()
        self.error = ""
        self._thread = threading.Thread(target=self._train_until_stopped, daemon=True,
                                        name="playground-trainer")
        self._thread.start()
        return True

    def _cancel_wait(self):
        ticket, self._ticket = self._ticket, None
        if ticket is not None:
            self.slots.leave(ticket)

    def pause(self, timeout=5.0):
        """Stop the thread after its current chunk and wait for it; stop waiting for a slot."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._cancel_wait()

    def step(self, epochs=1):
        """Pause, then train ``epochs`` epochs in the calling thread."""
        self.pause()
        self._locked(lambda run: run.train(epochs))

    def reset(self):
        """Pause and go back to the initial weights."""
        self.pause()
        self._locked(lambda run: run.reset())

    def configure(self, config):
        """Apply new training settings, even while training runs."""
        self._locked(lambda run: run.configure(config), publish=False)

    def inspect(self, function):
        """Call ``function(run)`` while the run cannot change (e.g. a gradient check)."""
        return self._locked(function, publish=False)

    def _locked(self, function, publish=True):
        with self._lock:
            result = function(self.run)
            if publish:
                self._snapshot = snapshot_of(self.run)
        return result

    def _train_until_stopped(self):
        turn_started = time.monotonic()
        try:
            epochs = 1
            while not self._stop.is_set():
                now = time.monotonic()
                if now - self._last_seen > IDLE_TIMEOUT or not session_is_alive(self.session_id):
                    break
                if now - turn_started > TURN_SECONDS and self.slots.waiting:
                    # Others wait: back to the end of the queue (the page keeps polling).
                    self._ticket = self.slots.enqueue(self.session_id)
                    break
                start = time.perf_counter()
                with self._lock:
                    self.run.train(epochs)
                    self._snapshot = snapshot_of(self.run)
                    finished = self.run.finished
                if finished:
                    break
                seconds = time.perf_counter() - start
                epochs = _next_chunk(epochs, seconds)
                self._stop.wait(_rest(seconds, self.slots.running))
        except Exception as error:  # noqa: BLE001 - reported on the page, never lost
            self.error = f"{type(error).__name__}: {error}"
        finally:
            self.slots.release()


def _next_chunk(epochs, seconds):
    """Epochs for the next chunk so that it lasts about ``CHUNK_SECONDS``."""
    per_epoch = max(seconds / epochs, 1e-6)
    return max(1, min(MAX_EPOCHS_PER_CHUNK, int(CHUNK_SECONDS / per_epoch)))


def _rest(seconds, running):
    """How long to rest after a chunk of ``seconds`` so that ``running`` trainings together
    train at most ``TRAINING_SHARE`` of the time (and one alone at most half of it)."""
    duty = min(CHUNK_SECONDS / (CHUNK_SECONDS + PAUSE_BETWEEN_CHUNKS),
               TRAINING_SHARE / max(running, 1))
    return min(seconds, 2 * CHUNK_SECONDS) * (1.0 / duty - 1.0)


@dataclass
class Snapshot:
    """What the page draws from: plain copies made after a chunk of training."""

    epoch: int = 0
    theta: np.ndarray = None
    history: dict = field(default_factory=dict)
    gradient_norms: list = field(default_factory=list)
    update_ratios: list = field(default_factory=list)
    diverged: bool = False
    reason: str = ""
    finished: bool = False


def snapshot_of(run):
    """Copy everything the page needs out of a run (the run keeps training meanwhile)."""
    return Snapshot(
        epoch=run.epoch, theta=run.model.theta.copy(),
        history={name: list(values) for name, values in run.history.items()},
        gradient_norms=list(run.gradient_norms), update_ratios=list(run.update_ratios),
        diverged=run.diverged, reason=run.reason, finished=run.finished,
    )
