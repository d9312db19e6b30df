"""Charts of the MLP playground, built from the plain arrays ``pages.playground.model`` returns.

Every function takes the translator ``t`` for its titles and the frame's ``ChartStyle``, and
returns a finished, styled chart: an Altair chart, or for the live charts a Vega-Lite spec
(a dict for ``st.vega_lite_chart``) whose Altair-built layout is cached and completed by each
redraw's data frames.

The main view, the *board* (``board_chart``), is one Vega-Lite spec: the network diagram,
TensorFlow Playground style (every node shows its own output over the input plane as a small
image, edges coloured and sized by their weights), next to the large square output plot. One
spec, so hovering a node shows its map large on the output plot in the browser alone (a
Vega-Lite ``hover`` selection; no rerun), and a click on an edge is a selection the page reads
(``edge``). Maps are PNG images (a few hundred bytes to a few KB each): smooth when scaled up,
and far lighter than one mark per grid cell.
"""

import base64
import io
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image

from ui.strings import Translator
from ui.style import (
    CLASS_COLORS,
    PALETTE,
    TEST_COLOR,
    TEST_DASH,
    TRAIN_COLOR,
    TRAIN_DASH,
    ChartStyle,
    rgb_array,
    signed_rgb,
    signed_scale,
    styled,
)

MAX_CURVE_POINTS = 600  # longer histories are thinned evenly (smaller, faster to draw)
HOVER, EDGE = "hover", "edge"  # the board's two selections: hover a node, click an edge


def _class_scale(n_classes):
    return alt.Scale(domain=list(range(n_classes)), range=CLASS_COLORS[:n_classes])


def _with_data(spec, **frames):
    """A cached Vega-Lite spec completed with this redraw's data frames, by dataset name."""
    spec["datasets"] = frames
    return spec


def _split_shapes(t):
    return alt.Scale(domain=[t("pg_split_train"), t("pg_split_test")],
                     range=["circle", "diamond"])


def _points_frame(splits, t):
    """One table of data points from [(X, y, split name), ...]."""
    frames = [pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1] if X.shape[1] > 1 else np.nan,
                            "label": y, "split": t(f"pg_split_{name}")})
              for X, y, name in splits]
    return pd.concat(frames, ignore_index=True)


# --- images -----------------------------------------------------------------------------------
def png_url(rgb):
    """An (h, w, 3) uint8 image as a PNG data URL (what a Vega-Lite image mark loads)."""
    buffer = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buffer, format="PNG", compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _plane_image(values, resolution):
    """Grid values (x1 fastest, x2 rising) as image rows (top row = largest x2); for 1-D data
    (one value per x1) a single row."""
    values = np.asarray(values)
    if values.shape[0] == resolution:
        return values[None, :]
    return values.reshape((resolution, resolution) + values.shape[1:])[::-1]


def _downsample(image, size):
    """Every k-th pixel so that about ``size`` remain per side (cell centres kept centred)."""
    step = max(1, image.shape[-1] // size)
    offset = step // 2
    if image.shape[0] == 1:  # a single row
        return image[:, offset::step]
    return image[offset::step, offset::step]


def _class_rgb(labels, strength):
    """Each class colour mixed with white by ``strength`` in [0, 1]: uint8 RGB per cell."""
    palette = rgb_array(CLASS_COLORS)
    mixed = 255.0 + np.asarray(strength)[..., None] * (palette[labels] - 255.0)
    return np.round(mixed).astype(np.uint8)


def _strength(confidence, n_classes):
    """0 where the network is undecided (confidence 1/k), 0.8 where it is certain."""
    chance = 1.0 / n_classes
    return 0.8 * np.clip((confidence - chance) / (1.0 - chance), 0.0, 1.0)


# Vega draws an image mark only once its new image has loaded, so every redraw of a live
# board would flash white for a frame or two: a coarse copy of each picture, drawn as
# rectangles (which Vega draws at once), sits underneath and shows through meanwhile.
OUTPUT_CELLS, NODE_CELLS = 16, 3  # per side


@dataclass(frozen=True)
class BoardImages:
    """The board's pictures as PNG data URLs: the output plot and one map per diagram node,
    with their coarse copies (uint8 RGB, ``OUTPUT_CELLS`` and ``NODE_CELLS`` per side)."""

    output: str
    nodes: tuple  # in the diagram's node order
    output_cells: np.ndarray  # (OUTPUT_CELLS, OUTPUT_CELLS, 3), top row first
    node_cells: np.ndarray  # (n_nodes, NODE_CELLS, NODE_CELLS, 3)


def _coarse(image, cells):
    """``cells`` x ``cells`` pixels of an (n, n, 3) image, taken at the centres of a
    cells x cells grid over it."""
    index = ((np.arange(cells) + 0.5) * image.shape[0] / cells).astype(int)
    return np.ascontiguousarray(image[np.ix_(index, index)])


def _hex_colors(rgb):
    """uint8 RGB rows as a categorical of "#rrggbb" strings (one byte a row in Arrow)."""
    rgb = np.asarray(rgb, dtype=np.int64).reshape(-1, 3)
    keys, codes = np.unique(rgb[:, 0] << 16 | rgb[:, 1] << 8 | rgb[:, 2], return_inverse=True)
    return pd.Categorical.from_codes(codes.ravel(), categories=[f"#{k:06x}" for k in keys])


def board_images(maps, diagram, n_classes, target_scale, *, discretize=False, node_size=32):
    """Encode the output plot and every node's map (inputs, hidden units, outputs).

    Colours: classes for the output plot (faded by confidence, or flat with ``discretize``),
    class colours for each class's output node (by its probability), the signed ramp for
    input features (scaled to their largest value), hidden units (their output, clipped to
    [-1, 1] as in TensorFlow Playground) and regression outputs (scaled by ``target_scale``).
    Node maps are coloured on every k-th grid point only (``node_size`` per side).
    """
    resolution = len(maps.grid.x1)
    output = maps.output
    if maps.probabilities is not None:
        strength = np.full(len(output.predicted), 0.55) if discretize else _strength(
            output.confidence, n_classes)
        big = _class_rgb(output.predicted, strength)
    else:
        big = signed_rgb(output.predicted / target_scale)
    output_image = _plane_image(big, resolution)
    if output_image.shape[0] == 1:  # 1-D data draws a curve; keep the picture small
        output_image = output_image[:, ::8]
    output_image = np.ascontiguousarray(np.broadcast_to(
        output_image, (output_image.shape[1], output_image.shape[1], 3)))
    # The grid points a node map shows, as an index into the grid (rows top to bottom).
    order = _plane_image(np.arange(len(maps.grid.points)), resolution)
    keep = _downsample(order, node_size)
    side = keep.shape[0] if keep.shape[0] > 1 else 0  # 0: a line (1-D data)
    keep = keep.ravel()
    inputs = maps.inputs[keep]
    signed = [inputs / np.maximum(np.max(np.abs(maps.inputs), axis=0), 1e-12)]
    signed += [layer[keep] for layer in maps.hidden]
    colours = [signed_rgb(np.concatenate(signed, axis=1))]  # (points, nodes, 3)
    if maps.probabilities is not None:
        probabilities = maps.probabilities[keep]
        labels = np.broadcast_to(np.arange(n_classes), probabilities.shape)
        colours.append(_class_rgb(labels, 0.85 * probabilities))
    else:
        colours.append(signed_rgb(output.predicted[keep] / target_scale)[:, None, :])
    colours = np.concatenate(colours, axis=1)
    if colours.shape[1] != len(diagram.node_id):
        raise ValueError(f"{colours.shape[1]} maps for {len(diagram.node_id)} nodes")
    if side:  # a plane: node maps are square images
        images = colours.reshape(side, side, -1, 3).transpose(2, 0, 1, 3)
    else:  # a line (1-D data): each map is a strip, repeated down a square
        images = np.broadcast_to(colours.transpose(1, 0, 2)[:, None],
                                 (colours.shape[1], keep.size, keep.size, 3))
    return BoardImages(
        output=png_url(output_image),
        nodes=tuple(png_url(np.ascontiguousarray(image)) for image in images),
        output_cells=_coarse(output_image, OUTPUT_CELLS),
        node_cells=np.stack([_coarse(image, NODE_CELLS) for image in images]))


# --- the board: network diagram + output plot -------------------------------------------------
@dataclass(frozen=True)
class BoardGeometry:
    """Pixel layout of the diagram (x right, y down) and the size of the output plot."""

    node: float  # side of a node's square map
    column_x: tuple  # centre of each column
    row_step: float
    top: float  # centre of the first row
    width: int
    height: int
    plot: int  # side of the square output plot
    stacked: bool  # diagram above the plot (phones, very deep networks)

    def node_y(self, rows, column_size, tallest):
        """Centres of the rows of a column of ``column_size`` nodes, centred vertically."""
        return self.top + self.row_step * (np.asarray(rows) + (tallest - column_size) / 2.0)


# What the page holds beside the sidebar: on a 1400-pixel screen, and a 1920-pixel projector.
BOARD_WIDTH, PROJECTOR_BOARD_WIDTH = 900, 1400
# A 390-pixel phone leaves ~358 pixels between the page's margins, and the plot's axis (~60)
# sits left of both stacked views (Vega aligns their plot areas).
PHONE_WIDTH, PHONE_PLOT = 290, 270


def board_geometry(style, column_sizes, phone=False):
    projector = style.projector
    plot = PHONE_PLOT if phone else (600 if projector else 440)
    node_side = 40 if projector else 30
    left, right = (86, 96) if projector else (62, 66)  # room for input and output labels
    pitch, narrowest = (118, 76) if projector else (86, 56)
    limit = PROJECTOR_BOARD_WIDTH if projector else BOARD_WIDTH
    n_columns = len(column_sizes)
    spans = max(n_columns - 1, 1)
    width = round(left + right + node_side + pitch * (n_columns - 1))
    if phone:
        pitch = (PHONE_WIDTH - left - right - node_side) / spans
        width = PHONE_WIDTH
    elif width + 20 + plot > limit:
        pitch = max(narrowest, (limit - 20 - plot - left - right - node_side) / spans)
        width = round(left + right + node_side + pitch * (n_columns - 1))
    stacked = phone or width + 20 + plot > limit
    top = (34 if projector else 28) + (16 if stacked else 0) + node_side / 2
    tallest = max(column_sizes)
    room = max(plot, 300) - top - node_side / 2
    row_step = min(node_side + (14 if projector else 10), room / max(tallest - 1, 1))
    node = min(node_side, row_step * 0.85) if tallest > 1 else node_side
    height = round(top + row_step * (tallest - 1) + node / 2 + 8)
    column_x = tuple(left + node_side / 2 + pitch * c for c in range(n_columns))
    return BoardGeometry(node, column_x, row_step, top, width, height, plot, stacked)


def board_frames(t, diagram, images, geometry, node_names, splits, extent,
                 header_texts, target_scale=None):
    """The data frames of one redraw of the board (``board_chart`` adds them to its spec)."""
    tallest = max(diagram.column_sizes)
    columns = diagram.node_column.astype(int)
    sizes = np.array(diagram.column_sizes)[columns]
    x = np.array(geometry.column_x)[columns]
    y = geometry.node_y(diagram.node_row, sizes, tallest)
    nodes = pd.DataFrame({"id": list(diagram.node_id), "x": x, "y": y, "url": images.nodes,
                          "name": node_names, "bias": diagram.node_bias,
                          "active": diagram.node_active, "column": columns})
    half = geometry.node / 2
    source_column = diagram.edge_layer.astype(int)
    source_size = np.array(diagram.column_sizes)[source_column]
    target_size = np.array(diagram.column_sizes)[source_column + 1]
    largest = float(np.max(np.abs(diagram.edge_weight))) if len(diagram.edge_weight) else 1.0
    widest = 7.0 if geometry.node > 34 else 5.0
    offsets = np.cumsum([0, *diagram.column_sizes[:-1]])
    edges = pd.DataFrame({
        "id": list(diagram.edge_id),
        "x": np.array(geometry.column_x)[source_column] + half,
        "y": geometry.node_y(diagram.edge_source, source_size, tallest),
        "x2": np.array(geometry.column_x)[source_column + 1] - half,
        "y2": geometry.node_y(diagram.edge_target, target_size, tallest),
        "weight": diagram.edge_weight,
        "tone": np.clip(diagram.edge_weight / max(largest, 1e-12), -1, 1),
        "width": 0.4 + widest * np.abs(diagram.edge_weight) / max(largest, 1e-12),
        "source": np.array(node_names, dtype=object)[offsets[source_column]
                                                      + diagram.edge_source],
        "target": np.array(node_names, dtype=object)[offsets[source_column + 1]
                                                      + diagram.edge_target],
    })
    headers = pd.DataFrame({"x": list(geometry.column_x), "text": header_texts})
    points = _points_frame(splits, t)
    if target_scale is not None:  # regression: colour by the target, on the signed ramp
        points["tone"] = np.clip(points["label"] / target_scale, -1, 1)
    output = pd.DataFrame({"id": ["output"], "url": [images.output], "cx": [0.0], "cy": [0.0]})
    return {"nodes": nodes, "edges": edges, "headers": headers, "points": points,
            "output": output, "cells": _output_cells(images.output_cells, extent),
            "node_cells": _node_cells(images.node_cells, x, y, geometry.node)}


def _output_cells(cells, extent):
    """The coarse output picture as rectangles on the plane (top row = largest x2)."""
    n = cells.shape[0]
    edges = np.linspace(-extent, extent, n + 1)
    column, row = np.meshgrid(np.arange(n), np.arange(n))
    return pd.DataFrame({"x": edges[column.ravel()], "x2": edges[column.ravel() + 1],
                         "y": edges[n - row.ravel()], "y2": edges[n - 1 - row.ravel()],
                         "fill": _hex_colors(cells)})


def _node_cells(cells, x, y, side):
    """Each node's coarse map as rectangles in the diagram's pixels."""
    n_nodes, n = cells.shape[:2]
    step = side / n
    row, column = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    left = (x[:, None] - side / 2 + step * column.ravel()[None, :]).ravel()
    top = (y[:, None] - side / 2 + step * row.ravel()[None, :]).ravel()
    return pd.DataFrame({"x": left.astype(np.float32), "x2": (left + step).astype(np.float32),
                         "y": top.astype(np.float32), "y2": (top + step).astype(np.float32),
                         "fill": _hex_colors(cells)})


def board_chart(t, style, geometry, frames, *, task, n_classes, n_raw_inputs, extent,
                curve=None):
    """The board as a Vega-Lite spec: the diagram (hover a node: its map fills the output
    plot; click an edge: the ``edge`` selection) and the output plot. ``curve`` (a frame of
    x1, prediction) draws a 1-D regression's fitted curve instead of a plane."""
    spec = _board_spec(t.lang, style.projector, geometry, task, n_classes, n_raw_inputs,
                       round(float(extent), 3))
    if curve is not None:
        frames = {**frames, "curve": curve}
    return _with_data(spec, **frames)


@st.cache_data(max_entries=64, show_spinner=False)
def _board_spec(lang, projector, geometry, task, n_classes, n_raw_inputs, extent):
    t, style = Translator(lang), ChartStyle(projector)
    diagram = _diagram_view(t, style, geometry)
    if n_raw_inputs == 1:
        plot = _curve_view(t, style, geometry)
    else:
        plot = _plane_view(t, style, geometry, task, n_classes, extent)
    board = (alt.vconcat(diagram, plot, spacing=16) if geometry.stacked
             else alt.hconcat(diagram, plot, spacing=20))
    spec = _configured(board, style).to_dict()
    # Altair lifts a layer's selections to the top and attaches each to every layer that
    # defines one, which defines both twice (Vega: "Duplicate signal name"): put each back
    # into the one layer it belongs to.
    params = {param["name"]: param for param in spec.pop("params")}
    for layer in spec["vconcat" if geometry.stacked else "hconcat"][0]["layer"]:
        name = layer.pop("name", None)
        for selection, view in _VIEWS.items():
            if name is not None and name.startswith(view):  # Altair appends "_0"
                layer["params"] = [{key: value for key, value in params[selection].items()
                                    if key != "views"}]
    return spec


_VIEWS = {EDGE: "edge_hits", HOVER: "node_maps"}


def _configured(chart, style):
    return (chart.configure_axis(labelFontSize=style.font_size, titleFontSize=style.font_size,
                                 labelColor=style.text_color, titleColor=style.text_color,
                                 gridColor=style.grid_color, domainColor=style.text_color)
            .configure_legend(labelFontSize=style.font_size, titleFontSize=style.font_size,
                              labelColor=style.text_color, titleColor=style.text_color,
                              orient="bottom", symbolStrokeWidth=style.line_width)
            .configure_title(fontSize=style.title_size, color=style.text_color, anchor="start")
            .configure_view(strokeWidth=0))


def _diagram_view(t, style, geometry):
    # Pixel coordinates, y downwards: the chart computes every position (see board_frames).
    x = alt.X("x:Q", axis=None, scale=alt.Scale(domain=[0, geometry.width],
                                                range=[0, geometry.width]))
    y_scale = alt.Scale(domain=[0, geometry.height], range=[0, geometry.height])
    y = alt.Y("y:Q", axis=None, scale=y_scale)
    edges = alt.Chart(alt.Data(name="edges"))
    edge_tooltip = [alt.Tooltip("source:N", title=t("pg_tooltip_from")),
                    alt.Tooltip("target:N", title=t("pg_tooltip_to")),
                    alt.Tooltip("weight:Q", format=".4f", title=t("pg_tooltip_weight"))]
    visible = edges.mark_rule(opacity=0.9).encode(
        x=x, y=y, x2="x2:Q", y2="y2:Q",
        color=alt.Color("tone:Q", scale=signed_scale(1.0), title=t("pg_legend_signed"),
                        legend=alt.Legend(orient="bottom", gradientLength=140,
                                          direction="horizontal", format=".0f",
                                          values=[-1, 0, 1], labelExpr=(
                                              f"datum.value < 0 ? '{t('pg_legend_negative')}'"
                                              f" : datum.value > 0 ? "
                                              f"'{t('pg_legend_positive')}' : '0'"))),
        strokeWidth=alt.StrokeWidth("width:Q", scale=None), tooltip=edge_tooltip)
    # Thin edges are hard to hit: a wide, nearly transparent copy takes the clicks.
    pick = alt.selection_point(name=EDGE, fields=["id"], on="click", clear="dblclick",
                               empty=False)
    hits = edges.mark_rule(opacity=0.01, strokeWidth=12 if style.projector else 9).encode(
        x=x, y=y, x2="x2:Q", y2="y2:Q", tooltip=edge_tooltip).add_params(pick).properties(
        name=_VIEWS[EDGE])
    chosen = edges.mark_rule(color="#000000", strokeDash=[4, 3]).encode(
        x=x, y=y, x2="x2:Q", y2="y2:Q",
        strokeWidth=alt.value(3.5 if style.projector else 2.5)).transform_filter(pick)
    nodes = alt.Chart(alt.Data(name="nodes"))
    hover = alt.selection_point(name=HOVER, fields=["id"], on="pointerover", clear="pointerout",
                                empty=False)
    frame = nodes.mark_square(size=(geometry.node + 4) ** 2, filled=False,
                              color=style.text_color).encode(
        x=x, y=y, strokeWidth=alt.condition(hover, alt.value(3.0), alt.value(1.0)),
        opacity=alt.condition("datum.active", alt.value(1.0), alt.value(0.35)))
    coarse = alt.Chart(alt.Data(name="node_cells")).mark_rect().encode(
        x=x, x2="x2:Q", y=y, y2="y2:Q", color=alt.Color("fill:N", scale=None, legend=None))
    maps = nodes.mark_image(width=geometry.node, height=geometry.node, align="center",
                            baseline="middle", aspect=False).encode(
        x=x, y=y, url="url:N",
        opacity=alt.condition("datum.active", alt.value(1.0), alt.value(0.3)),
        tooltip=[alt.Tooltip("name:N", title=t("pg_tooltip_node")),
                 alt.Tooltip("bias:Q", format=".4f", title=t("pg_tooltip_bias"))],
    ).add_params(hover).properties(name=_VIEWS[HOVER])
    gap = geometry.node / 2 + 6
    input_labels = nodes.mark_text(fontSize=style.font_size, align="right", dx=-gap,
                                   color=style.text_color).encode(
        x=x, y=y, text="name:N",
        opacity=alt.condition("datum.active", alt.value(1.0), alt.value(0.45)),
    ).transform_filter("datum.column == 0")
    last_column = len(geometry.column_x) - 1
    output_labels = nodes.mark_text(fontSize=style.font_size, align="left", dx=gap,
                                    color=style.text_color).encode(
        x=x, y=y, text="name:N").transform_filter(f"datum.column == {last_column}")
    headers = alt.Chart(alt.Data(name="headers")).mark_text(
        fontSize=style.font_size, fontWeight="bold", baseline="top", color=style.text_color,
        lineBreak="\n",
    ).encode(x=x, y=alt.Y("y0:Q", axis=None, scale=y_scale), text="text:N").transform_calculate(
        y0="2")
    return alt.layer(visible, hits, chosen, frame, coarse, maps, input_labels, output_labels,
                     headers).properties(width=geometry.width, height=geometry.height,
                                         title=t("pg_chart_network")).resolve_scale(
        color="independent")


def _plane_scale(extent):
    return alt.Scale(domain=[-extent, extent], nice=False, zero=False)


def _plane_view(t, style, geometry, task, n_classes, extent):
    """The square output plot: the output image, the hovered node's map in its place, the
    data points on top."""
    scale = _plane_scale(extent)
    x = alt.X("x1:Q", scale=scale, title=t("pg_axis_x1"))
    y = alt.Y("x2:Q", scale=scale, title=t("pg_axis_x2"))
    centre = {"x": alt.X("cx:Q", scale=scale, title=t("pg_axis_x1")),
              "y": alt.Y("cy:Q", scale=scale, title=t("pg_axis_x2"))}
    side = geometry.plot
    coarse = alt.Chart(alt.Data(name="cells")).mark_rect().encode(
        x=alt.X("x:Q", scale=scale, title=t("pg_axis_x1")), x2="x2:Q",
        y=alt.Y("y:Q", scale=scale, title=t("pg_axis_x2")), y2="y2:Q",
        color=alt.Color("fill:N", scale=None, legend=None))
    # The hover selection is defined on the diagram's nodes; these layers only test it.
    background = alt.Chart(alt.Data(name="output")).mark_image(
        width=side, height=side, align="center", baseline="middle", aspect=False,
        clip=True).encode(**centre, url="url:N", opacity=alt.condition(
            {"param": HOVER, "empty": True}, alt.value(1.0), alt.value(0.0)))
    hovered = alt.Chart(alt.Data(name="nodes")).transform_filter(
        {"param": HOVER, "empty": False}).transform_calculate(cx="0", cy="0")
    hovered_map = hovered.mark_image(width=side, height=side, align="center",
                                     baseline="middle", aspect=False, clip=True).encode(
        **centre, url="url:N")
    hovered_name = hovered.mark_text(
        align="left", baseline="top", dx=6, dy=6, fontSize=style.title_size,
        fontWeight="bold", color=style.text_color).encode(
        x=alt.X("left:Q", scale=scale), y=alt.Y("top:Q", scale=scale),
        text="name:N").transform_calculate(left=str(-extent), top=str(extent))
    if task == "classification":
        color = alt.Color("label:N", scale=_class_scale(n_classes), title=t("pg_legend_class"),
                          legend=alt.Legend(symbolSize=style.point_size * 2))
        value = alt.Tooltip("label:N", title=t("pg_legend_class"))
    else:
        color = alt.Color("tone:Q", scale=signed_scale(1.0), legend=None)
        value = alt.Tooltip("label:Q", format=".3f", title=t("pg_axis_target"))
    points = alt.Chart(alt.Data(name="points")).mark_point(
        filled=True, size=style.point_size * 1.6, stroke="#FFFFFF",
        strokeWidth=1.5 if style.projector else 0.8, opacity=0.95,
    ).encode(x=x, y=y, color=color,
             shape=alt.Shape("split:N", scale=_split_shapes(t), title=t("pg_legend_split"),
                             legend=alt.Legend(symbolSize=style.point_size * 2)),
             tooltip=[alt.Tooltip("x1:Q", format=".2f", title=t("pg_axis_x1")),
                      alt.Tooltip("x2:Q", format=".2f", title=t("pg_axis_x2")), value,
                      alt.Tooltip("split:N", title=t("pg_legend_split"))])
    title = t("pg_chart_boundary" if task == "classification" else "pg_chart_surface")
    # Independent scales keep the class and split legends with this plot (shared ones would be
    # placed under the whole board).
    return alt.layer(coarse, background, hovered_map, points, hovered_name).properties(
        width=side, height=side, title=title).resolve_scale(color="independent",
                                                            shape="independent")


def _curve_view(t, style, geometry):
    """1-D regression: the fitted curve through the data points."""
    line = alt.Chart(alt.Data(name="curve")).mark_line(
        color="#000000", strokeWidth=style.line_width).encode(
        x=alt.X("x1:Q", title=t("pg_axis_x1")),
        y=alt.Y("prediction:Q", title=t("pg_axis_target")),
        tooltip=[alt.Tooltip("x1:Q", format=".2f", title=t("pg_axis_x1")),
                 alt.Tooltip("prediction:Q", format=".3f", title=t("pg_legend_prediction"))])
    points = alt.Chart(alt.Data(name="points")).mark_point(
        filled=True, size=style.point_size * 1.4, opacity=0.85).encode(
        x="x1:Q", y="label:Q",
        color=alt.Color("tone:Q", scale=signed_scale(1.0), legend=None),
        shape=alt.Shape("split:N", scale=_split_shapes(t), title=t("pg_legend_split")),
        tooltip=[alt.Tooltip("x1:Q", format=".2f", title=t("pg_axis_x1")),
                 alt.Tooltip("label:Q", format=".3f", title=t("pg_axis_target")),
                 alt.Tooltip("split:N", title=t("pg_legend_split"))])
    return alt.layer(points, line).properties(width=geometry.plot, height=geometry.plot,
                                              title=t("pg_chart_curve"))


# --- curves and the detailed views ------------------------------------------------------------
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
        strokeDash=alt.StrokeDash("series:N", title=None, scale=alt.Scale(
            domain=series, range=[TRAIN_DASH, TEST_DASH])),
        tooltip=[alt.Tooltip("epoch:Q", title=t("pg_axis_epoch")),
                 alt.Tooltip("series:N", title=t("pg_legend_split")),
                 alt.Tooltip("value:Q", format=value_format, title=t(f"pg_axis_{metric}"))],
    ).properties(title=t(f"pg_chart_{metric}"))
    return styled(chart, style, height).to_dict()


def history_chart(t, style, history, metric, *, height=240):
    """Train and test ``metric`` ("loss" or "accuracy") per epoch."""
    keep = _thin(len(history["epoch"]))
    epochs = np.asarray(history["epoch"], dtype=np.int32)[keep]
    values = [np.asarray(history[f"{split}_{metric}"], dtype=np.float32)[keep]
              for split in ("train", "test")]
    frame = pd.DataFrame({
        "epoch": np.concatenate([epochs, epochs]), "value": np.concatenate(values),
        "series": pd.Categorical.from_codes(np.repeat([0, 1], len(epochs)), categories=[
            t("pg_split_train"), t("pg_split_test")])})
    return _with_data(_history_spec(t.lang, style.projector, metric, height), history=frame)


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
