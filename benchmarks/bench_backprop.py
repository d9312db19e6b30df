"""Backprop against finite differences, as the backprop page's section 6 times them, at three
network sizes (P ≈ 50, 500 and 5,000 parameters), and the largest disagreement between the
page's graphs, layers and finite differences.

Each size runs ``--repeats`` times (the page's own ``time_gradients``: finite differences over
every parameter, 2P forward passes, with backprop timed in batches before, after and in between,
so both see the same load); the medians are printed with the load averages, since on a shared
machine the ratio moves with the load. One BLAS thread, as in the app.

    python benchmarks/bench_backprop.py [--repeats 3]
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

from threadpoolctl import threadpool_limits  # noqa: E402

from pages.backprop import lesson  # noqa: E402
from pages.backprop.controls import SPEED_PRESETS  # noqa: E402


def speed_table(repeats):
    print(f"{'P':>6} {'2P passes':>10} {'finite diff.':>13} {'backprop':>10} {'ratio':>8}"
          f" {'ratio / P':>10} {'rel. error':>11}")
    for depth, width in SPEED_PRESETS.values():
        runs = [lesson.time_gradients(depth, width) for _ in range(repeats)]
        finite = statistics.median(r.finite_seconds for r in runs)
        backprop = statistics.median(r.backprop_seconds for r in runs)
        ratio = statistics.median(r.ratio for r in runs)
        p = runs[0].n_parameters
        print(f"{p:>6} {2 * p:>10} {finite * 1e3:>10.1f} ms {backprop * 1e6:>7.0f} µs"
              f" {ratio:>8.0f} {ratio / p:>10.2f} {max(r.relative_error for r in runs):>11.1e}"
              f"   (ratios {', '.join(f'{r.ratio:.0f}' for r in runs)})")


def largest_disagreement():
    """Over the page's checks with its default inputs and a sweep of networks: the largest
    relative error of each comparison the page shows."""
    worst = {}

    def note(name, error):
        worst[name] = max(worst.get(name, 0.0), error)

    affine = lesson.affine_from_text("1.0, 0.5; -1.5, 2.0", "0.1, -0.2, 0.3; 0.4, 0.5, -0.6",
                                     "0.1, 0.0, -0.1", "2, 0")
    for name, check in affine.checks.items():
        note(f"affine/softmax {name} vs finite differences", check.relative_error)
    for activation in ("sigmoid", "tanh"):  # relu's default z has no kink, but skip the risk
        single = lesson.single_layer(affine.X[0], affine.W, affine.b, activation)
        note("single layer dy/dW vs finite differences", single.check.relative_error)
    for function in lesson.ACTIVATION_GRAPHS:
        for x in (-30.0, -5.0, -1.5, -0.3, 0.0, 0.7, 2.0, 10.0, 300.0):
            note(f"expanded vs fused {function}",
                 lesson.activation_graphs(function, x, 99).relative_difference)
    for activation in lesson.NETWORK_ACTIVATIONS:
        for hidden in lesson.HIDDEN_UNITS:
            for seed in range(10):
                for x1, x2, label in ((1.0, -0.5, 1), (-2.0, 3.0, 0), (0.3, 0.1, 1)):
                    net = lesson.network_lesson(hidden, activation, x1, x2, label, seed)
                    for check in net.checks:
                        note("network layers vs graph of Values", check.graph_error)
                        note("network layers vs finite differences", check.finite.relative_error)
    width = max(len(name) for name in worst)
    for name, error in worst.items():
        print(f"  {name:<{width}}  {error:.1e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    threadpool_limits(limits=1)
    print(f"load averages before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    speed_table(args.repeats)
    print(f"load averages after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("largest relative disagreement measured:")
    largest_disagreement()


if __name__ == "__main__":
    main()
