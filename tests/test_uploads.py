"""Uploads that once broke the playground, as real files (tests/files/, written by
tests/files/make_bad_uploads.py): each is refused with a message that says what is wrong, in
both languages, and nothing a file says is trusted before it is checked."""

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from pages.playground.files import (
    MAX_NPZ_BYTES,
    UploadError,
    parse_csv,
    weights_from_npz,
    weights_mismatch,
)
from pages.playground.model import NetworkSpec
from pages.playground.strings import EN, ZH
from pages.playground.views import as_code, upload_error_text
from ui.strings import Translator

FILES = Path(__file__).resolve().parent / "files"


def refusal(name):
    """The UploadError the playground raises for the fixture file ``name``."""
    content = (FILES / name).read_bytes()
    parse = weights_from_npz if name.endswith(".npz") else parse_csv
    with pytest.raises(UploadError) as caught:
        parse(content)
    return caught.value


@pytest.mark.parametrize("name, code, fields", [
    # np.load raised MemoryError trying to allocate the declared 10^12 numbers.
    ("huge_shape.npz", "npz_member_too_large", {"size": 8 * 10**12, "limit": MAX_NPZ_BYTES}),
    # np.load raised RuntimeError ("password required") and NotImplementedError.
    ("encrypted.npz", "npz_encrypted", {"member": "theta.npy"}),
    ("deflate64.npz", "npz_compression", {"member": "theta.npy", "method": "deflate64"}),
    ("object_theta.npz", "npz_not_plain", {"member": "theta.npy"}),
    # Was "42 weights for a network that has 42".
    ("theta_42x1.npz", "npz_theta_shape", {"shape": "(42, 1)", "expected": 42}),
    # Was just "'hidden'".
    ("missing_hidden.npz", "npz_missing", {"field": "hidden"}),
    ("markdown_activation.npz", "npz_activation",
     {"value": "[click me](https://example.com/x)"}),
    # The csv module raised _csv.Error (field larger than 131,072 characters).
    ("huge_cell.csv", "line_too_long", {"line": 2}),
    ("unclosed_quote.csv", "csv_broken", {"line": 2}),
    # Was "2 different values; the limit is 5 classes".
    ("half_labels.csv", "not_whole", {"line": 2, "value": "0.5"}),
    ("markdown_cell.csv", "not_numeric", {"line": 22, "column": 2}),
])
def test_each_bad_file_says_what_is_wrong(name, code, fields):
    error = refusal(name)
    assert error.code == code
    assert fields.items() <= error.fields.items()
    for lang in ("en", "zh"):
        assert upload_error_text(Translator(lang), error)


def test_a_valid_file_with_a_large_seed_loads_and_fits():
    spec, theta = weights_from_npz((FILES / "seed_123456.npz").read_bytes())
    assert spec.seed == 123456 and theta.shape == (42,)
    page_spec = NetworkSpec(("x1", "x2"), (4, 4), ("tanh", "tanh"), "classification", 2,
                            "xavier", seed=9999)  # the seed box stops at 9,999
    assert weights_mismatch(spec, page_spec, n_inputs=2) is None


def test_a_mismatch_says_what_differs():
    spec, _ = weights_from_npz((FILES / "good.npz").read_bytes())
    three_classes = NetworkSpec(spec.features, spec.hidden, spec.activations,
                                "classification", 3)
    assert weights_mismatch(spec, three_classes, 2) == (
        "pg_weights_mismatch_outputs", {"saved": 2, "data": 3})
    assert weights_mismatch(spec, spec, n_inputs=1)[0] == "pg_weights_mismatch_inputs"
    for key in ("pg_weights_mismatch_outputs", "pg_weights_mismatch_inputs"):
        assert "{" not in EN[key].format(saved=2, data=3) + ZH[key].format(saved=2, data=3)


def test_text_from_a_file_is_shown_as_code_not_markdown():
    error = refusal("markdown_activation.npz")
    for lang in ("en", "zh"):
        text = upload_error_text(Translator(lang), error)
        assert "` [click me](https://example.com/x) `" in text
    assert as_code("a`b``c") == "``` a`b``c ```"  # a fence longer than any run inside
    long = UploadError("not_numeric", line=1, column=1, value="x" * 500 + "\x1b[31m")
    assert len(upload_error_text(Translator("en"), long)) < 200


def test_a_zip_bomb_is_refused_before_unpacking():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("theta.npy", b"\x00" * 5_000_000)
    with pytest.raises(UploadError) as caught:
        weights_from_npz(buffer.getvalue())
    assert caught.value.code == "too_large"


def test_every_refusal_has_a_message_in_both_languages():
    fields = dict(size=2_000_000, limit=5, rows=9, line=3, columns=2, column=1, value="abc",
                  classes=7, member="theta.npy", method="lzma", field="theta", layers=6,
                  units=64, count=3, outputs=7, task="regression", shape="(2, 1)",
                  expected=42)
    for code in UploadError.MESSAGES:
        for table in (EN, ZH):
            text = table[f"pg_upload_error_{code}"].format(**fields)
            assert text and "{" not in text
        assert str(UploadError(code, **fields))


def test_the_good_fixture_round_trips_its_numbers():
    spec, theta = weights_from_npz((FILES / "good.npz").read_bytes())
    assert spec.hidden == (4, 4) and np.array_equal(theta, np.linspace(-1, 1, 42))


# --- on the page ------------------------------------------------------------------------------
def upload(at, key, name):
    mime = "application/octet-stream" if name.endswith(".npz") else "text/csv"
    at.file_uploader(key=key).set_value((name, (FILES / name).read_bytes(), mime)).run()
    assert not at.exception
    return at


def test_a_failed_csv_load_stops_the_training_it_replaces(open_page):
    at = open_page("pages/playground/page.py", pg_dataset="upload")
    upload(at, "pg_csv_file", "half_labels.csv")
    assert at.error[0].value == EN["pg_upload_error_not_whole"].format(line=2, value="` 0.5 `")
    good = "x1,x2,label\n" + "".join(f"{i % 7},{i % 3},{i % 2}\n" for i in range(30))
    at.file_uploader(key="pg_csv_file").set_value(("ok.csv", good.encode(), "text/csv")).run()
    trainer = at.session_state["pg_trainer"]
    at.button(key="pg_play_button").click().run()
    assert trainer.running
    try:
        upload(at, "pg_csv_file", "huge_cell.csv")
        assert not trainer.running  # the run of the replaced data does not go on unseen
        assert at.error[0].value == EN["pg_upload_error_line_too_long"].format(line=2, limit=200)
    finally:
        trainer.pause()


def test_weights_files_on_the_page(open_page):
    at = open_page("pages/playground/page.py", lang="zh")
    upload(at, "pg_weights_file", "markdown_activation.npz")
    shown = at.error[0].proto.body
    assert "` [click me](https://example.com/x) `" in shown  # a code span: no live link
    upload(at, "pg_weights_file", "seed_123456.npz")
    assert not at.error and not at.warning
    trainer = at.session_state["pg_trainer"]
    assert np.array_equal(trainer.snapshot().theta, np.linspace(-1, 1, 42))
