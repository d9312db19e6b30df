"""Drawings of the backprop page: Graphviz DOT for the graphs, LaTeX for the matrices, tables
for the steps and checks, and one Altair chart. Each takes ``(t, style, data...)``."""

import altair as alt
import numpy as np
import pandas as pd

from nn_core.graph import HIGHLIGHT_COLOR, dot_label, to_dot
from pages.backprop import lesson
from ui.strings import activation_name
from ui.style import PALETTE, styled

NUMBER = ".4g"  # every number a student reads: compact, four significant digits
GRAPH_FONT = {False: 13, True: 20}  # points, by projector mode


def number(x, spec=NUMBER):
    """A number as the page prints it (no "-0")."""
    return format(float(x) + 0.0, spec)


def tex(x, spec=NUMBER):
    """A number for LaTeX: 1.5e-05 becomes 1.5 × 10⁻⁵."""
    mantissa, _, exponent = number(x, spec).partition("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}" if exponent else mantissa


# --- graphs -----------------------------------------------------------------------------------
def scalar_graph(t, style, walk, rankdir="LR"):
    """A graph of Values after ``walk``'s steps: the step just taken highlighted, gradients
    that are not final yet drawn as "?"."""
    return to_dot(walk.root, highlight=walk.highlight, pending=walk.pending,
                  number_format=NUMBER, names=(t("bp_data"), t("bp_grad")),
                  font_size=GRAPH_FONT[style.projector], rankdir=rankdir)


def full_graph(t, style, root, rankdir="TB", number_format=NUMBER):
    """A graph of Values after its whole backward pass, nothing highlighted."""
    return to_dot(root, number_format=number_format, names=(t("bp_data"), t("bp_grad")),
                  font_size=GRAPH_FONT[style.projector], rankdir=rankdir)


def network_graph(t, style, net, k, rankdir="TB"):
    """The tiny network as layers, Affine → activation → Affine → Softmax-with-Loss, every
    box with its forward value and, once step ``k`` has reached it, its gradient."""
    data_name, grad_name = t("bp_data"), t("bp_grad")
    reached = {  # box -> the step after which its gradient is known
        "L": 0, "z2": 1, "W2": 2, "b2": 2, "h1": 2, "z1": 3, "W1": 4, "b1": 4}
    step_boxes = {1: ("loss", "z2"), 2: ("affine2", "h1", "W2", "b2"), 3: ("activation", "z1"),
                  4: ("affine1", "W1", "b1")}
    highlighted = set(step_boxes.get(k, ()))
    fill = f', style=filled, fillcolor="{HIGHLIGHT_COLOR}"'

    def box(name, title, value, grad=None):
        lines = [title, *_rows(data_name, value)]
        if name in reached:
            lines += _rows(grad_name, grad) if k >= reached[name] else [f"{grad_name} ?"]
        style_text = fill if name in highlighted else ""
        return f"  {name} [shape=box, label={dot_label(lines)}{style_text}];"

    def layer(name, title):
        style_text = fill if name in highlighted else ""
        return f"  {name} [shape=ellipse, label={dot_label([title])}{style_text}];"

    shape = lesson.shape_text
    lines = [
        "digraph network {", f"  rankdir={rankdir};",
        f'  node [fontname="Helvetica", fontsize={GRAPH_FONT[style.projector]}];',
        box("x", t("bp_box_x", shape=shape(net.x.shape)), net.x),
        box("W1", f"W1 ({shape(net.W1.shape)})", net.W1, net.dW1),
        box("b1", f"b1 ({shape(net.b1.shape)})", net.b1, net.db1),
        layer("affine1", t("bp_layer_affine", n=1)),
        box("z1", "z1 = x·W1 + b1", net.z1, net.dz1),
        layer("activation", activation_name(t, net.activation)),
        box("h1", f"h1 = {activation_name(t, net.activation)}(z1)", net.h1, net.dh1),
        box("W2", f"W2 ({shape(net.W2.shape)})", net.W2, net.dW2),
        box("b2", f"b2 ({shape(net.b2.shape)})", net.b2, net.db2),
        layer("affine2", t("bp_layer_affine", n=2)),
        box("z2", t("bp_box_z2"), net.z2, net.dz2),
        box("t", t("bp_box_t", label=net.label), net.onehot),
        layer("loss", t("bp_layer_loss")),
        box("L", "L", np.array(net.loss), np.array(1.0)),
        "  x -> affine1; W1 -> affine1; affine1 -> b1 [dir=back]; affine1 -> z1;",
        "  z1 -> activation; activation -> h1;",
        "  h1 -> affine2; W2 -> affine2; affine2 -> b2 [dir=back]; affine2 -> z2;",
        "  z2 -> loss; loss -> t [dir=back]; loss -> L;",
        # Parameters and labels beside the layer that uses them, not in a row above it: the
        # drawing stays narrow enough for a phone, and reads as the textbook's layer diagram.
        # (An edge written from the layer to b, drawn backwards, puts b on the layer's right.)
        "  { rank=same; W1; affine1; b1; }",
        "  { rank=same; W2; affine2; b2; }",
        "  { rank=same; t; loss; }",
        "}",
    ]
    return "\n".join(lines)


def _rows(name, array, spec=".3g"):
    """``name`` and an array as label lines: a scalar or vector on one line, a matrix a line
    per row under its name."""
    array = np.atleast_1d(np.asarray(array, dtype=np.float64))
    if array.ndim == 1 or len(array) == 1:
        return [f"{name} {_vector(array.ravel(), spec)}"]
    return [name, *(_vector(row, spec) for row in array)]


def _vector(values, spec):
    if len(values) == 1:
        return number(values[0], spec)
    return "[" + ", ".join(number(v, spec) for v in values) + "]"


# --- the step just taken ------------------------------------------------------------------------
def node_name(node):
    """What the tables call a node: its label, or the operation that made it."""
    return node.label or node.op


def partial(root, node):
    """∂root/∂node as text, a name of several words in parentheses: ∂y/∂(1 + exp(−x))."""
    name = node_name(node)
    return f"∂{node_name(root)}/∂{f'({name})' if ' ' in name else name}"


def step_table(t, walk):
    """The step just taken, one row per input: upstream × local derivative = what it gets."""
    step = walk.current
    if step is None:
        return None
    return pd.DataFrame([{
        t("bp_col_input"): node_name(edge.input),
        t("bp_col_upstream", partial=partial(walk.root, step.node)): number(step.upstream),
        t("bp_col_local"): number(edge.local_grad),
        t("bp_col_contribution"): number(edge.contribution),
    } for edge in step.edges])


def step_sentence(t, walk):
    """One sentence on where the backward pass stands, and the rule the last node applied."""
    step, root = walk.current, node_name(walk.root)
    if step is None:
        return t("bp_step_start", root=root, n=walk.n_steps)
    op = step.node.op
    rule = t("bp_rule_add") if op == "+" else t("bp_rule_mul") if op == "×" else t("bp_rule_local")
    text = t("bp_step_now", k=walk.k, n=walk.n_steps, op=op,
             partial=partial(walk.root, step.node), upstream=number(step.upstream)) + " " + rule
    return text + (" " + t("bp_step_done", root=root) if walk.done else "")


def input_gradients_table(t, walk):
    """Each input of a finished shopping graph: its value, its gradient, what that means."""
    root = node_name(walk.root)
    return pd.DataFrame([{
        t("bp_col_node"): node_name(node),
        t("bp_col_value"): number(node.data),
        t("bp_col_gradient", root=root): number(node.grad),
        t("bp_col_meaning"): t("bp_meaning", node=node_name(node), root=root,
                               grad=number(node.grad)),
    } for node in lesson.shopping_inputs(walk)])


def shop_labels(t):
    """The shopping graph's node names in the reader's language."""
    return {english: t(key) for english, key in lesson.SHOP_LABELS.items()}


# --- sigmoid and tanh ---------------------------------------------------------------------------
def grad_text(graphs):
    """dy/dx of the expanded graph once its pass is complete ("?" before, "—" if it
    overflowed)."""
    if graphs.expanded is None:
        return "—"
    if not graphs.expanded.done:
        return "?"
    return number(graphs.expanded_grad, ".6g")


def difference_text(graphs):
    difference = graphs.difference
    return "—" if difference is None else f"{difference:.1e}"


def difference_reading(t, graphs):
    """What the difference between the expanded graph and the fused node says."""
    if graphs.expanded is None:
        return t("bp_act_reading_overflow")
    if not graphs.expanded.done:
        return t("bp_act_reading_pending")
    relative = graphs.relative_difference
    if relative <= ULPS:
        return t("bp_act_reading_equal", relative=f"{relative:.1e}")
    return t("bp_act_reading_underflow", relative=f"{relative:.1e}", y=number(graphs.y, ".3g"))


# Expanded and fused differ by rounding only: a few float64 ulps (2.2e-16 each), as measured
# in tests/test_graph.py; beyond that the expanded graph lost digits to underflow.
ULPS = 1e-15


def activation_algebra(graphs):
    """The textbook's collapse of the expanded graph's chain into the fused node's backward,
    as LaTeX lines: first in symbols, then with this x's numbers."""
    y, x = graphs.y, graphs.x
    dx = tex(graphs.fused_grad, ".6g")
    if graphs.function == "sigmoid":
        symbols = (r"\frac{\partial L}{\partial x} = \frac{\partial L}{\partial y}\,"
                   r"\underbrace{(-y^2)}_{1/x}\cdot\underbrace{1}_{+1}\cdot"
                   r"\underbrace{e^{-x}}_{\exp}\cdot\underbrace{(-1)}_{\times(-1)}"
                   r" = \frac{\partial L}{\partial y}\, y^2 e^{-x}"
                   r" = \frac{\partial L}{\partial y}\,\frac{1}{1+e^{-x}}\cdot"
                   r"\frac{e^{-x}}{1+e^{-x}} = \frac{\partial L}{\partial y}\, y\,(1-y)")
        fused = rf"1 \times {tex(y, '.6g')} \times (1 - {tex(y, '.6g')}) = {dx}"
        if graphs.exp_term is None:  # e^(−x) is beyond float64: only the fused form exists
            return [symbols, rf"x = {tex(x)}:\quad e^{{-x}} = e^{{{tex(-x)}}} > 10^{{308}},"
                             rf"\quad {fused}"]
        chain = (rf"1 \times ({tex(y, '.6g')})^2 \times {tex(graphs.exp_term, '.6g')}"
                 rf" = {dx}")
        return [symbols, rf"x = {tex(x)}:\quad {chain},\qquad {fused}"]
    e = graphs.exp_term
    # The graph is written so that exp never sees a large positive number: e = e^(−2x) for
    # x ≥ 0 and e = e^(2x) for x < 0 (tanh_expanded); either way the chain gives 4e / (1 + e)².
    if x >= 0:
        form, dy_de, de_dx = r"\frac{1-e}{1+e},\; e = e^{-2x}", r"\frac{-2}{(1+e)^2}", "(-2e)"
    else:
        form, dy_de, de_dx = r"\frac{e-1}{e+1},\; e = e^{2x}", r"\frac{2}{(1+e)^2}", "(2e)"
    symbols = (rf"y = {form}:\quad"
               r"\frac{\partial L}{\partial x} = \frac{\partial L}{\partial y}\,"
               rf"\underbrace{{{dy_de}}}_{{\partial y/\partial e}}\cdot"
               rf"\underbrace{{{de_dx}}}_{{\partial e/\partial x}}"
               r" = \frac{\partial L}{\partial y}\,\frac{4e}{(1+e)^2}"
               r" = \frac{\partial L}{\partial y}\,(1-y^2)")
    numbers = (rf"x = {tex(x)},\ e = {tex(e, '.6g')}:\quad"
               rf"\frac{{4 \times {tex(e, '.6g')}}}{{(1 + {tex(e, '.6g')})^2}} = {dx},"
               rf"\qquad 1 - ({tex(y, '.6g')})^2 = {dx}")
    return [symbols, numbers]


# --- ReLU ---------------------------------------------------------------------------------------
def relu_forward(relu):
    return [named_matrix("x", relu.x),
            named_matrix(r"\mathrm{mask} = (x \le 0)", relu.mask),
            named_matrix(r"\mathrm{out} = \max(0, x)", relu.out)]


def relu_backward(relu):
    return [named_matrix(r"\mathrm{dout}", relu.dout),
            named_matrix(r"dx = \mathrm{dout} \odot (x > 0)", relu.dx)]


# --- Affine and Softmax-with-Loss -----------------------------------------------------------------
def affine_forward(affine):
    return [named_matrix("X", affine.X), named_matrix("W", affine.W),
            named_matrix("b", affine.b), named_matrix("Z = XW + b", affine.Z),
            named_matrix(r"y = \mathrm{softmax}(Z)", affine.probabilities, ".3g")]


def affine_backward(affine):
    return [named_matrix(r"\mathrm{dout} = \tfrac{\partial L}{\partial Z}", affine.dZ),
            named_matrix(r"dX = \mathrm{dout}\, W^{\top}", affine.dX),
            named_matrix(r"dW = X^{\top} \mathrm{dout}", affine.dW),
            named_matrix(r"db = \textstyle\sum_n \mathrm{dout}", affine.db)]


def softmax_gradient(affine):
    """(y − t) / N with the batch's numbers."""
    return (rf"\frac{{\partial L}}{{\partial Z}} = \frac{{y - t}}{{N}} = \frac{{1}}{{{affine.n}}}"
            rf"\left({matrix_latex(affine.probabilities, '.3g')} - "
            rf"{matrix_latex(affine.onehot, '.0f')}\right) = {matrix_latex(affine.dZ)}")


def single_layer_lines(single):
    """z = xW + b and f′(z); then ∂y/∂W (the outer product x f′(z)ᵀ) and ∂y/∂b = f′(z)."""
    f = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\mathrm{relu}"}[single.activation]
    return [
        named_matrix("x", single.x),
        named_matrix("z = xW + b", single.z),
        named_matrix(rf"{f}'(z)", single.slope),
        named_matrix(rf"\frac{{\partial y_j}}{{\partial W_{{ij}}}} = x_i\, {f}'(z_j)",
                     single.dy_dW),
        named_matrix(rf"\frac{{\partial y}}{{\partial b}} = {f}'(z)", single.dy_db),
    ]


# --- the tiny network, layer by layer -------------------------------------------------------------
def network_step_sentence(t, net, k):
    if k == 0:
        return t("bp_net_step_start", loss=number(net.loss))
    step = lesson.NETWORK_STEPS[k - 1]
    return t(f"bp_net_step_{step}", k=k, n=len(lesson.NETWORK_STEPS),
             activation=activation_name(t, net.activation))


def network_step_latex(net, k):
    """The formulas of the layer step ``k`` with its numbers, one equation a line (nothing
    before the first step)."""
    m = matrix_latex

    def d(name):
        return rf"\frac{{\partial L}}{{\partial {name}}}"

    lines = {
        1: [rf"{d('z_2')} = \frac{{y - t}}{{N}} = {m(net.probabilities)} - "
            rf"{m(net.onehot, '.0f')} = {m(net.dz2)}"],
        2: [rf"{d('W_2')} = h_1^{{\top}}\, {d('z_2')} = {m(net.h1.T)}\,{m(net.dz2)} = "
            rf"{m(net.dW2)}",
            rf"{d('b_2')} = {d('z_2')} = {m(net.db2)}",
            rf"{d('h_1')} = {d('z_2')}\, W_2^{{\top}} = {m(net.dz2)}\,{m(net.W2.T)} = "
            rf"{m(net.dh1)}"],
        3: [rf"{d('z_1')} = {d('h_1')} \odot f'(z_1) = {m(net.dh1)} \odot {m(net.slope)} = "
            rf"{m(net.dz1)}"],
        4: [rf"{d('W_1')} = x^{{\top}}\, {d('z_1')} = {m(net.x.T)}\,{m(net.dz1)} = "
            rf"{m(net.dW1)}",
            rf"{d('b_1')} = {d('z_1')} = {m(net.db1)}"],
    }
    return lines.get(k, [])


# --- matrices -----------------------------------------------------------------------------------
def matrix_latex(array, spec=NUMBER):
    """An array as a LaTeX bmatrix (a vector as one row, booleans as True/False)."""
    array = np.asarray(array)
    rows = array.reshape(1, -1) if array.ndim <= 1 else array

    def cell(value):
        if array.dtype == bool:
            return r"\texttt{True}" if value else r"\texttt{False}"
        return tex(value, spec)

    body = r" \\ ".join(" & ".join(cell(v) for v in row) for row in rows)
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}"


def named_matrix(name, array, spec=NUMBER):
    """``name`` = [matrix] with the matrix's shape written under it, for st.latex."""
    shape = lesson.shape_text(np.shape(array)).replace("×", r"\times ")
    return rf"{name} = \underset{{{shape}}}{{{matrix_latex(array, spec)}}}"


# --- checks -------------------------------------------------------------------------------------
def check_text(t, check):
    """How a gradient compares with finite differences, in words."""
    if check.zero:
        return t("bp_check_zero", scale=f"{check.scale:.1e}")
    return verdict(t, check.relative_error)


def verdict(t, relative_error):
    """A relative error between backprop and finite differences, against the tolerance."""
    key = "bp_check_ok" if relative_error < lesson.TOLERANCE else "bp_check_bad"
    return t(key, error=f"{relative_error:.1e}", tolerance=f"{lesson.TOLERANCE:.0e}")


def affine_checks_table(t, affine):
    rows = [("dZ", r"(y − t) / N"), ("dX", "dout · Wᵀ"), ("dW", "Xᵀ · dout"), ("db", "Σₙ dout")]
    return pd.DataFrame([{
        t("bp_col_gradient_name"): name,
        t("bp_col_formula"): formula,
        t("bp_col_shape"): lesson.shape_text(affine.checks[name].analytic.shape),
        t("bp_col_check"): check_text(t, affine.checks[name]),
    } for name, formula in rows])


def network_checks_table(t, net):
    return pd.DataFrame([{
        t("bp_col_gradient_name"): "d" + check.name,
        t("bp_col_shape"): lesson.shape_text(check.grad.shape),
        t("bp_col_graph_error"): f"{check.graph_error:.1e}",
        t("bp_col_check"): check_text(t, check.finite),
    } for check in net.checks])


# --- why backprop -------------------------------------------------------------------------------
def seconds(t, value):
    """A duration in the unit that reads best: µs, ms or s."""
    if value < 1e-3:
        return t("bp_microseconds", value=f"{value * 1e6:.0f}")
    if value < 1.0:
        return t("bp_milliseconds", value=f"{value * 1e3:.1f}")
    return t("bp_seconds", value=f"{value:.2f}")


def speed_chart(t, style, results):
    """How many times slower finite differences are than backprop, against P, for every
    network timed in this session, with the line ratio = P for reference."""
    points = pd.DataFrame({"P": [r.n_parameters for r in results],
                           "ratio": [r.ratio for r in results]})
    low, high = max(1, points["P"].min() / 2), points["P"].max() * 2
    guide = pd.DataFrame({"P": [low, high], "ratio": [low, high]})
    x = alt.X("P:Q", scale=alt.Scale(type="log"), title=t("bp_axis_parameters"))
    y = alt.Y("ratio:Q", scale=alt.Scale(type="log"), title=t("bp_axis_ratio"))
    line = alt.Chart(guide).mark_line(strokeDash=[6, 4], color="#777777",
                                      strokeWidth=style.line_width / 2).encode(x=x, y=y)
    dots = alt.Chart(points).mark_point(filled=True, size=style.point_size * 2,
                                        color=PALETTE[1]).encode(
        x=x, y=y, tooltip=[alt.Tooltip("P:Q", title=t("bp_axis_parameters")),
                           alt.Tooltip("ratio:Q", title=t("bp_axis_ratio"), format=".0f")])
    chart = alt.layer(line, dots).properties(title=t("bp_chart_speed"))
    return styled(chart, style, height=style.height(340))
