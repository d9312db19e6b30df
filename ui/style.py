"""One look for every chart: a colour-blind-safe palette, axis style and projector mode."""

from dataclasses import dataclass

import altair as alt

from nn_core import ACTIVATIONS

# Okabe & Ito (2008) first, then Paul Tol's "muted" scheme: both designed to stay distinct for
# the common colour-vision deficiencies. Past 8 colours, a dash pattern also tells lines apart.
PALETTE = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
    "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255",
]

# Each activation keeps one colour on every page, in the order of nn_core.ACTIVATIONS.
_ORDER = ["relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu", "identity", "step",
          "selu", "prelu", "softplus", "swish", "mish", "softsign", "hard_sigmoid", "hard_tanh"]
assert sorted(_ORDER) == sorted(ACTIVATIONS)
ACTIVATION_COLORS = dict(zip(_ORDER, PALETTE))
ACTIVATION_DASHES = {name: ([1, 0] if i < 8 else [6, 3]) for i, name in enumerate(_ORDER)}

# Two-class and diverging maps for decision boundaries and heatmaps (also colour-blind safe).
CLASS_COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00"]
DIVERGING_SCHEME = "blueorange"


# Projector mode's larger type needs more room: Streamlit fits the whole chart (titles and
# legends too) into its height, so every chart grows by this factor to keep its plot area.
PROJECTOR_SCALE = 1.35


@dataclass(frozen=True)
class ChartStyle:
    """Sizes that projector mode enlarges."""

    projector: bool = False

    def height(self, pixels):
        """A chart height in pixels, enlarged in projector mode."""
        return round(pixels * PROJECTOR_SCALE) if self.projector else pixels

    @property
    def font_size(self):
        return 18 if self.projector else 12

    @property
    def title_size(self):
        return 22 if self.projector else 14

    @property
    def line_width(self):
        return 4.5 if self.projector else 2.2

    @property
    def point_size(self):
        return 90 if self.projector else 30

    @property
    def grid_color(self):
        return "#BBBBBB" if self.projector else "#E5E5E5"

    @property
    def text_color(self):
        return "#000000" if self.projector else "#262730"


def styled(chart, style, height=300):
    """Apply the shared axis, legend and title style to a finished chart."""
    return (
        chart.properties(height=height)
        .configure_axis(
            labelFontSize=style.font_size, titleFontSize=style.font_size,
            labelColor=style.text_color, titleColor=style.text_color,
            gridColor=style.grid_color, domainColor=style.text_color,
        )
        .configure_legend(labelFontSize=style.font_size, titleFontSize=style.font_size,
                          labelColor=style.text_color, titleColor=style.text_color,
                          symbolStrokeWidth=style.line_width, orient="bottom")
        .configure_title(fontSize=style.title_size, color=style.text_color, anchor="start")
        .configure_view(strokeWidth=0)
    )


def activation_color_scale(names):
    """An Altair colour scale that gives each activation its fixed colour."""
    return alt.Scale(domain=list(names), range=[ACTIVATION_COLORS[n] for n in names])


def activation_dash_scale(names):
    return alt.Scale(domain=list(names), range=[ACTIVATION_DASHES[n] for n in names])
