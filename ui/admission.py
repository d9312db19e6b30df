"""Server-wide admission of heavy work: a few pieces run at once, the others wait their turn.

One server process serves a whole class, and Python runs one thread at a time (the GIL): if
every student's click started its computation at once, everybody would wait for everybody and
the server's memory would hold all of their work at the same time. So every piece of heavy work
(a page's computation, a training, the scikit-learn comparison, a gradient check) first takes a
turn from one of the queues of this module, first come, first served:

- ``HEAVY_WORK``: work done inside a script run (a few seconds at most). ``turn(t)`` waits for a
  slot while showing the student's place in the queue, and a long job calls
  ``Turn.checkpoint()`` between its steps. After each slice (``SLICE_SECONDS``) it lets every
  job that has not had a turn yet go first, so a short job never waits behind a long one, and
  then the long jobs finish in the order they came. (Round robin among them made every long
  job of a busy class finish near the end, each waiting for all the others' work instead of
  only the work that came before it: measured, the longest wait of a class of 20 went from
  57-67 s to 46-56 s, benchmarks/README.md.)
- ``TRAININGS``: live trainings in a worker thread (the playground); a training holds its slot
  while it runs and yields it after a turn when others wait (``pages/playground/trainer.py``).

An ``Admission`` holds no session data: a count of running work and, per waiting ticket, the
id of the session that asked and when it last asked. A ticket whose session is gone (a closed
or reloaded tab: Streamlit drops its websocket) or that has not been asked about for a while is
dropped, so a closed tab never holds a place.
"""

import itertools
import threading
import time
from contextlib import contextmanager
from typing import NamedTuple

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

# Two pieces of script-run work at once: numpy releases the GIL inside its products, so two
# use both cores of a small server, and at most two jobs' memory is held at any moment.
HEAVY_CAPACITY = 2
# Python runs one thread at a time, so the server has about one core for training *and* for
# the script runs that draw every session's charts: a few trainings at a time, each at a
# watchable pace, leave the pages responsive (see benchmarks/README.md).
TRAINING_CAPACITY = 3
# Jobs that finish within a fraction of a second whatever the settings (the activations page's
# fits and timings: 0.07-0.5 s of CPU) have slots of their own, so they never wait behind a
# saturation profile of several seconds; they are bounded all the same.
QUICK_CAPACITY = 2
SLICE_SECONDS = 1.0  # after this long, a long job lets newcomers (and older jobs) go first
POLL_SECONDS = 0.25  # how often a waiting script run asks again
WAIT_EXPIRY = 15.0  # a waiting ticket nobody has asked about for this long is dropped


def current_session_id():
    """The id of the session whose script is running (None outside a script run)."""
    context = get_script_run_ctx(suppress_warning=True)
    return context.session_id if context is not None else None


def session_is_alive(session_id):
    """False once the session's browser tab is gone (its websocket closed). Outside a running
    server (tests, a notebook) every session counts as alive."""
    if session_id is None or not Runtime.exists():
        return True
    return Runtime.instance().is_active_session(session_id)


class QueueStatus(NamedTuple):
    running: int  # pieces of work running now
    position: int  # 1-based place of the ticket in the queue; 0 if it is not waiting
    waiting: int  # tickets waiting in all


class Admission:
    """At most ``capacity`` pieces of work at once, first come, first served."""

    def __init__(self, capacity, wait_expiry=WAIT_EXPIRY, is_alive=session_is_alive):
        self.capacity = capacity
        self.wait_expiry = wait_expiry
        self.is_alive = is_alive
        self._lock = threading.Lock()
        # Waiting runs sleep on this between their polls; a released slot or a ticket leaving
        # wakes them at once (``_changes`` counts those events), so that a slot never stands
        # idle for the rest of a poll: in a busy class, slots change hands a few times a second.
        self._changed = threading.Condition(self._lock)
        self._changes = 0
        self._running = 0
        # ticket -> [session id, monotonic time it was last asked about]. A ticket is its place
        # in line, (0, n) for the n-th job to come and (1, n) for that job when it comes back
        # after a turn (``requeue``): lower tickets go first.
        self._waiting = {}
        self._tickets = itertools.count(1)

    def _expire(self, now):
        stale = [ticket for ticket, (session, seen) in self._waiting.items()
                 if now - seen > self.wait_expiry or not self.is_alive(session)]
        for ticket in stale:
            del self._waiting[ticket]

    def enqueue(self, session_id=None):
        """A new ticket behind every job that came before, for the session ``session_id``."""
        with self._lock:
            return self._enqueue((0, next(self._tickets)), session_id)

    def _enqueue(self, ticket, session_id):
        self._waiting[ticket] = [session_id, time.monotonic()]
        return ticket

    def requeue(self, first_ticket, session_id=None):
        """Give up a running job's slot and queue it again, in one step (so no one behind it can
        take the slot in between): it now waits behind every job that has not had a turn yet and
        every job that came before it. ``first_ticket``: the ticket it first queued with."""
        with self._lock:
            self._release()
            return self._enqueue(_comeback(first_ticket), session_id)

    def others_first(self, first_ticket):
        """True if a waiting job would go before the running job that first queued with
        ``first_ticket``, were it to queue again: one that has not had a turn yet, or one
        that came before it."""
        with self._lock:
            self._expire(time.monotonic())
            return self._ahead(_comeback(first_ticket)) > 0

    def _ahead(self, ticket):
        """How many waiting tickets go before ``ticket``."""
        return sum(1 for other in self._waiting if other < ticket)

    def acquire(self, ticket=None):
        """Take a slot without blocking: True if one is free and nobody who queued before
        ``ticket`` (or anybody, without a ticket) is still waiting for it."""
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            if ticket is not None:
                entry = self._waiting.setdefault(ticket, [None, now])  # back in its place
                entry[1] = now
                ahead = self._ahead(ticket)
            else:
                ahead = len(self._waiting)
            if self._running + ahead >= self.capacity:
                return False
            self._running += 1
            self._waiting.pop(ticket, None)
            return True

    def release(self):
        with self._lock:
            self._release()

    def _release(self):
        if self._running <= 0:
            raise ValueError("Admission released more often than acquired")
        self._running -= 1
        self._changed_now()

    def leave(self, ticket):
        """Give up a place in the queue (the student paused, or the run was interrupted)."""
        with self._lock:
            self._waiting.pop(ticket, None)
            self._changed_now()

    def _changed_now(self):
        """A slot was released or a ticket left: wake the waiting runs (``wait_for_change``)."""
        self._changes += 1
        self._changed.notify_all()

    @property
    def changes(self):
        """How many slots were released and tickets left so far (see ``wait_for_change``)."""
        return self._changes

    def wait_for_change(self, since, timeout):
        """Sleep until a slot is released or a ticket leaves after ``changes`` was ``since``,
        at most ``timeout`` seconds (at once if that has happened already)."""
        with self._changed:
            if self._changes == since:
                self._changed.wait(timeout)

    def status(self, ticket=None):
        """(running, 1-based position of ``ticket`` in the queue or 0, tickets waiting)."""
        with self._lock:
            self._expire(time.monotonic())
            position = 1 + self._ahead(ticket) if ticket in self._waiting else 0
            return QueueStatus(self._running, position, len(self._waiting))

    @property
    def running(self):
        return self._running

    @property
    def waiting(self):
        return len(self._waiting)


def _comeback(first_ticket):
    """The ticket of job n coming back after a turn: (1, n), behind every newcomer (0, m)."""
    return (1, first_ticket[1])


HEAVY_WORK = Admission(HEAVY_CAPACITY)
TRAININGS = Admission(TRAINING_CAPACITY)
QUICK_WORK = Admission(QUICK_CAPACITY)


class Turn:
    """One session's turn at ``admission``: wait for it, hold it, give it up."""

    def __init__(self, admission, session_id, on_wait, on_start=None):
        self.admission = admission
        self.session_id = session_id
        self.on_wait = on_wait  # called with a QueueStatus while waiting
        self.on_start = on_start  # called each time the slot is ours (after a checkpoint too)
        self.ticket = None
        self.first_ticket = None  # the place in line of this job's first turn
        self.holding = False
        self.started = 0.0

    def wait(self):
        """Block this script run until a slot is ours (``on_wait`` shows where we are)."""
        self.ticket = self.first_ticket = self.admission.enqueue(self.session_id)
        self._wait_for_slot()

    def _wait_for_slot(self):
        while True:
            changes = self.admission.changes
            if self.admission.acquire(self.ticket):
                break
            # Drawing the message is also where Streamlit stops a run the student replaced
            # with a new click: the ``finally`` of ``turn`` then leaves the queue.
            self.on_wait(self.admission.status(self.ticket))
            self.admission.wait_for_change(changes, POLL_SECONDS)
        self.ticket, self.holding, self.started = None, True, time.monotonic()
        if self.on_start is not None:
            self.on_start()

    def checkpoint(self):
        """Between the steps of a long job: after ``SLICE_SECONDS``, if a job that has not had
        a turn yet or one that came before this one waits, let it go first and wait for the
        next turn (see ``Admission.requeue``)."""
        if (time.monotonic() - self.started < SLICE_SECONDS
                or not self.admission.others_first(self.first_ticket)):
            return
        self.ticket = self.admission.requeue(self.first_ticket, self.session_id)
        self.holding = False
        self._wait_for_slot()

    def close(self):
        if self.holding:
            self.admission.release()
            self.holding = False
        if self.ticket is not None:
            self.admission.leave(self.ticket)
            self.ticket = None


@contextmanager
def turn(t, admission=HEAVY_WORK):
    """``with turn(t) as my_turn: ...``: the body runs while this session holds a slot.

    While the server is busy, a translated "waiting for your turn" message says how many are
    ahead; it disappears when the work starts. A long body calls ``my_turn.checkpoint()``
    between steps.
    """
    notice = st.empty()

    def show(status):
        notice.info(t("admission_waiting", position=status.position, running=status.running),
                    icon=":material/hourglass_top:")

    # The message goes away whenever the work (re)starts, after a checkpoint's wait too.
    my_turn = Turn(admission, current_session_id(), show, on_start=notice.empty)
    try:
        my_turn.wait()
        yield my_turn
    finally:
        my_turn.close()


class _NotCached(Exception):
    """Raised inside a cached function to look a key up without computing anything."""


def _raise_not_cached():
    raise _NotCached


def _cached(cache, key):
    """``cache``'s value for ``key``, or ``_NotCached`` (Streamlit caches no exception)."""
    try:
        return cache(key, _raise_not_cached)
    except _NotCached:
        return _NotCached


def cached_or_computed(t, cache, keys, compute):
    """[the result for each of ``keys``]: what any session already computed comes from
    ``cache`` at once (a cache hit never waits in the queue); the rest is computed as
    ``compute(key, my_turn)`` during one turn of ``HEAVY_WORK`` and stored in ``cache``.

    ``cache`` is the page's ``st.cache_data`` function ``cache(key, _value)`` whose body is
    ``return _value()``: the underscore keeps the callable out of the key. Within the turn
    each key is looked up once more (a classmate may have just computed it), and the turn is
    offered to newcomers between keys (``Turn.checkpoint``), when the previous piece's memory
    is released.
    """
    results = {key: _cached(cache, key) for key in keys}
    missing = [key for key, value in results.items() if value is _NotCached]
    if missing:
        with turn(t) as my_turn:
            for key in missing:
                my_turn.checkpoint()
                value = _cached(cache, key)
                if value is _NotCached:
                    value = compute(key, my_turn)
                    cache(key, lambda value=value: value)
                results[key] = value
    return [results[key] for key in keys]
