"""The process settings that importing ``ui`` makes for a class's server: few malloc arenas."""

import platform
import subprocess
import sys
import textwrap

import pytest

import ui
from tests.conftest import REPO_ROOT

GLIBC = platform.libc_ver()[0] == "glibc"

# Twelve threads allocate while all of them are alive, then glibc lists its arenas on stderr
# ("Arena 0:", "Arena 1:", ...). Without a limit each thread gets an arena of its own.
PROBE = textwrap.dedent("""
    import ctypes, sys, threading
    if sys.argv[1] == "with ui":
        import ui
    barrier = threading.Barrier(12)

    def work():
        kept = [bytearray(2000) for _ in range(50)]  # malloc, not Python's small-object pool
        barrier.wait()

    threads = [threading.Thread(target=work) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ctypes.CDLL(None).malloc_stats()
""")


def _arenas(mode):
    result = subprocess.run([sys.executable, "-c", PROBE, mode], cwd=REPO_ROOT, timeout=60,
                            capture_output=True, text=True, check=True)
    return sum(1 for line in result.stderr.splitlines() if line.startswith("Arena "))


@pytest.mark.skipif(not GLIBC, reason="malloc arenas are glibc's; elsewhere there is no limit")
def test_importing_ui_keeps_a_class_of_threads_to_two_malloc_arenas():
    assert _arenas("plain") > ui.MALLOC_ARENAS + 2  # the control: one arena per thread
    assert _arenas("with ui") <= ui.MALLOC_ARENAS


@pytest.mark.skipif(not GLIBC, reason="glibc's mallopt")
def test_the_limit_is_taken_on_glibc():
    assert ui.limit_malloc_arenas(ui.MALLOC_ARENAS)


class _LibraryWithoutMallopt:
    """A C library such as macOS's: no ``mallopt``."""


@pytest.mark.parametrize("library", [
    lambda name: _LibraryWithoutMallopt(),
    lambda name: (_ for _ in ()).throw(OSError("no C library to open")),
    lambda name: (_ for _ in ()).throw(TypeError("CDLL(None) is not supported on Windows")),
])
def test_without_glibc_the_limit_is_skipped_quietly(monkeypatch, library):
    monkeypatch.setattr(ui.ctypes, "CDLL", library)
    assert ui.limit_malloc_arenas(2) is False
