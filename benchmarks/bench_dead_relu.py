"""Speed of the dead-ReLU page's training run, with its per-epoch statistics.

Goal (issue 5): the default run (300 points, two hidden layers of 32, 100 epochs, Adam with
batches of 32) completes with its statistics in under 2 s. For scale, scikit-learn's
MLPClassifier does the same training work (same data, layers, epochs, batch size and optimiser)
without any statistics. Also the page's largest job (5 x 64, 200 epochs, compare mode: what a
shared link trains on arrival) and its peak memory (``tracemalloc``), and the CPU time of each
case, steadier than wall time on a shared machine.

    python benchmarks/bench_dead_relu.py [--repeats 5]
"""

import argparse
import sys
import warnings
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import peak_mib, timed  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from nn_core import make_dataset  # noqa: E402
from nn_core.experiments.dead_units import DeadUnitConfig, train_and_track, train_runs  # noqa: E402
from pages.dead_relu.controls import DEPTH_RANGE, EPOCH_RANGE, WIDTH_RANGE  # noqa: E402

GOAL_SECONDS = 2.0
DEFAULT = DeadUnitConfig()
# The largest network the page's sliders allow.
LARGEST = replace(DEFAULT, width=WIDTH_RANGE[1], depth=DEPTH_RANGE[1], epochs=EPOCH_RANGE[1])


def sklearn_same_work(config):
    X, y = make_dataset(config.dataset, config.n_samples, noise=config.noise, seed=config.seed)
    model = MLPClassifier(
        hidden_layer_sizes=(config.width,) * config.depth, activation="relu", solver="adam",
        learning_rate_init=config.learning_rate, batch_size=config.batch_size,
        max_iter=config.epochs, tol=0.0, n_iter_no_change=config.epochs + 1,
        random_state=config.seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # it runs exactly max_iter epochs
        model.fit(X, y)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    # One BLAS thread for both libraries, as in the app process (see ui/__init__.py).
    threadpool_limits(limits=1)

    cases = [
        ("default run + statistics (2 x 32, 100 epochs)", lambda: train_and_track(DEFAULT)),
        ("compare mode: ReLU and leaky ReLU", lambda: train_runs(DEFAULT, "leaky_relu")),
        (f"largest allowed run ({LARGEST.depth} x {LARGEST.width}, {LARGEST.epochs} epochs)",
         lambda: train_and_track(LARGEST)),
        ("largest, compare mode (a shared link's arrival)",
         lambda: train_runs(LARGEST, "leaky_relu")),
        ("scikit-learn MLPClassifier, same work, no statistics",
         lambda: sklearn_same_work(DEFAULT)),
    ]
    print(f"median and best of {repeats} runs")
    results = {}
    for name, work in cases:
        median, best, cpu = timed(work, repeats)
        results[name] = median
        print(f"  {name:<58} median {median:6.3f} s   best {best:6.3f} s   CPU {cpu:6.3f} s")
    print(f"peak memory of the largest compare-mode job: "
          f"{peak_mib(lambda: train_runs(LARGEST, 'leaky_relu')):.1f} MiB")
    default_median = results[cases[0][0]]
    verdict = "meets" if default_median < GOAL_SECONDS else "MISSES"
    print(f"default run: {default_median:.3f} s, {verdict} the goal of < {GOAL_SECONDS:g} s")
    return 0 if default_median < GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
