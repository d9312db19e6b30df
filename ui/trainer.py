"""Live training outside the script run: one worker thread per session.

The page keeps a ``LiveTrainer`` in ``st.session_state``. Play starts a thread that trains the
session's ``TrainingRun`` in small chunks and, after each chunk, publishes a ``Snapshot``
(plain copies: epoch, history, weights). An ``st.fragment(run_every=...)`` reads the latest
snapshot and redraws; it never touches the model the thread is training. The thread never
calls ``st.*``; pause sets an event and the thread ends after its current chunk.

Nothing here is shared between sessions except ``_TRAINING_SLOTS``, a counter that caps how
many trainings run at once in the server process (so a full classroom cannot starve the CPU).
It holds no data.
"""

import threading
import time

from nn_core.playground import snapshot_of

MAX_CONCURRENT_TRAININGS = 8
CHUNK_SECONDS = 0.05  # train this long between snapshots
MAX_EPOCHS_PER_CHUNK = 50
# Rest as long as we trained: half a core at most per training, leaving time for the script
# thread that redraws (and for other sessions), and a pace a class can watch.
PAUSE_BETWEEN_CHUNKS = CHUNK_SECONDS
IDLE_TIMEOUT = 30.0  # stop when nobody has looked at the snapshot for this long (tab closed)

_TRAINING_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_TRAININGS)


class LiveTrainer:
    """Play, pause, step and reset one ``TrainingRun``; hands out snapshots to draw from."""

    def __init__(self, run):
        self.run = run
        self._lock = threading.Lock()  # held while the run's model changes
        self._stop = threading.Event()
        self._thread = None
        self._snapshot = snapshot_of(run)
        self._last_seen = time.monotonic()
        self.error = ""

    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive()

    def snapshot(self):
        """The latest published state (and a sign of life for the idle timeout)."""
        self._last_seen = time.monotonic()
        return self._snapshot

    def start(self):
        """Start training in the background; False if it is finished or the server is full."""
        if self.running:
            return True
        if self.run.finished or not _TRAINING_SLOTS.acquire(blocking=False):
            return False
        self._stop.clear()
        self._last_seen = time.monotonic()
        self.error = ""
        self._thread = threading.Thread(target=self._train_until_stopped, daemon=True,
                                        name="playground-trainer")
        self._thread.start()
        return True

    def pause(self, timeout=5.0):
        """Stop the thread after its current chunk and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

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
        try:
            epochs = 1
            while not self._stop.is_set():
                if time.monotonic() - self._last_seen > IDLE_TIMEOUT:
                    break
                start = time.perf_counter()
                with self._lock:
                    self.run.train(epochs)
                    self._snapshot = snapshot_of(self.run)
                    finished = self.run.finished
                if finished:
                    break
                epochs = _next_chunk(epochs, time.perf_counter() - start)
                time.sleep(PAUSE_BETWEEN_CHUNKS)
        except Exception as error:  # noqa: BLE001 - reported on the page, never lost
            self.error = f"{type(error).__name__}: {error}"
        finally:
            _TRAINING_SLOTS.release()


def _next_chunk(epochs, seconds):
    """Epochs for the next chunk so that it lasts about ``CHUNK_SECONDS``."""
    per_epoch = max(seconds / epochs, 1e-6)
    return max(1, min(MAX_EPOCHS_PER_CHUNK, int(CHUNK_SECONDS / per_epoch)))
