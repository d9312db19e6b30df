"""/backprop on a fresh server's first visit (see ui/frame.py, ``first_visit``)."""
from ui.frame import first_visit

first_visit()
