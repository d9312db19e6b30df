"""One look for every chart: a colour-blind-safe palette, axis style and projector mode.

What a colour means, app-wide (one meaning per colour, all of them colour-blind safe):

- **Signed values** (weights, a unit's output, a regression target or prediction): one
  diverging ramp, ``SIGNED_COLORS``, purple for negative, white for zero, green for positive
  (ColorBrewer PRGn, safe for the common colour-vision deficiencies). Nothing else is purple
  or green, so a purple edge, a purple unit map and a purple region all mean "negative".
- **Classes**: ``CLASS_COLORS``, blue for class 0 and vermillion for class 1 (TensorFlow
  Playground's blue and orange), then orange, sky blue and black; never used for signs.
- **Training vs test data**: told apart by *shape* (circle vs diamond) on scatter plots and by
  *line style* (training grey and solid, test black and dashed) on curves, always with a
  legend (``TRAIN_COLOR``/``TEST_COLOR``, ``TRAIN_DASH``/``TEST_DASH``); never by hue.
- **Series of one kind** (activations, layers): ``PALETTE`` (Okabe & Ito, then Tol), each
  activation with a fixed colour across pages. A page that shows classes or signs next to
  such series should not reuse blue/vermillion for a series there.
"""

from dataclasses import dataclass

import altair as alt
import numpy as np

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

# Classes: blue, vermillion, orange, sky blue, black (Okabe & Ito without its green and purple,
# which belong to signed values).
CLASS_COLORS = ["#0072B2", "#D55E00", "#E69F00", "#56B4E9", "#000000"]
# Signed values: negative purple -> zero white -> positive green, at -1, -0.5, 0, 0.5, 1 of a
# symmetric domain (ColorBrewer PRGn, 5 classes). Charts build their scale from these stops
# (``signed_scale``) and images interpolate the same stops (``signed_rgb``), so a colour means
# the same number in both.
SIGNED_COLORS = ["#7B3294", "#C2A5CF", "#F7F7F7", "#A6DBA0", "#008837"]
# Training vs test: grey solid and black dashed (TensorFlow Playground's grey and black).
TRAIN_COLOR, TEST_COLOR = "#8C8C8C", "#000000"
TRAIN_DASH, TEST_DASH = [1, 0], [6, 3]


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


def signed_scale(largest=1.0):
    """An Altair colour scale for signed values on [-largest, largest] (``SIGNED_COLORS``)."""
    largest = float(largest) if largest > 0 else 1.0
    stops = [-largest, -largest / 2, 0.0, largest / 2, largest]
    return alt.Scale(domain=stops, range=SIGNED_COLORS, clamp=True, interpolate="rgb")


def rgb_array(colors):
    """"#rrggbb" colours as rows (red, green, blue) of floats in 0..255."""
    return np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in colors], float)


def signed_rgb(values):
    """Signed values in [-1, 1] (clipped) as uint8 RGB colours of ``SIGNED_COLORS``, linearly
    interpolated between the stops as ``signed_scale`` does."""
    stops = rgb_array(SIGNED_COLORS)
    position = (np.clip(np.nan_to_num(values), -1.0, 1.0) + 1.0) * 2.0  # 0..4 along the stops
    low = np.minimum(position.astype(int), 3)
    fraction = (position - low)[..., None]
    return np.round(stops[low] + fraction * (stops[low + 1] - stops[low])).astype(np.uint8)


def activation_color_scale(names):
    """An Altair colour scale that gives each activation its fixed colour."""
    return alt.Scale(domain=list(names), range=[ACTIVATION_COLORS[n] for n in names])


def activation_dash_scale(names):
    return alt.Scale(domain=list(names), range=[ACTIVATION_DASHES[n] for n in names])
