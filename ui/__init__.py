"""Streamlit-side helpers shared by the pages: the frame, charts, strings and URL state.

Importing ``ui`` (app.py's first line) also sets up the server process for a class, once: one
BLAS thread, and at most ``MALLOC_ARENAS`` malloc arenas.
"""

import ctypes

# threadpoolctl limits only the libraries already loaded, and streamlit no longer imports
# numpy: load it (and its OpenBLAS) first, or the limit below does nothing.
import numpy  # noqa: F401
from threadpoolctl import threadpool_limits

# The app's matrices are small (tens of units), and one server process serves a whole class:
# extra BLAS threads per product only wait on each other and on other sessions' runs.
threadpool_limits(limits=1)

# glibc's malloc gives each thread that allocates an arena of its own (up to 8 per core), and
# an arena keeps what its threads freed for their next allocations. Every session's script runs
# in a thread of its own and frees megabytes of arrays after a heavy job, so the server's
# memory grew with the number of threads that had done heavy work: twelve students opening
# /saturation at its largest settings peaked at 1,144 MiB, and at 742 MiB with two arenas
# (benchmarks/README.md). Only arenas made after the limit keep to it, and glibc fixes its own
# limit once a ninth arena is made: hence here, at the first page run, and first thing in a
# replica of deploy/ (before its server starts any thread).
MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # mallopt's parameter number in glibc's malloc.h


def limit_malloc_arenas(count):
    """Ask the C library for at most ``count`` malloc arenas; False where it cannot (a C
    library other than glibc, e.g. on macOS or Windows, which has nothing of the kind)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own C library
    except (AttributeError, OSError, TypeError):
        return False
    return mallopt(_M_ARENA_MAX, count) == 1


limit_malloc_arenas(MALLOC_ARENAS)
