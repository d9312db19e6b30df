"""Shared pytest fixtures for Activation Lab.

Tests run from the repo root (``python -m pytest``); ``pythonpath = ["."]`` in
pyproject.toml makes ``nn_core`` and ``ui`` importable without installing anything.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:  # pragma: no cover
    from streamlit.testing.v1 import AppTest

REPO_ROOT = Path(__file__).resolve().parent.parent

# Hypothesis: the machines here have 2 cores and a busy CI; per-example deadlines
# only produce flaky failures. "ci" is also derandomized so a red CI reproduces.
settings.register_profile(
    "dev",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """Absolute path of the repository root."""
    return REPO_ROOT


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, seeded numpy Generator for each test (reproducible)."""
    return np.random.default_rng(12345)


@pytest.fixture
def app_test() -> Callable[..., AppTest]:
    """Factory for Streamlit AppTest objects with paths relative to the REPO ROOT.

    ``AppTest.from_file`` resolves a relative path against the *test file's* folder,
    which is a trap; this factory always passes an absolute path.

        at = app_test("app.py").run()
        at = app_test("app.py", default_timeout=30)   # pages that train

    AppTest's default timeout is 3 s; the factory defaults to 10 s for this 2-core box.
    """
    from streamlit.testing.v1 import AppTest

    def make(path: str | os.PathLike[str] = "app.py", default_timeout: float = 10.0) -> AppTest:
        full = Path(path)
        if not full.is_absolute():
            full = REPO_ROOT / full
        if not full.is_file():
            raise FileNotFoundError(f"no Streamlit script at {full}")
        return AppTest.from_file(str(full), default_timeout=default_timeout)

    return make


@pytest.fixture
def open_page() -> Callable[..., AppTest]:
    """``open_page("pages/saturation/page.py", lang="zh", sat_depth="12")``: see
    ``tests.apptest_helpers.open_app_page``."""
    from tests.apptest_helpers import open_app_page

    return open_app_page


def pytest_sessionfinish(session):
    """On a pytest-xdist worker, hand its largest gradient-check error to the controller."""
    from tests.gradients import largest_error

    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["largest_gradient_error"] = dict(largest_error)


def pytest_testnodedown(node, error):
    """On the controller: keep the largest of the workers' errors (pytest-xdist's hook)."""
    from tests.gradients import largest_error

    theirs = getattr(node, "workeroutput", {}).get("largest_gradient_error")
    if theirs and theirs["error"] > largest_error["error"]:
        largest_error.update(theirs)


def pytest_terminal_summary(terminalreporter):
    """Report the largest gradient-check error of the run (each check asserted its own bound)."""
    from tests.gradients import largest_error

    if largest_error["case"]:
        terminalreporter.write_line(
            f"largest gradient-check relative error: {largest_error['error']:.3g} "
            f"({largest_error['case']})")
