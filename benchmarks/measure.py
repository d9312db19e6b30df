"""What several benchmarks measure the same way: time and peak memory of one piece of work."""

import statistics
import time
import tracemalloc

MIB = 2**20


def timed(work, repeats):
    """(median wall seconds, min wall, median CPU seconds of this process) of ``repeats`` calls
    of ``work()``: on a shared machine the CPU time says what the job costs, the wall time what
    it cost today."""
    walls, cpus = [], []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), min(walls), statistics.median(cpus)


def check(at):
    """Stop the benchmark if the AppTest page raised: a timing of a broken page means nothing."""
    if at.exception:
        raise SystemExit(f"the page raised: {at.exception[0].message}")


def timed_run(at):
    """Wall seconds of one ``at.run()`` of an AppTest, which must not raise (``check``)."""
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    check(at)
    return elapsed


def peak_mib(work):
    """The peak of memory allocated through Python's allocators (numpy arrays included) while
    ``work()`` runs, in MiB."""
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / MIB
    finally:
        tracemalloc.stop()
