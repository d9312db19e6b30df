"""Computational graphs of scalars: the chain rule, one node at a time.

A ``Value`` is one number in a graph. Every operation on Values makes a new node that remembers
its inputs and its *local derivatives* ∂node/∂input, computed in the same lines as its forward
value, so each operation's backward sits right next to its forward. The backward pass is then one
rule, the chain rule, applied node by node from the root in reverse topological order:

    input.grad += node.grad * (∂node/∂input)        (upstream gradient × local derivative)

This is the independent second derivation of the layers' backward passes: an MLP unrolled into
Values (``mlp_graph``) must give the same loss and gradients as ``nn_core.MLP``.

The textbook's shopping graph (Deep Learning from Scratch, ch. 5), 2 apples at 100, tax 1.1:

>>> apple, apples, tax = Value(100, "apple price"), Value(2, "apples"), Value(1.1, "tax")
>>> total = apple * apples * tax
>>> total.backward()
>>> total.data, apple.grad, apples.grad, tax.grad     # to rounding: 220.00000000000003
(220.0, 2.2, 110.0, 200.0)

Step by step, each step one node: upstream gradient × local derivative = what each input gets.

>>> for step in backward_steps(total):
...     print(step.node.op, [(edge.input.label, edge.local_grad, edge.contribution)
...                          for edge in step.edges])
× [('', 1.1, 1.1), ('tax', 200.0, 200.0)]
× [('apple price', 2.0, 2.2), ('apples', 100.0, 110.0)]

Conventions:

- A Python number in an operation is a constant, not a node: it is folded into the operation's
  label (``x + 1`` is one node "+1", ``-x`` is "×(−1)", ``1 / x`` and ``x ** -1`` are "1/x"),
  as in the textbook's figures. Only Values get gradients.
- A graph records one forward pass: ``data`` is read-only. To try other numbers, build the graph
  again (cheap: building, backward and drawing a 30-node graph take well under a millisecond).
- ``backward`` first resets the gradient of every node in the root's graph to 0, so gradients of
  an earlier backward pass never leak into the next one, and calling it twice gives the same
  result. (PyTorch accumulates until ``zero_grad``; for teaching, one pass = one picture.)
- Every value and local derivative is a finite float64 number. An operation whose result would
  not be (``exp(800)``, ``log(0)``, ``1 / 0``, ``1e200 ** 2``) raises a ValueError saying which
  operation and why, instead of an OverflowError traceback or a silent inf / NaN.
- relu'(0) = 0, as in ``nn_core.activations`` (and PyTorch).
"""

import fractions
import itertools
import math
import numbers
import reprlib
from dataclasses import dataclass

from nn_core._checks import check_choice, check_int
from nn_core.layers import Dense
from nn_core.model import MLP


class Value:
    """A scalar node: ``data`` (its number), ``grad`` (d root / d this node, after ``backward``),
    ``label`` (a name for drawings), ``op`` (the operation that made it, "" for inputs),
    ``inputs`` (the nodes it was made from, in order) and ``local_grads`` (∂node/∂input for each
    of them, computed with the forward value).

    ``==`` compares nodes by identity, so Values can be dict keys and set members.

    >>> a = Value(3.0, "a")
    >>> b = a * a + a             # a is used twice: its gradient is the sum over both paths
    >>> b.backward()
    >>> b.data, a.grad            # d(a² + a)/da = 2a + 1 = 7
    (12.0, 7.0)
    """

    __slots__ = ("_data", "grad", "label", "op", "inputs", "local_grads")
    # numpy scalars on the left (np.float64(2) * v) then defer to our __rmul__ and friends.
    __array_ufunc__ = None

    def __init__(self, data, label=""):
        if not isinstance(label, str):
            raise ValueError(f"label must be a string, got {reprlib.repr(label)}")
        self._data = _finite_real("Value data", data)
        self.grad = 0.0
        self.label = label
        self.op = ""
        self.inputs = ()
        self.local_grads = ()

    @property
    def data(self):
        """The node's number (read-only: a graph records one forward pass)."""
        return self._data

    # --- + − × ÷: each op makes _node(value, op label, inputs, local derivatives) -------------
    def __add__(self, other):
        """x + y; ∂/∂x = 1, ∂/∂y = 1: an add node passes the upstream gradient on unchanged."""
        if isinstance(other, Value):
            return _node(self.data + other.data, "+", (self, other), (1.0, 1.0))
        c = _constant(other, "+")
        if c is None:
            return NotImplemented
        return _node(self.data + c, "+" + _number_text(c), (self,), (1.0,))

    __radd__ = __add__

    def __sub__(self, other):
        """x − y; ∂/∂x = 1, ∂/∂y = −1."""
        if isinstance(other, Value):
            return _node(self.data - other.data, "−", (self, other), (1.0, -1.0))
        c = _constant(other, "-")
        if c is None:
            return NotImplemented
        return _node(self.data - c, "−" + _number_text(c), (self,), (1.0,))

    def __rsub__(self, other):
        """c − x for a number c; ∂/∂x = −1."""
        c = _constant(other, "-")
        if c is None:
            return NotImplemented
        return _node(c - self.data, _number_text(c) + "−x", (self,), (-1.0,))

    def __neg__(self):
        """−x, drawn as the textbook's "×(−1)" node; ∂/∂x = −1."""
        return _node(-self.data, "×(−1)", (self,), (-1.0,))

    def __mul__(self, other):
        """x × y; ∂/∂x = y, ∂/∂y = x: a multiply node sends each input the *other* one."""
        if isinstance(other, Value):
            return _node(self.data * other.data, "×", (self, other), (other.data, self.data))
        c = _constant(other, "*")
        if c is None:
            return NotImplemented
        return _node(self.data * c, "×" + _number_text(c), (self,), (c,))

    __rmul__ = __mul__

    def __truediv__(self, other):
        """x ÷ y; ∂/∂x = 1/y, ∂/∂y = −x/y² (computed as −(x/y)/y, which cannot overflow early)."""
        if isinstance(other, Value):
            y = _divisor(other.data, f"{self.data:g} / {other.data:g}")
            q = self.data / y
            return _node(q, "÷", (self, other), (1.0 / y, -q / y))
        c = _constant(other, "/")
        if c is None:
            return NotImplemented
        c = _divisor(c, f"{self.data:g} / {c:g}")
        return _node(self.data / c, "÷" + _number_text(c), (self,), (1.0 / c,))

    def __rtruediv__(self, other):
        """c / x for a number c ("1/x" for c = 1, the textbook's "/" node); ∂/∂x = −c/x²."""
        c = _constant(other, "/")
        if c is None:
            return NotImplemented
        x = _divisor(self.data, f"{c:g} / {self.data:g}")
        out = c / x
        op = "1/x" if c == 1 else _number_text(c) + "/x"
        return _node(out, op, (self,), (-out / x,))

    def __pow__(self, exponent):
        """x ** p for a number p; ∂/∂x = p x^(p−1). ``x ** -1`` is the "1/x" node.

        Refused (ValueError): 0 ** p for p < 0 (division by zero), a negative x with a non-whole
        p (not a real number), 0 ** p for 0 < p < 1 (infinite derivative), and results beyond
        float64. A Value exponent is not supported (TypeError): for a ** b write
        ``(b * a.log()).exp()``.
        """
        p = _exponent(exponent)
        x = self.data
        if x == 0 and p < 0:
            raise ValueError(f"0 ** {p:g} divides by zero")
        if x < 0 and p != int(p):
            raise ValueError(f"{x:g} ** {p:g} is not a real number: a negative base needs a "
                             f"whole exponent")
        if x == 0 and 0 < p < 1:
            raise ValueError(f"the derivative of x ** {p:g} is infinite at x = 0")
        try:
            out = x**p
            local = p * x ** (p - 1) if p != 0 else 0.0
        except OverflowError:
            raise ValueError(f"{x:g} ** {p:g} (or its derivative) overflows float64: "
                             f"use numbers of moderate size") from None
        op = "1/x" if p == -1 else "x^" + _number_text(p)
        return _node(out, op, (self,), (local,))

    def __rpow__(self, other):
        """Refused: a number ** Value would need ln of the base; write it with exp and log."""
        raise TypeError("number ** Value is not supported: for c ** x write "
                        "(x * math.log(c)).exp()")

    # --- functions ---------------------------------------------------------------------------
    def exp(self):
        """e^x; ∂/∂x = e^x, the output itself. ValueError above x ≈ 709.78, where e^x
        overflows float64 (the fused ``sigmoid`` and ``tanh`` never do)."""
        try:
            out = math.exp(self.data)
        except OverflowError:
            raise ValueError(f"exp({self.data:g}) overflows float64 (e^x is finite only up to "
                             f"x ≈ 709.78): use a smaller input, or the fused sigmoid() / "
                             f"tanh(), which never overflow") from None
        return _node(out, "exp", (self,), (out,))

    def log(self):
        """Natural logarithm ln x; ∂/∂x = 1/x. Defined for x > 0 only."""
        x = self.data
        if x <= 0:
            raise ValueError(f"log is defined for positive numbers, got {x:g}")
        return _node(math.log(x), "log", (self,), (1.0 / x,))

    def tanh(self):
        """tanh x as one node; ∂/∂x = 1 − tanh² x = 4e / (1 + e)² with e = e^(−2|x|).

        The second form is the same number but keeps its digits in the tails, where 1 − tanh² x
        would round to 0 long before the true derivative does; e ≤ 1 never overflows.
        """
        e = math.exp(-2.0 * abs(self.data))
        return _node(math.tanh(self.data), "tanh", (self,), (4.0 * e / ((1.0 + e) * (1.0 + e)),))

    def relu(self):
        """max(0, x); ∂/∂x = 1 for x > 0, else 0 (relu'(0) = 0 by convention)."""
        positive = self.data > 0
        return _node(self.data if positive else 0.0, "relu", (self,), (1.0 if positive else 0.0,))

    def sigmoid(self):
        """σ(x) = 1 / (1 + e^(−x)) as one node; ∂/∂x = σ(x) (1 − σ(x)).

        Computed from e = e^(−|x|) ≤ 1, which never overflows: σ = 1/(1 + e) for x ≥ 0 and
        e/(1 + e) for x < 0, and 1 − σ is the other of the two, computed directly (1 − σ would
        lose every digit once σ rounds to 1). Finite for every finite x, ±1e308 included.
        """
        e = math.exp(-abs(self.data))
        near, far = 1.0 / (1.0 + e), e / (1.0 + e)
        s, complement = (near, far) if self.data >= 0 else (far, near)
        return _node(s, "sigmoid", (self,), (s * complement,))

    # --- backward ----------------------------------------------------------------------------
    def backward(self):
        """Set every node's ``grad`` to d self / d node: all ``backward_steps(self)`` at once.

        Every gradient in this node's graph is reset first, so a second call gives the same
        gradients, not twice them.
        """
        for _ in backward_steps(self):
            pass

    def __repr__(self):
        parts = [repr(self.data)]
        if self.label:
            parts.append(f"label={self.label!r}")
        if self.op:
            parts.append(f"op={self.op!r}")
        parts.append(f"grad={self.grad!r}")
        return f"Value({', '.join(parts)})"


def sum_values(values, label=""):
    """One "+" node adding all ``values`` (Values or numbers); ∂/∂(each Value input) = 1.

    Python's ``sum`` would chain one node per term, starting with a "+0"; a neuron's
    Σ wᵢxᵢ + b reads better as one node. Its value is the exact sum, rounded once (also
    where a running sum would overflow); ``label`` names the node in drawings.

    >>> a, b, c = Value(1.0), Value(2.0), Value(3.0)
    >>> s = sum_values([a, b, c, 0.5])
    >>> s.data, s.op, len(s.inputs)
    (6.5, '+0.5', 3)
    """
    if not isinstance(label, str):
        raise ValueError(f"label must be a string, got {reprlib.repr(label)}")
    values = list(values)
    nodes = tuple(v for v in values if isinstance(v, Value))
    if not nodes:
        raise ValueError("sum_values needs at least one Value")
    constants = [_constant(v, "+") for v in values if not isinstance(v, Value)]
    if None in constants:
        raise ValueError("sum_values adds Values and numbers only")
    data = _exact_sum([v.data for v in nodes] + constants)  # beyond float64: refused by _node
    constant = _exact_sum(constants)
    if not math.isfinite(constant):
        raise ValueError("the numbers in sum_values add up beyond float64 (about ±1.8e308): "
                         "use numbers of moderate size")
    op = "+" if constant == 0 else "+" + _number_text(constant)
    node = _node(data, op, nodes, (1.0,) * len(nodes))
    node.label = label
    return node


def _exact_sum(numbers):
    """The float nearest the exact sum of finite ``numbers``, rounded once; ±inf if that sum is
    beyond float64.

    math.fsum rounds once too, but it gives up (OverflowError) when a running sum overflows,
    even where the total does not: 1e308 + 1e308 - 1e308 is 1e308. Then the sum is taken in
    exact fractions (every float is one) and rounded to a float at the end.
    """
    try:
        total = math.fsum(numbers)
    except OverflowError:
        total = math.inf
    if math.isfinite(total):
        return total
    exact = sum(map(fractions.Fraction, numbers), fractions.Fraction(0))
    try:
        return float(exact)  # numerator / denominator: correctly rounded
    except OverflowError:
        return math.inf if exact > 0 else -math.inf


# --- graph walks -------------------------------------------------------------------------------
def topological_order(root):
    """Every node of ``root``'s graph once, each after all of its inputs, ``root`` last.

    Depth-first from ``root``, inputs left to right, so the same graph always gives the same
    order. Iterative, not recursive: a long chain (x + 1 + 1 + ...) cannot hit Python's
    recursion limit.
    """
    _check_node("root", root)
    order, seen = [], {root}
    stack = [(root, iter(root.inputs))]
    while stack:
        node, pending = stack[-1]
        for child in pending:
            if child not in seen:
                seen.add(child)
                stack.append((child, iter(child.inputs)))
                break
        else:  # every input is already in ``order``
            stack.pop()
            order.append(node)
    return order


@dataclass(frozen=True)
class BackwardEdge:
    """The gradient that one step sends along one edge, from the step's node to one input."""

    input: Value
    local_grad: float  # ∂node/∂input, at the forward values
    contribution: float  # upstream × local_grad: what this edge adds to input.grad


@dataclass(frozen=True)
class BackwardStep:
    """One node of the backward pass: its complete upstream gradient d root / d node, and what
    it sends to each of its inputs (an input used twice, as in a × a, has two edges)."""

    index: int  # 0 for the root, then 1, 2, ... in backward order
    node: Value
    upstream: float  # node.grad when the step runs: every node using `node` has had its step
    edges: tuple  # of BackwardEdge, one per input, in the order of node.inputs


def backward_steps(root):
    """Reset the gradients of ``root``'s graph, seed d root / d root = 1, and return an iterator
    over the backward pass: one ``BackwardStep`` per node that has inputs, root first, in
    reverse ``topological_order``. Each step is applied (its contributions added to its inputs'
    ``grad``) before it is yielded, so after k steps the graph holds exactly k steps' worth.

    The reset happens at the call, the steps when iterated. Input nodes (leaves) have no step:
    their gradient is complete once every node that uses them has had its step.

    >>> x = Value(0.0, "x")
    >>> y = sigmoid_expanded(x)
    >>> [(s.node.op, s.upstream) for s in backward_steps(y)]
    [('1/x', 1.0), ('+1', -0.25), ('exp', -0.25), ('×(−1)', -0.25)]
    >>> x.grad                    # σ'(0) = σ(0) (1 − σ(0)) = 0.25
    0.25
    """
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    return _steps([node for node in reversed(order) if node.inputs])


def _steps(nodes):
    for index, node in enumerate(nodes):
        upstream = node.grad
        edges = []
        for child, local in zip(node.inputs, node.local_grads, strict=True):
            contribution = upstream * local  # the chain rule
            child.grad += contribution
            if not math.isfinite(child.grad):
                raise ValueError(
                    f"the gradient overflows float64 at an input of '{node.op}' "
                    f"({upstream:g} × {local:g}): the graph's numbers are too large"
                )
            edges.append(BackwardEdge(child, local, contribution))
        yield BackwardStep(index, node, upstream, tuple(edges))


def replay(root, k=None):
    """Reset the gradients and run the first ``k`` backward steps (all when ``k`` is None);
    return them as a list. ``len(replay(root))`` is the number of steps.

    A page that re-runs its script on every click rebuilds the graph from its numbers and
    replays to the step it shows: deterministic, and well under a millisecond for a
    classroom graph of ~30 nodes.
    """
    if k is not None:
        n_steps = sum(1 for node in topological_order(root) if node.inputs)
        k = check_int("the step count k", k, 0, n_steps)
    return list(itertools.islice(backward_steps(root), k))


# --- Graphviz ----------------------------------------------------------------------------------
RANKDIRS = ("LR", "TB", "RL", "BT")
HIGHLIGHT_COLOR = "#ffd54f"
DEFAULT_FONT_SIZE = 12


def pending_gradients(root, steps):
    """The nodes of ``root``'s graph whose gradient is not final after ``steps`` (the steps
    ``replay(root, k)`` returned): some node that uses them has not had its step yet.

    Every node but the root before the first step; none after the whole pass. A drawing shows
    these as unknown, since their ``grad`` so far is a partial sum.

    >>> total = apple_graph()
    >>> [node.label for node in pending_gradients(total, replay(total, 1))]
    ['apple price', 'apples']
    >>> pending_gradients(total, replay(total))
    []
    """
    stepped = {step.node for step in steps}
    pending = {child: None for node in topological_order(root) if node not in stepped
               for child in node.inputs}
    return list(pending)  # in topological order of first use, without repeats


def dot_label(lines):
    """``lines`` (strings) as one escaped DOT quoted string, one line each: what ``to_dot``
    writes for its labels, for other drawings in the same style (a layer-level diagram).

    >>> print(dot_label(['say "hi"', "x = 1"]))
    "say \\"hi\\"\\nx = 1"
    """
    return _dot_string(list(lines))


def to_dot(root, *, highlight=(), number_format=".4g", show_grad=True, local_grads=False,
           rankdir="LR", names=("data", "grad"), font_size=DEFAULT_FONT_SIZE, pending=()):
    """The graph of ``root`` as Graphviz DOT text, for ``st.graphviz_chart``.

    Each Value is a box with its label (if any), data and grad; each operation a circle
    between its inputs and its result. ``highlight``: a node or nodes (of this graph) to fill
    with colour, e.g. the current step's node and its inputs. ``number_format``: a format spec
    for the numbers. ``show_grad``: False hides the gradients (before a backward pass).
    ``local_grads``: True labels each input edge with ∂node/∂input. ``names``: the words shown
    before data and grad (for a translated page). ``font_size``: the labels' type size in
    points (a projector wants ~18); at the default 12, edge labels keep Graphviz's own size.
    ``pending``: nodes whose gradient a stepped backward pass has not finished yet (see
    ``pending_gradients``), drawn as "grad ?" instead of a partial sum that looks final.
    Labels are escaped, so any text is safe. The same graph always gives the same text.

    >>> a, b = Value(2.0, "a"), Value(-3.0, "b")
    >>> print(to_dot(a * b, show_grad=False))
    digraph computational_graph {
      rankdir=LR;
      node [fontname="Helvetica", fontsize=12];
      n0 [shape=box, label="a\\ndata 2"];
      n1 [shape=box, label="b\\ndata -3"];
      n2 [shape=box, label="data -6"];
      op2 [shape=circle, label="×"];
      n0 -> op2;
      n1 -> op2;
      op2 -> n2;
    }
    """
    order = topological_order(root)
    index = {node: i for i, node in enumerate(order)}
    highlighted = _highlighted(highlight, index)
    unfinished = _highlighted(pending, index, what="pending")
    _number_format(number_format)
    check_choice("rankdir", rankdir, RANKDIRS)
    data_name, grad_name = _names(names)
    font_size = check_int("font_size", font_size, 6, 72)

    def number(x):
        return _format_number(x, number_format)

    fill = f', style=filled, fillcolor="{HIGHLIGHT_COLOR}"'
    lines = ["digraph computational_graph {", f"  rankdir={rankdir};",
             f'  node [fontname="Helvetica", fontsize={font_size}];']
    if font_size != DEFAULT_FONT_SIZE:
        lines.append(f'  edge [fontname="Helvetica", fontsize={font_size}];')
    for i, node in enumerate(order):
        text = [node.label] if node.label else []
        text.append(f"{data_name} {number(node.data)}")
        if show_grad:
            text.append(f"{grad_name} {'?' if i in unfinished else number(node.grad)}")
        style = fill if i in highlighted else ""
        lines.append(f"  n{i} [shape=box, label={_dot_string(text)}{style}];")
        if node.inputs:
            lines.append(f"  op{i} [shape=circle, label={_dot_string([node.op])}{style}];")
            for child, local in zip(node.inputs, node.local_grads, strict=True):
                edge_label = f" [label={_dot_string([number(local)])}]" if local_grads else ""
                lines.append(f"  n{index[child]} -> op{i}{edge_label};")
            lines.append(f"  op{i} -> n{i};")
    lines.append("}")
    return "\n".join(lines)


def _highlighted(highlight, index, what="highlight"):
    """The positions in ``index`` of a node or nodes given to ``to_dot`` as ``what``."""
    if isinstance(highlight, Value):
        highlight = (highlight,)
    try:
        nodes = list(highlight)
    except TypeError:
        nodes = None
    if nodes is None or not all(isinstance(node, Value) for node in nodes):
        raise ValueError(f"{what} must be a Value or a list of Values")
    for node in nodes:
        if node not in index:
            raise ValueError(
                f"{what}: {reprlib.repr(node)} is not a node of this graph (after "
                f"rebuilding a graph, {what} nodes of the new one)"
            )
    return {index[node] for node in nodes}


def _number_format(spec):
    try:
        if not isinstance(spec, str):
            raise TypeError
        format(-1.5, spec)
    except (TypeError, ValueError):
        raise ValueError(f"number_format must be a format spec for floats such as '.4g' or "
                         f"'.2f', got {reprlib.repr(spec)}") from None
    return spec


def _format_number(x, spec):
    return format(x + 0.0, spec)  # + 0.0 turns -0.0 into 0.0: no "-0" in a drawing


def _names(names):
    try:
        data_name, grad_name = names
    except (TypeError, ValueError):
        raise ValueError("names must be two strings, e.g. ('data', 'grad')") from None
    if not isinstance(data_name, str) or not isinstance(grad_name, str):
        raise ValueError("names must be two strings, e.g. ('data', 'grad')")
    return data_name, grad_name


def _dot_string(lines):
    """``lines`` as one DOT quoted string, one line each (a line may itself hold newlines).

    In a quoted DOT string only ``"`` and ``\\`` are special (``\\n``, ``\\l``, ``\\N`` ... are
    escapes), so both are escaped; line breaks become DOT's ``\\n``; other control characters
    become spaces. Braces, ``|`` and ``<>`` are plain text in a box's quoted label.
    """
    escaped = []
    for line in lines:
        line = line.replace("\\", "\\\\").replace('"', '\\"')
        if not line.isprintable():  # the rare label with a line break or a control character
            line = line.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL_TO_SPACE)
            line = line.replace("\n", "\\n")
        escaped.append(line)
    return '"' + "\\n".join(escaped) + '"'


# C0 and C1 control characters (tab, bell, escape, ...) other than the line feed.
_CONTROL_TO_SPACE = {code: " " for code in [*range(0x20), *range(0x7F, 0xA0)] if code != 0x0A}


# --- textbook graphs ---------------------------------------------------------------------------
def apple_graph(apple_price=100.0, apples=2, tax=1.1):
    """Deep Learning from Scratch's first graph: (apple price × apples) × tax, the root
    labelled "total". With the defaults, 220; gradients 2.2, 110 and 200."""
    apple_total = Value(apple_price, "apple price") * Value(apples, "apples")
    apple_total.label = "apple total"
    total = apple_total * Value(tax, "tax")
    total.label = "total"
    return total


def apple_orange_graph(apple_price=100.0, apples=2, orange_price=150.0, oranges=3, tax=1.1):
    """(apple price × apples + orange price × oranges) × tax. With the defaults, 715;
    gradients 2.2 (apple price), 110 (apples), 3.3 (orange price), 165 (oranges), 650 (tax)."""
    apple_total = Value(apple_price, "apple price") * Value(apples, "apples")
    apple_total.label = "apple total"
    orange_total = Value(orange_price, "orange price") * Value(oranges, "oranges")
    orange_total.label = "orange total"
    subtotal = apple_total + orange_total
    subtotal.label = "subtotal"
    total = subtotal * Value(tax, "tax")
    total.label = "total"
    return total


def sigmoid_expanded(x):
    """The textbook's sigmoid graph x → ×(−1) → exp → +1 → 1/x: four nodes with the value and
    gradient of the one fused ``x.sigmoid()`` (whose backward needs only σ itself).

    For x < −709 the "exp" node overflows (ValueError), where the fused node does not; for
    x < −350 or so the "1/x" node's local derivative −σ² is below float64's normal range, so the
    expanded gradient loses digits (underflow) where the fused one keeps them.
    """
    _check_node("x", x)
    return 1 / (1 + (-x).exp())


def tanh_expanded(x):
    """tanh x from elementary nodes: (1 − e)/(1 + e) with e = e^(−2x) for x ≥ 0, and
    (e − 1)/(e + 1) with e = e^(2x) for x < 0 (the same function, written so exp never sees a
    large positive number). Same value and gradient as the fused ``x.tanh()``, to rounding,
    except near 0, where 1 − e cancels and the value keeps ~14 digits instead of 16."""
    _check_node("x", x)
    if x.data >= 0:
        e = (x * -2).exp()
        return (1 - e) / (1 + e)
    e = (x * 2).exp()
    return (e - 1) / (e + 1)


# --- an MLP unrolled into Values ---------------------------------------------------------------
GRAPH_ACTIVATIONS = {
    "identity": lambda v: v,
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
}
# Multiply-adds (weights × samples) beyond which a graph of Values is no classroom picture.
MAX_GRAPH_PRODUCTS = 5_000


@dataclass(frozen=True)
class MLPGraph:
    """An ``nn_core.MLP`` on one batch, unrolled into Values (see ``mlp_graph``)."""

    loss: Value  # the root: the batch's mean loss
    params: tuple  # leaf nodes shaped like model.params(): W as rows of Values, b a tuple
    logits: tuple  # one tuple of output nodes per sample

    def grads(self):
        """The ``grad`` of every parameter node, nested like ``params`` (and so like
        ``model.grads()`` once converted with ``np.array``)."""
        return [_grads_of(p) for p in self.params]


def _grads_of(nodes):
    if isinstance(nodes, Value):
        return nodes.grad
    return [_grads_of(node) for node in nodes]


def mlp_graph(model, X, y):
    """Unroll ``model`` (an ``nn_core.MLP``) on the batch (X, y) into a graph of Values, with
    the model's current weights copied into leaf nodes "W1[i,j]", "b1[j]", ...

    After ``graph.loss.backward()``, ``graph.loss.data`` equals ``model.loss(X, y)`` and
    ``graph.grads()`` equals ``model.grads()`` after ``model.backward()``, to rounding.
    Inputs become leaves "x[n,i]" too; layer l's pre-activations are "z<l>[n,j]", its
    activations "h<l>[n,j]", sample n's loss "loss[n]" (for regression "loss[n,k]", one per
    output). Hidden activations: identity, relu, tanh, sigmoid.

    Classification ends in softmax cross-entropy per sample n, written as log-sum-exp:
    L_n = log Σ_k e^(z_k − m) − (z_y − m), with m = max_k z_k (data, a constant). Subtracting
    any constant m changes neither the value nor the gradient of L_n (∂L_n/∂m = −Σ softmax + 1
    = 0), so treating m as a constant is exact; it keeps every exponent ≤ 0, so exp never
    overflows. Regression ends in the mean squared error. The loss is the mean over samples.

    >>> import nn_core
    >>> model = nn_core.MLP([2, 3, 2], activation="tanh", seed=0)
    >>> X, y = [[0.5, -1.0]], [1]
    >>> graph = mlp_graph(model, X, y)
    >>> graph.loss.backward()
    >>> abs(float(model.loss(X, y)) - graph.loss.data) < 1e-15
    True
    """
    if not isinstance(model, MLP):
        raise ValueError(f"model must be an nn_core.MLP, got {reprlib.repr(model)}")
    X, y = model.check_data(X, y)
    dense, activations = _unpack(model)
    products = len(X) * sum(layer.W.size for layer in dense)
    if products > MAX_GRAPH_PRODUCTS:
        raise ValueError(
            f"this graph would have about {3 * products:,} nodes: a graph of Values is for "
            f"classroom sizes (at most {MAX_GRAPH_PRODUCTS:,} weights × samples); use fewer "
            f"samples or a smaller network"
        )
    params = []
    for number, layer in enumerate(dense, start=1):
        params.append(tuple(
            tuple(Value(float(w), f"W{number}[{i},{j}]") for j, w in enumerate(row))
            for i, row in enumerate(layer.W)
        ))
        params.append(tuple(Value(float(b), f"b{number}[{j}]") for j, b in enumerate(layer.b)))

    logits, losses = [], []
    for n, sample in enumerate(X):
        h = [Value(float(x), f"x[{n},{i}]") for i, x in enumerate(sample)]
        for number in range(1, len(dense) + 1):
            W, b = params[2 * number - 2], params[2 * number - 1]
            h = [sum_values([x * W[i][j] for i, x in enumerate(h)] + [b[j]],
                            label=f"z{number}[{n},{j}]") for j in range(len(b))]
            if number <= len(activations):
                h = [_labelled(GRAPH_ACTIVATIONS[activations[number - 1]](z),
                               f"h{number}[{n},{j}]") for j, z in enumerate(h)]
        logits.append(tuple(h))
        if model.task == "classification":
            losses.append(_labelled(_cross_entropy(h, y[n]), f"loss[{n}]"))
        else:
            losses.extend(_labelled(error, f"loss[{n},{k}]")
                          for k, error in enumerate(_squared_errors(h, y[n])))
    loss = sum_values(losses) / len(losses)
    loss.label = "loss"
    return MLPGraph(loss, tuple(params), tuple(logits))


def _labelled(node, label):
    """``node`` with ``label`` unless it already has one (identity returns its input)."""
    if not node.label:
        node.label = label
    return node


def _unpack(model):
    """The model's Dense layers and the names of its hidden activations, checked."""
    dense = [layer for layer in model.layers if isinstance(layer, Dense)]
    activations = [getattr(layer, "name", repr(layer)) for layer in model.layers
                   if not isinstance(layer, Dense)]
    for name in activations:
        check_choice("activation for a graph of Values", name, list(GRAPH_ACTIVATIONS))
    return dense, activations


def _cross_entropy(logits, label):
    """log Σ_k e^(z_k − m) − (z_label − m) with m = max z, a constant (see ``mlp_graph``)."""
    m = max(z.data for z in logits)
    shifted = [z - m for z in logits]
    return sum_values([s.exp() for s in shifted]).log() - shifted[label]


def _squared_errors(outputs, targets):
    """[(p_k − t_k)² for each output k]: their mean over samples and outputs is the MSE."""
    return [(p - float(t)) ** 2 for p, t in zip(outputs, targets, strict=True)]


# --- numbers at the boundary -------------------------------------------------------------------
def _finite_real(what, x):
    """``x`` as a float if it is a finite real number; a bool is refused (True is no 1.0 here)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise ValueError(f"{what} must be a finite real number, got {reprlib.repr(x)}")
    try:
        value = float(x)
    except OverflowError:  # an int beyond float64, such as 10 ** 400
        value = math.inf
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite real number, got {reprlib.repr(x)}")
    return value


def _constant(other, symbol):
    """A number on the other side of an operator, as a float; None if it is no number at all
    (then the operator returns NotImplemented and Python raises its usual TypeError)."""
    if not isinstance(other, numbers.Real):
        return None
    return _finite_real(f"the number in Value {symbol} number", other)


def _exponent(p):
    if isinstance(p, Value) or not isinstance(p, numbers.Real):
        raise TypeError(f"x ** p needs a number p such as 2, -1 or 0.5, got "
                        f"{reprlib.repr(p)}; for a Value exponent write (p * x.log()).exp()")
    return _finite_real("the exponent p in x ** p", p)


def _divisor(y, expression):
    if y == 0:
        raise ValueError(f"{expression}: division by zero")
    return y


def _number_text(c):
    """A constant in an op label: '2', '1.5', or '(−2)' with a real minus sign."""
    text = f"{c:g}"
    return f"({text.replace('-', '−')})" if c < 0 else text


def _node(data, op, inputs, local_grads):
    """A new node: ``op`` applied to ``inputs`` gave ``data``, with ∂node/∂input = local_grads."""
    if not (math.isfinite(data) and all(math.isfinite(g) for g in local_grads)):
        operands = ", ".join(f"{v.data:g}" for v in inputs)
        raise ValueError(
            f"'{op}' of {operands} overflows float64 (value {data:g}, local derivative(s) "
            f"{', '.join(f'{g:g}' for g in local_grads)}): use numbers of moderate size"
        )
    node = Value.__new__(Value)
    node._data = data
    node.grad = 0.0
    node.label = ""
    node.op = op
    node.inputs = inputs
    node.local_grads = local_grads
    return node


def _check_node(name, node):
    if not isinstance(node, Value):
        raise ValueError(f"{name} must be a Value, got {reprlib.repr(node)}")
