"""A hash of nn_core's numbers, to show that a speed-up changed no result, bit for bit.

    python benchmarks/engine_fingerprint.py                 # this checkout's nn_core
    python benchmarks/engine_fingerprint.py /path/to/other  # the nn_core under another root

Run it before and after an engine change (e.g. on ``git worktree add /tmp/before HEAD``): the
same hash means every number below came out identical. It covers, for every activation:
trainings with each optimiser (mini-batches with L1 and L2, then batch-mean history with a
validation set), a regression training, gradient checks of both tasks, and the activation's
values, backward and derivative on a wide range, in float64 and in extended precision
(``np.longdouble``, as the gradient checks use it); and a softmax of extreme logits.
"""

import hashlib
import sys
from pathlib import Path

import numpy as np


def fingerprint(nn_core):
    digest = hashlib.sha256()

    def add(values):
        values = np.asarray(values)
        # Through float64, plus what a wider float holds beyond it: a longdouble's own bytes
        # include padding that is not part of the number.
        digest.update(np.ascontiguousarray(values, dtype=np.float64).tobytes())
        if values.dtype.itemsize > 8:
            digest.update(np.ascontiguousarray(values - values.astype(np.float64),
                                               dtype=np.float64).tobytes())

    X, y = nn_core.make_dataset("moons", n_samples=120, seed=0)
    X_reg = np.linspace(-2.0, 2.0, 40)[:, None]
    y_reg = np.sin(X_reg[:, 0])
    z = np.linspace(-50.0, 50.0, 1001)
    for name in nn_core.ACTIVATIONS:
        for optimizer in nn_core.OPTIMIZERS:
            model = nn_core.MLP([2, 7, 5, 2], name, seed=3)
            history = nn_core.fit(model, X, y, nn_core.make_optimizer(optimizer, 0.05), epochs=5,
                                  batch_size=16, l1=1e-4, l2=1e-3)
            add(model.theta), add(history.train_loss)
            history = nn_core.fit(model, X, y, nn_core.make_optimizer(optimizer, 0.05), epochs=3,
                                  history="batches", X_val=X[:20], y_val=y[:20])
            add(model.theta), add(history.train_loss), add(history.val_loss)
        add([nn_core.gradient_check(nn_core.MLP([2, 6, 2], name, seed=1), X[:10], y[:10])])
        regressor = nn_core.MLP([1, 6, 1], name, task="regression", seed=2)
        history = nn_core.fit(regressor, X_reg, y_reg, nn_core.Adam(0.01), epochs=5, batch_size=8)
        add(regressor.theta), add(history.train_loss)
        add([nn_core.gradient_check(regressor, X_reg[:8], y_reg[:8])])
        for points in (z, z.astype(np.longdouble)):
            layer = nn_core.get_activation(name)
            add(layer.forward(points)), add(layer.backward(np.ones_like(points)))
        add(nn_core.get_activation(name).derivative(z))
    add(nn_core.softmax(np.array([[1.0, 2.0, 3.0], [1e308, -1e308, 0.0]])))
    return digest.hexdigest()


def main():
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    import nn_core

    print(f"{fingerprint(nn_core)}  ({Path(nn_core.__file__).parent})")


if __name__ == "__main__":
    main()
