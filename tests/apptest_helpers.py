"""Reading what a page drew under AppTest: chart specs, titles and the data behind them.

Charts have no typed accessor in AppTest: ``at.get("vega_lite_chart")[i].proto`` holds the
Vega-Lite spec as JSON and the data sets as Arrow IPC streams.
"""

import json
import string
from pathlib import Path

import pandas as pd
import pyarrow as pa
from streamlit.testing.v1 import AppTest

REPO_ROOT = Path(__file__).resolve().parent.parent


def template_fields(template):
    """The names of the ``{placeholders}`` of a string template (a page's text, a code line)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def open_app_page(path="app.py", default_timeout=30.0, **query):
    """Open a page the way a visitor does: the entry point first, then the page.

    Keyword arguments other than ``default_timeout`` become URL query parameters. Running a
    page file as AppTest's entry point instead breaks ``st.page_link`` (links resolve against
    the entry point).
    """
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=default_timeout)
    _set_query(at, query)
    at.run()
    if path != "app.py":
        _set_query(at, query)  # the home page's run rewrote the URL; the page gets the link's
        at.switch_page(path).run()
    return at


def _set_query(at, query):
    for key, value in query.items():
        at.query_params[key] = "true" if value is True else str(value)


def chart_spec(chart):
    """The Vega-Lite spec of a chart element, as a dict."""
    return json.loads(chart.proto.spec)


def chart_frames(chart):
    """Every data set of a chart element (the top-level one first, if any) as DataFrames."""
    streams = [chart.proto.data.data] if chart.proto.data.data else []
    streams += [dataset.data.data for dataset in chart.proto.datasets]
    return [pa.ipc.open_stream(stream).read_all().to_pandas() for stream in streams]


def chart_data(chart):
    """All of a chart's data sets in one DataFrame."""
    return pd.concat(chart_frames(chart), ignore_index=True)


def chart_title(chart):
    """A chart's title text; a layered or faceted chart's title may sit one level down."""
    spec = chart_spec(chart)
    title = (spec.get("title") or spec.get("spec", {}).get("title")
             or spec.get("layer", [{}])[0].get("title"))
    return title.get("text") if isinstance(title, dict) else title


def chart_titles(at):
    return [chart_title(chart) for chart in at.get("vega_lite_chart")]


def setting_label(key, t):
    """What a notice or the share panel calls the setting ``key`` in the language of ``t``."""
    from ui.url_state import all_settings

    return next(setting for setting in all_settings() if setting.key == key).display_name(t)
