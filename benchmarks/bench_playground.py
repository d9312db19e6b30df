"""The MLP playground's live tick: server time and bytes per redraw, and what a class sees.

A tick is what happens between two redraws while training runs: the worker trains a chunk of
epochs, then the page rebuilds the board (network diagram with every node's map as a PNG, the
output plot as a PNG, their coarse fallbacks, edges, points) and the loss and accuracy curves,
and Streamlit turns each chart into JSON (the spec) and Arrow bytes (its data sets). The
benchmark does exactly that, outside Streamlit, and reports median times and the bytes sent.

Goals (issue 14): one tick under 100 ms of server time and under 200 KB at the default network
(2 hidden layers x 8 units); the figure at 6 x 8 is reported too. And: at the default pace, a
student sees at least 5 distinct boundary frames before the default spiral reaches 90 % test
accuracy (the live trainer runs in real time; a frame is one redraw every REFRESH_SECONDS).

    python benchmarks/bench_playground.py [--ticks 20] [--epochs 5] [--skip-pace]
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
    available_features,
    make_playground_data,
    model_with_weights,
)
from pages.playground.trainer import AUTO, LiveTrainer, snapshot_of  # noqa: E402
from pages.playground.views import REFRESH_SECONDS, board  # noqa: E402
from ui.admission import Admission  # noqa: E402
from ui.strings import Translator  # noqa: E402
from ui.style import ChartStyle  # noqa: E402

TICK_GOAL_MS = 100.0
PAYLOAD_GOAL_KB = 200.0
FRAMES_GOAL = 5


def chart_bytes(spec):
    """Serialise a Vega-Lite spec as st.vega_lite_chart does (data frames to Arrow, the rest to
    JSON); returns the bytes sent."""
    datasets = spec.pop("datasets", {})
    text = json.dumps(spec)
    return len(text) + sum(len(convert_anything_to_arrow_bytes(frame))
                           for frame in datasets.values())


def default_data(name="moons"):
    """The page's default data settings: 400 points, noise 0.2, 70 % training, seed 0."""
    return make_playground_data(name, n_samples=400, noise=0.2, test_fraction=0.3, seed=0)


def one_tick(run, epochs, t, style):
    """Train, then rebuild and serialise everything the live board panel draws; returns
    (bytes sent, CPU seconds training, CPU seconds drawing, wall seconds drawing).

    CPU time (``process_time``) is the server time a tick costs; on a machine shared with
    others' work the wall time also holds the waits for a core."""
    start = time.process_time()
    run.train(epochs)
    snapshot = snapshot_of(run)
    trained, wall = time.process_time(), time.perf_counter()
    model = model_with_weights(run.spec, snapshot.theta)
    chart, _ = board(t, style, model, run.data, run.spec, show_test=True, discretize=False)
    curves = [charts.history_chart(t, style, snapshot.history, metric)
              for metric in ("loss", "accuracy")]
    payload = sum(chart_bytes(spec) for spec in [chart, *curves])
    return (payload, trained - start, time.process_time() - trained,
            time.perf_counter() - wall)


def measure_ticks(hidden, ticks, epochs, t, style):
    data = default_data()
    spec = NetworkSpec(("x1", "x2"), hidden, ("tanh",) * len(hidden), "classification", 2)
    run = TrainingRun(data, spec, TrainingConfig("adam", 0.01, batch_size=10))
    one_tick(run, epochs, t, style)  # warm-up: imports, Altair's schema, the cached spec
    payloads, train_ms, draw_ms, wall_ms = [], [], [], []
    for _ in range(ticks):
        payload, train_s, draw_s, wall_s = one_tick(run, epochs, t, style)
        payloads.append(payload)
        train_ms.append(1e3 * train_s)
        draw_ms.append(1e3 * draw_s)
        wall_ms.append(1e3 * wall_s)
    return payloads, train_ms, draw_ms, wall_ms


def frames_before(name, features, goal=0.9, timeout=120.0):
    """Run the live trainer at the default pace on data set ``name`` with the default network
    and sample its snapshot once per redraw, as the page does: the number of distinct frames
    (epochs) shown before the test accuracy first reaches ``goal``, that epoch, and seconds."""
    data = default_data(name)
    spec = NetworkSpec(features, (8, 8), ("tanh", "tanh"), "classification", 2)
    trainer = LiveTrainer(TrainingRun(data, spec, TrainingConfig("adam", 0.01, batch_size=10)),
                          Admission(capacity=1), session_id="bench")
    trainer.pace(AUTO)
    shown = set()
    start = time.monotonic()
    trainer.start()
    try:
        while time.monotonic() - start < timeout:
            time.sleep(REFRESH_SECONDS)
            snapshot = trainer.snapshot()
            accuracy = snapshot.history["test_accuracy"]
            reached = next((i for i, a in enumerate(accuracy) if a >= goal), None)
            if reached is not None:
                return len(shown), reached + 1, time.monotonic() - start
            shown.add(snapshot.epoch)
    finally:
        trainer.pause()
    return len(shown), None, timeout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=5, help="epochs trained per tick")
    parser.add_argument("--skip-pace", action="store_true", help="skip the real-time part")
    args = parser.parse_args()
    t, style = Translator("en"), ChartStyle()

    print(f"live tick: moons, 280 training points, batches of 10, {args.epochs} epochs per "
          f"tick, {args.ticks} ticks, test points shown")
    print("  (a tick is one redraw: CPU time of the server; training runs in its own thread)")
    for hidden in [(8, 8), (8,) * 6, (64,) * 6]:
        payloads, train_ms, draw_ms, wall_ms = measure_ticks(hidden, args.ticks, args.epochs,
                                                             t, style)
        kb = statistics.median(payloads) / 1024
        shape = f"{len(hidden)} x {hidden[0]}"
        print(f"  {shape:7s} tick {statistics.median(draw_ms):6.1f} ms CPU (max "
              f"{max(draw_ms):6.1f}, wall median {statistics.median(wall_ms):6.1f})  sent "
              f"{kb:6.1f} KB   [training {args.epochs} epochs: {statistics.median(train_ms):6.1f}"
              f" ms CPU]")
        if hidden == (8, 8):
            tick = statistics.median(draw_ms)
            print(f"          goal: tick < {TICK_GOAL_MS:.0f} ms -> "
                  f"{'met' if tick < TICK_GOAL_MS else 'MISSED'}; < {PAYLOAD_GOAL_KB:.0f} KB "
                  f"-> {'met' if kb < PAYLOAD_GOAL_KB else 'MISSED'}")
    if args.skip_pace:
        return
    print(f"what a class sees at the default pace (auto), one frame per {REFRESH_SECONDS} s:")
    for name, features in [("tf_spiral", ("x1", "x2")), ("spiral", ("x1", "x2")),
                           ("tf_spiral", tuple(available_features(2)))]:
        frames, epoch, seconds = frames_before(name, features)
        print(f"  {name:10s} {len(features)} features: {frames:3d} distinct frames before 90 % "
              f"test accuracy (epoch {epoch}, {seconds:.1f} s) -> goal >= {FRAMES_GOAL}: "
              f"{'met' if frames >= FRAMES_GOAL else 'MISSED'}")


if __name__ == "__main__":
    main()
