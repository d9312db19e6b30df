"""One app process of ``deploy/serve``: import the heavy libraries first, then ``streamlit run``.

    python deploy/replica.py --server.port 8501 ...   (same options as ``streamlit run app.py``)

Why: Streamlit runs every session's script in its own thread, so the first page runs of a fresh
process import scikit-learn, Altair and pandas in several threads at once. narwhals (used by
both scikit-learn and Altair) has a lock-order inversion: ``narwhals/stable/__init__.py``
imports ``v1`` and ``v2``, Altair imports ``narwhals.stable.v1`` and scikit-learn
``narwhals.stable.v2``. Two threads doing that at the same moment fail one of the imports with
``_DeadlockError: deadlock detected by _ModuleLock('narwhals.stable.v1')`` (two threads
importing v1 and v2: 30 failures in 30 tries), which a student sees as an exception box.
Behind the balancer this is the common case, not a rarity: when a replica restarts after a
crash, every browser it had reconnects to a fresh process at once. Importing these here, in
the main thread before the server listens, removes the race and makes first page loads faster.
The app's own process settings (``ui``) are made first, for the same reason: glibc keeps to a
limit of malloc arenas only for the arenas made after it (``ui.limit_malloc_arenas``).
"""

import importlib
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# narwhals.stable first: it imports both v1 and v2 in one thread.
WARM_IMPORTS = ("narwhals.stable", "numpy", "pandas", "pyarrow", "altair", "nn_core")


def main(argv):
    sys.path[0] = str(REPO_ROOT)  # the app's folder, not deploy/, as `streamlit run` has it
    # The app's process settings (one BLAS thread, two malloc arenas: see ui/__init__.py),
    # made here in the only thread there is, before any session's thread allocates.
    importlib.import_module("ui")
    for name in WARM_IMPORTS:
        importlib.import_module(name)
    from streamlit.web.cli import main as streamlit_main

    sys.argv = ["streamlit", "run", "app.py", *argv]
    streamlit_main(prog_name="streamlit")


if __name__ == "__main__":
    main(sys.argv[1:])
