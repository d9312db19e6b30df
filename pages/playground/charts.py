"""Charts of the MLP playground, built from the plain arrays ``nn_core.playground`` returns.

Every function takes the translator ``t`` for its titles and the frame's ``ChartStyle``, and
returns a finished, styled chart: an Altair chart, or for the live charts a Vega-Lite spec
(a dict for ``st.vega_lite_chart``) whose Altair-built layout is cached. Heatmaps are
``mark_rect`` cells whose edges are computed in the browser from the cell centre
(``transform_calculate``), so only centres travel.
"""

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from ui.strings import Translator
from ui.style import CLASS_COLORS, DIVERGING_SCHEME, PALETTE, ChartStyle, styled

TRAIN_COLOR, TEST_COLOR = PALETTE[0], PALETTE[1]
MAX_CURVE_POINTS = 1500  # longer histories are thinned evenly (the browser draws them faster)
POSITIVE_WEIGHT, NEGATIVE_WEIGHT = "#0072B2", "#D55E00"


def _class_scale(n_classes):
    return alt.Scale(domain=list(range(n_classes)), range=CLASS_COLORS[:n_classes])


def _with_data(spec, **frames):
    """A cached Vega-Lite spec completed with this redraw's data frames, by dataset name."""
    spec["datasets"] = frames
    return spec


def _cells(data, step, x="x1", y="x2"):
    """A mark_rect chart over cell centres ``x``, ``y`` of width ``step``."""
    # Opaque cells 30% wider than their spacing: anti-aliased edges would otherwise leave
    # faint white seams between neighbours. Clipping keeps the border cells inside the plot.
    half = step * 0.65
    return alt.Chart(data).transform_calculate(
        x_lo=f"datum.{x} - {half}", x_hi=f"datum.{x} + {half}",
        y_lo=f"datum.{y} - {half}", y_hi=f"datum.{y} + {half}",
    ).mark_rect(clip=True)


def _plane_axes(extent, t):
    domain = [-extent, extent]
    x = alt.X("x_lo:Q", scale=alt.Scale(domain=domain, nice=False, zero=False),
              title=t("pg_axis_x1"))
    y = alt.Y("y_lo:Q", scale=alt.Scale(domain=domain, nice=False, zero=False),
              title=t("pg_axis_x2"))
    return x, y


def _grid_frame(grid, **columns):
    frame = pd.DataFrame({"x1": grid.points[:, 0].astype(np.float32),
                          "x2": grid.points[:, 1].astype(np.float32)})
    for name, values in columns.items():
        frame[name] = values
    return frame


def _points_frame(splits, t):
    """One table of data points from [(X, y, split name), ...]."""
    frames = [pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1] if X.shape[1] > 1 else np.nan,
                            "label": y, "split": t(f"pg_split_{name}")})
              for X, y, name in splits]
    return pd.concat(frames, ignore_index=True)


def _split_shapes(t):
    return alt.Scale(domain=[t("pg_split_train"), t("pg_split_test")],
                     range=["circle", "diamond"])


# Live charts (redrawn several times a second while training runs) are Vega-Lite specs built
# with Altair once per layout and cached: Altair's schema validation costs ~20 ms a chart,
# more than computing the data. Each redraw only adds its data frames to a copy of the spec.
@st.cache_data(max_entries=64, show_spinner=False)
def _boundary_spec(lang, projector, n_classes, extent, step, height):
    t, style = Translator(lang), ChartStyle(projector)
    x, y = _plane_axes(extent, t)
    background = _cells(alt.Data(name="cells"), step).encode(
        x=x, x2="x_hi:Q", y=y, y2="y_hi:Q", color=alt.Color("fill:N", scale=None),
        tooltip=[alt.Tooltip("x1:Q", format=".2f", title=t("pg_axis_x1")),
                 alt.Tooltip("x2:Q", format=".2f", title=t("pg_axis_x2")),
                 alt.Tooltip("label:N", title=t("pg_legend_class")),
                 alt.Tooltip("confidence:Q", format=".0%", title=t("pg_tooltip_confidence"))])
    points = _points_layer(t, style, color=alt.Color(
        "label:N", scale=_class_scale(n_classes), title=t("pg_legend_class"),
        legend=alt.Legend(symbolSize=style.point_size * 2)))
    chart = alt.layer(background, points).properties(title=t("pg_chart_boundary"), width=height)
    return styled(chart, style, height).to_dict()


def plane_size(style):
    """Side of the square input-plane charts, in pixels."""
    return style.height(400)


def boundary_chart(t, style, grid, output, splits, n_classes, *, discretize=False):
    """Classification: the predicted class over the plane (colour), confidence (intensity),
    and the data points on top. Returns a square Vega-Lite spec (``st.vega_lite_chart``)."""
    step = 2.0 * grid.extent / len(grid.x1)
    strength = np.full(len(output.predicted), 0.55) if discretize else _strength(
        output.confidence, n_classes)
    cells = _grid_frame(grid, label=output.predicted.astype(np.int8),
                        confidence=output.confidence.astype(np.float32),
                        fill=_faded_colors(output.predicted, strength))
    spec = _boundary_spec(t.lang, style.projector, n_classes, grid.extent, step,
                          plane_size(style))
    return _with_data(spec, cells=cells, points=_points_frame(splits, t))


def _strength(confidence, n_classes):
    """0 where the network is undecided (confidence 1/k), 0.8 where it is certain."""
    chance = 1.0 / n_classes
    # Rounded to 5% steps: invisible to the eye, and it keeps the number of colours small.
    return 0.8 * np.round(20.0 * np.clip((confidence - chance) / (1.0 - chance), 0, 1)) / 20.0


def _faded_colors(labels, strength):
    """Each class colour mixed with white: opaque cells, so neighbours leave no seams (the
    overlap that hides anti-aliasing gaps would show as dark lines with transparency)."""
    palette = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in CLASS_COLORS])
    # Few distinct (class, strength) pairs: format each colour once, not once per cell (a
    # string per cell cost ~6 ms a redraw). As a categorical column each cell costs one byte.
    labels = np.asarray(labels, dtype=np.int64)
    steps = np.round(np.asarray(strength) * 1000).astype(np.int64)  # strength in [0, 1]
    keys, codes = np.unique(labels * 1001 + steps, return_inverse=True)
    rgb = 255.0 + (keys % 1001 / 1000.0)[:, None] * (palette[keys // 1001] - 255.0)
    names = [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in np.round(rgb).astype(int)]
    categories, same = np.unique(names, return_inverse=True)  # e.g. every class fades to white
    return pd.Categorical.from_codes(same[codes.ravel()], categories=categories)


def _points_layer(t, style, color):
    return alt.Chart(alt.Data(name="points")).mark_point(
        filled=True, size=style.point_size * 1.6, stroke="#FFFFFF",
        strokeWidth=1.5 if style.projector else 0.8, opacity=0.95,
    ).encode(
        x=alt.X("x1:Q"), y=alt.Y("x2:Q"), color=color,
        shape=alt.Shape("split:N", scale=_split_shapes(t), title=t("pg_legend_split"),
                        legend=alt.Legend(symbolSize=style.point_size * 2)),
        tooltip=[alt.Tooltip("x1:Q", format=".2f", title=t("pg_axis_x1")),
                 alt.Tooltip("x2:Q", format=".2f", title=t("pg_axis_x2")),
                 alt.Tooltip("label:Q", format=".3~g", title=t("pg_legend_value")),
                 alt.Tooltip("split:N", title=t("pg_legend_split"))],
    )


@st.cache_data(max_entries=16, show_spinner=False)
def _surface_spec(lang, projector, extent, step, height):
    t, style = Translator(lang), ChartStyle(projector)
    x, y = _plane_axes(extent, t)
    scale = alt.Scale(scheme=DIVERGING_SCHEME, domainMid=0.0)
    background = _cells(alt.Data(name="cells"), step).encode(
        x=x, x2="x_hi:Q", y=y, y2="y_hi:Q",
        color=alt.Color("label:Q", scale=scale, title=t("pg_legend_prediction"),
                        legend=alt.Legend(gradientLength=120)),
        tooltip=[alt.Tooltip("x1:Q", format=".2f", title=t("pg_axis_x1")),
                 alt.Tooltip("x2:Q", format=".2f", title=t("pg_axis_x2")),
                 alt.Tooltip("label:Q", format=".3f", title=t("pg_legend_prediction"))])
    points = _points_layer(t, style, color=alt.Color("label:Q", scale=scale))
    points = points.encode(stroke=alt.value("#000000"))
    chart = alt.layer(background, points).properties(title=t("pg_chart_surface"), width=height)
    return styled(chart, style, height).to_dict()


def surface_chart(t, style, grid, output, splits):
    """Regression on two inputs: the fitted surface as colour, points coloured by target."""
    step = 2.0 * grid.extent / len(grid.x1)
    cells = _grid_frame(grid, label=output.predicted.astype(np.float32))
    spec = _surface_spec(t.lang, style.projector, grid.extent, step, plane_size(style))
    return _with_data(spec, cells=cells, points=_points_frame(splits, t))


@st.cache_data(max_entries=16, show_spinner=False)
def _curve_spec(lang, projector, height):
    t, style = Translator(lang), ChartStyle(projector)
    line = alt.Chart(alt.Data(name="curve")).mark_line(
        color="#000000", strokeWidth=style.line_width).encode(
        x=alt.X("x1:Q", title=t("pg_axis_x1")),
        y=alt.Y("prediction:Q", title=t("pg_axis_target")),
        tooltip=[alt.Tooltip("x1:Q", format=".2f", title=t("pg_axis_x1")),
                 alt.Tooltip("prediction:Q", format=".3f", title=t("pg_legend_prediction"))])
    points = alt.Chart(alt.Data(name="points")).mark_point(
        filled=True, size=style.point_size * 1.4, opacity=0.8).encode(
        x="x1:Q", y="label:Q",
        color=alt.Color("split:N", title=t("pg_legend_split"), scale=alt.Scale(
            domain=[t("pg_split_train"), t("pg_split_test")], range=[TRAIN_COLOR, TEST_COLOR])),
        shape=alt.Shape("split:N", scale=_split_shapes(t), title=t("pg_legend_split")),
        tooltip=[alt.Tooltip("x1:Q", format=".2f", title=t("pg_axis_x1")),
                 alt.Tooltip("label:Q", format=".3f", title=t("pg_axis_target")),
                 alt.Tooltip("split:N", title=t("pg_legend_split"))])
    chart = alt.layer(points, line).properties(title=t("pg_chart_curve"))
    return styled(chart, style, height).to_dict()


def curve_chart(t, style, grid, output, splits, *, height=430):
    """Regression on one input: the fitted curve through the data points."""
    curve = pd.DataFrame({"x1": grid.points[:, 0], "prediction": output.predicted})
    return _with_data(_curve_spec(t.lang, style.projector, height), curve=curve,
                      points=_points_frame(splits, t))


def _thin(n):
    """Row indices that keep at most MAX_CURVE_POINTS of n, first and last included."""
    if n <= MAX_CURVE_POINTS:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, MAX_CURVE_POINTS).round().astype(int))


@st.cache_data(max_entries=16, show_spinner=False)
def _history_spec(lang, projector, metric, height):
    t, style = Translator(lang), ChartStyle(projector)
    series = [t("pg_split_train"), t("pg_split_test")]
    value_format = ".1%" if metric == "accuracy" else ".4f"
    y_scale = alt.Scale(domain=[0, 1]) if metric == "accuracy" else alt.Scale(zero=True)
    chart = alt.Chart(alt.Data(name="history")).mark_line(strokeWidth=style.line_width).encode(
        x=alt.X("epoch:Q", title=t("pg_axis_epoch"), scale=alt.Scale(domainMin=0)),
        y=alt.Y("value:Q", title=t(f"pg_axis_{metric}"), scale=y_scale,
                axis=alt.Axis(format=".0%") if metric == "accuracy" else alt.Axis()),
        color=alt.Color("series:N", title=None, scale=alt.Scale(
            domain=series, range=[TRAIN_COLOR, TEST_COLOR])),
        strokeDash=alt.StrokeDash("series:N", legend=None, scale=alt.Scale(
            domain=series, range=[[1, 0], [6, 3]])),
        tooltip=[alt.Tooltip("epoch:Q", title=t("pg_axis_epoch")),
                 alt.Tooltip("series:N", title=t("pg_legend_split")),
                 alt.Tooltip("value:Q", format=value_format, title=t(f"pg_axis_{metric}"))],
    ).properties(title=t(f"pg_chart_{metric}"))
    return styled(chart, style, height).to_dict()


def history_chart(t, style, history, metric, *, height=240):
    """Train and test ``metric`` ("loss" or "accuracy") per epoch."""
    keep = _thin(len(history["epoch"]))
    epochs = np.asarray(history["epoch"])[keep]
    frame = pd.concat([
        pd.DataFrame({"epoch": epochs, "value": np.asarray(history[f"{split}_{metric}"])[keep],
                      "series": t(f"pg_split_{split}")})
        for split in ("train", "test")], ignore_index=True)
    return _with_data(_history_spec(t.lang, style.projector, metric, height), history=frame)


@st.cache_data(max_entries=64, show_spinner=False)
def _unit_heatmaps_spec(lang, projector, title, n_units, extent, step, columns):
    t, style = Translator(lang), ChartStyle(projector)
    size = 110 if style.projector else 78
    axis_scale = alt.Scale(domain=[-extent, extent], nice=False, zero=False)
    chart = _cells(alt.Data(name="units"), step).encode(
        x=alt.X("x_lo:Q", axis=None, scale=axis_scale), x2="x_hi:Q",
        y=alt.Y("y_lo:Q", axis=None, scale=axis_scale), y2="y_hi:Q",
        color=alt.Color("value:Q", title=t("pg_legend_output"),
                        scale=alt.Scale(scheme=DIVERGING_SCHEME, domainMid=0.0)),
        tooltip=[alt.Tooltip("unit:O", title=t("pg_legend_unit")),
                 alt.Tooltip("x1:Q", format=".2f", title=t("pg_axis_x1")),
                 alt.Tooltip("x2:Q", format=".2f", title=t("pg_axis_x2")),
                 alt.Tooltip("value:Q", format=".3f", title=t("pg_legend_output"))],
    ).properties(width=size, height=size).facet(
        facet=alt.Facet("unit:O", title=None,
                        header=alt.Header(labelExpr=f"'{t('pg_legend_unit')} ' + datum.value",
                                          labelFontSize=style.font_size)),
        columns=min(columns, n_units),
    ).properties(title=title)
    return _style_facet(chart, style).to_dict()


def unit_heatmaps_chart(t, style, grid, outputs, title, *, columns=8):
    """One small heatmap per unit of one hidden layer: the unit's output over the plane."""
    n_units = outputs.shape[1]
    step = 2.0 * grid.extent / len(grid.x1)
    frame = pd.DataFrame({
        "unit": np.repeat(np.arange(1, n_units + 1), len(grid.points)).astype(np.int16),
        "x1": np.tile(grid.points[:, 0], n_units).astype(np.float32),
        "x2": np.tile(grid.points[:, 1], n_units).astype(np.float32),
        "value": outputs.T.ravel().astype(np.float32),
    })
    spec = _unit_heatmaps_spec(t.lang, style.projector, title, n_units, grid.extent, step,
                               columns)
    return _with_data(spec, units=frame)


def _style_facet(chart, style):
    """``styled`` without a height (a facet sizes itself from its cells)."""
    return (chart.configure_axis(labelFontSize=style.font_size, titleFontSize=style.font_size)
            .configure_legend(labelFontSize=style.font_size, titleFontSize=style.font_size,
                              orient="right")
            .configure_title(fontSize=style.title_size, color=style.text_color, anchor="start")
            .configure_view(strokeWidth=0))


def network_chart(t, style, diagram, input_labels, output_labels):
    """The network as a diagram: edge colour = sign of the weight, width = its size; hover a
    node for its bias, an edge for its weight."""
    largest = float(np.max(np.abs(diagram.edge_weight))) if len(diagram.edge_weight) else 1.0
    widest = 7.0 if style.projector else 5.0
    edges = pd.DataFrame({"x": diagram.edge_x, "y": diagram.edge_y, "x2": diagram.edge_x2,
                          "y2": diagram.edge_y2, "weight": diagram.edge_weight,
                          "width": 0.2 + widest * np.abs(diagram.edge_weight) / max(largest, 1e-9),
                          "positive": diagram.edge_weight >= 0})
    n_columns = int(diagram.node_layer.max()) + 1
    nodes = pd.DataFrame({"x": diagram.node_layer, "y": diagram.node_y,
                          "bias": diagram.node_bias})
    nodes["name"] = [_node_name(int(layer), int(unit), n_columns, input_labels, output_labels, t)
                     for layer, unit in zip(diagram.node_layer, diagram.node_index, strict=True)]
    tallest = int(np.max(np.bincount(diagram.node_layer.astype(int))))
    height = max(220, min(640, 60 + 34 * tallest))
    spec = _network_spec(t.lang, style.projector, n_columns, height)
    return _with_data(spec, edges=edges, nodes=nodes)


@st.cache_data(max_entries=32, show_spinner=False)
def _network_spec(lang, projector, n_columns, height):
    t, style = Translator(lang), ChartStyle(projector)
    x = alt.X("x:Q", axis=None, scale=alt.Scale(domain=[-0.6, n_columns - 0.4]))
    y = alt.Y("y:Q", axis=None, scale=alt.Scale(reverse=True, padding=18))
    edge_layer = alt.Chart(alt.Data(name="edges")).mark_rule(opacity=0.75).encode(
        x=x, y=y, x2="x2:Q", y2="y2:Q",
        color=alt.condition("datum.positive", alt.value(POSITIVE_WEIGHT),
                            alt.value(NEGATIVE_WEIGHT)),
        strokeWidth=alt.StrokeWidth("width:Q", scale=None),
        tooltip=[alt.Tooltip("weight:Q", format=".4f", title=t("pg_tooltip_weight"))],
    )
    nodes = alt.Chart(alt.Data(name="nodes"))
    node_layer = nodes.mark_circle(
        size=420 if style.projector else 260, color="#FFFFFF", stroke="#333333",
        strokeWidth=1.5, opacity=1.0,
    ).encode(x=x, y=y, tooltip=[alt.Tooltip("name:N", title=t("pg_tooltip_node")),
                                alt.Tooltip("bias:Q", format=".4f", title=t("pg_tooltip_bias"))])
    input_labels = nodes.mark_text(
        fontSize=style.font_size, dx=-22, align="right", color=style.text_color,
    ).encode(x=x, y=y, text="name:N").transform_filter("datum.x == 0")
    output_labels = nodes.mark_text(
        fontSize=style.font_size, dx=22, align="left", color=style.text_color,
    ).encode(x=x, y=y, text="name:N").transform_filter(f"datum.x == {n_columns - 1}")
    chart = alt.layer(edge_layer, node_layer, input_labels, output_labels).properties(
        title=t("pg_chart_network"))
    return styled(chart, style, height).to_dict()


def _node_name(layer, unit, n_columns, input_labels, output_labels, t):
    if layer == 0:
        return input_labels[unit]
    if layer == n_columns - 1:
        return output_labels[unit]
    return t("pg_node_hidden", layer=layer, unit=unit + 1)


def warp_chart(t, style, warped, projected, n_classes, axis_titles, *, height=430):
    """The input plane's grid lines after a hidden layer, with the data points carried along."""
    lines = pd.DataFrame({"line": warped.line, "order": warped.order, "u": warped.u,
                          "v": warped.v})
    n_lines = int(warped.line.max()) + 1
    lines["direction"] = np.where(warped.line < n_lines // 2, t("pg_warp_vertical"),
                                  t("pg_warp_horizontal"))
    u, v, labels = projected
    points = pd.DataFrame({"u": u, "v": v, "label": labels})
    spec = _warp_spec(t.lang, style.projector, n_classes, tuple(axis_titles), height)
    return _with_data(spec, lines=lines, points=points)


@st.cache_data(max_entries=32, show_spinner=False)
def _warp_spec(lang, projector, n_classes, axis_titles, height):
    t, style = Translator(lang), ChartStyle(projector)
    line_layer = alt.Chart(alt.Data(name="lines")).mark_line(
        strokeWidth=2.0 if style.projector else 1.0, opacity=0.6).encode(
        x=alt.X("u:Q", title=axis_titles[0]), y=alt.Y("v:Q", title=axis_titles[1]),
        detail="line:N", order="order:Q",
        color=alt.Color("direction:N", title=t("pg_legend_gridline"), scale=alt.Scale(
            domain=[t("pg_warp_vertical"), t("pg_warp_horizontal")],
            range=["#777777", "#BBBBBB"])),
    )
    point_layer = alt.Chart(alt.Data(name="points")).mark_point(
        filled=True, size=style.point_size * 1.4, opacity=0.9).encode(
        x="u:Q", y="v:Q",
        color=alt.Color("label:N", scale=_class_scale(n_classes), title=t("pg_legend_class")),
        tooltip=[alt.Tooltip("u:Q", format=".3f", title=axis_titles[0]),
                 alt.Tooltip("v:Q", format=".3f", title=axis_titles[1]),
                 alt.Tooltip("label:N", title=t("pg_legend_class"))],
    )
    chart = alt.layer(line_layer, point_layer).resolve_scale(color="independent").properties(
        title=t("pg_chart_warp"), width=height)
    return styled(chart, style, height).to_dict()


def confusion_chart(t, style, counts, *, height=320):
    """Counts of (true class, predicted class) on the test set; the diagonal is right."""
    k = counts.shape[0]
    true, predicted = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
    frame = pd.DataFrame({"true": true.ravel(), "predicted": predicted.ravel(),
                          "count": counts.ravel(),
                          "dark": counts.ravel() > counts.max() / 2.0})
    return _with_data(_confusion_spec(t.lang, style.projector, height), counts=frame)


@st.cache_data(max_entries=16, show_spinner=False)
def _confusion_spec(lang, projector, height):
    t, style = Translator(lang), ChartStyle(projector)
    base = alt.Chart(alt.Data(name="counts")).encode(
        x=alt.X("predicted:O", title=t("pg_axis_predicted"), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("true:O", title=t("pg_axis_true")),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("count:Q", scale=alt.Scale(scheme="blues"), legend=None),
        tooltip=[alt.Tooltip("true:O", title=t("pg_axis_true")),
                 alt.Tooltip("predicted:O", title=t("pg_axis_predicted")),
                 alt.Tooltip("count:Q", title=t("pg_legend_count"))])
    text = base.mark_text(fontSize=style.title_size).encode(
        text="count:Q",
        color=alt.condition("datum.dark", alt.value("#FFFFFF"), alt.value("#000000")))
    chart = alt.layer(cells, text).properties(title=t("pg_chart_confusion"), width=height)
    return styled(chart, style, height).to_dict()


def layer_lines_chart(t, style, values, epochs, title_key, axis_key, *, height=260):
    """One line per weight layer over epochs on a log scale (gradient norms, update ratios)."""
    values = np.asarray(values, dtype=np.float64)
    keep = _thin(len(epochs))
    values, epochs = values[keep], np.asarray(epochs)[keep]
    names = [t("pg_weights_of", layer=i + 1) for i in range(values.shape[1])]
    frame = pd.concat([pd.DataFrame({"epoch": epochs, "value": values[:, i], "layer": name})
                       for i, name in enumerate(names)], ignore_index=True)
    frame = frame[np.isfinite(frame["value"]) & (frame["value"] > 0)]
    spec = _layer_lines_spec(t.lang, style.projector, len(names), title_key, axis_key, height)
    return _with_data(spec, lines=frame)


@st.cache_data(max_entries=32, show_spinner=False)
def _layer_lines_spec(lang, projector, n_layers, title_key, axis_key, height):
    t, style = Translator(lang), ChartStyle(projector)
    names = [t("pg_weights_of", layer=i + 1) for i in range(n_layers)]
    chart = alt.Chart(alt.Data(name="lines")).mark_line(strokeWidth=style.line_width).encode(
        x=alt.X("epoch:Q", title=t("pg_axis_epoch")),
        y=alt.Y("value:Q", title=t(axis_key), scale=alt.Scale(type="log")),
        color=alt.Color("layer:N", title=None, sort=names,
                        scale=alt.Scale(domain=names, range=PALETTE[:n_layers])),
        tooltip=[alt.Tooltip("epoch:Q", title=t("pg_axis_epoch")),
                 alt.Tooltip("layer:N", title=t("pg_legend_layer")),
                 alt.Tooltip("value:Q", format=".3g", title=t(axis_key))],
    ).properties(title=t(title_key))
    return styled(chart, style, height).to_dict()
