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

Pace: a class should *see* a boundary form, so by default a training runs at a set number of
epochs per second (``pace``); "max" trains as fast as the CPU share allows. A slow network
that cannot keep the pace simply runs as fast as it can, without bursting to catch up.
"""

import math
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
# A paced training that fell behind catches up by at most this many epochs in one chunk.
MAX_BACKLOG_EPOCHS = 5


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
        self.epochs_per_second = None  # None: as fast as allowed; AUTO: see AutoPace

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

    def pace(self, epochs_per_second):
        """Train at most ``epochs_per_second`` epochs a second (None: as fast as allowed,
        ``AUTO``: speeding up); takes effect at the next chunk, also while training runs."""
        self.epochs_per_second = epochs_per_second

    def set_weight(self, layer, source, target, value):
        """Set the weight from unit ``source`` to unit ``target`` of Dense layer ``layer``
        (0-based) to ``value``, between two chunks of a running training, and publish it."""
        self._locked(lambda run: run.set_weight(layer, source, target, value))

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
        pace = Pace()
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
                due = pace.due(self.epochs_per_second, now)
                if due == 0:
                    self._stop.wait(pace.wait(now))
                    continue
                chunk = min(epochs, due)
                start = time.perf_counter()
                with self._lock:
                    self.run.train(chunk)
                    self._snapshot = snapshot_of(self.run)
                    finished = self.run.finished
                if finished:
                    break
                pace.trained(chunk)
                seconds = time.perf_counter() - start
                epochs = _next_chunk(chunk, seconds)
                self._stop.wait(max(_rest(seconds, self.slots.running),
                                    pace.wait(time.monotonic())))
        except Exception as error:  # noqa: BLE001 - reported on the page, never lost
            self.error = f"{type(error).__name__}: {error}"
        finally:
            self.slots.release()


AUTO = "auto"  # the default pace: slow at first, then faster and faster (``AutoPace``)


class FixedPace:
    """``rate`` epochs a second."""

    def __init__(self, rate):
        self.rate = float(rate)

    def epochs_by(self, seconds):
        return self.rate * seconds

    def time_of(self, epochs):
        return epochs / self.rate


class AutoPace:
    """Starts at ``START`` epochs a second and doubles every ``DOUBLING`` seconds up to
    ``TOP``: the first epochs, where the boundary changes most, come slowly enough to watch
    (a 2-class spiral that is 90 % right after 6 epochs takes ~4 s, 9 redraws), and a problem
    that needs hundreds of epochs still gets there in seconds (TensorFlow Playground's
    spiral, 90 % after ~140 epochs: ~15 s). See benchmarks/bench_playground.py."""

    START, DOUBLING, TOP = 1.0, 3.0, 60.0
    _TOP_AT = DOUBLING * math.log2(TOP / START)  # seconds until the top speed
    _EPOCHS_AT_TOP = START * DOUBLING / math.log(2) * (TOP / START - 1)

    def epochs_by(self, seconds):
        if seconds <= self._TOP_AT:
            return self.START * self.DOUBLING / math.log(2) * (2 ** (seconds / self.DOUBLING) - 1)
        return self._EPOCHS_AT_TOP + self.TOP * (seconds - self._TOP_AT)

    def time_of(self, epochs):
        if epochs <= self._EPOCHS_AT_TOP:
            return self.DOUBLING * math.log2(1 + epochs * math.log(2)
                                             / (self.START * self.DOUBLING))
        return self._TOP_AT + (epochs - self._EPOCHS_AT_TOP) / self.TOP


def schedule_for(speed):
    """The schedule of a pace: ``AUTO``, a number of epochs a second, or None (no pace)."""
    if speed is None:
        return None
    return AutoPace() if speed == AUTO else FixedPace(speed)


class Pace:
    """How many epochs a paced training may train now: what its schedule allows since the pace
    was set, minus those trained, never more than ``MAX_BACKLOG_EPOCHS`` at once."""

    def __init__(self):
        self.speed = None
        self.schedule = None
        self.since = 0.0
        self.done = 0

    def due(self, speed, now):
        """Epochs that may be trained at ``now`` (a full chunk when unpaced)."""
        if speed != self.speed:  # a new pace counts from now
            self.speed, self.schedule, self.since, self.done = speed, schedule_for(speed), now, 0
        if self.schedule is None:
            return MAX_EPOCHS_PER_CHUNK
        allowed = int(self.schedule.epochs_by(now - self.since) + 1e-9) + 1  # one at once
        if allowed - self.done > MAX_BACKLOG_EPOCHS:  # fell behind: do not burst
            self.done = allowed - MAX_BACKLOG_EPOCHS
        return max(0, allowed - self.done)

    def trained(self, epochs):
        self.done += epochs

    def wait(self, now):
        """Seconds until the next epoch is due (0 when unpaced)."""
        if self.schedule is None:
            return 0.0
        return max(0.0, self.since + self.schedule.time_of(self.done) - now)


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
