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
