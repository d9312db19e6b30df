"""How long the activations page takes to rerun after a slider change, all 16 activations drawn.

    python benchmarks/bench_activations_page.py [--runs 15]

Drives the page with Streamlit's AppTest (no browser): selects every activation, then moves
a parameter slider back and forth and times each rerun (``AppTest.run``: the script run on the
server side, plus AppTest's own small bookkeeping). Prints the median and the spread.
Goal: median under 150 ms.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from nn_core import ACTIVATIONS  # noqa: E402

GOAL_MS = 150.0


def page_with_all_activations():
    """An AppTest on the activations page with all 16 activations selected, caches warm."""
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/activations/page.py").run()
    at.multiselect(key="act_names").set_value(list(ACTIVATIONS)).run()
    at.run()  # a second run, so one-off warm-ups (imports, templates) are not timed
    if at.exception:
        raise SystemExit(f"the page raised: {at.exception[0].message}")
    return at


def rerun_times(at, runs):
    """Seconds per rerun, each after moving the leaky-ReLU alpha slider."""
    times = []
    for i in range(runs):
        at.slider(key="act_leaky_alpha").set_value(0.05 + 0.01 * (i % 20))
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        if at.exception:
            raise SystemExit(f"the page raised: {at.exception[0].message}")
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    times_ms = [1000.0 * s for s in rerun_times(page_with_all_activations(), args.runs)]
    median = statistics.median(times_ms)
    print(f"activations page, 16 activations, rerun after a slider change ({args.runs} runs):")
    print(f"  median {median:.0f} ms, min {min(times_ms):.0f} ms, max {max(times_ms):.0f} ms"
          f"  (goal < {GOAL_MS:.0f} ms: {'met' if median < GOAL_MS else 'NOT met'})")


if __name__ == "__main__":
    main()
