"""Charts of the dead-ReLU page, built from the arrays of a ``dead_units.DeadUnitRun``.

Each function takes runs (one, or two in compare mode), the translator ``t`` for every visible
word, and the page's ChartStyle. Colour always means the activation (the shared palette);
the dash pattern tells hidden layers apart.
"""

from collections.abc import Callable, Sequence

import altair as alt
import numpy as np
import pandas as pd

from nn_core.experiments.dead_units import DeadUnitRun, epoch_columns, pre_activation_histogram
from ui.strings import activation_name
from ui.style import ACTIVATION_COLORS, PALETTE, ChartStyle, styled

Translate = Callable[..., str]

# Heatmap limits keep the chart a few thousand rectangles: quick to draw on a classroom laptop.
MAX_HEATMAP_COLUMNS = 100
# Units shade from pale (few points with z > 0) to blue (all of them). A unit with every point
# on the negative side is black where its slope there is 0 (a dead ReLU) and orange where it is
# not (leaky ReLU: slope alpha, still learning): solid bands no shade of the scale resembles.
ALIVE_RANGE = ["#E3F1F9", "#0072B2"]
DEAD_COLOR = "#000000"
NEGATIVE_ONLY_COLOR = PALETTE[4]  # Okabe-Ito orange
INITIAL_COLOR = "#999999"


def _styled(chart: alt.Chart, style: ChartStyle, height: int) -> alt.Chart:
    return styled(chart, style, style.height(height))


def _activation_name(t: Translate, run: DeadUnitRun) -> str:
    return activation_name(t, run.activation)


def _color_scale(t: Translate, runs: Sequence[DeadUnitRun]) -> alt.Scale:
    names = list(dict.fromkeys(run.activation for run in runs))
    return alt.Scale(domain=[activation_name(t, n) for n in names],
                     range=[ACTIVATION_COLORS[n] for n in names])


def _per_layer_frame(t: Translate, runs: Sequence[DeadUnitRun], column: str,
                     values_of: Callable[[DeadUnitRun], np.ndarray]) -> pd.DataFrame:
    """Long format: one row per (run, layer, epoch); ``values_of(run)`` is (n_records, layers)."""
    frames = []
    for run in runs:
        values = values_of(run)
        for layer in range(values.shape[1]):
            frames.append(pd.DataFrame({
                "epoch": run.epochs,
                "layer": t("dead_layer_name", index=layer + 1),
                "activation": _activation_name(t, run),
                column: values[:, layer],
            }))
    return pd.concat(frames, ignore_index=True)


def _layer_lines(t: Translate, style: ChartStyle, runs: Sequence[DeadUnitRun],
                 data: pd.DataFrame, column: str, y: alt.Y, y_title: str, title: str,
                 value_format: str) -> alt.Chart:
    """Lines over epochs: colour = activation, dash = layer, with a tooltip on every point."""
    dash_domain = list(dict.fromkeys(data["layer"]))
    return alt.Chart(data, title=title).mark_line(strokeWidth=style.line_width).encode(
        x=alt.X("epoch:Q", title=t("dead_axis_epoch")),
        y=y,
        color=alt.Color("activation:N", scale=_color_scale(t, runs),
                        title=t("dead_legend_activation")),
        strokeDash=alt.StrokeDash("layer:N", title=t("dead_legend_layer"),
                                  scale=alt.Scale(domain=dash_domain)),
        tooltip=[
            alt.Tooltip("activation:N", title=t("dead_legend_activation")),
            alt.Tooltip("layer:N", title=t("dead_legend_layer")),
            alt.Tooltip("epoch:Q", title=t("dead_axis_epoch")),
            alt.Tooltip(f"{column}:Q", title=y_title, format=value_format),
        ],
    )


def dead_fraction_chart(t: Translate, style: ChartStyle, runs: Sequence[DeadUnitRun],
                        height: int = 430) -> alt.Chart:
    """Fraction of dead units in each hidden layer after every epoch (epoch 0 = initialisation)."""
    data = _per_layer_frame(t, runs, "dead_fraction", lambda run: run.dead_fraction)
    y_title = t("dead_axis_dead_fraction")
    y = alt.Y("dead_fraction:Q", title=y_title, scale=alt.Scale(domain=[0, 1]),
              axis=alt.Axis(format="%"))
    chart = _layer_lines(t, style, runs, data, "dead_fraction", y, y_title,
                         t("dead_chart_dead_title"), ".0%")
    return _styled(chart, style, height)


def _metric_frame(t: Translate, runs: Sequence[DeadUnitRun], column: str,
                  values_of: Callable[[DeadUnitRun], np.ndarray]) -> pd.DataFrame:
    return pd.concat([pd.DataFrame({"epoch": run.epochs, "activation": _activation_name(t, run),
                                    column: values_of(run)}) for run in runs],
                     ignore_index=True)


def _metric_chart(t: Translate, style: ChartStyle, runs: Sequence[DeadUnitRun], column: str,
                  y_title: str, title: str, value_format: str, height: int,
                  axis_format: str | None = None) -> alt.Chart:
    data = _metric_frame(t, runs, column, lambda run: getattr(run, column))
    chart = alt.Chart(data, title=title).mark_line(strokeWidth=style.line_width).encode(
        x=alt.X("epoch:Q", title=t("dead_axis_epoch")),
        y=alt.Y(f"{column}:Q", title=y_title, scale=alt.Scale(zero=True),
                axis=alt.Axis(format=axis_format) if axis_format else alt.Axis()),
        # No legend: the dead-fraction chart beside this one names the colours.
        color=alt.Color("activation:N", scale=_color_scale(t, runs), legend=None),
        tooltip=[
            alt.Tooltip("activation:N", title=t("dead_legend_activation")),
            alt.Tooltip("epoch:Q", title=t("dead_axis_epoch")),
            alt.Tooltip(f"{column}:Q", title=y_title, format=value_format),
        ],
    )
    return _styled(chart, style, height)


def accuracy_chart(t: Translate, style: ChartStyle, runs: Sequence[DeadUnitRun],
                   height: int = 215) -> alt.Chart:
    """Training accuracy after every epoch."""
    return _metric_chart(t, style, runs, "train_accuracy", t("dead_axis_accuracy"),
                         t("dead_chart_accuracy_title"), ".1%", height, axis_format="%")


def loss_chart(t: Translate, style: ChartStyle, runs: Sequence[DeadUnitRun],
               height: int = 215) -> alt.Chart:
    """Training loss (cross-entropy) after every epoch."""
    return _metric_chart(t, style, runs, "train_loss", t("dead_axis_loss"),
                         t("dead_chart_loss_title"), ".4f", height)


def activity_heatmap(t: Translate, style: ChartStyle, run: DeadUnitRun, layer: int,
                     height: int = 340) -> alt.Chart:
    """Units x epochs, coloured by the share of training points with z > 0 (for ReLU, the
    points it fires on): a unit with none is a solid band, black if it is dead (ReLU), orange if
    its negative side still passes a gradient (leaky ReLU, PReLU, ELU...).

    ``layer`` is 1-based. Long runs are sampled to at most MAX_HEATMAP_COLUMNS epochs; each
    rectangle reaches to the next sampled epoch, so the time axis stays true.
    """
    rates = run.positive_share[layer - 1]  # (n_records, width)
    columns = epoch_columns(len(run.epochs), MAX_HEATMAP_COLUMNS)
    starts = run.epochs[columns]
    ends = np.append(starts[1:], starts[-1] + 1)
    n_units = rates.shape[1]
    data = pd.DataFrame({
        "epoch": np.repeat(starts, n_units),
        "epoch_end": np.repeat(ends, n_units),
        "unit": np.tile(np.arange(1, n_units + 1), len(columns)),
        "rate": rates[columns].ravel(),
    })
    data["unit_low"], data["unit_high"] = data["unit"] - 0.5, data["unit"] + 0.5
    dies = run.activation == "relu"
    subtitle = t("dead_heatmap_subtitle" if dies else "dead_heatmap_subtitle_leaky")
    title = alt.Title(t("dead_chart_heatmap_title", layer=layer,
                        activation=_activation_name(t, run)), subtitle=subtitle,
                      subtitleFontSize=style.font_size, subtitleColor=style.text_color)
    chart = alt.Chart(data, title=title).mark_rect().encode(
        x=alt.X("epoch:Q", title=t("dead_axis_epoch"),
                scale=alt.Scale(domain=[0, float(ends[-1])], nice=False)),
        x2="epoch_end:Q",
        y=alt.Y("unit_low:Q", title=t("dead_axis_unit"),
                scale=alt.Scale(domain=[0.5, n_units + 0.5], nice=False, reverse=True),
                axis=alt.Axis(tickMinStep=1, format="d")),
        y2="unit_high:Q",
        color=alt.condition(
            "datum.rate == 0", alt.value(DEAD_COLOR if dies else NEGATIVE_ONLY_COLOR),
            alt.Color("rate:Q", title=t("dead_legend_rate"),
                      scale=alt.Scale(range=ALIVE_RANGE, domain=[0, 1]),
                      legend=alt.Legend(format="%", orient="right")),
        ),
        tooltip=[
            alt.Tooltip("unit:Q", title=t("dead_axis_unit")),
            alt.Tooltip("epoch:Q", title=t("dead_axis_epoch")),
            alt.Tooltip("rate:Q", title=t("dead_legend_rate"), format=".0%"),
        ],
    )
    return _styled(chart, style, height)


def unit_histogram(t: Translate, style: ChartStyle, run: DeadUnitRun, layer: int, unit: int,
                   height: int = 300) -> alt.Chart:
    """Pre-activations of one unit over the training set, at initialisation and at the end.

    Everything left of the dashed line at z = 0 gives ReLU output 0; a dead unit has all of
    its mass there. The subtitle says how much is there at the end and what slope f'(z) the
    unit has there: 0 for ReLU (no gradient), alpha for leaky ReLU.
    """
    edges, initial, final = pre_activation_histogram(
        run.initial_pre_activation[layer - 1][:, unit - 1],
        run.final_pre_activation[layer - 1][:, unit - 1],
    )
    stages = [t("dead_stage_initial"), t("dead_stage_final")]
    data = pd.concat([
        pd.DataFrame({"low": edges[:-1], "high": edges[1:], "count": counts, "stage": stage})
        for stage, counts in zip(stages, (initial, final))
    ], ignore_index=True)
    share = 1.0 - run.positive_share[layer - 1, -1, unit - 1]  # the negative side
    slope = run.final_negative_slope[layer - 1, unit - 1]
    subtitle = (t("dead_hist_subtitle", share=f"{share:.0%}", slope=f"{slope:.3g}")
                if np.isfinite(slope) else t("dead_hist_subtitle_none"))
    title = alt.Title(t("dead_chart_hist_title", unit=unit, layer=layer,
                        activation=_activation_name(t, run)),
                      subtitle=subtitle, subtitleFontSize=style.font_size,
                      subtitleColor=style.text_color)
    bars = alt.Chart(data, title=title).mark_bar(opacity=0.6, binSpacing=0).encode(
        x=alt.X("low:Q", title=t("dead_axis_z")),
        x2="high:Q",
        y=alt.Y("count:Q", title=t("dead_axis_count"), stack=None),
        y2=alt.datum(0),
        color=alt.Color("stage:N", title=t("dead_legend_stage"), sort=stages,
                        scale=alt.Scale(domain=stages,
                                        range=[INITIAL_COLOR, ACTIVATION_COLORS[run.activation]])),
        tooltip=[
            alt.Tooltip("stage:N", title=t("dead_legend_stage")),
            alt.Tooltip("low:Q", title=t("dead_tooltip_from"), format=".3g"),
            alt.Tooltip("high:Q", title=t("dead_tooltip_to"), format=".3g"),
            alt.Tooltip("count:Q", title=t("dead_axis_count")),
        ],
    )
    kink = alt.Chart(pd.DataFrame({"z": [0.0]})).mark_rule(
        strokeDash=[6, 4], strokeWidth=style.line_width, color=style.text_color,
    ).encode(x="z:Q")
    return _styled(alt.layer(bars, kink), style, height)


def prelu_slope_chart(t: Translate, style: ChartStyle, runs: Sequence[DeadUnitRun],
                      height: int = 260) -> alt.Chart:
    """The learned negative-side slope alpha of every PReLU layer over epochs."""
    prelu_runs = [run for run in runs if run.prelu_slopes.shape[1]]
    data = _per_layer_frame(t, prelu_runs, "alpha", lambda run: run.prelu_slopes)
    y_title = t("dead_axis_alpha")
    y = alt.Y("alpha:Q", title=y_title)
    chart = _layer_lines(t, style, prelu_runs, data, "alpha", y, y_title,
                         t("dead_chart_prelu_title"), ".3f")
    return _styled(chart, style, height)


def summary_table(t: Translate, runs: Sequence[DeadUnitRun]) -> pd.DataFrame:
    """Dead units per layer at initialisation and at the end, with each run's final accuracy."""
    rows = []
    for run in runs:
        width = run.config.width
        rows_of_run = zip(run.dead_counts_initial, run.dead_counts_final,
                          run.negative_only_final, strict=True)
        for layer, (born, end, negative) in enumerate(rows_of_run):
            rows.append({
                t("dead_col_activation"): _activation_name(t, run),
                t("dead_col_layer"): layer + 1,
                t("dead_col_dead_initial"): f"{born} / {width}",
                t("dead_col_dead_final"): f"{end} / {width}",
                t("dead_col_negative_final"): f"{negative} / {width}",
                t("dead_col_accuracy"): f"{run.final_accuracy:.1%}",
            })
    return pd.DataFrame(rows)
