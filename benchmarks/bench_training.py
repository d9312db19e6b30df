"""nn_core.fit against scikit-learn, PyTorch and a bare numpy loop: the same training work.

    python benchmarks/bench_training.py                 # every workload, best of 3
    python benchmarks/bench_training.py --repeats 5
    python benchmarks/bench_training.py --only wide,deep
    python benchmarks/bench_training.py --threads 1     # BLAS/OpenMP limited for everyone
    python benchmarks/bench_training.py --no-float32    # without the float32 table

Each workload trains one network with Adam (lr 0.01, float64, no penalty) for a fixed number of
epochs of mini-batches, in four ways, alternating between them within one process:

- **nn_core**: ``nn_core.fit(model, X, y, nn_core.Adam(0.01), epochs, batch_size)``, called as a
  notebook user would (default settings, default BLAS threads). The column
  ``nn_core batches`` adds ``history="batches"`` where nn_core has it (no full-set pass after
  each epoch; see ``nn_core.fit``).
- **scikit-learn**: ``MLPClassifier(solver="adam", learning_rate_init=0.01, alpha=0, tol=0,
  n_iter_no_change=10**9, max_iter=epochs)``: every epoch runs, no early stopping, no L2.
- **PyTorch** (only if ``import torch`` works; it is never a requirement of the app):
  ``nn.Sequential`` of ``nn.Linear`` + ``nn.ReLU`` in float64 starting from nn_core's initial
  weights, ``torch.optim.Adam(lr=0.01)``, ``nn.CrossEntropyLoss``, the same batches as nn_core
  (the same seeded permutation per epoch), the epoch loss summed with ``loss.item()``,
  ``torch.set_num_threads`` left at its default.
- **floor**: a bare numpy loop over the same batches doing only what no trainer can skip: the
  forward products x W with ReLU between them, and the backward products x^T g and g W^T with
  the ReLU masks. No bias, no softmax, no optimiser: the time of the matrix products alone.
- **floor + Adam**: the floor, with Adam's textbook update (in place, 11 passes) of a flat
  vector as long as the network's parameters after each mini-batch: the floor of a trainer
  that uses Adam, to compare ``nn_core batches`` (no full-set pass either) against.

Then, for the large networks only (``FLOAT32_WORKLOADS``), the opt-in single precision: nn_core
with ``MLP(..., dtype="float32")`` against scikit-learn given float32 input (it then trains in
float32) and PyTorch in float32, with nn_core's float64 time beside them.

Timings are wall-clock, best of ``--repeats`` (after one untimed warm-up of each), and every
ratio is against scikit-learn (below 1: faster than scikit-learn). Test accuracy is printed
so that a speed-up that breaks learning shows. The load average (``os.getloadavg``) is printed
at the start and the end: on a shared machine, compare only runs made at a low load.
"""

import argparse
import contextlib
import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import load_digits, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

import nn_core  # noqa: E402

try:
    import torch
except ImportError:  # PyTorch is optional: its column is left out
    torch = None

LEARNING_RATE = 0.01
SEED = 0
# The networks where single precision pays: the matrix products dominate their time.
FLOAT32_WORKLOADS = ("wide", "deep")


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    data: str  # "moons" or "digits"
    n_samples: int  # before the 80/20 split (digits: the whole set, 1,797)
    hidden: tuple
    batch_size: int
    epochs: int


WORKLOADS = (
    Workload("moons", "moons 2,000, 2-32-32-2, batch 64, 200 epochs", "moons", 2000, (32, 32),
             64, 200),
    Workload("moons20k", "moons 20,000, 2-32-32-2, batch 64, 20 epochs", "moons", 20000,
             (32, 32), 64, 20),
    Workload("digits", "digits, 64-128-10, batch 32, 50 epochs", "digits", 1797, (128,), 32, 50),
    Workload("wide", "moons 5,000, 2-256-256-2, batch 128, 10 epochs", "moons", 5000,
             (256, 256), 128, 10),
    Workload("deep", "moons 2,000, 2-(64 x 6)-2, batch 64, 50 epochs", "moons", 2000, (64,) * 6,
             64, 50),
)


def load(workload):
    """(X_train, X_test, y_train, y_test): 80/20 split, standardised with the training set."""
    if workload.data == "digits":
        X, y = load_digits(return_X_y=True)
    else:
        X, y = make_moons(workload.n_samples, noise=0.2, random_state=SEED)
    X_train, X_test, y_train, y_test = nn_core.train_test_split(X, y, seed=SEED)
    X_train, X_test = nn_core.standardize(X_train, X_test)
    return X_train, X_test, y_train, y_test


def layer_sizes(workload, X, y):
    return [X.shape[1], *workload.hidden, int(y.max()) + 1]


def batch_orders(n_samples, batch_size, epochs):
    """The batches nn_core.fit takes: per epoch, one permutation from its seeded generator."""
    rng = np.random.default_rng(SEED)
    return [rng.permutation(n_samples) if batch_size < n_samples else np.arange(n_samples)
            for _ in range(epochs)]


# --- the contenders: each returns a function that trains from scratch and returns a predictor
def nn_core_trainer(workload, X, y, dtype="float64", **options):
    sizes = layer_sizes(workload, X, y)

    def train():
        model = nn_core.MLP(sizes, "relu", init="he", seed=SEED, dtype=dtype)
        nn_core.fit(model, X, y, nn_core.Adam(LEARNING_RATE), epochs=workload.epochs,
                    batch_size=workload.batch_size, **options)
        return model.predict

    return train


def sklearn_trainer(workload, X, y, dtype="float64"):
    X = X.astype(dtype)  # scikit-learn trains in float32 when given float32

    def train():
        model = MLPClassifier(hidden_layer_sizes=workload.hidden, activation="relu",
                              solver="adam", learning_rate_init=LEARNING_RATE,
                              batch_size=workload.batch_size, max_iter=workload.epochs, tol=0.0,
                              n_iter_no_change=10**9, alpha=0.0, random_state=SEED)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter reached: intended
            model.fit(X, y)
        return lambda X_new: model.predict(X_new.astype(dtype))

    return train


def torch_trainer(workload, X, y, dtype="float64"):
    sizes = layer_sizes(workload, X, y)
    initial = nn_core.MLP(sizes, "relu", init="he", seed=SEED).dense_layers()
    X_t, y_t = torch.from_numpy(X.astype(dtype)), torch.from_numpy(np.asarray(y, dtype=np.int64))
    torch_dtype = getattr(torch, dtype)

    def train():
        layers = []
        for dense in initial:
            linear = torch.nn.Linear(*dense.W.shape, dtype=torch_dtype)
            with torch.no_grad():  # copy_ rounds nn_core's float64 weights to float32
                linear.weight.copy_(torch.from_numpy(dense.W.T))
                linear.bias.copy_(torch.from_numpy(dense.b))
            layers += [linear, torch.nn.ReLU()]
        model = torch.nn.Sequential(*layers[:-1])
        optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
        loss_fn = torch.nn.CrossEntropyLoss()
        for order in batch_orders(len(X), workload.batch_size, workload.epochs):
            order = torch.from_numpy(order)
            epoch_loss = 0.0
            for start in range(0, len(X), workload.batch_size):
                batch = order[start:start + workload.batch_size]
                optimizer.zero_grad()
                loss = loss_fn(model(X_t[batch]), y_t[batch])
                loss.backward()
                optimizer.step()
                epoch_loss += loss.item() * len(batch)

        def predict(X_new):
            with torch.no_grad():
                return model(torch.from_numpy(X_new.astype(dtype))).argmax(dim=1).numpy()

        return predict

    return train


def floor_trainer(workload, X, y, with_adam=False):
    """Matrix products and ReLU only: forward x W, backward x^T g and g W^T; ``with_adam``:
    then Adam's textbook update of every parameter after each mini-batch's products."""
    sizes = layer_sizes(workload, X, y)
    weights = [layer.W.copy() for layer in
               nn_core.MLP(sizes, "relu", seed=SEED).dense_layers()]
    g_out = np.full((workload.batch_size, sizes[-1]), 1e-3)
    adam_step = _bare_adam(nn_core.MLP(sizes).n_parameters) if with_adam else None

    def train():
        step = adam_step() if with_adam else None
        for order in batch_orders(len(X), workload.batch_size, workload.epochs):
            for start in range(0, len(X), workload.batch_size):
                out = X[order[start:start + workload.batch_size]]
                inputs = []
                for i, W in enumerate(weights):
                    inputs.append(out)
                    out = out @ W
                    if i < len(weights) - 1:
                        out = np.maximum(out, 0.0)
                g = g_out[:len(out)]
                for i in range(len(weights) - 1, -1, -1):
                    x = inputs[i]
                    x.T @ g  # dW
                    if i > 0:
                        g = (g @ weights[i].T) * (x > 0)
                if step is not None:
                    step()
        return None

    return train


def _bare_adam(n_params, b1=0.9, b2=0.999, eps=1e-8):
    """A maker of fresh Adam steps over one flat vector of ``n_params`` (in place, 11 passes);
    the gradient is a constant stand-in: only the work counts."""
    def fresh():
        theta, g = np.zeros(n_params), np.full(n_params, 1e-3)
        m, v, s = np.zeros(n_params), np.zeros(n_params), np.empty(n_params)
        t = 0

        def step():
            nonlocal t, m, v, s, theta
            t += 1
            m *= b1
            np.multiply(g, 1 - b1, out=s)
            m += s
            v *= b2
            np.multiply(g, g, out=s)
            s *= 1 - b2
            v += s
            np.sqrt(v, out=s)
            s += eps * np.sqrt(1 - b2**t)
            np.divide(m, s, out=s)
            s *= LEARNING_RATE * np.sqrt(1 - b2**t) / (1 - b1**t)
            theta -= s

        return step

    return fresh


def contenders(workload, X, y):
    ours = {"nn_core": nn_core_trainer(workload, X, y)}
    ours["nn_core batches"] = nn_core_trainer(workload, X, y, history="batches")
    ours["scikit-learn"] = sklearn_trainer(workload, X, y)
    if torch is not None:
        ours["PyTorch"] = torch_trainer(workload, X, y)
    ours["floor"] = floor_trainer(workload, X, y)
    ours["floor + Adam"] = floor_trainer(workload, X, y, with_adam=True)
    return ours


def float32_contenders(workload, X, y):
    ours = {"nn_core float64": nn_core_trainer(workload, X, y)}
    ours["nn_core float32"] = nn_core_trainer(workload, X, y, dtype="float32")
    ours["nn_core float32 batches"] = nn_core_trainer(workload, X, y, dtype="float32",
                                                      history="batches")
    ours["scikit-learn float32"] = sklearn_trainer(workload, X, y, dtype="float32")
    if torch is not None:
        ours["PyTorch float32"] = torch_trainer(workload, X, y, dtype="float32")
    return ours


def run(workload, repeats, make_contenders=contenders):
    X_train, X_test, y_train, y_test = load(workload)
    trainers = make_contenders(workload, X_train, y_train)
    best, accuracy = {name: np.inf for name in trainers}, {}
    for train in trainers.values():  # warm-up, untimed
        train()
    for _ in range(repeats):
        for name, train in trainers.items():  # alternating, so load changes hit everyone
            start = time.perf_counter()
            predict = train()
            best[name] = min(best[name], time.perf_counter() - start)
            if predict is not None:
                accuracy[name] = float(np.mean(predict(X_test) == y_test))
    return best, accuracy


def machine():
    print(f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn "
          f"{sklearn.__version__}, PyTorch {torch.__version__ if torch else 'not installed'}"
          f"{f' ({torch.get_num_threads()} threads)' if torch else ''}, {platform.machine()}, "
          f"{os.cpu_count()} logical cores")
    for name in sorted(os.environ):
        if name.startswith(("OPENBLAS", "OMP_", "MKL_")):
            print(f"  {name}={os.environ[name]}")
    from threadpoolctl import threadpool_info

    for pool in threadpool_info():
        print(f"  {pool.get('internal_api')} {pool.get('version')} "
              f"({Path(pool.get('filepath', '')).name}), {pool.get('num_threads')} threads")


def load_average():
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated workload keys: "
                        + ", ".join(w.key for w in WORKLOADS))
    parser.add_argument("--no-float32", action="store_true",
                        help="leave out the float32 table of the large networks")
    parser.add_argument("--threads", type=int, default=None,
                        help="limit BLAS/OpenMP threads for everyone (threadpoolctl)")
    args = parser.parse_args()
    chosen = [w for w in WORKLOADS if not args.only or w.key in args.only.split(",")]
    machine()
    limit = contextlib.nullcontext()
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        limit = threadpool_limits(args.threads)
        if torch is not None:
            torch.set_num_threads(args.threads)
        print(f"  threads limited to {args.threads} for everyone")
    print(f"best of {args.repeats}, alternating, after one warm-up each; "
          f"load average at start: {load_average()}\n")
    rows, singles = [], []
    with limit:
        for workload in chosen:
            best, accuracy = run(workload, args.repeats)
            rows.append((workload, best, accuracy))
            progress(workload.title, best)
        for workload in chosen:
            if args.no_float32 or workload.key not in FLOAT32_WORKLOADS:
                continue
            best, accuracy = run(workload, args.repeats, float32_contenders)
            singles.append((workload, best, accuracy))
            progress(f"{workload.title}, float32", best)
    print(f"\nload average at the end: {load_average()}\n")
    print_table(rows, "scikit-learn", [
        ("nn_core / floor", lambda best: best["nn_core"] / best["floor"]),
        ("nn_core batches / floor + Adam",
         lambda best: best["nn_core batches"] / best["floor + Adam"])])
    if singles:
        print("\nfloat32 (opt-in), ratios to scikit-learn float32:\n")
        print_table(singles, "scikit-learn float32", [
            ("nn_core float32 / float64",
             lambda best: best["nn_core float32"] / best["nn_core float64"])])


def progress(title, best):
    """One line per workload, printed as soon as it is timed."""
    cells = ", ".join(f"{name} {seconds:.3f} s" for name, seconds in best.items())
    print(f"{title}: {cells}", flush=True)


def print_table(rows, reference, extra):
    """A Markdown table of (workload, best times, accuracies) rows: each contender's time with
    its ratio to ``reference``, then the ``extra`` columns (header, best times -> ratio), then
    the test accuracies."""
    names = list(rows[0][1])
    headers = [*names, *(header for header, _ in extra), "test accuracy"]
    print("| work | " + " | ".join(headers) + " |")
    print("|---" * (len(headers) + 1) + "|")
    for workload, best, accuracy in rows:
        cells = [f"{best[n]:.3f} s" + ("" if n == reference else
                                       f" ({best[n] / best[reference]:.2f}x)") for n in names]
        cells += [f"{ratio(best):.2f}x" for _, ratio in extra]
        cells.append(", ".join(f"{n} {a:.3f}" for n, a in accuracy.items()))
        print(f"| {workload.title} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
