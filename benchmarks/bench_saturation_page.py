"""The saturation page at its largest settings: memory and time of one job, the page's
re-render, and a class of students using it at once against a real server.

    python benchmarks/bench_saturation_page.py [--runs 15] [--cold-runs 3]
    python benchmarks/bench_saturation_page.py --class [--students 6]

Figures:

- memory: the peak of one profile job (``tracemalloc``) at 20 layers x 512 units x batch 1024,
  for the engine's all-layers-at-once pass that the page used before (``nn_core.layer_stats``
  on an ``MLP``: every layer's z, a and dL/da, then their log-magnitudes) and for
  ``depth_profile`` now, against its stated bound ``profile_bytes``; and of the brief training.
- job time: one profile (one activation) and "Train briefly" (two activations, 30 steps).
- re-render (AppTest): a rerun with settings already computed in the session; goal: median
  under 300 ms. First computation: a seed never seen before.
- ``--class``: ``streamlit run`` on a free port; N students open /saturation at the largest
  settings at once (tanh and sigmoid, one seed each), then one more student opens the home
  page; then all N press "Train briefly". Prints each student's wait, the newcomer's time and
  the server's peak resident memory. Goal (issue 12): 6 students: peak RSS < 1 GB, the
  newcomer's page < 3 s, nobody waits more than ~30 s.
"""

import argparse
import asyncio
import os
import statistics
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

import numpy as np  # noqa: E402  (loaded before the BLAS limit, as the app does)
from measure import MIB, check, peak_mib, timed, timed_run  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from nn_core import layer_stats  # noqa: E402
from nn_core.experiments.depth import (  # noqa: E402
    MAX_BATCH,
    MAX_DEPTH,
    MAX_WIDTH,
    build_deep_network,
    depth_profile,
    gaussian_batch,
    log_magnitudes,
    profile_bytes,
    training_trace,
)

GOAL_MS = 300.0
LARGEST = {"sat_depth": str(MAX_DEPTH), "sat_width": str(MAX_WIDTH), "sat_batch": str(MAX_BATCH)}


def all_layers_at_once(activation):
    """The page's job before: the engine's forward and backward pass keeping every layer."""
    model = build_deep_network(activation, MAX_DEPTH, MAX_WIDTH, "xavier")
    X, y = gaussian_batch(MAX_BATCH, MAX_WIDTH)
    stats = layer_stats(model, X, y)
    return [log_magnitudes(s.output_grad) for s in stats]


def memory_and_job_times(repeats):
    print(f"one job at depth {MAX_DEPTH}, width {MAX_WIDTH}, batch {MAX_BATCH} "
          f"(bound profile_bytes: {profile_bytes(MAX_DEPTH, MAX_WIDTH, MAX_BATCH) / MIB:.0f} MiB)")
    for activation in ("tanh", "relu", "sigmoid", "swish"):
        before = peak_mib(lambda: all_layers_at_once(activation))
        after = peak_mib(lambda: depth_profile(activation, MAX_DEPTH, MAX_WIDTH, "xavier",
                                               batch_size=MAX_BATCH))
        print(f"  {activation:8s} peak: all layers at once {before:6.1f} MiB, "
              f"depth_profile {after:6.1f} MiB")
    training = peak_mib(lambda: training_trace("tanh", MAX_DEPTH, MAX_WIDTH, "xavier"))
    print(f"  brief training (30 steps): peak {training:.1f} MiB")
    median, low, cpu = timed(lambda: depth_profile("tanh", MAX_DEPTH, MAX_WIDTH, "xavier",
                                                   batch_size=MAX_BATCH), repeats)
    print(f"  profile, one activation: median {median:.2f} s, min {low:.2f} s, CPU {cpu:.2f} s")
    for depth, width in ((10, 500), (MAX_DEPTH, MAX_WIDTH)):
        median, low, cpu = timed(lambda: [training_trace(name, depth, width, "he")
                                          for name in ("sigmoid", "relu")], repeats)
        print(f"  Train briefly, sigmoid + ReLU, {depth} x {width}: median {median:.2f} s, "
              f"min {low:.2f} s, CPU {cpu:.2f} s")


# --- AppTest: the page's own script run --------------------------------------------------
def page_with_largest_network():
    from tests.apptest_helpers import open_app_page

    at = open_app_page("pages/saturation/page.py", default_timeout=120, **LARGEST)
    check(at)
    return at


def rerender_times(at, runs):
    """Seconds per rerun, alternating between two seeds already computed."""
    for seed in (1, 0):  # warm both
        at.number_input(key="sat_seed").set_value(seed)
        timed_run(at)
    times = []
    for i in range(runs):
        at.number_input(key="sat_seed").set_value(i % 2)
        times.append(timed_run(at))
    return times


def first_computation_times(at, runs):
    times = []
    for seed in range(100, 100 + runs):
        at.number_input(key="sat_seed").set_value(seed)
        times.append(timed_run(at))
    return times


def summary(times):
    times_ms = [1000.0 * s for s in times]
    return statistics.median(times_ms), min(times_ms), max(times_ms)


def page_times(runs, cold_runs):
    at = page_with_largest_network()
    median, low, high = summary(rerender_times(at, runs))
    print(f"saturation page, largest network, re-render ({runs} runs): median {median:.0f} ms, "
          f"min {low:.0f} ms, max {high:.0f} ms"
          f"  (goal < {GOAL_MS:.0f} ms: {'met' if median < GOAL_MS else 'NOT met'})")
    median, low, high = summary(first_computation_times(at, cold_runs))
    print(f"  first computation of a new setting ({cold_runs} runs): median {median:.0f} ms,"
          f" min {low:.0f} ms, max {high:.0f} ms")


# --- a class against a real server ---------------------------------------------------------
async def classroom(students):
    from load_test import Server, rss_peaks
    from st_client import StreamlitSession

    server = Server()
    server.start()
    sessions = [StreamlitSession() for _ in range(students)]

    async def arrive(i, session):
        query = "&".join(f"{k}={v}" for k, v in {
            **LARGEST, "sat_activations": "tanh,sigmoid", "sat_seed": str(500 + i)}.items())
        result = await session.connect(server.url, page="saturation", query=query, timeout=300)
        return result.seconds, result.ok

    try:
        async with rss_peaks([server.pid], every=0.2) as peaks:
            start_rss = peaks[server.pid]
            arrivals = asyncio.gather(*(arrive(i, s) for i, s in enumerate(sessions)))
            await asyncio.sleep(1.0)  # the class is busy: now a newcomer opens the home page
            newcomer = StreamlitSession()
            home = await newcomer.connect(server.url, page="", timeout=120)
            await newcomer.close()
            waits = await arrivals
            trains = await asyncio.gather(*(
                s.interact(s.widget(key="sat_train"), click=True, timeout=300) for s in sessions))
    finally:
        for session in sessions:
            await session.close()
        server.stop()
    load = os.getloadavg()
    arrival_seconds = [seconds for seconds, _ in waits]
    train_seconds = [result.seconds for result in trains]
    print(f"class of {students} at depth {MAX_DEPTH}, width {MAX_WIDTH}, batch {MAX_BATCH}, "
          f"tanh and sigmoid (load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}):")
    print(f"  page ready: {', '.join(f'{s:.1f}' for s in sorted(arrival_seconds))} s "
          f"(all ok: {all(ok for _, ok in waits)})")
    print(f"  newcomer's home page: {home.seconds:.2f} s")
    print(f"  Train briefly, all at once: {', '.join(f'{s:.1f}' for s in sorted(train_seconds))} s")
    print(f"  server resident memory: {start_rss:.0f} MiB at start, "
          f"peak {peaks[server.pid]:.0f} MiB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--class", dest="classroom", action="store_true")
    parser.add_argument("--students", type=int, default=6)
    args = parser.parse_args()
    threadpool_limits(limits=1)  # as the app process (ui/__init__.py)
    print(f"numpy {np.__version__}; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.classroom:
        asyncio.run(classroom(args.students))
        return
    memory_and_job_times(args.repeats)
    page_times(args.runs, args.cold_runs)


if __name__ == "__main__":
    main()
