"""Every Altair chart of the app, built from plain arrays by typed functions.

Shared style lives in ``ui.charts.style`` (one palette, one axis style, projector mode); each
page's charts have their own module (``ui.charts.activations``, ...). Pages call these
functions and never build charts inline.
"""
