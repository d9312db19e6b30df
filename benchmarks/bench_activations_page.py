"""How long the activations page takes to rerun: after a slider change with all 16 activations
drawn, after "Fit it for me", and after a change on the zero-centred tab.

    python benchmarks/bench_activations_page.py [--runs 15]

Drives the page with Streamlit's AppTest (no browser) and times each rerun (``AppTest.run``:
the script run on the server side, plus AppTest's own small bookkeeping). Prints the median
and the spread. Goals (medians): a slider change under 150 ms; a fit, which holds a turn of
the server's heavy-work admission, under 300 ms; a zero-centred change under 150 ms. The fit
and the zero-centred descents are timed on cache misses (each run asks for a new start).
"""

import argparse
import statistics
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))


from measure import check, timed_run  # noqa: E402

from nn_core import ACTIVATIONS  # noqa: E402
from tests.apptest_helpers import open_app_page  # noqa: E402

GOAL_MS = 150.0
FIT_GOAL_MS = 300.0


def page_with_all_activations():
    """An AppTest on the activations page with all 16 activations selected, caches warm."""
    at = open_app_page("pages/activations/page.py", default_timeout=60)
    at.multiselect(key="act_names").set_value(list(ACTIVATIONS)).run()
    at.run()  # a second run, so one-off warm-ups (imports, templates) are not timed
    check(at)
    return at


def rerun_times(at, runs):
    """Seconds per rerun, each after moving the leaky-ReLU alpha slider."""
    times = []
    for i in range(runs):
        at.slider(key="act_leaky_alpha").set_value(0.05 + 0.01 * (i % 20))
        times.append(timed_run(at))
    return times


def open_tab(lesson):
    """An AppTest on one tab of the activations page, opened by a link (?act_lesson=...)."""
    return open_app_page("pages/activations/page.py", default_timeout=60, act_lesson=lesson)


def fit_times(runs):
    """Seconds per rerun after "Fit it for me", each from other sliders (a cache miss)."""
    at = open_tab("relu_units")
    at.button(key="act_fit_button").click().run()  # warms the 8-unit comparison, once
    times = []
    for i in range(runs):
        at.slider(key="act_unit_0_b").set_value(-4.0 + 0.05 * i).run()
        at.button(key="act_fit_button").click()
        times.append(timed_run(at))
    return times


def zero_centred_times(runs):
    """Seconds per rerun of the zero-centred tab after a learning-rate change."""
    at = open_tab("zero_centred")
    times = []
    for i in range(runs):
        at.slider(key="act_zc_lr").set_value(round(0.05 * (1 + i % 20), 2))
        at.slider(key="act_zc_w1").set_value(round(-3.0 + 0.1 * i, 1))
        times.append(timed_run(at))
    return times


def report(what, times, goal_ms):
    times_ms = [1000.0 * s for s in times]
    median = statistics.median(times_ms)
    print(f"{what} ({len(times)} runs):")
    print(f"  median {median:.0f} ms, min {min(times_ms):.0f} ms, max {max(times_ms):.0f} ms"
          f"  (goal < {goal_ms:.0f} ms: {'met' if median < goal_ms else 'NOT met'})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    report("activations page, 16 activations, rerun after a slider change",
           rerun_times(page_with_all_activations(), args.runs), GOAL_MS)
    report('curves from ReLUs, rerun after "Fit it for me" (new start each time)',
           fit_times(args.runs), FIT_GOAL_MS)
    report("zero-centred outputs, rerun after a learning-rate and start change",
           zero_centred_times(args.runs), GOAL_MS)


if __name__ == "__main__":
    main()
