"""Charts and tables of the activations page, built from plain arrays.

Line charts are long-form data frames (``x``, ``y``, ``series``, ``group``) drawn with the
shared style and palette (each activation in its fixed colour), with a tooltip on every
sample. The public functions take the translator ``t`` and title everything in the reader's
language. The two comparison charts come back as a ``VegaLiteChart`` (a cached spec plus
fresh data, see ``_activation_chart``); the lesson charts as Altair charts.
"""

import math
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from ui.strings import activation_name
from ui.style import ACTIVATION_COLORS, ACTIVATION_DASHES, PALETTE, styled

SOLID, DASHED, DOTTED = [1, 0], [7, 4], [2, 3]
TARGET_COLOR = "#777777"  # the reference curve: grey and dashed, behind what is drawn over it
NETWORK_COLOR = ACTIVATION_COLORS["relu"]
LINEAR_COLOR = ACTIVATION_COLORS["identity"]
HIGHLIGHT_COLOR = PALETTE[1]
PIECE_COLOR = "#AAAAAA"


@dataclass(frozen=True)
class Titles:
    """The translated texts of one chart."""

    title: str
    x: str
    y: str
    series: str = ""


@dataclass(frozen=True)
class Line:
    """One curve of a lesson chart; 2-D ``values`` (k, n) draw k curves under one label."""

    label: str
    values: np.ndarray
    color: str
    dash: tuple = tuple(SOLID)
    thin: bool = False


@dataclass(frozen=True)
class VegaLiteChart:
    """A finished Vega-Lite spec and the data it draws; show it with
    ``st.vega_lite_chart(chart.data, chart.spec, width="stretch")``."""

    spec: dict
    data: pd.DataFrame


def _long_frame(x, labels, rows):
    """A long-form frame: one row per (curve, x); ``group`` tells apart curves of one label."""
    n = len(x)
    return pd.DataFrame({
        "x": np.tile(x, len(rows)),
        "y": np.concatenate(rows) if rows else np.empty(0),
        "series": np.repeat(np.asarray(labels, dtype=object), n),
        "group": np.repeat(np.arange(len(rows)), n),
    })


def _tooltips(titles, y_format=".3f"):
    return [
        alt.Tooltip("series:N", title=titles.series or titles.y),
        alt.Tooltip("x:Q", title=titles.x, format=".2f"),
        alt.Tooltip("y:Q", title=titles.y, format=y_format),
    ]


# Invisible points on every sample of a line: hovering one shows that sample's tooltip (a
# line mark's own tooltip would show a single datum for the whole line).
_HOVER_POINTS = alt.OverlayMarkDef(opacity=0, size=60, filled=True)


def _x_axis(x, title):
    domain = [float(x[0]), float(x[-1])]
    return alt.X("x:Q", title=title, scale=alt.Scale(domain=domain, nice=False))


def _legend_columns(style, n_series):
    """Charts sit two abreast: four legend columns fit in half a page, three in projector
    type, and only two once long names such as "Hard sigmoid" are among many."""
    if not style.projector:
        return min(n_series, 4)
    return min(n_series, 3 if n_series <= 6 else 2)


def _legend(style, n_series):
    return alt.Legend(title=None, columns=_legend_columns(style, n_series),
                      symbolType="stroke", labelLimit=0)


def _height_with_legend(style, height, n_series):
    """The chart's height plus room for the legend rows past the first, so that a legend of
    16 activations does not squeeze the plot itself."""
    extra_rows = max(0, -(-n_series // max(1, _legend_columns(style, n_series))) - 1)
    return style.height(height) + extra_rows * (style.font_size + 8)


def _activation_chart(x, curves, labels, titles, style, checks=None, height=360):
    """f(x) or f'(x) of several activations overlaid, each in its fixed colour.

    ``curves`` maps activation name -> values on ``x``; ``labels`` name -> display name;
    ``checks`` is an optional (check_x, {name: values}) pair drawn as dots on the lines.

    These two charts redraw on every slider move, with up to 16 curves. Building an Altair
    chart and validating its spec costs far more than computing the curves, and only the data
    changes between moves: so the spec is built (and validated) once per set of activations,
    language and style, cached, and each move only fills in a new data frame.
    """
    names = list(curves)
    display = tuple(labels[name] for name in names)
    data = _long_frame(x, display, [curves[name] for name in names]).assign(kind="curve")
    if checks is not None:
        check_x, check_values = checks
        dots = _long_frame(check_x, display, [check_values[name] for name in names])
        data = pd.concat([data, dots.assign(kind="check")], ignore_index=True)
    spec = _activation_spec(tuple(names), display, titles, style, (float(x[0]), float(x[-1])),
                            checks is not None, height)
    return VegaLiteChart(spec, data)


@st.cache_data(max_entries=64, show_spinner=False)
def _activation_spec(names, display, titles, style, x_domain, with_checks, height):
    """The activation chart's Vega-Lite spec without data: it draws a frame from
    ``_long_frame`` with a ``kind`` column, "curve" rows as lines and "check" rows as dots."""
    color = alt.Color("series:N", sort=list(display), legend=_legend(style, len(names)),
                      scale=alt.Scale(domain=list(display),
                                      range=[ACTIVATION_COLORS[n] for n in names]))
    dash = alt.StrokeDash("series:N", legend=None, scale=alt.Scale(
        domain=list(display), range=[ACTIVATION_DASHES[n] for n in names]))
    x = alt.X("x:Q", title=titles.x, scale=alt.Scale(domain=list(x_domain), nice=False))
    lines = alt.Chart().mark_line(
        strokeWidth=style.line_width, clip=True, point=_HOVER_POINTS,
    ).encode(x=x, y=alt.Y("y:Q", title=titles.y), color=color, strokeDash=dash,
             detail="group:N", tooltip=_tooltips(titles))
    # The dots share the lines' scales and legend: repeating them would only enlarge the spec.
    dots = alt.Chart().mark_point(
        filled=True, size=style.point_size, stroke="white", strokeWidth=1, opacity=1,
    ).encode(x="x:Q", y="y:Q", color=alt.Color("series:N", legend=None),
             tooltip=_tooltips(titles, ".6f"))
    layers = [lines.transform_filter(alt.datum.kind == "curve")]
    if with_checks:
        layers.append(dots.transform_filter(alt.datum.kind == "check"))
    chart = alt.layer(*layers, data=pd.DataFrame({"kind": []}), title=titles.title)
    return _spec_without_data(styled(chart, style, _height_with_legend(style, height,
                                                                       len(names))))


def _spec_without_data(chart):
    """A finished chart's Vega-Lite spec for ``st.vega_lite_chart(frame, spec)``.

    ``to_dict()`` validates the spec, once (the caller caches it). The placeholder data goes:
    st.vega_lite_chart supplies the real frame at the top level.
    """
    spec = chart.to_dict()
    spec.pop("datasets", None)
    spec.pop("data", None)
    return spec


def _lines_chart(x, lines, titles, style, height=380, y_limits=None):
    """Curves of a lesson (target, network, pieces ...) with explicit colours and dashes.

    A ``Line`` whose values are 2-D draws one curve per row, all under its one label;
    ``y_limits`` (low, high) fixes the y axis, and what runs outside is clipped.
    """
    labels, rows = [], []
    for line in lines:
        values = np.atleast_2d(line.values)
        labels += [line.label] * len(values)
        rows += list(values)
    domain = list(dict.fromkeys(line.label for line in lines))
    by_label = {line.label: line for line in lines}
    width = style.line_width

    def scale(attribute):
        return alt.Scale(domain=domain, range=[attribute(by_label[label]) for label in domain])

    y_scale = alt.Scale() if y_limits is None else alt.Scale(domain=list(y_limits), nice=False)
    chart = alt.Chart(_long_frame(x, labels, rows), title=titles.title).mark_line(
        clip=True, point=_HOVER_POINTS,
    ).encode(
        x=_x_axis(x, titles.x), y=alt.Y("y:Q", title=titles.y, scale=y_scale),
        color=alt.Color("series:N", sort=domain, legend=_legend(style, len(domain)),
                        scale=scale(lambda line: line.color)),
        strokeDash=alt.StrokeDash("series:N", legend=None,
                                  scale=scale(lambda line: list(line.dash))),
        strokeWidth=alt.StrokeWidth("series:N", legend=None,
                                    scale=scale(lambda line: width / 2 if line.thin else width)),
        detail="group:N", tooltip=_tooltips(titles),
    )
    return styled(chart, style, style.height(height))


def _probability_bars(labels, probabilities, titles, style, height=300):
    """One bar per class with its probability written on top."""
    data = pd.DataFrame({"class": labels, "p": probabilities})
    base = alt.Chart(data).encode(
        x=alt.X("class:N", title=titles.x, sort=list(labels), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("p:Q", title=titles.y, scale=alt.Scale(domain=[0, 1])),
        tooltip=[alt.Tooltip("class:N", title=titles.x),
                 alt.Tooltip("p:Q", title=titles.y, format=".4f")],
    )
    bars = base.mark_bar(color=NETWORK_COLOR, cornerRadiusTopLeft=4, cornerRadiusTopRight=4)
    text = base.mark_text(dy=-10, fontSize=style.font_size, color=style.text_color).encode(
        text=alt.Text("p:Q", format=".1%"))
    return styled((bars + text).properties(title=titles.title), style, style.height(height))


# --- the page's charts, titled in the reader's language ---------------------------------------

def values_chart(t, style, x, values):
    """f(x) of the activations in ``values`` ({name: array on x})."""
    return _activation_chart(x, values, _names(values, t), Titles(
        t("act_chart_values"), t("act_axis_x"), t("act_axis_value"), t("act_series")), style)


def slopes_chart(t, style, x, slopes, checks=None):
    """f'(x) from backward, with optional finite-difference dots (check_x, {name: array})."""
    return _activation_chart(x, slopes, _names(slopes, t), Titles(
        t("act_chart_slopes"), t("act_axis_x"), t("act_axis_slope"), t("act_series")), style,
        checks=checks)


def _names(curves, t):
    return {name: activation_name(t, name) for name in curves}


def _lesson_titles(key, t, **fields):
    return Titles(t(key, **fields), "x", t("act_axis_y"), t("act_series"))


def softmax_chart(t, style, probabilities):
    """The softmax probabilities of the classes, as bars."""
    labels = [t("act_class_label", i=i + 1) for i in range(len(probabilities))]
    return _probability_bars(labels, probabilities, Titles(
        t("act_chart_softmax"), t("act_axis_class"), t("act_axis_probability")), style)


def collapse_chart(t, style, x, target, linear_stack, collapsed, relu_stack):
    """sin(x), the two linear layers, their one-layer collapse (on top) and the ReLU stack."""
    return _lines_chart(x, [
        Line(t("act_series_target"), target, TARGET_COLOR, DASHED),
        Line(t("act_series_linear"), linear_stack, LINEAR_COLOR),
        Line(t("act_series_collapsed"), collapsed, HIGHLIGHT_COLOR, DOTTED, thin=True),
        Line(t("act_series_relu_stack"), relu_stack, NETWORK_COLOR),
    ], _lesson_titles("act_chart_linear", t), style)


def relu_units_chart(t, style, x, target, contributions, output):
    """sin(x), each hand-set unit's contribution v relu(w x + b), and their sum.

    The y axis stays on sin's scale (contributions running off it are clipped), so that
    moving a slider never rescales the picture under the student's eyes.
    """
    units = [Line(t("act_series_unit", i=i + 1), values, PALETTE[i + 2], DOTTED, thin=True)
             for i, values in enumerate(contributions)]
    return _lines_chart(x, [
        Line(t("act_series_target"), target, TARGET_COLOR, DASHED), *units,
        Line(t("act_series_sum"), output, NETWORK_COLOR),
    ], _lesson_titles("act_chart_units", t), style, y_limits=(-2.0, 2.0))


def comparison_units_chart(t, style, curve):
    """sin(x) and the comparison network of more units (not the student's): its sum only."""
    k = len(curve.contributions)
    return _lines_chart(curve.x, [
        Line(t("act_series_target"), curve.target, TARGET_COLOR, DASHED),
        Line(t("act_series_comparison", k=k), curve.output, NETWORK_COLOR),
    ], _lesson_titles("act_chart_comparison", t, k=k), style, height=300, y_limits=(-1.5, 1.5))


def fit_delta(t, record):
    """The student's metric's delta after a fit: the change of the error it made."""
    return t("act_fit_delta", change=f"{record.change:+.4f}")


def error_text(value):
    """A mean squared error as the page prints it: four decimals, or three significant digits
    once it is below 0.001 (so that a small error never reads as 0.0000)."""
    return f"{value:.4f}" if value >= 0.001 else f"{value:.3g}"


def maxout_chart(t, style, x, target, pieces, output, target_name, y_limits):
    """The convex target, the k pieces (thin) and the maxout output, their max."""
    return _lines_chart(x, [
        Line(t(f"act_target_{target_name}"), target, TARGET_COLOR, DASHED),
        Line(t("act_series_piece"), pieces, PIECE_COLOR, thin=True),
        Line(t("act_series_maxout"), output, NETWORK_COLOR),
    ], _lesson_titles("act_chart_maxout", t, k=len(pieces)), style, y_limits=y_limits)


# --- tables and formulas ----------------------------------------------------------------------

def number(value, digits=3):
    """A short, readable number: 3 significant digits, true minus signs, infinity as ∞."""
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if value == 0:
        return "0"  # also for -0.0
    return f"{value:.{digits}g}".replace("-", "−")


def describe_regions(t, intervals):
    """Intervals of the grid as text: 'x ≤ −4.6, x ≥ 4.6', 'everywhere' or 'nowhere'."""
    if not intervals:
        return t("act_region_nowhere")
    parts = []
    for interval in intervals:
        low, high = number(interval.low), number(interval.high)
        if interval.open_left and interval.open_right:
            return t("act_region_everywhere")
        if interval.open_left:
            parts.append(t("act_region_below", high=high))
        elif interval.open_right:
            parts.append(t("act_region_above", low=low))
        elif interval.low == interval.high:
            parts.append(t("act_region_point", low=low))
        else:
            parts.append(t("act_region_between", low=low, high=high))
    return ", ".join(parts)


def properties_table(t, properties, costs):
    """One row per activation: metadata, measured slopes and regions, relative cost."""
    def yes_no(flag):
        return "✓ " + t("yes") if flag else "✗ " + t("no")

    rows = [{
        t("act_col_activation"): activation_name(t, p.name),
        t("act_col_range"): t("act_range_fmt", low=number(p.output_range[0]),
                              high=number(p.output_range[1])),
        t("act_col_zero_centered"): yes_no(p.zero_centered),
        t("act_col_monotonic"): yes_no(p.monotonic),
        t("act_col_smooth"): yes_no(p.smooth),
        t("act_col_max_slope"): number(p.max_slope),
        t("act_col_saturates"): describe_regions(t, p.saturated),
        t("act_col_zero_grad"): describe_regions(t, p.zero_gradient),
        t("act_col_cost"): t("act_cost_fmt", cost=costs[p.name]),
    } for p in properties]
    return pd.DataFrame(rows)


def overflow_table(t, demo):
    """The naive and the stable softmax side by side, inf and nan shown as such."""
    def column(values):
        return [f"{v:.4g}" for v in values]

    return pd.DataFrame({
        t("act_col_logit"): column(demo.logits),
        t("act_col_naive_exp"): column(demo.naive_exp),
        t("act_col_naive_p"): column(demo.naive_probabilities),
        t("act_col_shifted"): column(demo.shifted_logits),
        t("act_col_shifted_exp"): column(demo.shifted_exp),
        t("act_col_stable_p"): column(demo.probabilities),
    })


def matrix_latex(symbol, matrix, digits=2):
    """``symbol = [[...]]`` as a LaTeX bmatrix, entries rounded for reading."""
    matrix = np.atleast_2d(matrix)
    # round() + 0.0 turns a tiny negative such as -1e-11 into 0.00 rather than -0.00.
    rows = [" & ".join(f"{round(v, digits) + 0.0:.{digits}f}" for v in row) for row in matrix]
    body = r" \\ ".join(rows)
    return rf"{symbol} = \begin{{bmatrix}} {body} \end{{bmatrix}}"


def collapse_formulas(W1, b1, W2, b2, W, b):
    """LaTeX lines: the two layers' weights, then the single layer they equal."""
    return [
        matrix_latex("W_1", W1),
        matrix_latex("b_1", b1),
        matrix_latex(r"W_2^\top", np.transpose(W2)) + r",\quad " + matrix_latex("b_2", b2),
        matrix_latex(r"W = W_1 W_2", W, 3) + r",\quad " + matrix_latex(r"b = b_1 W_2 + b_2", b, 3),
    ]


# --- zero-centred outputs ---------------------------------------------------------------------

# Square panels, so the loss's ellipses keep their true shape (the size holds the axes too).
# Two sit side by side: enlarged for a projector, they stop at the width of a column of a
# 1400 px wide screen, and the normal size still fits a phone's 390 px.
ZERO_CENTRED_SIZE = 340
ZERO_CENTRED_MAX = 420
SIGNS = {-1: "−", 0: "0", 1: "+"}


# The panels' axis domain in the cached spec, replaced by each view's (low, high).
_VIEW_PLACEHOLDER = [-9999.5, 9999.5]


@dataclass(frozen=True)
class DescentTitles:
    title: str
    w1: str
    w2: str
    step: str
    start: str
    optimum: str


def descent_chart(t, style, path, contours, view):
    """One descent over the contour lines of its loss, with its start and the optimum w*.

    ``path`` is a ``zero_centred.DescentPath``; ``contours`` (levels, n, 2) closed curves;
    ``view`` (low, high) for both axes, shared by the two panels so they compare at a glance.
    Every change of the lesson's sliders redraws both panels, so, as for the comparison
    charts, the spec is built once per language, style and activation, and each run only
    fills in the data and the view.
    """
    titles = DescentTitles(t(f"act_zc_chart_{path.activation}"), t("act_zc_axis_w1"),
                           t("act_zc_axis_w2"), t("act_zc_step"), t("act_zc_label_start"),
                           t("act_zc_label_optimum"))
    spec = _descent_spec(titles, style, ACTIVATION_COLORS[path.activation])
    return VegaLiteChart(_with_view(spec, [float(view[0]), float(view[1])]),
                         _descent_frame(titles, path, contours))


def _descent_frame(titles, path, contours):
    """The panel's data in one long frame: contour rows, the path's rows, the two landmarks."""
    n_levels, n_points, _ = contours.shape
    lines = pd.DataFrame({"w1": contours[..., 0].ravel(), "w2": contours[..., 1].ravel(),
                          "group": np.repeat(np.arange(n_levels), n_points),
                          "order": np.tile(np.arange(n_points), n_levels), "kind": "contour"})
    steps = pd.DataFrame({"w1": path.path[:, 0], "w2": path.path[:, 1],
                          "order": np.arange(len(path.path)), "kind": "path"})
    landmarks = pd.DataFrame({"w1": [path.path[0, 0], path.target[0]],
                              "w2": [path.path[0, 1], path.target[1]],
                              "label": [titles.start, titles.optimum],
                              "shape": ["circle", "diamond"], "kind": "landmark"})
    return pd.concat([lines, steps, landmarks], ignore_index=True)


def _with_view(spec, view):
    """The spec with the placeholder domain replaced by ``view`` wherever it appears."""
    if isinstance(spec, dict):
        return {key: _with_view(value, view) for key, value in spec.items()}
    if isinstance(spec, list):
        return view if spec == _VIEW_PLACEHOLDER else [_with_view(item, view) for item in spec]
    return spec


@st.cache_data(max_entries=16, show_spinner=False)
def _descent_spec(titles, style, color):
    """The descent panel's Vega-Lite spec without data (see ``_descent_frame``)."""
    size = min(style.height(ZERO_CENTRED_SIZE), ZERO_CENTRED_MAX)
    scale = alt.Scale(domain=_VIEW_PLACEHOLDER, nice=False)
    x = alt.X("w1:Q", title=titles.w1, scale=scale)
    y = alt.Y("w2:Q", title=titles.w2, scale=scale)
    base = alt.Chart()
    contour_lines = base.mark_line(
        color=PIECE_COLOR, strokeWidth=style.line_width / 2, clip=True,
    ).encode(x=x, y=y, detail="group:N", order="order:Q").transform_filter(
        alt.datum.kind == "contour")
    descent = base.mark_line(
        color=color, strokeWidth=style.line_width / 1.5, clip=True,
        point=alt.OverlayMarkDef(color=color, size=style.point_size / 2, filled=True),
    ).encode(x=x, y=y, order="order:Q", tooltip=[
        alt.Tooltip("order:Q", title=titles.step),
        alt.Tooltip("w1:Q", title=titles.w1, format=".3f"),
        alt.Tooltip("w2:Q", title=titles.w2, format=".3f"),
    ]).transform_filter(alt.datum.kind == "path")
    landmarks = base.transform_filter(alt.datum.kind == "landmark")
    points = landmarks.mark_point(
        filled=True, size=style.point_size * 4, color=style.text_color, opacity=1,
    ).encode(x=x, y=y, shape=alt.Shape("shape:N", scale=None), tooltip=[
        alt.Tooltip("label:N", title=" "),
        alt.Tooltip("w1:Q", title=titles.w1, format=".2f"),
        alt.Tooltip("w2:Q", title=titles.w2, format=".2f"),
    ])
    labels = landmarks.mark_text(
        align="left", dx=10, dy=-10, fontSize=style.font_size, fontWeight="bold",
        color=style.text_color,
    ).encode(x=x, y=y, text="label:N")
    chart = alt.layer(contour_lines, descent, points, labels, data=pd.DataFrame({"kind": []}),
                      title=titles.title)
    return _spec_without_data(styled(chart.properties(width=size), style, size))


def steps_text(t, path):
    """The metric's value: the steps to the optimum, or that it was not reached."""
    if path.steps_to_optimum is None:
        return t("act_zc_not_reached", max=f"{path.steps:,}")
    return f"{path.steps_to_optimum:,}"


def one_sign_text(t, path):
    fraction = path.one_sign_fraction
    return t("act_zc_no_steps") if fraction is None else f"{fraction:.0%}"


def signs_text(t, path, n_steps=8):
    """The gradient's sign pattern over the first steps: "(−,−) (+,+) (+,−) …"."""
    # A word joiner (U+2060) on each side of the comma keeps a pair on one line.
    pairs = [f"({SIGNS[first]}\u2060,\u2060{SIGNS[second]})"
             for first, second in path.signs(n_steps)]
    return t("act_zc_signs", n=len(pairs), signs=" ".join(pairs))
