"""The playground's files: a CSV of data to upload, network weights (npz) to download and load
back, and the training history as CSV.

Every upload is refused with an ``UploadError`` (a code the page translates, and its details)
before anything large is allocated, and no error while reading a file escapes as anything else:
a file is the student's (or anybody's) bytes, so every limit is checked on what the file
*declares* before it is trusted, and every parser error becomes a message.
"""

import ast
import csv
import io
import math
import re
import zipfile
import zlib
from dataclasses import replace

import numpy as np

from nn_core import ACTIVATIONS, INITIALIZERS, make_dataset
from pages.playground.model import (
    FEATURES,
    HISTORY_COLUMNS,
    MAX_CLASSES,
    MAX_HIDDEN,
    MAX_UNITS,
    NetworkSpec,
    available_features,
)

MAX_UPLOAD_BYTES = 256 * 1024
MAX_ROWS = 5000
MIN_ROWS = 10
UPLOAD_COLUMNS = 3
REGRESSION_HEADER = "target"
MAX_ABS_VALUE = 1e9  # larger numbers overflow when squared as features; rescale them first
# Three numbers and two commas fit in a few dozen characters; a longer line is not data. (The
# csv module's own cap, 131,072 characters a field, is process-wide state: it stays alone.)
MAX_LINE_CHARS = 200
QUOTED_CHARS = 40  # text from a file is cut to this length when a message quotes it

MAX_NPZ_BYTES = 512 * 1024
MAX_NPY_HEADER = 4096  # numpy writes headers of 128 bytes or a little more
NPZ_FIELDS = ("theta", "hidden", "activations", "features", "task", "n_outputs", "init", "seed")
_NPY_MAGIC = b"\x93NUMPY"
_ZIP_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
_ZIP_METHOD_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma", 9: "deflate64",
                     1: "shrink", 6: "implode", 93: "zstandard", 99: "AES"}


class UploadError(ValueError):
    """A rejected file: ``code`` names the problem (the app translates it as
    ``pg_upload_error_<code>``), ``fields`` the details; ``str()`` is a full English sentence.

    Fields named in ``FILE_TEXT`` hold text copied from the file: whoever shows them must show
    them as plain text (``views.upload_error_text`` quotes them as code).
    """

    MESSAGES = {
        "too_large": "the file is {size:,} bytes; the limit is {limit:,} bytes",
        "not_text": "this is not a CSV file (it is not UTF-8 text)",
        "too_many_rows": "the file has {rows:,} rows; the limit is {limit:,}",
        "too_few_rows": "the file has {rows} data rows; at least {limit} are needed",
        "line_too_long": "line {line} is longer than {limit} characters: this is not a file "
                         "of three numbers per line",
        "csv_broken": "line {line} cannot be read as CSV (an unclosed quote?)",
        "wrong_columns": "line {line} has {columns} columns; the file needs exactly 3: "
                         "x1, x2 and a label (or target)",
        "not_numeric": "line {line}, column {column}: {value} is not a number",
        "missing": "line {line}, column {column} is empty or NaN: fill in or remove missing values",
        "out_of_range": "line {line}, column {column}: {value} is too large; keep values "
                        "between -{limit:g} and {limit:g}",
        "not_whole": "line {line}: the label {value} is not a whole number; class labels are "
                     "whole numbers (name the third column 'target' for a regression)",
        "one_class": "every row has the same label: a classifier needs at least 2 classes",
        "too_many_classes": "the labels have {classes} different values; the limit is {limit} "
                            "classes (name the third column 'target' for a regression)",
        "not_standardisable": "a column cannot be standardised: in the training rows its "
                              "values are almost equal (they differ by tiny amounts such as "
                              "1e-300), and other rows are far from them; rescale that column",
        "not_npz": "this is not a weights file saved by the playground (.npz), or it is damaged",
        "npz_encrypted": "{member} in the file is encrypted: save the weights again without a "
                         "password",
        "npz_compression": "{member} in the file is compressed with {method}; only files saved "
                           "by the playground (stored or deflate) can be read",
        "npz_member_too_large": "{member} in the file unpacks to {size:,} bytes; the limit is "
                                "{limit:,} bytes",
        "npz_not_array": "{member} in the file is not a numpy array (.npy)",
        "npz_not_plain": "{member} in the file holds Python objects or records, which are "
                         "never loaded; the file needs plain numbers and text",
        "npz_missing": "the file has no {field}: it was not saved by the playground",
        "npz_bad_value": "{field} in the file is not what the playground saves there",
        "npz_hidden": "the file's network has hidden layers outside what the playground "
                      "builds: 0 to {layers} layers of 1 to {units} units",
        "npz_activations": "the file names {count} activations for {layers} hidden layers",
        "npz_activation": "the file names an unknown activation: {value}",
        "npz_features": "the file's input features ({value}) are unknown or repeated",
        "npz_task": "the file's task {value} is neither classification nor regression",
        "npz_outputs": "the file's network has {outputs} outputs, which does not fit a "
                       "{task} (2 to {limit} classes, or 1 value)",
        "npz_init": "the file names an unknown initialisation: {value}",
        "npz_seed": "the file's seed is not a whole number from 0 to 2³²−1",
        "npz_theta_shape": "theta in the file has shape {shape}; it should be a flat list of "
                           "{expected:,} numbers",
        "npz_theta_size": "theta in the file has {size:,} numbers; a network with these layers "
                          "has {expected:,}",
        "npz_theta_nan": "some weights in the file are NaN or infinite",
    }
    FILE_TEXT = frozenset({"value", "member"})

    def __init__(self, code, **fields):
        self.code, self.fields = code, fields
        super().__init__(self.MESSAGES[code].format(**fields))


def quoted(text):
    """Text from a file, cut to ``QUOTED_CHARS`` with control characters replaced: what a
    message may repeat of it."""
    text = re.sub(r"[\x00-\x1f\x7f]", "\ufffd", str(text))
    return text if len(text) <= QUOTED_CHARS else text[:QUOTED_CHARS - 1] + "…"


# --- CSV data ---------------------------------------------------------------------------------
def template_csv():
    """A small example CSV in the format uploads must follow."""
    X, y = make_dataset("moons", n_samples=40, noise=0.1, seed=0)
    lines = ["x1,x2,label"] + [f"{a:.4f},{b:.4f},{c}" for (a, b), c in zip(X, y, strict=True)]
    return "\n".join(lines) + "\n"


def parse_csv(content):
    """Read an uploaded CSV (bytes) with columns x1, x2, label (or x1, x2, target): returns
    (X, y, task). Size, row, line and column limits are checked before any value is parsed.

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
    numbered = [(number, line) for number, line in enumerate(text.splitlines(), start=1)
                if line.strip()]
    if len(numbered) > MAX_ROWS + 1:
        raise UploadError("too_many_rows", rows=len(numbered), limit=MAX_ROWS)
    for number, line in numbered:
        if len(line) > MAX_LINE_CHARS:
            raise UploadError("line_too_long", line=number, limit=MAX_LINE_CHARS)
    rows = []
    for number, line in numbered:
        # One line at a time: a quote left open cannot swallow the lines after it.
        try:
            cells = next(csv.reader([line], strict=True))
        except csv.Error:
            raise UploadError("csv_broken", line=number) from None
        if len(cells) != UPLOAD_COLUMNS:
            raise UploadError("wrong_columns", line=number, columns=len(cells))
        rows.append((number, cells))
    header, rows = _split_header(rows)
    if len(rows) < MIN_ROWS:
        raise UploadError("too_few_rows", rows=len(rows), limit=MIN_ROWS)
    values = np.array([[_cell(cell, number, j + 1) for j, cell in enumerate(cells)]
                       for number, cells in rows])
    X, labels = values[:, :2], values[:, 2]
    if header is not None and header[2].strip().lower() == REGRESSION_HEADER:
        return X, labels, "regression"
    return X, _class_indices(labels, rows), "classification"


def _split_header(rows):
    """(header cells or None, the numbered data rows)."""
    if not rows:
        return None, rows
    try:
        [float(cell) for cell in rows[0][1]]
    except ValueError:
        return rows[0][1], rows[1:]
    return None, rows


def _cell(text, line, column):
    text = text.strip()
    if text == "" or text.lower() in ("nan", "na", "null", "none"):
        raise UploadError("missing", line=line, column=column)
    try:
        value = float(text)
    except ValueError:
        raise UploadError("not_numeric", line=line, column=column, value=text) from None
    if not math.isfinite(value):
        raise UploadError("missing", line=line, column=column)
    if abs(value) > MAX_ABS_VALUE:
        raise UploadError("out_of_range", line=line, column=column, value=text,
                          limit=MAX_ABS_VALUE)
    return value


def _class_indices(labels, rows):
    not_whole = np.flatnonzero(labels != np.round(labels))
    if not_whole.size:
        line, cells = rows[int(not_whole[0])]
        raise UploadError("not_whole", line=line, value=cells[2].strip())
    classes, indices = np.unique(labels, return_inverse=True)
    if len(classes) < 2:
        raise UploadError("one_class")
    if len(classes) > MAX_CLASSES:
        raise UploadError("too_many_classes", classes=len(classes), limit=MAX_CLASSES)
    return indices.astype(np.int64)


# --- weights ----------------------------------------------------------------------------------
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


def weights_from_npz(content):
    """(NetworkSpec, theta) from an uploaded .npz.

    The archive is read member by member without ``np.load``: each member's zip entry is
    checked (not encrypted, stored or deflate, a declared size within the limit), then its
    .npy header is parsed as a literal (``ast.literal_eval``) and its dtype and shape checked
    *before* any array is made, so a header declaring 10¹² numbers costs nothing. Object and
    record arrays (pickles) are never loaded. Every field is then checked for what the
    playground saves there.
    """
    if len(content) > MAX_NPZ_BYTES:
        raise UploadError("too_large", size=len(content), limit=MAX_NPZ_BYTES)
    arrays = _read_npz(content)
    spec = _spec_from_arrays(arrays)
    expected = spec.build_model().theta.size
    theta = arrays["theta"]
    if theta.dtype.kind not in "iuf":
        raise UploadError("npz_bad_value", field="theta")
    if theta.ndim != 1:
        raise UploadError("npz_theta_shape", shape=str(tuple(theta.shape)), expected=expected)
    if theta.size != expected:
        raise UploadError("npz_theta_size", size=theta.size, expected=expected)
    theta = theta.astype(np.float64)
    if not np.isfinite(theta).all():
        raise UploadError("npz_theta_nan")
    return spec, theta


def _read_npz(content):
    """{field: array} for the playground's fields in an .npz archive (others are ignored)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = {info.filename: info for info in archive.infolist()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise UploadError("not_npz") from None
    wanted = [members[f"{field}.npy"] for field in NPZ_FIELDS if f"{field}.npy" in members]
    if not wanted:
        raise UploadError("not_npz")
    for info in wanted:  # every entry is checked before any is unpacked
        if info.flag_bits & 0x1:
            raise UploadError("npz_encrypted", member=info.filename)
        if info.compress_type not in _ZIP_METHODS:
            method = _ZIP_METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
            raise UploadError("npz_compression", member=info.filename, method=method)
    declared = sum(info.file_size for info in wanted)
    if declared > MAX_NPZ_BYTES:
        raise UploadError("too_large", size=declared, limit=MAX_NPZ_BYTES)
    arrays = {}
    for info in wanted:
        try:
            with archive.open(info) as member:
                raw = member.read(MAX_NPZ_BYTES + 1)  # a lying size header reads no further
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
                RuntimeError, NotImplementedError):
            raise UploadError("not_npz") from None
        if len(raw) > MAX_NPZ_BYTES:
            raise UploadError("npz_member_too_large", member=info.filename, size=len(raw),
                              limit=MAX_NPZ_BYTES)
        arrays[info.filename[:-len(".npy")]] = _parse_npy(raw, info.filename)
    return arrays


def _parse_npy(raw, member):
    """The array in the bytes of one .npy file, after checking its header."""
    if len(raw) < 10 or not raw.startswith(_NPY_MAGIC):
        raise UploadError("npz_not_array", member=member)
    major = raw[6]
    if major == 1:
        length, start = int.from_bytes(raw[8:10], "little"), 10
    elif major in (2, 3):
        length, start = int.from_bytes(raw[8:12], "little"), 12
    else:
        raise UploadError("npz_not_array", member=member)
    if length > MAX_NPY_HEADER or start + length > len(raw):
        raise UploadError("npz_not_array", member=member)
    try:
        header = ast.literal_eval(raw[start:start + length].decode("utf-8" if major == 3
                                                                   else "latin-1"))
        descr, fortran, shape = header["descr"], header["fortran_order"], header["shape"]
    except (ValueError, SyntaxError, TypeError, KeyError, MemoryError, RecursionError,
            UnicodeDecodeError):
        raise UploadError("npz_not_array", member=member) from None
    if not (isinstance(shape, tuple) and all(type(n) is int and n >= 0 for n in shape)
            and len(shape) <= 8 and isinstance(fortran, bool) and isinstance(descr, str)):
        raise UploadError("npz_not_array", member=member)
    try:
        dtype = np.dtype(descr)
    except (TypeError, ValueError):
        raise UploadError("npz_not_array", member=member) from None
    if dtype.hasobject or dtype.fields is not None or dtype.kind not in "biufU" or \
            dtype.subdtype is not None:
        raise UploadError("npz_not_plain", member=member)
    nbytes = math.prod(shape) * dtype.itemsize  # Python integers: no overflow
    if nbytes > MAX_NPZ_BYTES:
        raise UploadError("npz_member_too_large", member=member, size=nbytes,
                          limit=MAX_NPZ_BYTES)
    data = raw[start + length:]
    if len(data) != nbytes:
        raise UploadError("not_npz")
    array = np.frombuffer(data, dtype=dtype).copy()
    return array.reshape(shape[::-1]).T if fortran else array.reshape(shape)


def _spec_from_arrays(arrays):
    for field in NPZ_FIELDS:
        if field not in arrays:
            raise UploadError("npz_missing", field=field)
    hidden = _integers(arrays["hidden"], "hidden")
    activations = _texts(arrays["activations"], "activations")
    features = _texts(arrays["features"], "features")
    task, init = _text(arrays["task"], "task"), _text(arrays["init"], "init")
    n_outputs, seed = _integer(arrays["n_outputs"], "n_outputs"), _integer(arrays["seed"], "seed")
    if len(hidden) > MAX_HIDDEN or any(not 1 <= n <= MAX_UNITS for n in hidden):
        raise UploadError("npz_hidden", layers=MAX_HIDDEN, units=MAX_UNITS)
    if len(activations) != len(hidden):
        raise UploadError("npz_activations", count=len(activations), layers=len(hidden))
    unknown = [a for a in activations if a not in ACTIVATIONS]
    if unknown:
        raise UploadError("npz_activation", value=unknown[0])
    if not features or len(set(features)) != len(features) or any(
            f not in FEATURES for f in features):
        raise UploadError("npz_features", value=", ".join(features))
    if task not in ("classification", "regression"):
        raise UploadError("npz_task", value=task)
    if not (2 <= n_outputs <= MAX_CLASSES if task == "classification" else n_outputs == 1):
        raise UploadError("npz_outputs", outputs=n_outputs, task=task, limit=MAX_CLASSES)
    if init not in INITIALIZERS:
        raise UploadError("npz_init", value=init)
    if not 0 <= seed < 2**32:
        raise UploadError("npz_seed")
    return NetworkSpec(features, hidden, activations, task, n_outputs, init, seed)


def _integers(array, field):
    if array.dtype.kind not in "iu" or array.ndim > 1:
        raise UploadError("npz_bad_value", field=field)
    return tuple(int(n) for n in array.ravel())


def _integer(array, field):
    if array.dtype.kind not in "iu" or array.size != 1:
        raise UploadError("npz_seed" if field == "seed" else "npz_bad_value", field=field)
    return int(array.ravel()[0])


def _texts(array, field):
    if array.dtype.kind != "U" or array.ndim > 1:
        raise UploadError("npz_bad_value", field=field)
    return tuple(str(text) for text in array.ravel())


def _text(array, field):
    if array.dtype.kind != "U" or array.size != 1:
        raise UploadError("npz_bad_value", field=field)
    return str(array.ravel()[0])


def weights_mismatch(loaded, spec, n_inputs):
    """Why weights saved for ``loaded`` cannot be used with the data the page has (whose
    network would be ``spec``, from ``n_inputs`` raw inputs): a (string key, fields) pair,
    or None when they fit. The seed only drew the initial weights, which the file replaces."""
    unusable = [f for f in loaded.features if f not in available_features(n_inputs)]
    if unusable:
        return "pg_weights_mismatch_inputs", {}
    if loaded.task != spec.task:
        return "pg_weights_mismatch_task", {"saved": loaded.task, "data": spec.task}
    if loaded.n_outputs != spec.n_outputs:
        return "pg_weights_mismatch_outputs", {"saved": loaded.n_outputs, "data": spec.n_outputs}
    if replace(loaded, seed=spec.seed) != spec:
        return "pg_weights_mismatch_network", {}
    return None


# --- history ----------------------------------------------------------------------------------
def history_to_csv(history):
    """The per-epoch history (dict of equal-length lists) as CSV text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HISTORY_COLUMNS)
    for row in zip(*(history[name] for name in HISTORY_COLUMNS), strict=True):
        writer.writerow([f"{value:.6g}" if isinstance(value, float) else value for value in row])
    return out.getvalue()
