"""Toy data sets: scikit-learn's generators where they exist, our own spiral, xor and sine.

Every generator has the same shape of call, ``make_dataset(name, n_samples, noise, seed)``, and
returns ``(X, y)``: X float64 of shape (n_samples, n_features); y int64 class labels 0..k-1 for
classification, float64 targets for regression.
"""

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from sklearn import datasets as skd

from nn_core._checks import check_choice, check_features, check_int, check_number

MAX_SAMPLES = 100_000
# The largest ``noise`` make_dataset takes: at 10 every set is noise only (the playground's
# slider stops at 1).
MAX_NOISE = 10.0


@dataclass(frozen=True)
class DatasetInfo:
    task: str  # "classification" or "regression"
    n_features: int
    default_classes: int  # 0 for regression
    class_choices: tuple  # the n_classes the set allows


DATASETS = {
    "moons": DatasetInfo("classification", 2, 2, (2,)),
    "circles": DatasetInfo("classification", 2, 2, (2,)),
    "blobs": DatasetInfo("classification", 2, 3, (2, 3, 4, 5)),
    "spiral": DatasetInfo("classification", 2, 2, (2, 3, 4, 5)),
    "xor": DatasetInfo("classification", 2, 2, (2,)),
    "gaussian_quantiles": DatasetInfo("classification", 2, 2, (2, 3, 4, 5)),
    "classification": DatasetInfo("classification", 2, 2, (2, 3, 4)),
    "sine": DatasetInfo("regression", 1, 0, ()),
    "plane": DatasetInfo("regression", 2, 0, ()),
}


def make_dataset(name, n_samples=200, noise=0.1, seed=0, n_classes=None):
    """Generate a named toy data set; ``noise``, from 0 to ``MAX_NOISE``, blurs it.

    What ``noise`` is, set by set (0 gives the clean shape):

    - ``moons``: the std of Gaussian jitter of each point (the moons have radius 1).
    - ``circles``: the std of Gaussian jitter of each point (radii 1 and 0.5).
    - ``blobs``: widens the clusters, whose std is 0.5 + 2 * noise (centres in [-5, 5]^2).
    - ``spiral``: Gaussian jitter of std 0.2 * noise (the arms reach radius 1).
    - ``xor``: Gaussian jitter of std 0.5 * noise of points in [-1, 1]^2, labelled before it.
    - ``gaussian_quantiles``: the std of Gaussian jitter added after labelling (the points
      are standard normal).
    - ``classification``: the std of Gaussian jitter added to scikit-learn's points.
    - ``sine``: the std of Gaussian noise on the target sin(x).
    - ``plane``: the std of Gaussian noise on the target 0.6 x1 - 0.4 x2.

    >>> X, y = make_dataset("spiral", n_samples=300, n_classes=3, seed=0)
    >>> X.shape, sorted(set(y.tolist()))
    ((300, 2), [0, 1, 2])
    """
    check_choice("data set", name, list(DATASETS))
    info = DATASETS[name]
    n_samples = check_int("n_samples", n_samples, 1, MAX_SAMPLES)
    noise = check_number("noise", noise, 0.0, MAX_NOISE)
    seed = check_int("seed", seed, 0, 2**32 - 1)
    if info.task == "regression":
        if n_classes is not None:
            raise ValueError(f"{name} is a regression set: it has no classes")
    else:
        n_classes = info.default_classes if n_classes is None else n_classes
        if isinstance(n_classes, bool) or n_classes not in info.class_choices:
            choices = ", ".join(map(str, info.class_choices))
            raise ValueError(f"{name} can have {choices} classes, got {n_classes!r}")
        n_classes = int(n_classes)
        if n_samples < n_classes:
            raise ValueError(f"{n_samples} points cannot hold {n_classes} classes")
    rng = np.random.default_rng(seed)
    return _as_data(*_GENERATORS[name](n_samples, noise, rng, n_classes), info.task)


def _as_data(X, y, task):
    """(X, y) as the engine takes them: float64 features; int64 labels or float64 targets."""
    return X.astype(np.float64), y.astype(np.int64 if task == "classification" else np.float64)


def _sklearn_seed(rng):
    return int(rng.integers(2**31 - 1))


def _moons(n, noise, rng, k):
    return skd.make_moons(n, noise=noise, random_state=_sklearn_seed(rng))


def _circles(n, noise, rng, k):
    return skd.make_circles(n, noise=noise, factor=0.5, random_state=_sklearn_seed(rng))


def _blobs(n, noise, rng, k):
    # Noise widens the blobs: 0.1 gives well separated clusters, 1.0 overlapping ones.
    return skd.make_blobs(n, n_features=2, centers=k, cluster_std=0.5 + 2.0 * noise,
                          center_box=(-5.0, 5.0), random_state=_sklearn_seed(rng))


def _gaussian_quantiles(n, noise, rng, k):
    X, y = skd.make_gaussian_quantiles(n_samples=n, n_features=2, n_classes=k,
                                       random_state=_sklearn_seed(rng))
    return X + rng.normal(0.0, noise, X.shape), y


def _classification(n, noise, rng, k):
    X, y = skd.make_classification(n, n_features=2, n_informative=2, n_redundant=0,
                                   n_clusters_per_class=1, n_classes=k, flip_y=0.0,
                                   class_sep=1.5, random_state=_sklearn_seed(rng))
    return X + rng.normal(0.0, noise, X.shape), y


def _spiral(n, noise, rng, k):
    """k interleaved arms: arm j is r (sin, cos)(4 r + 2 pi j / k) for r in [0, 1] (cs231n)."""
    y = np.arange(n) % k
    r = rng.uniform(0.0, 1.0, n)
    theta = 4.0 * r + 2.0 * np.pi * y / k
    X = np.column_stack([r * np.sin(theta), r * np.cos(theta)])
    return X + rng.normal(0.0, noise * 0.2, X.shape), y


def _xor(n, noise, rng, k):
    """Points in the square [-1, 1]^2, class 1 where x1 and x2 have the same sign."""
    X = rng.uniform(-1.0, 1.0, (n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    return X + rng.normal(0.0, noise * 0.5, X.shape), y


def _sine(n, noise, rng, k):
    x = rng.uniform(-np.pi, np.pi, (n, 1))
    return x, np.sin(x[:, 0]) + rng.normal(0.0, noise, n)


def _plane(n, noise, rng, k):
    X = rng.uniform(-1.0, 1.0, (n, 2))
    return X, 0.6 * X[:, 0] - 0.4 * X[:, 1] + rng.normal(0.0, noise, n)


_GENERATORS = {
    "moons": _moons, "circles": _circles, "blobs": _blobs, "spiral": _spiral, "xor": _xor,
    "gaussian_quantiles": _gaussian_quantiles, "classification": _classification,
    "sine": _sine, "plane": _plane,
}


def standardize(X_train, *others):
    """Scale features to mean 0, std 1 using the training set's statistics only.

    Every array must be a finite 2-D table of numbers with X_train's columns; X_train needs at
    least 2 rows (the spread of one row is 0). A constant column of X_train becomes exactly 0
    (the other arrays' values are only centred there). An array whose standardised values would
    be beyond float64 (a value far outside a column whose training spread is tiny) is refused.

    >>> standardize(np.array([[1.0, 5.0], [3.0, 5.0]]))[0]
    array([[-1.,  0.],
           [ 1.,  0.]])
    """
    X_train = check_features(X_train, name="X_train")
    if len(X_train) < 2:
        raise ValueError("X_train has only 1 row: its spread is 0 in every column, so there is "
                         "nothing to scale by; standardize needs at least 2 rows")
    n_features = X_train.shape[1]
    others = [check_features(X, n_features, name=f"the array in position {position}",
                             expected_by="X_train has")
              for position, X in enumerate(others, start=2)]
    # Each column is divided by a power of 2 first, which only shifts the exponents (exact in
    # binary floating point): its largest magnitude becomes 1 to 2, so near float64's limit
    # (1e308) the sums cannot overflow, and tiny values (1e-300) keep a spread whose squares
    # do not underflow to 0. (X / s - mean / s) / (std / s) is the same number as unscaled.
    _, exponent = np.frexp(np.max(np.abs(X_train), axis=0))
    scale = np.ldexp(1.0, exponent - 1)
    scaled_train = X_train / scale
    mean, std = scaled_train.mean(axis=0), scaled_train.std(axis=0)
    spread = std * scale  # X_train's std in its own units, for the message below
    # A constant column is only centred, by its value rather than by the rounded average (0.1
    # three times averages to 0.10000000000000002, which dividing by the std would make ±1).
    constant = np.all(X_train == X_train[0], axis=0)
    mean[constant], std[constant], scale[constant] = X_train[0, constant], 1.0, 1.0
    spread[constant] = 0.0
    results = []
    names = ["X_train"] + [f"the array in position {p}" for p in range(2, len(others) + 2)]
    for name, X in zip(names, (X_train, *others), strict=True):
        with np.errstate(over="ignore"):
            Z = (X / scale - mean) / std
        if not np.isfinite(Z).all():
            column = int(np.flatnonzero(~np.isfinite(Z).all(axis=0))[0])
            raise ValueError(
                f"{name} cannot be standardised by X_train's statistics: in column {column + 1}"
                f" its values are so far from X_train's mean, compared with X_train's spread "
                f"there ({spread[column]:.3g}), that they would become infinite; "
                f"rescale that column, or use a training set that covers its range"
            )
        results.append(Z)
    return tuple(results)


def train_test_split(X, y, test_fraction=0.2, seed=0):
    """Shuffle with ``seed`` and split off ``test_fraction`` of the rows as a test set.

    X must be a finite 2-D table of numbers with at least 2 rows, and y numbers (class indices
    or regression targets), one row per row of X; y keeps its dtype.

    >>> X_train, X_test, y_train, y_test = train_test_split(np.ones((10, 2)), np.arange(10))
    >>> X_train.shape, y_test.shape
    ((8, 2), (2,))
    """
    X = check_features(X)
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        kind = "text" if y.dtype.kind in "US" else f"values of dtype {y.dtype}"
        raise ValueError(f"y must be numbers (class indices or regression targets), got {kind}")
    if y.ndim not in (1, 2):
        raise ValueError(f"y must be 1-D (or 2-D, one row per sample), got shape {y.shape}")
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}: they must match one to one")
    if not np.isfinite(y).all():
        raise ValueError("y contains NaN or infinite values: remove or replace them first")
    if len(X) < 2:
        raise ValueError("train_test_split needs at least 2 rows (one to train on, one to "
                         f"test), got {len(X)}")
    test_fraction = check_number("test_fraction", test_fraction, 0.0, 1.0, low_open=True,
                                 high_open=True)
    seed = check_int("seed", seed, 0, 2**32 - 1)
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = max(1, min(len(X) - 1, round(test_fraction * len(X))))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


# --- TensorFlow Playground's data sets, at its difficulty -------------------------------------
# The same point clouds as playground.tensorflow.org (src/dataset.ts), on its [-6, 6] square:
# students compare the two side by side. Our ``noise`` in [0, 1] is its noise slider's 0-50 %.
# A registry of their own (``make_tf_dataset``), beside DATASETS: every lesson that offers
# DATASETS names each of them, and these are the playground's.
TF_DATASETS = MappingProxyType({
    "tf_circle": DatasetInfo("classification", 2, 2, (2,)),
    "tf_xor": DatasetInfo("classification", 2, 2, (2,)),
    "tf_gaussian": DatasetInfo("classification", 2, 2, (2,)),
    "tf_spiral": DatasetInfo("classification", 2, 2, (2,)),
    "tf_plane": DatasetInfo("regression", 2, 0, ()),
    "tf_multi_gaussian": DatasetInfo("regression", 2, 0, ()),
})
_TF_NOISE = 0.5  # its slider stops at 50 %
_TF_RADIUS = 6.0


def _tf_jitter(rng, n, noise, half_width):
    """The displacement TF Playground uses to decide a noisy point's label: uniform in
    [-half_width, half_width] per coordinate, scaled by the noise."""
    return rng.uniform(-half_width, half_width, (n, 2)) * noise * _TF_NOISE


def _tf_circle(n, noise, rng, k):
    """Half the points inside radius 2.5, half in the ring 3.5-5; a point's label is decided
    by where its jittered copy falls, so noise mislabels points near the gap."""
    inner = n // 2
    r = np.concatenate([rng.uniform(0.0, 2.5, inner), rng.uniform(3.5, 5.0, n - inner)])
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    moved = X + _tf_jitter(rng, n, noise, 5.0)
    return X, (np.hypot(moved[:, 0], moved[:, 1]) >= 2.5).astype(int)


def _tf_xor(n, noise, rng, k):
    """Uniform in [-5, 5]^2 pushed 0.3 away from both axes; class 0 where x1 x2 >= 0 (for the
    jittered point), as in TF Playground's quadrant pattern."""
    X = rng.uniform(-5.0, 5.0, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)
    moved = X + _tf_jitter(rng, n, noise, 5.0)
    return X, (moved[:, 0] * moved[:, 1] < 0).astype(int)


def _tf_gaussian(n, noise, rng, k):
    """Two Gaussian clouds around (2, 2) and (-2, -2); the variance grows from 0.5 to 4 with
    the noise, so they overlap at high noise."""
    variance = 0.5 + 3.5 * min(noise, 1.0)
    first = n // 2
    centres = np.where(np.arange(n)[:, None] < first, 2.0, -2.0)
    X = centres + rng.normal(0.0, np.sqrt(variance), (n, 2))
    return X, (np.arange(n) >= first).astype(int)


def _tf_spiral(n, noise, rng, k):
    """Two arms of 1.75 turns each, radius growing from 0 to 5 along the arm, the second arm
    turned by half a turn; noise is uniform jitter of up to its value in each coordinate."""
    first = n // 2
    X, y = [], []
    for label, count, turn in ((0, first, 0.0), (1, n - first, np.pi)):
        s = np.arange(count) / count
        t = 1.75 * 2.0 * np.pi * s + turn
        X.append(np.column_stack([5.0 * s * np.sin(t), 5.0 * s * np.cos(t)]))
        y.append(np.full(count, label))
    X = np.vstack(X) + rng.uniform(-1.0, 1.0, (n, 2)) * noise * _TF_NOISE
    return X, np.concatenate(y)


def _tf_plane(n, noise, rng, k):
    """Target (x1 + x2) / 10 of the jittered point, for points uniform in [-6, 6]^2 (so up to
    ±1.2: TF Playground's scale maps [-10, 10] to [-1, 1] without clamping)."""
    X = rng.uniform(-_TF_RADIUS, _TF_RADIUS, (n, 2))
    moved = X + _tf_jitter(rng, n, noise, _TF_RADIUS)
    return X, (moved[:, 0] + moved[:, 1]) / 10.0


_TF_GAUSSIANS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1],
                          [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]], dtype=np.float64)


def _tf_multi_gaussian(n, noise, rng, k):
    """Six bumps of alternating sign on a 3 x 2 grid: the target is the bump of largest
    magnitude at the jittered point, falling linearly from ±1 at its centre to 0 at distance 2."""
    X = rng.uniform(-_TF_RADIUS, _TF_RADIUS, (n, 2))
    moved = X + _tf_jitter(rng, n, noise, _TF_RADIUS)
    distance = np.hypot(moved[:, None, 0] - _TF_GAUSSIANS[:, 0],
                        moved[:, None, 1] - _TF_GAUSSIANS[:, 1])
    bumps = _TF_GAUSSIANS[:, 2] * np.clip(1.0 - distance / 2.0, 0.0, 1.0)
    strongest = np.argmax(np.abs(bumps), axis=1)
    return X, bumps[np.arange(n), strongest]


_TF_GENERATORS = {
    "tf_circle": _tf_circle, "tf_xor": _tf_xor, "tf_gaussian": _tf_gaussian,
    "tf_spiral": _tf_spiral, "tf_plane": _tf_plane, "tf_multi_gaussian": _tf_multi_gaussian,
}


def make_tf_dataset(name, n_samples=200, noise=0.0, seed=0):
    """One of TensorFlow Playground's data sets (``TF_DATASETS``) as ``(X, y)``: X float64
    (n_samples, 2) on its [-6, 6] square; y int64 labels 0/1 (0 is its blue, "positive" class)
    or float64 targets. ``noise`` in [0, 1] is its noise slider's 0 to 50 %.

    >>> X, y = make_tf_dataset("tf_spiral", n_samples=200, seed=0)
    >>> X.shape, sorted(set(y.tolist()))
    ((200, 2), [0, 1])
    """
    check_choice("data set", name, list(TF_DATASETS))
    n_samples = check_int("n_samples", n_samples, 2, MAX_SAMPLES)
    noise = check_number("noise", noise, 0.0, 1.0)
    seed = check_int("seed", seed, 0, 2**32 - 1)
    X, y = _TF_GENERATORS[name](n_samples, noise, np.random.default_rng(seed), 2)
    return _as_data(X, y, TF_DATASETS[name].task)
