"""Writes the upload fixtures of tests/test_uploads.py: files a student (or anybody) could
upload to the playground, each broken in one way that once gave a traceback or a misleading
message. Run it from the repository root to rebuild them (the output is byte-for-byte the same):

    python tests/files/make_bad_uploads.py

The .npz files are written member by member with a fixed timestamp, so they are reproducible;
a few have their zip headers patched afterwards (encrypted flag, deflate64 method), which no
normal tool would write but any file on the internet can claim.
"""

import io
import struct
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
STAMP = (2020, 1, 1, 0, 0, 0)

# A network [2, 4, 4, 2] (features x1, x2) has (2+1)*4 + (4+1)*4 + (4+1)*2 = 42 parameters.
GOOD = {
    "theta": np.linspace(-1.0, 1.0, 42),
    "hidden": np.array([4, 4], dtype=np.int64),
    "activations": np.array(["tanh", "tanh"], dtype="U16"),
    "features": np.array(["x1", "x2"], dtype="U8"),
    "task": np.array("classification"),
    "n_outputs": np.array(2),
    "init": np.array("xavier"),
    "seed": np.array(0),
}


def npy(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def npz(members, method=zipfile.ZIP_STORED):
    """An .npz archive of {name: .npy bytes} with a fixed timestamp."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=STAMP)
            info.compress_type = method
            archive.writestr(info, data)
    return buffer.getvalue()


def arrays(**changes):
    """The good file's members as .npy bytes, with ``changes`` (None drops a member)."""
    members = {**GOOD, **changes}
    return {name: npy(value) for name, value in members.items() if value is not None}


def patch_headers(content, flag_bits=None, method=None):
    """Rewrite the general-purpose flags and/or compression method of every entry, in the
    local headers and in the central directory (where readers look first)."""
    data = bytearray(content)
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            if flag_bits is not None:
                data[start + flags_at:start + flags_at + 2] = struct.pack("<H", flag_bits)
            if method is not None:
                data[start + flags_at + 2:start + flags_at + 4] = struct.pack("<H", method)
            start += 4
    return bytes(data)


def huge_header():
    """theta.npy whose header declares 10^12 float64 numbers (8 TB); the data is 42 numbers."""
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }"
    header = header.ljust(117) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + \
        np.zeros(42).tobytes()


def files():
    members = arrays()
    csv_rows = "".join(f"{i % 5},{i % 3},{i % 2}\n" for i in range(20))
    return {
        "good.npz": npz(members),
        "seed_123456.npz": npz(arrays(seed=np.array(123456))),
        "huge_shape.npz": npz({**members, "theta": huge_header()}),
        "encrypted.npz": patch_headers(npz(members), flag_bits=0x1),
        "deflate64.npz": patch_headers(npz(members, zipfile.ZIP_DEFLATED), method=9),
        "theta_42x1.npz": npz(arrays(theta=GOOD["theta"].reshape(42, 1))),
        "missing_hidden.npz": npz(arrays(hidden=None)),
        "markdown_activation.npz": npz(arrays(activations=np.array(
            ["[click me](https://example.com/x)", "tanh"], dtype="U40"))),
        "object_theta.npz": npz({**members, "theta": npy(np.zeros(42)).replace(
            b"'<f8'", b"'|O' ", 1)}),
        "huge_cell.csv": ("x1,x2,label\n1," + "9" * 140_000 + ",0\n" + csv_rows).encode(),
        "unclosed_quote.csv": ('x1,x2,label\n1,"2,0\n' + csv_rows).encode(),
        "half_labels.csv": ("x1,x2,label\n" + "".join(
            f"{i},{i % 4},{0.5 + i % 2}\n" for i in range(20))).encode(),
        "markdown_cell.csv": ("x1,x2,label\n" + csv_rows +
                              "1,[click me](https://example.com/x),0\n").encode(),
    }


def main():
    for name, content in files().items():
        (HERE / name).write_bytes(content)
        print(f"{name:28s} {len(content):>8,} bytes")


if __name__ == "__main__":
    main()
