"""The playground's files: a CSV of data to upload, network weights (npz) to download and load
back, and the training history as CSV.

Every upload is refused with an ``UploadError`` (a code the page translates, and its details)
before anything large is allocated.
"""

import csv
import io
import math
import zipfile

import numpy as np

from nn_core import ACTIVATIONS, make_dataset
from pages.playground.model import (
    FEATURES,
    HISTORY_COLUMNS,
    MAX_CLASSES,
    MAX_HIDDEN,
    MAX_UNITS,
    NetworkSpec,
)

MAX_UPLOAD_BYTES = 256 * 1024
MAX_ROWS = 5000
MIN_ROWS = 10
UPLOAD_COLUMNS = 3
REGRESSION_HEADER = "target"
MAX_ABS_VALUE = 1e9  # larger numbers overflow when squared as features; rescale them first


class UploadError(ValueError):
    """A rejected file: ``code`` names the problem (the app translates it), ``fields`` the
    details; ``str()`` is a full English sentence."""

    MESSAGES = {
        "too_large": "the file is {size:,} bytes; the limit is {limit:,} bytes",
        "not_text": "this is not a CSV file (it is not UTF-8 text)",
        "too_many_rows": "the file has {rows:,} rows; the limit is {limit:,}",
        "too_few_rows": "the file has {rows} data rows; at least {limit} are needed",
        "wrong_columns": "line {line} has {columns} columns; the file needs exactly 3: "
                         "x1, x2 and a label (or target)",
        "not_numeric": "line {line}, column {column}: {value!r} is not a number",
        "missing": "line {line}, column {column} is empty or NaN: fill in or remove missing values",
        "out_of_range": "line {line}, column {column}: {value!r} is too large; keep values "
                        "between -{limit:g} and {limit:g}",
        "one_class": "every row has the same label: a classifier needs at least 2 classes",
        "too_many_classes": "the labels have {classes} different values; the limit is {limit} "
                            "classes (name the third column 'target' for a regression)",
        "not_npz": "this is not a weights file saved by the playground (.npz)",
        "bad_weights": "the weights file is damaged or does not match: {detail}",
    }

    def __init__(self, code, **fields):
        self.code, self.fields = code, fields
        super().__init__(self.MESSAGES[code].format(**fields))


def template_csv():
    """A small example CSV in the format uploads must follow."""
    X, y = make_dataset("moons", n_samples=40, noise=0.1, seed=0)
    lines = ["x1,x2,label"] + [f"{a:.4f},{b:.4f},{c}" for (a, b), c in zip(X, y, strict=True)]
    return "\n".join(lines) + "\n"


def parse_csv(content):
    """Read an uploaded CSV (bytes) with columns x1, x2, label (or x1, x2, target): returns
    (X, y, task). Size, row and column limits are checked before any value is parsed.

    Labels are remapped to 0..k-1 in sorted order. A third column headed ``target`` makes it
    a regression; otherwise the labels must be whole numbers with 2 to 5 classes.

    >>> X, y, task = parse_csv(b"x1,x2,label\\n" + b"0,0,3\\n1,1,7\\n" * 5)
    >>> task, sorted(set(y.tolist())), X.shape
    ('classification', [0, 1], (10, 2))
    """
    if len(content) > MAX_UPLOAD_BYTES:
        raise UploadError("too_large", size=len(content), limit=MAX_UPLOAD_BYTES)
    if b"\x00" in content:
        raise UploadError("not_text")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError("not_text") from None
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_ROWS + 1:
        raise UploadError("too_many_rows", rows=len(lines), limit=MAX_ROWS)
    rows = list(csv.reader(lines))
    for number, row in enumerate(rows, start=1):
        if len(row) != UPLOAD_COLUMNS:
            raise UploadError("wrong_columns", line=number, columns=len(row))
    header, rows, first_line = _split_header(rows)
    if len(rows) < MIN_ROWS:
        raise UploadError("too_few_rows", rows=len(rows), limit=MIN_ROWS)
    values = np.array([[_cell(cell, first_line + i, j + 1) for j, cell in enumerate(row)]
                       for i, row in enumerate(rows)])
    X, labels = values[:, :2], values[:, 2]
    if header is not None and header[2].strip().lower() == REGRESSION_HEADER:
        return X, labels, "regression"
    return X, _class_indices(labels, first_line), "classification"


def _split_header(rows):
    """(header or None, data rows, line number of the first data row)."""
    if not rows:
        return None, rows, 1
    try:
        [float(cell) for cell in rows[0]]
    except ValueError:
        return rows[0], rows[1:], 2
    return None, rows, 1


def _cell(text, line, column):
    text = text.strip()
    if text == "" or text.lower() in ("nan", "na", "null", "none"):
        raise UploadError("missing", line=line, column=column)
    try:
        value = float(text)
    except ValueError:
        raise UploadError("not_numeric", line=line, column=column, value=text[:20]) from None
    if not math.isfinite(value):
        raise UploadError("missing", line=line, column=column)
    if abs(value) > MAX_ABS_VALUE:
        raise UploadError("out_of_range", line=line, column=column, value=text[:20],
                          limit=MAX_ABS_VALUE)
    return value


def _class_indices(labels, first_line):
    not_whole = np.flatnonzero(labels != np.round(labels))
    if not_whole.size:
        raise UploadError("too_many_classes", classes=len(np.unique(labels)), limit=MAX_CLASSES)
    classes, indices = np.unique(labels, return_inverse=True)
    if len(classes) < 2:
        raise UploadError("one_class")
    if len(classes) > MAX_CLASSES:
        raise UploadError("too_many_classes", classes=len(classes), limit=MAX_CLASSES)
    return indices.astype(np.int64)


def weights_to_npz(run, theta):
    """The network's architecture and weights ``theta`` as the bytes of an .npz file."""
    buffer = io.BytesIO()
    spec = run.spec
    np.savez(buffer, theta=theta, hidden=np.array(spec.hidden, dtype=np.int64),
             activations=np.array(spec.activations, dtype="U16"),
             features=np.array(spec.features, dtype="U8"), task=np.array(spec.task),
             n_outputs=np.array(spec.n_outputs), init=np.array(spec.init),
             seed=np.array(spec.seed))
    return buffer.getvalue()


MAX_NPZ_BYTES = 512 * 1024


def weights_from_npz(content):
    """(NetworkSpec, theta) from an uploaded .npz, validated like an upload: size limits
    (of the file and of what it unpacks to) before loading, no pickles, and every field checked."""
    if len(content) > MAX_NPZ_BYTES:
        raise UploadError("too_large", size=len(content), limit=MAX_NPZ_BYTES)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UploadError("not_npz") from None
    if unpacked > MAX_NPZ_BYTES:
        raise UploadError("too_large", size=unpacked, limit=MAX_NPZ_BYTES)
    try:
        with np.load(io.BytesIO(content), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError):
        raise UploadError("not_npz") from None
    try:
        spec = _spec_from_arrays(arrays)
        theta = np.asarray(arrays["theta"], dtype=np.float64)
        expected = spec.build_model().theta.shape
    except (KeyError, TypeError, ValueError) as error:
        raise UploadError("bad_weights", detail=str(error)) from None
    if theta.shape != expected:
        raise UploadError("bad_weights", detail=f"{theta.size} weights for a network that has "
                                                f"{expected[0]}")
    if not np.isfinite(theta).all():
        raise UploadError("bad_weights", detail="some weights are NaN or infinite")
    return spec, theta


def _spec_from_arrays(arrays):
    hidden = tuple(int(n) for n in np.asarray(arrays["hidden"], dtype=np.int64).ravel())
    activations = tuple(str(a) for a in np.asarray(arrays["activations"]).ravel())
    features = tuple(str(f) for f in np.asarray(arrays["features"]).ravel())
    task, init = str(arrays["task"]), str(arrays["init"])
    n_outputs, seed = int(arrays["n_outputs"]), int(arrays["seed"])
    if len(hidden) > MAX_HIDDEN or any(not 1 <= n <= MAX_UNITS for n in hidden):
        raise ValueError(f"0 to {MAX_HIDDEN} hidden layers of 1 to {MAX_UNITS} units allowed")
    if len(activations) != len(hidden) or any(a not in ACTIVATIONS for a in activations):
        raise ValueError("the activations do not match the hidden layers")
    if not features or len(set(features)) != len(features) or any(
            f not in FEATURES for f in features):
        raise ValueError("unknown or repeated input features")
    if task not in ("classification", "regression"):
        raise ValueError(f"unknown task {task!r}")
    if not (2 <= n_outputs <= MAX_CLASSES if task == "classification" else n_outputs == 1):
        raise ValueError(f"{n_outputs} outputs do not fit a {task}")
    if not 0 <= seed < 2**32:
        raise ValueError("the seed is out of range")
    return NetworkSpec(features, hidden, activations, task, n_outputs, init, seed)


def history_to_csv(history):
    """The per-epoch history (dict of equal-length lists) as CSV text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HISTORY_COLUMNS)
    for row in zip(*(history[name] for name in HISTORY_COLUMNS), strict=True):
        writer.writerow([f"{value:.6g}" if isinstance(value, float) else value for value in row])
    return out.getvalue()
