"""Streamlit-side helpers shared by the pages: the frame, charts, strings and URL state."""

# threadpoolctl limits only the libraries already loaded, and streamlit no longer imports
# numpy: load it (and its OpenBLAS) first, or the limit below does nothing.
import numpy  # noqa: F401
from threadpoolctl import threadpool_limits

# The app's matrices are small (tens of units), and one server process serves a whole class:
# extra BLAS threads per product only wait on each other and on other sessions' runs.
threadpool_limits(limits=1)
