"""How long a small training takes beside a thread that is busy in Python, by switch interval.

numpy gives up Python's lock (the GIL) inside every matrix product and every operation on more
than a few hundred values; a thread that gave it up then waits up to ``sys.getswitchinterval()``
(5 ms by default) to get it back while another thread runs Python. A training of small layers
gives it up some ten times per step, so beside a busy thread (on a class's server: a
classmate's page building its charts) it slows down far beyond its own CPU time.

    python benchmarks/bench_switch_interval.py [--intervals 0.005,0.001,0.0005,0.0001] [--busy 1]

Runs the dead-ReLU page's default training (with its statistics) in the main thread, once alone
and once beside ``--busy`` pure-Python threads, for each interval; prints wall and CPU time.
Each case runs in a fresh process, so that one interval's threads do not disturb the next.
"""

import argparse
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere


def one_case(interval, busy):
    """Time the default dead-ReLU run at ``interval`` beside ``busy`` busy threads."""
    from threadpoolctl import threadpool_limits

    from nn_core.experiments.dead_units import DeadUnitConfig, train_and_track

    threadpool_limits(limits=1)  # as the app process (ui/__init__.py)
    sys.setswitchinterval(interval)
    config = DeadUnitConfig()
    train_and_track(config)  # warm-up
    done = threading.Event()

    def spin():
        while not done.is_set():
            sum(range(1000))

    threads = [threading.Thread(target=spin) for _ in range(busy)]
    for thread in threads:
        thread.start()
    wall, cpu = time.perf_counter(), time.thread_time()
    train_and_track(config)
    wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    done.set()
    for thread in threads:
        thread.join()
    print(f"switch interval {interval * 1e3:g} ms, {busy} busy thread(s): "
          f"{wall:.2f} s wall, {cpu:.2f} s CPU", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intervals", default="0.005,0.001,0.0005,0.0001")
    parser.add_argument("--busy", type=int, default=1)
    parser.add_argument("--case", nargs=2, type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        one_case(args.case[0], int(args.case[1]))
        return
    for interval in (float(value) for value in args.intervals.split(",")):
        for busy in (0, args.busy):
            subprocess.run([sys.executable, __file__, "--case", str(interval), str(busy)],
                           check=True, timeout=600)


if __name__ == "__main__":
    main()
