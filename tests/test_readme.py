"""The README's notebook example really runs, and its commands are the ones CI uses."""

import re

import pytest

SECTION = "## Use nn_core in a notebook"


def section(readme, heading):
    """The text under ``heading`` up to the next heading of the same level."""
    start = readme.index(heading) + len(heading)
    following = re.search(r"^## ", readme[start:], flags=re.MULTILINE)
    return readme[start:start + following.start()] if following else readme[start:]


@pytest.fixture(scope="module")
def readme(repo_root):
    return (repo_root / "README.md").read_text(encoding="utf-8")


def test_readme_has_the_run_and_test_commands(readme):
    assert readme.startswith("# Activation Lab")
    assert "pip install -r requirements.txt && streamlit run app.py" in readme
    assert "pip install -r requirements-dev.txt && python -m pytest" in readme


def test_notebook_example_runs(readme, capsys):
    assert SECTION in readme
    blocks = re.findall(r"^```python\n(.*?)^```", section(readme, SECTION),
                        flags=re.MULTILINE | re.DOTALL)
    assert blocks, f"no ```python block under {SECTION!r}"
    namespace = {"__name__": "readme_example"}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    assert capsys.readouterr().out  # the example shows its results


LESSON = "## Teach with it: a 45-minute lesson"


def test_the_lessons_saturation_row_says_what_the_page_reads(readme):
    """The lesson plan tells a teacher what the class should see; the saturation page's own
    reading of the same networks (depth 10, width 500, tanh; then ReLU with He) must agree."""
    from nn_core.experiments.depth import depth_profile

    row = next(line for line in section(readme, LESSON).splitlines()
               if line.startswith("| 10-20 | Gradient saturation |"))
    assert "Depth 10, width 500, tanh" in row and "ReLU with He" in row
    readings = {init: depth_profile("tanh", 10, 500, init).reading for init in
                ("normal_0.01", "normal_1.0", "xavier")}
    assert readings["normal_0.01"].code == "tiny_collapsed"  # "activations shrink to zero"
    assert "std 0.01 activations shrink to zero and every layer's gradient is tiny" in row
    explode = readings["normal_1.0"]
    assert explode.code == "exploding_saturated" and explode.saturated > 0.85
    assert 1e4 < explode.ratio < 1e6  # "about 10⁵ times the last's"
    assert "nine units in ten saturated), yet the gradient explodes" in row
    assert "vanish" not in row
    assert readings["xavier"].code == "healthy"
    assert depth_profile("relu", 10, 500, "he").reading.code == "healthy"
    assert "Xavier/He keep every layer alive" in row
