"""Input validation at the public boundary: every message says what to do about it."""

import math
import numbers
import operator

import numpy as np

# A network beyond this many parameters is not a classroom toy: refuse it before allocating.
# The deepest demo (20 hidden layers of 512 units on 512 inputs) has 5.26 million.
MAX_PARAMETERS = 6_000_000


def check_parameter_count(n_parameters, what="this network"):
    """Refuse, before anything is allocated, a size beyond ``MAX_PARAMETERS``."""
    if n_parameters > MAX_PARAMETERS:
        raise ValueError(
            f"{what} would have {n_parameters:,} parameters; the limit is "
            f"{MAX_PARAMETERS:,}: use fewer or narrower layers"
        )
    return n_parameters


def check_choice(kind, name, choices):
    """Return ``name`` if it is one of ``choices``; else raise ValueError naming the valid ones."""
    if not isinstance(name, str) or name not in choices:
        raise ValueError(f"unknown {kind} {name!r}; choose one of: {', '.join(choices)}")
    return name


def check_number(name, value, low=-np.inf, high=np.inf, *, low_open=False, high_open=False):
    """Return ``value`` as a float if it is a finite real number in the given range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    try:
        value = float(value)  # an integer past 1.8e308, such as 10**400, cannot be one
    except OverflowError:
        raise ValueError(f"{name} must be a finite number, got a number beyond the float "
                         f"range (about ±1.8e308)") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high:
        left, right = ("(" if low_open else "["), (")" if high_open else "]")
        raise ValueError(f"{name} must be in {left}{low:g}, {high:g}{right}, got {value:g}")
    return value


def check_int(name, value, low, high=None):
    """Return ``value`` as an int if it is a whole number in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    value = int(value)
    if value < low or (high is not None and value > high):
        bound = f"at least {low}" if high is None else f"between {low} and {high}"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return value


# What numpy's dtype kinds are, in words, for the messages below.
_KIND_NAMES = {"c": "complex numbers", "O": "Python objects", "U": "text", "S": "bytes",
               "M": "dates", "m": "time spans", "V": "raw records"}


def real_array(x, what):
    """Return ``x`` as an array of real numbers: float dtypes are kept (float32, float64,
    longdouble), booleans and integers become float64; anything else is refused.

    One dtype check, so it is cheap enough for every forward pass.
    """
    x = np.asarray(x)
    kind = x.dtype.kind
    if kind == "f":
        return x
    if kind in "biu":
        return x.astype(np.float64)
    raise ValueError(f"{what} must be real numbers, got {_KIND_NAMES.get(kind, 'values')} "
                     f"(dtype {x.dtype})")


def check_features(X, n_features=None, name="X", expected_by="the network expects"):
    """Return X as a finite float64 matrix of shape (n_samples, n_features).

    ``name`` and ``expected_by`` word the messages, e.g. "X_test has 3 feature column(s) but
    X_train has 2" for ``name="X_test", expected_by="X_train has"``.
    """
    try:
        X = np.asarray(X)
    except ValueError:  # rows of different lengths
        raise ValueError(f"{name} must be a table of numbers with rows of equal length") from None
    if X.dtype.kind == "c":  # converting would silently drop the imaginary parts
        raise ValueError(f"{name} must be real numbers, got complex numbers")
    try:
        X = X.astype(np.float64, copy=False)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a table of numbers") from None
    if X.ndim == 1 and n_features == 1:
        X = X.reshape(-1, 1)
    if X.ndim != 2:
        hint = ""
        if X.ndim == 1 and n_features is not None and len(X) == n_features:
            hint = ": use X.reshape(1, -1) for one sample"  # one value per feature: one row
        elif X.ndim == 1:
            hint = ": use X.reshape(-1, 1) for a single feature"
        raise ValueError(f"{name} must be 2-D (samples x features), got {X.ndim}-D{hint}")
    if X.shape[0] == 0:
        raise ValueError(f"{name} is empty: it needs at least one sample")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(
            f"{name} has {X.shape[1]} feature column(s) but {expected_by} {n_features}"
        )
    if not np.isfinite(X).all():
        raise ValueError(f"{name} contains NaN or infinite values: remove or replace them first")
    return X


def check_labels(y, n_samples, n_classes, samples="X has", classes=None):
    """Return class labels as int64 indices in [0, n_classes); one-hot rows are accepted.

    ``samples`` words the count mismatch: "X has 2 samples but y has 3 labels"; ``classes``
    what the labels are for ("for a network with 2 outputs" unless given)."""
    if classes is None:
        classes = f"for a network with {n_classes} outputs"
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise ValueError("class labels must be whole numbers (0, 1, 2, ...)")
    if y.ndim == 2 and y.shape[1] == n_classes:
        if not np.isfinite(y).all() or not np.all((y == 0) | (y == 1)) or not np.all(y.sum(1) == 1):
            raise ValueError("one-hot labels must have exactly one 1 per row and 0 elsewhere")
        y = y.argmax(axis=1)
    if y.ndim != 1:
        raise ValueError(f"y must be a 1-D array of class indices, got shape {y.shape}")
    if y.shape[0] != n_samples:
        raise ValueError(f"{samples} {n_samples} samples but y has {y.shape[0]} labels")
    if y.dtype.kind == "f":
        if not np.isfinite(y).all() or np.any(y != np.round(y)):
            raise ValueError("class labels must be whole numbers (0, 1, 2, ...)")
    elif y.dtype.kind not in "iub":
        raise ValueError("class labels must be whole numbers (0, 1, 2, ...)")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(
            f"class labels must be between 0 and {n_classes - 1} {classes}, got labels from "
            f"{y.min():g} to {y.max():g}"
        )
    return y.astype(np.int64)


def check_targets(y, n_samples, n_outputs):
    """Return regression targets as a finite float64 matrix (n_samples, n_outputs)."""
    try:
        y = np.asarray(y)
        if y.dtype.kind == "c":  # converting would silently drop the imaginary parts
            raise TypeError
        y = y.astype(np.float64, copy=False)
    except (TypeError, ValueError):
        raise ValueError("regression targets must be real numbers") from None
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if y.ndim != 2 or y.shape[1] != n_outputs:
        raise ValueError(f"y must have {n_outputs} target column(s), got shape {y.shape}")
    if y.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} samples but y has {y.shape[0]} targets")
    if not np.isfinite(y).all():
        raise ValueError("y contains NaN or infinite values: remove or replace them first")
    return y


def check_float_range(values, dtype, what, why):
    """Refuse finite float64 ``values`` beyond the range of a narrower float ``dtype`` (float32:
    about ±3.4e38), which converting to it would turn into infinity; ``why`` says why it is
    that dtype. float64 (and wider) takes every finite value."""
    dtype = np.dtype(dtype)
    if dtype.itemsize >= 8 or not np.size(values):
        return
    largest = np.finfo(dtype).max
    if np.abs(values).max() > largest:
        raise ValueError(f"{what} has values beyond {dtype}'s range (±{largest:.2g}), and {why}")


def parameter(name):
    """A layer attribute holding a parameter (or gradient) array that keeps its identity.

    Inside an ``MLP`` every weight, bias and gradient is a view into one flat buffer, which is
    what the optimiser updates. A plain ``layer.W = new_array`` would swap the view for an
    unrelated array that training then silently ignores. With ``W = parameter("W")`` in the
    class body, assigning to ``layer.W`` copies the new values *into* the existing array (same
    shape, finite real numbers) and refuses anything else; reading ``layer.W`` is a plain
    attribute read of the array stored under ``_W``.
    """
    slot = "_" + name

    def assign(layer, value):
        current = layer.__dict__.get(slot)
        if current is None:  # the constructor's first assignment (or a model binding a view)
            layer.__dict__[slot] = value
            return
        try:
            new = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{type(layer).__name__}.{name} must be an array of numbers, "
                             f"got {type(value).__name__}") from None
        if new.shape != current.shape:
            raise ValueError(
                f"{type(layer).__name__}.{name} has shape {current.shape}, got shape "
                f"{new.shape}: a parameter keeps its shape (its values are copied in place, "
                f"so a model's flat buffer stays connected); build a new {type(layer).__name__} "
                f"for a new shape"
            )
        if not np.isfinite(new).all():
            raise ValueError(f"{type(layer).__name__}.{name} must be finite: the new values "
                             f"contain NaN or infinity")
        check_float_range(new, current.dtype, f"{type(layer).__name__}.{name}",
                          f"the network stores it in {current.dtype}")
        np.copyto(current, new)

    return property(operator.attrgetter(slot), assign, doc=f"the layer's {name} array")


def check_forward_done(obj, kept):
    """Refuse a backward pass before any forward pass: ``kept`` is what forward stored for it
    (still the class's None), and without it numpy would only say that None has no ``.T``."""
    if kept is None:
        raise RuntimeError(f"{type(obj).__name__}.backward needs a forward pass first: backward "
                           f"uses what forward kept (for a whole network: net.loss(X, y), then "
                           f"net.backward())")


def upstream_gradient(obj, dout, shape, what):
    """``dout`` as real numbers of ``shape`` (what the last forward pass gave out), for
    ``obj.backward``: another shape would broadcast into a gradient of the wrong shape, or
    fail inside numpy's matmul."""
    dout = real_array(dout, what)
    if dout.shape != shape:
        raise ValueError(f"{type(obj).__name__}.backward: the {what} has shape {dout.shape}, "
                         f"but the last forward pass gave out shape {shape}: give one value "
                         f"per output")
    return dout


def bind_parameter(layer, name, array):
    """Make ``layer``'s parameter ``name`` *be* ``array`` (e.g. a view into a model's buffer)."""
    layer.__dict__["_" + name] = array
