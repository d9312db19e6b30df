"""Charts of the saturation page: per-layer histograms and lines, and the brief training run.

Every public function takes the translator ``t`` and the page's ``ChartStyle`` first, then
plain arrays, and returns a finished Altair chart (``styled``). Series are keyed by activation
name, so each activation keeps its colour from ``ACTIVATION_COLORS`` and its display name.
"""

import altair as alt
import numpy as np
import pandas as pd

from ui.strings import activation_name
from ui.style import ACTIVATION_COLORS, styled

HISTOGRAM_CELL_WIDTH = 64
HISTOGRAM_CELL_HEIGHT = 64
HISTOGRAM_SPACING = 8
# Streamlit fits the whole chart (titles and legend included) into the height.
LINE_HEIGHT = 330
REFERENCE_COLOR = "#000000"
ENVELOPE_DASH = [6, 4]
LEGEND_SYMBOL_SIZE = 500  # long enough for a dash pattern to show in the legend


def layer_histograms(t, style, histograms, activation, title_key, x_key, columns=10,
                     x_format="~g"):
    """One small histogram per layer, as a single chart faceted in rows of ``columns``.

    ``histograms.fractions`` is (n_layers, n_bins): the share of the layer's values in each bin
    of ``histograms.edges``. The x-axis title would repeat under every cell, so it goes in the
    subtitle instead.
    """
    edges, fractions = histograms.edges, histograms.fractions
    n_layers, n_bins = fractions.shape
    layer_labels = [t("sat_layer_n", n=n) for n in range(1, n_layers + 1)]
    x_title, y_title, layer_title = t(x_key), t("sat_axis_share"), t("sat_axis_layer")
    data = pd.DataFrame({
        "layer": np.repeat(layer_labels, n_bins),
        "start": np.tile(edges[:-1], n_layers),
        "end": np.tile(edges[1:], n_layers),
        "share": fractions.ravel(),
    })
    heading = alt.TitleParams(t(title_key, activation=activation_name(t, activation)),
                              subtitle=t("sat_hist_subtitle", x=x_title),
                              subtitleFontSize=style.font_size, subtitleColor=style.text_color)
    color = ACTIVATION_COLORS[activation]
    # Bars a couple of pixels wide leave sub-pixel gaps; a thin stroke of their colour closes them.
    bars = alt.Chart(data, title=heading).mark_bar(color=color, binSpacing=0, stroke=color,
                                                   strokeWidth=0.5)
    chart = bars.encode(
        x=alt.X("start:Q", bin=alt.Bin(binned=True), title=None,
                axis=alt.Axis(tickCount=2, format=x_format, labelFlush=True, labelOverlap=True)),
        x2="end:Q",
        y=alt.Y("share:Q", title=None, axis=alt.Axis(format="%", tickCount=3)),
        facet=alt.Facet("layer:N", sort=list(layer_labels), columns=columns, title=None,
                        spacing=HISTOGRAM_SPACING,
                        header=alt.Header(labelFontSize=style.font_size,
                                          labelColor=style.text_color, labelPadding=2)),
        tooltip=[alt.Tooltip("layer:N", title=layer_title),
                 alt.Tooltip("start:Q", format=".3g", title=f"{x_title} ≥"),
                 alt.Tooltip("end:Q", format=".3g", title=f"{x_title} <"),
                 alt.Tooltip("share:Q", format=".1%", title=y_title)],
    ).properties(width=HISTOGRAM_CELL_WIDTH)
    return styled(chart, style, height=HISTOGRAM_CELL_HEIGHT)


def per_layer_lines(t, style, layers, values, title_key, y_key, log_scale=False, percent=False):
    """One line per activation over the hidden layers (``values``: name -> array per layer)."""
    labels = _labels(t, values)
    data = _long_table({name: (layers, series) for name, series in values.items()}, labels)
    if log_scale:
        data = _positive(data)
    return styled(_activation_lines(data, labels, t("sat_axis_layer"), t(y_key),
                                    t("sat_legend_activation"), style, log_scale, percent,
                                    t(title_key), zero=percent), style,
                  height=line_height(style))


def gradient_norm_chart(t, style, layers, measured, envelope):
    """Measured ||dL/dW|| per layer, log y; with sigmoid's 0.25^(L - l) bound dashed for the
    activations in ``envelope`` (an empty dict draws the measured lines alone)."""
    labels = _labels(t, measured)
    curves = {t("sat_series_measured"): measured}
    if envelope:
        curves[t("sat_series_envelope")] = envelope
    frames = []
    for curve, values in curves.items():
        table = _long_table({name: (layers, series) for name, series in values.items()}, labels)
        frames.append(table.assign(curve=curve))
    data = _positive(pd.concat(frames, ignore_index=True))
    dash = ("curve", t("sat_legend_curve"), list(curves)) if envelope else None
    chart = _activation_lines(data, labels, t("sat_axis_layer"), t("sat_axis_grad_norm"),
                              t("sat_legend_activation"), style, True, False,
                              t("sat_chart_grad_norm"), dash=dash)
    return styled(chart, style, height=line_height(style))


def training_gradient_chart(t, style, steps, first, last):
    """Gradient norm of the first (solid) and last (dashed) hidden layer over steps, log y."""
    labels = _labels(t, first)
    first_label, last_label = t("sat_series_first"), t("sat_series_last")
    frames = []
    for curve, values in {first_label: first, last_label: last}.items():
        table = _long_table({name: (steps[name], series) for name, series in values.items()},
                            labels)
        frames.append(table.assign(curve=curve))
    data = _positive(pd.concat(frames, ignore_index=True))
    chart = _activation_lines(data, labels, t("sat_axis_step"), t("sat_axis_grad_norm"),
                              t("sat_legend_activation"), style, True, False,
                              t("sat_chart_train_grad"),
                              dash=("curve", t("sat_legend_curve"), [first_label, last_label]),
                              points=False)
    return styled(chart, style, height=line_height(style))


def loss_chart(t, style, steps, losses):
    """Training loss over steps, one line per activation."""
    labels = _labels(t, losses)
    data = _finite(_long_table({name: (steps[name], series) for name, series in losses.items()},
                               labels))
    # From zero: a loss that stays flat reads as flat, not as noise blown up to fill the chart.
    chart = _activation_lines(data, labels, t("sat_axis_step"), t("sat_axis_loss"),
                              t("sat_legend_activation"), style, False, False,
                              t("sat_chart_train_loss"), points=False, zero=True)
    return styled(chart, style, height=line_height(style))


def update_ratio_chart(t, style, steps, ratios, activation, reference):
    """||delta W|| / ||W|| of every layer over steps (``ratios``: n_steps x depth), log y, with a
    dashed line at the healthy ``reference``; layers run from dark (first) to light (last)."""
    layer_title, x_title = t("sat_legend_layer"), t("sat_axis_step")
    y_title = t("sat_axis_update_ratio")
    title = t("sat_chart_train_ratio", activation=activation_name(t, activation))
    reference_label = t("sat_reference")
    n_steps, depth = ratios.shape
    data = _positive(pd.DataFrame({
        "x": np.repeat(steps, depth),
        "layer": np.tile(np.arange(1, depth + 1), n_steps),
        "value": ratios.ravel(),
    }))
    lines = alt.Chart(data).mark_line(strokeWidth=style.line_width * 0.7).encode(
        x=alt.X("x:Q", title=x_title, axis=alt.Axis(tickMinStep=1)),  # whole steps only
        y=alt.Y("value:Q", title=y_title, scale=alt.Scale(type="log"),
                axis=alt.Axis(format=".0e")),
        color=alt.Color("layer:O", title=layer_title,
                        scale=alt.Scale(scheme="viridis", domain=list(range(1, depth + 1))),
                        legend=alt.Legend(columns=10, symbolType="stroke")),
        detail="layer:O",
        tooltip=[alt.Tooltip("layer:O", title=layer_title), alt.Tooltip("x:Q", title=x_title),
                 alt.Tooltip("value:Q", title=y_title, format=".3g")],
    )
    rule_data = pd.DataFrame({"value": [reference], "label": [reference_label]})
    rule = alt.Chart(rule_data).mark_rule(color=REFERENCE_COLOR, strokeDash=ENVELOPE_DASH,
                                          strokeWidth=style.line_width * 0.7).encode(
        y="value:Q", tooltip=[alt.Tooltip("label:N", title=y_title)])
    text = alt.Chart(rule_data).mark_text(align="left", dx=4, dy=-8, color=REFERENCE_COLOR,
                                          fontSize=style.font_size).encode(
        x=alt.value(0), y="value:Q", text="label:N")
    return styled(alt.layer(lines, rule, text, title=title), style,
                  height=line_height(style) + 40)


def line_height(style):
    return style.height(LINE_HEIGHT)


def _labels(t, series):
    """Display name of each activation in ``series`` (a dict keyed by activation name)."""
    return {name: activation_name(t, name) for name in series}


def _activation_lines(data, labels, x_title, y_title, legend_title, style, log_scale, percent,
                      title, dash=None, points=True, zero=False):
    """Lines coloured by activation (its fixed colour), optionally dashed by a second field."""
    names = [name for name in labels if name in set(data["name"])] or list(labels)
    shown = [labels[name] for name in names]
    color = alt.Color("label:N", title=legend_title,
                      scale=alt.Scale(domain=shown, range=[ACTIVATION_COLORS[n] for n in names]),
                      legend=alt.Legend(symbolType="stroke", symbolSize=LEGEND_SYMBOL_SIZE))
    y_axis = alt.Axis(format=".0e") if log_scale else alt.Axis(format="%" if percent else "~g")
    if log_scale:
        scale = alt.Scale(type="log")
    elif percent:  # a share is always read against the whole 0-100% range
        scale = alt.Scale(domain=[0, 1])
    else:
        scale = alt.Scale(zero=zero)
    y = alt.Y("value:Q", title=y_title, axis=y_axis, scale=scale)
    tooltip = [alt.Tooltip("label:N", title=legend_title), alt.Tooltip("x:Q", title=x_title),
               alt.Tooltip("value:Q", title=y_title, format=".1%" if percent else ".3g")]
    encoding = {"x": alt.X("x:Q", title=x_title, axis=alt.Axis(tickMinStep=1)), "y": y,
                "color": color, "tooltip": tooltip}
    if dash is not None:
        field, dash_title, order = dash
        encoding["strokeDash"] = alt.StrokeDash(
            f"{field}:N", title=dash_title,
            scale=alt.Scale(domain=order, range=[[1, 0], ENVELOPE_DASH]),
            legend=alt.Legend(symbolType="stroke", symbolSize=LEGEND_SYMBOL_SIZE, labelLimit=0,
                              direction="vertical",
                              symbolStrokeColor=style.text_color,
                              symbolFillColor=style.text_color))
        encoding["tooltip"] = [alt.Tooltip(f"{field}:N", title=dash_title)] + tooltip
        encoding["detail"] = f"{field}:N"
    point = alt.OverlayMarkDef(size=style.point_size) if points else False
    return (alt.Chart(data, title=title).mark_line(strokeWidth=style.line_width, point=point)
            .encode(**encoding))


def _long_table(series, labels):
    """{name: (x, values)} -> one row per point with columns name, label, x, value."""
    frames = [pd.DataFrame({"name": name, "label": labels[name], "x": np.asarray(x, float),
                            "value": np.asarray(values, float)})
              for name, (x, values) in series.items()]
    return pd.concat(frames, ignore_index=True)


def _finite(data):
    return data[np.isfinite(data["value"])]


def _positive(data):
    """Rows a log axis can show: finite and above zero (a gradient of exactly 0 has no log)."""
    return data[np.isfinite(data["value"]) & (data["value"] > 0)]
