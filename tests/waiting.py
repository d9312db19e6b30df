"""Waiting in tests: polling a condition, and holding the server-wide admission's slots as a
class's work would, to see a visit queue and then start by itself."""

import threading
import time


def wait_until(condition, timeout=10.0, what="condition"):
    """Poll ``condition()`` every 20 ms until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


class SlotsHeld:
    """``with SlotsHeld(admission) as slots:`` every slot of ``admission`` is busy in the block
    (each must be free at the start); ``free_one`` and ``take_one`` let one go and take it back.
    Whatever is still held is released at the end, also when the block fails."""

    def __init__(self, admission):
        self.admission, self.held = admission, 0

    def __enter__(self):
        try:
            for _ in range(self.admission.capacity):
                self.take_one()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        while self.held:
            self.free_one()

    def take_one(self):
        assert self.admission.acquire(), "no free slot"
        self.held += 1

    def free_one(self):
        self.admission.release()
        self.held -= 1


def open_after_waiting(slots, open_page, timeout=30.0):
    """With every slot held (``slots``, a ``SlotsHeld``), run ``open_page()`` (a visit that
    returns its AppTest) in a thread: it must queue instead of running; then one slot is freed,
    and the visit must start by itself and finish. Returns the visit's AppTest."""
    opened = {}
    visit = threading.Thread(target=lambda: opened.update(at=open_page()))
    visit.start()
    wait_until(lambda: slots.admission.waiting == 1 or not visit.is_alive(), timeout,
               "the visit to queue")
    assert visit.is_alive(), "the visit ran without waiting for its turn"
    slots.free_one()
    visit.join(timeout=60)
    assert not visit.is_alive(), "the visit did not finish once a slot was free"
    return opened["at"]
