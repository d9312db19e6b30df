"""Speed of one live tick of the MLP playground, and the size of its boundary chart.

A tick is what happens between two redraws while training runs: the worker trains a batch of
epochs, then the page recomputes the decision boundary (60 x 60 grid) and every hidden unit's
heatmap, builds the Altair charts (boundary, loss and accuracy curves, unit heatmaps) and turns
their data into Arrow bytes, as Streamlit does before sending them.

Goals (issue 6): a tick for a network of 4 hidden layers of 8 units under 100 ms of server
time; the boundary chart's payload under 150 KB.

    python benchmarks/bench_playground.py [--ticks 20] [--epochs 5]
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

from streamlit.dataframe_util import convert_anything_to_arrow_bytes  # noqa: E402

from pages.playground import charts  # noqa: E402
from pages.playground.model import (  # noqa: E402
    NetworkSpec,
    TrainingConfig,
    TrainingRun,
    heatmap_resolution,
    input_grid,
    make_playground_data,
    model_with_weights,
    output_map,
    plane_extent,
    unit_maps,
)
from pages.playground.trainer import snapshot_of  # noqa: E402
from ui.strings import Translator  # noqa: E402
from ui.style import ChartStyle  # noqa: E402

TICK_GOAL_MS = 100.0
PAYLOAD_GOAL_KB = 150.0
BOUNDARY_RESOLUTION = 60


def chart_bytes(spec):
    """Serialise a Vega-Lite spec as st.vega_lite_chart does (data frames to Arrow, the rest to
    JSON); returns the bytes of its data."""
    datasets = spec.pop("datasets", {})
    json.dumps(spec)
    return sum(len(convert_anything_to_arrow_bytes(frame)) for frame in datasets.values())


def one_tick(run, epochs, t, style):
    """Train, then recompute and rebuild everything the live panels draw; returns the
    boundary chart and the times of the two halves (seconds)."""
    start = time.perf_counter()
    run.train(epochs)
    snapshot = snapshot_of(run)
    trained = time.perf_counter()

    data, spec = run.data, run.spec
    model = model_with_weights(spec, snapshot.theta)
    extent = plane_extent(data.X_train, data.X_test)
    grid = input_grid(extent, 2, BOUNDARY_RESOLUTION)
    splits = [(data.X_train, data.y_train, "train"), (data.X_test, data.y_test, "test")]
    boundary = charts.boundary_chart(t, style, grid, output_map(model, spec.features, grid),
                                     splits, data.n_classes)
    curves = [charts.history_chart(t, style, snapshot.history, metric)
              for metric in ("loss", "accuracy")]
    unit_grid = input_grid(extent, 2, heatmap_resolution(sum(spec.hidden)))
    heatmaps = [charts.unit_heatmaps_chart(t, style, unit_grid, outputs, f"layer {i}")
                for i, outputs in enumerate(unit_maps(model, spec.features, unit_grid), 1)]
    payload = [chart_bytes(chart) for chart in [boundary, *curves, *heatmaps]]
    end = time.perf_counter()
    return payload, trained - start, end - trained


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=5, help="epochs trained per tick")
    args = parser.parse_args()

    data = make_playground_data("moons", n_samples=400, noise=0.2, test_fraction=0.3, seed=0)
    spec = NetworkSpec(("x1", "x2"), (8, 8, 8, 8), ("tanh",) * 4, "classification", 2)
    run = TrainingRun(data, spec, TrainingConfig("adam", 0.01, batch_size=10))
    t, style = Translator("en"), ChartStyle()
    one_tick(run, args.epochs, t, style)  # warm-up: imports, Altair's schema

    train_ms, draw_ms, total_ms = [], [], []
    for _ in range(args.ticks):
        payload, train_s, draw_s = one_tick(run, args.epochs, t, style)
        train_ms.append(1e3 * train_s)
        draw_ms.append(1e3 * draw_s)
        total_ms.append(1e3 * (train_s + draw_s))

    print(f"network 2 -> 4 x 8 tanh -> 2, {len(data.X_train)} training points, batches of 10, "
          f"{args.epochs} epochs per tick, {args.ticks} ticks")
    for name, values in [("train epochs", train_ms), ("boundary + heatmaps + charts", draw_ms),
                         ("one live tick", total_ms)]:
        print(f"  {name:30s} median {statistics.median(values):6.1f} ms   "
              f"min {min(values):6.1f} ms   max {max(values):6.1f} ms")
    tick = statistics.median(total_ms)
    print(f"  goal: tick < {TICK_GOAL_MS:.0f} ms -> {'met' if tick < TICK_GOAL_MS else 'MISSED'}")
    print(f"boundary chart payload {payload[0] / 1024:.1f} KB (goal < {PAYLOAD_GOAL_KB:.0f} KB: "
          f"{'met' if payload[0] / 1024 < PAYLOAD_GOAL_KB else 'MISSED'}); "
          f"all charts of a tick {sum(payload) / 1024:.1f} KB")


if __name__ == "__main__":
    main()
