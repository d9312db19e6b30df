"""nn_core against scikit-learn's MLPClassifier: the same work, in the same process.

    python benchmarks/bench_mlp.py            # all three workloads, 5 timed repeats each
    python benchmarks/bench_mlp.py --repeats 9
    python benchmarks/bench_mlp.py --threads 1  # BLAS limited to 1 thread, for both libraries

Workloads (both libraries use numpy's BLAS, so the ratios compare the Python/numpy code
around the same matrix products):

1. moons: make_moons(2000, noise=0.2, random_state=0), 80/20 split, standardised;
   [2, 32, 32, 2] ReLU, Adam(0.01), batch 64, 200 epochs, no penalty, no early stopping.
2. spiral: make_dataset("spiral", 600, n_classes=3); [2, 64, 64, 3] ReLU, Adam(0.01),
   full batch (batch_size=None / 600), 500 epochs.
3. grid: predict_proba on a 200 x 200 grid (40,000 points) with the trained moons networks,
   which is what a decision-boundary plot costs.

The two libraries are timed alternately (one warm-up run each first, not counted), and the
medians are reported with the time ratio nn_core / scikit-learn (below 1: nn_core is faster).
"""

import argparse
import contextlib
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

import nn_core  # noqa: E402


def sklearn_mlp(hidden, batch_size, epochs):
    """The MLPClassifier doing nn_core's work: Adam, lr 0.01, no L2, every epoch run."""
    return MLPClassifier(hidden_layer_sizes=hidden, activation="relu", solver="adam",
                         learning_rate_init=0.01, batch_size=batch_size, max_iter=epochs,
                         tol=0.0, n_iter_no_change=10**9, alpha=0.0, random_state=0)


def fit_sklearn(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter reached, as intended
        return model.fit(X, y)


def timed(function):
    """(wall-clock seconds, CPU seconds of this process, result) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def alternate(ours, theirs, repeats):
    """Run ours() and theirs() alternately; one untimed warm-up each. Returns the timings
    ({"wall": [...], "cpu": [...]} per library) and the last results."""
    ours(), theirs()
    times_ours, times_theirs = {"wall": [], "cpu": []}, {"wall": [], "cpu": []}
    for _ in range(repeats):
        for function, times in ((ours, times_ours), (theirs, times_theirs)):
            wall, cpu, result = timed(function)
            times["wall"].append(wall)
            times["cpu"].append(cpu)
            if function is ours:
                result_ours = result
            else:
                result_theirs = result
    return times_ours, times_theirs, result_ours, result_theirs


def report(title, times_ours, times_theirs, unit="s", scale=1.0, extra=""):
    """Print medians and ratios (wall clock, and CPU time, which a busy machine disturbs
    less when BLAS runs one thread); return the wall-clock ratio."""
    print(title)
    ratios = {}
    for clock in ("wall", "cpu"):
        ours, theirs = statistics.median(times_ours[clock]), statistics.median(times_theirs[clock])
        ratios[clock] = ours / theirs
        print(f"  {clock:4} median nn_core {ours * scale:.4g} {unit}, scikit-learn "
              f"{theirs * scale:.4g} {unit}, ratio nn_core/sklearn = {ratios[clock]:.2f}"
              f"  (nn_core {min(times_ours[clock]) * scale:.3g}-"
              f"{max(times_ours[clock]) * scale:.3g}, sklearn "
              f"{min(times_theirs[clock]) * scale:.3g}-{max(times_theirs[clock]) * scale:.3g})")
    print(f"{extra.lstrip(chr(10))}\n" if extra else "")
    return ratios["wall"]


def moons_workload(repeats):
    X, y = make_moons(2000, noise=0.2, random_state=0)
    X_train, X_test, y_train, y_test = nn_core.train_test_split(X, y)
    X_train, X_test = nn_core.standardize(X_train, X_test)

    def ours():
        model = nn_core.MLP([2, 32, 32, 2], "relu", init="he", seed=0)
        nn_core.fit(model, X_train, y_train, nn_core.Adam(0.01), epochs=200, batch_size=64)
        return model

    def theirs():
        return fit_sklearn(sklearn_mlp((32, 32), 64, 200), X_train, y_train)

    t_ours, t_theirs, model, clf = alternate(ours, theirs, repeats)
    accuracy_ours = np.mean(model.predict(X_test) == y_test)
    accuracy_theirs = clf.score(X_test, y_test)
    ratio = report("1. moons 2000 (1600 train), [2, 32, 32, 2] relu, Adam 0.01, batch 64, "
                   "200 epochs", t_ours, t_theirs,
                   extra=f"\n  test accuracy nn_core {accuracy_ours:.4f}, "
                         f"scikit-learn {accuracy_theirs:.4f}")
    return ratio, model, clf, X_train


def spiral_workload(repeats):
    X, y = nn_core.make_dataset("spiral", 600, n_classes=3)

    def ours():
        model = nn_core.MLP([2, 64, 64, 3], "relu", init="he", seed=0)
        nn_core.fit(model, X, y, nn_core.Adam(0.01), epochs=500, batch_size=None)
        return model

    def theirs():
        return fit_sklearn(sklearn_mlp((64, 64), 600, 500), X, y)

    t_ours, t_theirs, model, clf = alternate(ours, theirs, repeats)
    return report("2. spiral 600, 3 arms, [2, 64, 64, 3] relu, Adam 0.01, full batch, "
                  "500 epochs", t_ours, t_theirs,
                  extra=f"\n  train accuracy nn_core {np.mean(model.predict(X) == y):.4f}, "
                        f"scikit-learn {clf.score(X, y):.4f}")


def grid_workload(model, clf, X, repeats):
    low, high = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    g0, g1 = np.meshgrid(np.linspace(low[0], high[0], 200), np.linspace(low[1], high[1], 200))
    grid = np.column_stack([g0.ravel(), g1.ravel()])
    calls = 10  # each timing is 10 calls, to rise above timer noise

    def ours():
        for _ in range(calls):
            p = model.predict_proba(grid)
        return p

    def theirs():
        for _ in range(calls):
            p = clf.predict_proba(grid)
        return p

    t_ours, t_theirs, p_ours, p_theirs = alternate(ours, theirs, repeats)
    assert p_ours.shape == p_theirs.shape == (40_000, 2)
    return report("3. predict_proba on a 200 x 200 grid (40,000 points), [2, 32, 32, 2]",
                  t_ours, t_theirs, unit="ms per call", scale=1000.0 / calls)


def machine():
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"scikit-learn {sklearn.__version__}, {platform.machine()}, "
          f"{os.cpu_count()} logical cores")
    for name in sorted(os.environ):
        if name.startswith(("OPENBLAS", "OMP_", "MKL_")):
            print(f"  {name}={os.environ[name]}")
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return
    for pool in threadpool_info():
        print(f"  {pool.get('internal_api')} {pool.get('version')} "
              f"({pool.get('architecture')}), {pool.get('num_threads')} threads")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None,
                        help="limit BLAS/OpenMP threads (both libraries) with threadpoolctl")
    args = parser.parse_args()
    machine()
    limit = contextlib.nullcontext()
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        limit = threadpool_limits(args.threads)
        print(f"  BLAS/OpenMP limited to {args.threads} thread(s) for both libraries")
    print(f"{args.repeats} timed repeats per library, alternating, after one warm-up each\n")
    with limit:
        ratio, model, clf, X_train = moons_workload(args.repeats)
        spiral_workload(args.repeats)
        grid_workload(model, clf, X_train, args.repeats)
    goal = "met" if ratio <= 0.5 else "NOT met"
    print(f"goal: moons wall-clock ratio <= 0.5 ({goal}: {ratio:.2f})")


if __name__ == "__main__":
    main()
