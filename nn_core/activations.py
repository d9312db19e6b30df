"""Activation functions as layers: each class is one formula f(x) and its derivative f'(x).

Every activation computes ``f`` in ``value`` and ``f'`` in ``slope`` right below it. The three
public methods are built from those two, so backpropagation and the plotted derivative can never
disagree:

- ``forward(x)`` caches ``x`` and ``y = f(x)`` and returns ``y``;
- ``backward(dout)`` returns ``dout * f'(x)`` for the cached ``x`` (``dout`` is never modified);
- ``derivative(x)`` returns ``f'(x)`` elementwise.

Conventions at kinks: at 0 the derivative is the slope from the left, so relu'(0) = 0 and
leaky_relu'(0) = alpha; the clipped functions count their corners as flat, so hard_tanh'(+-1) = 0
and hard_sigmoid'(+-3) = 0; step'(x) = 0 everywhere (its jump at 0 has no derivative, which is
why it cannot be trained by gradients).

All formulas are written to stay finite and warning-free for any finite input, -1e308 to 1e308.
"""

import math

import numpy as np
from scipy.special import erfc

from nn_core._checks import (
    check_choice,
    check_forward_done,
    check_number,
    parameter,
    real_array,
    upstream_gradient,
)

# Past |z| = 746, exp(-|z|) is 0 in float64, so clipping there changes no result but avoids
# overflow in products such as beta * x for x near 1e308.
_EXP_LIMIT = 800.0


def _exp_minus_abs(z):
    """exp(-|z|), in (0, 1]: it never overflows. Computed in place in one new array, since a
    deep network's layers are megabytes each and every temporary costs a pass."""
    e = np.abs(z, out=np.empty_like(z, dtype=np.result_type(z, 1.0)))  # out=: 0-d stays an array
    np.negative(e, out=e)
    return np.exp(e, out=e)


def _plus_one(e):
    """1 + e as a new array (an array for 0-d input too, so ``out=`` can follow)."""
    return np.add(e, 1.0, out=np.empty_like(e))


def _sigmoid(z):
    """sigmoid(z) with e = exp(-|z|): 1 / (1 + e) for z >= 0 and e / (1 + e) below, so each tail
    keeps its digits and nothing overflows (the first half of _sigmoid_and_complement)."""
    e = _exp_minus_abs(z)
    d = _plus_one(e)
    np.divide(e, d, out=e)
    np.divide(1.0, d, out=e, where=z >= 0)
    return e


def _sigmoid_and_complement(z):
    """Return (sigmoid(z), 1 - sigmoid(z)), both accurate in the tails, without overflow."""
    e = _exp_minus_abs(z)
    near = 1.0 / (1.0 + e)
    far = e / (1.0 + e)
    positive = z >= 0
    return np.where(positive, near, far), np.where(positive, far, near)


def _softplus(z):
    """log(1 + e^z) = max(z, 0) + log1p(e^-|z|), finite for every finite z."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def _normal_cdf(x):
    """Phi(x) = erfc(-x / sqrt 2) / 2, the standard normal CDF.

    The same as (1 + erf(x / sqrt 2)) / 2, but that sum cancels in the left tail: past x = -8
    it keeps under two digits and from x = -8.3 on it is exactly 0, where Phi(-10) = 7.6e-24.
    scipy's erfc has float64 loops only (gradient checks run in extended precision); float32
    values get a float32 result, so that a float32 network stays in float32."""
    x = np.asarray(x)
    out = 0.5 * erfc(x.astype(np.float64, copy=False) / -_SQRT_2)
    return out.astype(np.float32) if x.dtype == np.float32 else out


def _in_dtype_of(x, slope):
    """``slope`` (np.where of Python numbers, so float64) in the dtype of ``x``: a float32 layer
    keeps a float32 gradient; for float64 nothing is copied."""
    return slope.astype(x.dtype, copy=False)


def _scaled(x, beta):
    """beta * x, clipped first so it cannot overflow (the clipped tail of exp is 0 anyway)."""
    limit = _EXP_LIMIT / beta
    return np.clip(x, -limit, limit) * beta


class Activation:
    """Base class: subclasses define ``value(x)`` = f(x) and ``slope(x, y)`` = f'(x).

    Teaching metadata (class attributes): ``name``, ``latex``, ``derivative_latex``,
    ``output_range`` (low, high), ``zero_centered``, ``monotonic``, ``smooth``.
    """

    name = ""
    latex = ""
    derivative_latex = ""
    output_range = (-math.inf, math.inf)
    zero_centered = False
    monotonic = True
    smooth = True

    # Parameters with gradients, by attribute name (see PReLU); empty for fixed functions.
    param_names = ()
    grad_names = ()
    x = y = None  # the last forward pass's input and output, which backward needs

    def forward(self, x):
        # Lists and Python numbers too; float dtypes are kept, integers become float64.
        self.x = x = real_array(x, f"{self.name} input")
        self.y = self.value(x)
        return self.y

    def backward(self, dout):
        check_forward_done(self, self.x)
        dout = upstream_gradient(self, dout, self.x.shape, f"{self.name} upstream gradient")
        return dout * self.slope(self.x, self.y)

    def derivative(self, x):
        x = real_array(x, f"{self.name} input").astype(np.float64, copy=False)
        return self.slope(x, self.value(x))

    def params(self):
        return [getattr(self, name) for name in self.param_names]

    def grads(self):
        return [getattr(self, name) for name in self.grad_names]

    def __repr__(self):
        return f"{type(self).__name__}()"


class Identity(Activation):
    """f(x) = x, f'(x) = 1. A network of identity layers is one linear map."""

    name = "identity"
    latex = r"f(x) = x"
    derivative_latex = r"f'(x) = 1"
    zero_centered = True

    def value(self, x):
        return x.copy()

    def slope(self, x, y):
        return np.ones_like(x)


class Step(Activation):
    """f(x) = 1 if x > 0 else 0; f'(x) = 0 everywhere (no gradient flows through a step)."""

    name = "step"
    latex = r"f(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}"
    derivative_latex = r"f'(x) = 0 \quad (x \ne 0)"
    output_range = (0.0, 1.0)
    smooth = False

    def value(self, x):
        return (x > 0).astype(x.dtype)  # float64, or the wider float it was given

    def slope(self, x, y):
        return np.zeros_like(x)


class Sigmoid(Activation):
    """f(x) = 1 / (1 + e^-x); f'(x) = f(x) (1 - f(x)), at most 1/4 (at x = 0)."""

    name = "sigmoid"
    latex = r"f(x) = \frac{1}{1 + e^{-x}}"
    derivative_latex = r"f'(x) = f(x)\,\bigl(1 - f(x)\bigr)"
    output_range = (0.0, 1.0)

    def value(self, x):
        return _sigmoid(x)

    def slope(self, x, y):
        # f (1 - f) = e / (1 + e)^2 on both sides of 0 (one factor is 1 / (1 + e), the other
        # e / (1 + e)); the textbook 1 - y would lose every digit once y rounds to 1.
        e = _exp_minus_abs(x)
        d = _plus_one(e)
        np.divide(e, d, out=e)
        return np.divide(e, d, out=e)


class Tanh(Activation):
    """f(x) = tanh(x); f'(x) = 1 - f(x)^2, at most 1 (at x = 0)."""

    name = "tanh"
    latex = r"f(x) = \tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}"
    derivative_latex = r"f'(x) = 1 - f(x)^2"
    output_range = (-1.0, 1.0)
    zero_centered = True

    def value(self, x):
        return np.tanh(x)

    def slope(self, x, y):
        # The same value as 1 - y^2, written without its cancellation: with e = exp(-2|x|),
        # 1 - tanh(x)^2 = 4e / (1 + e)^2. Once |y| is near 1 the textbook form loses digits
        # (every digit from |x| = 19 on, where it gives 0 and the true slope is 1e-16), and a
        # saturation lesson is about exactly those tiny slopes.
        e = _exp_minus_abs(x)
        e *= e  # exp(-2|x|), without the overflow of 2|x| at |x| near 1e308
        d = _plus_one(e)
        d *= d
        e *= 4.0
        return np.divide(e, d, out=e)


class ReLU(Activation):
    """f(x) = max(0, x); f'(x) = 1 if x > 0 else 0 (relu'(0) = 0 by convention)."""

    name = "relu"
    latex = r"f(x) = \max(0, x)"
    derivative_latex = r"f'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}"
    output_range = (0.0, math.inf)
    smooth = False

    def value(self, x):
        return np.maximum(x, 0.0)

    def slope(self, x, y):
        return (x > 0).astype(x.dtype)  # float64, or the wider float it was given

    def backward(self, dout):
        # Same as dout * slope(x), with a boolean mask instead of a float one: the hot path.
        check_forward_done(self, self.x)
        return upstream_gradient(self, dout, self.x.shape, "relu upstream gradient") * (self.x > 0)


class LeakyReLU(Activation):
    """f(x) = x if x > 0 else alpha x; f'(x) = 1 if x > 0 else alpha."""

    name = "leaky_relu"
    latex = r"f(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases}"
    derivative_latex = r"f'(x) = \begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases}"
    smooth = False

    def __init__(self, alpha=0.01):
        self.alpha = check_number("leaky_relu alpha", alpha, 0.0, 1.0)
        if self.alpha == 0.0:  # then it is ReLU: nothing below 0
            self.output_range = (0.0, math.inf)

    def value(self, x):
        if self.alpha > 0.0:
            # For 0 < alpha <= 1, max(x, alpha x) is x above 0 and alpha x below: the same
            # values as the two cases, in two passes instead of four (the dead-ReLU lesson's
            # hot path). alpha = 0 keeps the cases, where 0 * inf would be NaN in the max.
            return np.maximum(x, self.alpha * x)
        return np.where(x > 0, x, self.alpha * x)

    def slope(self, x, y):
        return _in_dtype_of(x, np.where(x > 0, 1.0, self.alpha))

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha:g})"


class ELU(Activation):
    """f(x) = x if x > 0 else alpha (e^x - 1); f'(x) = 1 if x > 0 else f(x) + alpha."""

    name = "elu"
    latex = r"f(x) = \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases}"
    derivative_latex = r"f'(x) = \begin{cases} 1 & x > 0 \\ \alpha\, e^{x} & x \le 0 \end{cases}"
    smooth = False  # smooth only when alpha = 1

    def __init__(self, alpha=1.0):
        self.alpha = check_number("elu alpha", alpha, 0.0, 10.0)
        self.output_range = (-self.alpha, math.inf)

    def value(self, x):
        return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0.0)))

    def slope(self, x, y):
        return np.where(x > 0, 1.0, self.alpha * np.exp(np.minimum(x, 0.0)))

    def __repr__(self):
        return f"ELU(alpha={self.alpha:g})"


class SELU(Activation):
    """f(x) = lambda * elu(x, alpha) with the self-normalising constants of Klambauer et al. (2017).

    lambda ~ 1.0507 and alpha ~ 1.6733 keep activations at mean 0, variance 1 through depth.
    """

    name = "selu"
    latex = (
        r"f(x) = \lambda \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases},"
        r"\ \lambda \approx 1.0507,\ \alpha \approx 1.6733"
    )
    derivative_latex = (
        r"f'(x) = \lambda \begin{cases} 1 & x > 0 \\ \alpha\, e^{x} & x \le 0 \end{cases}"
    )
    alpha = 1.6732632423543772
    scale = 1.0507009873554805
    output_range = (-1.6732632423543772 * 1.0507009873554805, math.inf)
    zero_centered = True
    smooth = False

    def value(self, x):
        return self.scale * np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0.0)))

    def slope(self, x, y):
        return self.scale * np.where(x > 0, 1.0, self.alpha * np.exp(np.minimum(x, 0.0)))


class PReLU(Activation):
    """f(x) = x if x > 0 else alpha x, where alpha is learned (He et al., 2015).

    f'(x) = 1 if x > 0 else alpha, and df/dalpha = x if x <= 0 else 0, so
    dL/dalpha = sum of dout * min(x, 0) over the batch. ``alpha`` is a one-element array so
    that an optimiser can update it in place like any weight.
    """

    name = "prelu"
    latex = r"f(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases},\ \alpha \text{ learned}"
    derivative_latex = (
        r"f'(x) = \begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases},\quad"
        r"\frac{\partial f}{\partial \alpha} = \min(x, 0)"
    )
    smooth = False
    param_names = ("alpha",)
    grad_names = ("dalpha",)
    alpha = parameter("alpha")
    dalpha = parameter("dalpha")

    def __init__(self, alpha=0.25):
        self.alpha = np.array([check_number("prelu alpha", alpha, 0.0, 1.0)])
        self.dalpha = np.zeros(1)

    def value(self, x):
        return np.where(x > 0, x, self.alpha[0] * x)

    def slope(self, x, y):
        return np.where(x > 0, 1.0, self.alpha[0])

    def backward(self, dout):
        check_forward_done(self, self.x)
        dout = upstream_gradient(self, dout, self.x.shape, "prelu upstream gradient")
        # Written into the existing array: it may be a view into a model's gradient buffer.
        self.dalpha[0] = np.sum(dout * np.minimum(self.x, 0.0))
        return dout * self.slope(self.x, self.y)

    def __repr__(self):
        return f"PReLU(alpha={self.alpha[0]:g})"


class Softplus(Activation):
    """f(x) = log(1 + e^(beta x)) / beta, a smooth ReLU; f'(x) = sigmoid(beta x)."""

    name = "softplus"
    latex = r"f(x) = \frac{1}{\beta}\log\bigl(1 + e^{\beta x}\bigr)"
    derivative_latex = r"f'(x) = \sigma(\beta x) = \frac{1}{1 + e^{-\beta x}}"
    output_range = (0.0, math.inf)

    def __init__(self, beta=1.0):
        self.beta = check_number("softplus beta", beta, 0.0, 100.0, low_open=True)

    def value(self, x):
        # max(x, 0) keeps the linear part unscaled, so it is exact even at x = 1e308.
        z = _scaled(x, self.beta)
        return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(z))) / self.beta

    def slope(self, x, y):
        return _sigmoid(_scaled(x, self.beta))

    def __repr__(self):
        return f"Softplus(beta={self.beta:g})"


class Swish(Activation):
    """f(x) = x sigmoid(beta x) (SiLU when beta = 1);
    f'(x) = s + beta x s (1 - s) with s = sigmoid(beta x)."""

    name = "swish"
    latex = r"f(x) = x\,\sigma(\beta x)"
    derivative_latex = r"f'(x) = \sigma(\beta x) + \beta x\,\sigma(\beta x)\bigl(1 - \sigma(\beta x)\bigr)"
    output_range = (-0.2784645427610738, math.inf)  # min at beta x ~ -1.2785, value / beta
    monotonic = False

    def __init__(self, beta=1.0):
        self.beta = check_number("swish beta", beta, 0.0, 100.0, low_open=True)
        self.output_range = (-0.2784645427610738 / self.beta, math.inf)

    def value(self, x):
        return x * _sigmoid(_scaled(x, self.beta))

    def slope(self, x, y):
        s, complement = _sigmoid_and_complement(_scaled(x, self.beta))
        # (s * complement) first: it underflows to 0 in the tails before x can make it overflow.
        return s + self.beta * (x * (s * complement))

    def __repr__(self):
        return f"Swish(beta={self.beta:g})"


_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_CUBIC = 0.044715


class GELU(Activation):
    """f(x) = x Phi(x), Phi the standard normal CDF (Hendrycks & Gimpel, 2016).

    Exact form: Phi(x) = (1 + erf(x / sqrt 2)) / 2, f'(x) = Phi(x) + x phi(x) (Phi computed
    as erfc(-x / sqrt 2) / 2, which keeps its digits in the left tail).
    ``approximate=True`` uses the tanh form 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) and
    its own exact derivative.
    """

    name = "gelu"
    latex = r"f(x) = x\,\Phi(x) = \frac{x}{2}\Bigl(1 + \operatorname{erf}\bigl(\tfrac{x}{\sqrt{2}}\bigr)\Bigr)"
    derivative_latex = r"f'(x) = \Phi(x) + x\,\varphi(x),\quad \varphi(x) = \frac{e^{-x^2/2}}{\sqrt{2\pi}}"
    output_range = (-0.16997120747990366, math.inf)
    monotonic = False

    def __init__(self, approximate=False):
        if not isinstance(approximate, (bool, np.bool_)):
            raise ValueError(f"gelu approximate must be True or False, got {approximate!r}")
        self.approximate = bool(approximate)
        if self.approximate:
            self.output_range = (-0.17004075057125406, math.inf)  # min at x ~ -0.7525
            self.latex = (
                r"f(x) \approx \frac{x}{2}\Bigl(1 + \tanh\bigl(\sqrt{2/\pi}\,"
                r"(x + 0.044715\,x^3)\bigr)\Bigr)"
            )
            self.derivative_latex = (
                r"f'(x) = \frac{1 + t}{2} + \frac{x}{2}(1 - t^2)\sqrt{2/\pi}\,(1 + 3 \cdot 0.044715\,x^2),"
                r"\ t = \tanh\bigl(\sqrt{2/\pi}\,(x + 0.044715\,x^3)\bigr)"
            )

    def value(self, x):
        if self.approximate:
            return 0.5 * x * (1.0 + self._tanh_term(x))
        return x * _normal_cdf(x)  # Phi(x) = (1 + erf(x / sqrt 2)) / 2 = erfc(-x / sqrt 2) / 2

    def slope(self, x, y):
        # Past |x| = 40 the Gaussian factors are exactly 0, so clipping there avoids x^2 overflow.
        xc = np.clip(x, -40.0, 40.0)
        if self.approximate:
            t = self._tanh_term(x)
            inner_slope = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_CUBIC * xc * xc)
            return 0.5 * (1.0 + t) + 0.5 * xc * (1.0 - t * t) * inner_slope
        pdf = np.exp(-0.5 * xc * xc) * _INV_SQRT_2PI
        return _normal_cdf(x) + xc * pdf

    @staticmethod
    def _tanh_term(x):
        xc = np.clip(x, -40.0, 40.0)  # tanh is exactly +-1 long before; avoids x^3 overflow
        return np.tanh(_SQRT_2_OVER_PI * (xc + _GELU_CUBIC * xc * xc * xc))

    def __repr__(self):
        return f"GELU(approximate={self.approximate})"


class Mish(Activation):
    """f(x) = x tanh(softplus(x)) (Misra, 2019);
    f'(x) = tanh(sp) + x (1 - tanh(sp)^2) sigmoid(x), sp = softplus(x)."""

    name = "mish"
    latex = r"f(x) = x \tanh\bigl(\log(1 + e^{x})\bigr)"
    derivative_latex = (
        r"f'(x) = \tanh(s) + x\,\bigl(1 - \tanh^2(s)\bigr)\,\sigma(x),\ s = \log(1 + e^{x})"
    )
    output_range = (-0.30884341301725043, math.inf)  # min at x ~ -1.1924
    monotonic = False

    def value(self, x):
        return x * np.tanh(_softplus(x))

    def slope(self, x, y):
        t = np.tanh(_softplus(x))
        s = _sigmoid(x)
        # ((1 - t^2) * s) first, so that huge |x| meets an exact 0 and not an overflow.
        return t + x * ((1.0 - t * t) * s)


class Softsign(Activation):
    """f(x) = x / (1 + |x|); f'(x) = 1 / (1 + |x|)^2."""

    name = "softsign"
    latex = r"f(x) = \frac{x}{1 + |x|}"
    derivative_latex = r"f'(x) = \frac{1}{(1 + |x|)^2}"
    output_range = (-1.0, 1.0)
    zero_centered = True

    def value(self, x):
        return x / (1.0 + np.abs(x))

    def slope(self, x, y):
        r = 1.0 / (1.0 + np.abs(x))  # squaring r, not (1 + |x|), keeps 1e308 from overflowing
        return r * r


class HardSigmoid(Activation):
    """f(x) = relu6(x + 3) / 6 = clip((x + 3) / 6, 0, 1); f'(x) = 1/6 for -3 < x < 3, else 0."""

    name = "hard_sigmoid"
    latex = r"f(x) = \frac{\min(\max(x + 3, 0), 6)}{6}"
    derivative_latex = r"f'(x) = \begin{cases} 1/6 & -3 < x < 3 \\ 0 & \text{otherwise} \end{cases}"
    output_range = (0.0, 1.0)
    smooth = False

    def value(self, x):
        return np.clip(x / 6.0 + 0.5, 0.0, 1.0)

    def slope(self, x, y):
        return _in_dtype_of(x, np.where((x > -3.0) & (x < 3.0), 1.0 / 6.0, 0.0))


class HardTanh(Activation):
    """f(x) = clip(x, -1, 1); f'(x) = 1 for -1 < x < 1, else 0."""

    name = "hard_tanh"
    latex = r"f(x) = \max(-1, \min(1, x))"
    derivative_latex = r"f'(x) = \begin{cases} 1 & -1 < x < 1 \\ 0 & \text{otherwise} \end{cases}"
    output_range = (-1.0, 1.0)
    zero_centered = True
    smooth = False

    def value(self, x):
        return np.clip(x, -1.0, 1.0)

    def slope(self, x, y):
        return _in_dtype_of(x, np.where((x > -1.0) & (x < 1.0), 1.0, 0.0))


ACTIVATIONS = {
    cls.name: cls
    for cls in (
        Identity, Step, Sigmoid, Tanh, ReLU, LeakyReLU, ELU, SELU, PReLU,
        Softplus, Swish, GELU, Mish, Softsign, HardSigmoid, HardTanh,
    )
}

# The keyword parameters each activation accepts, with their defaults (for docs and the app).
ACTIVATION_PARAMS = {
    "leaky_relu": {"alpha": 0.01},
    "elu": {"alpha": 1.0},
    "prelu": {"alpha": 0.25},
    "softplus": {"beta": 1.0},
    "swish": {"beta": 1.0},
    "gelu": {"approximate": False},
}


def get_activation(name, **params):
    """Return a new activation layer by name, e.g. ``get_activation("elu", alpha=0.5)``.

    >>> get_activation("relu").forward(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    check_choice("activation", name, list(ACTIVATIONS))
    accepted = ACTIVATION_PARAMS.get(name, {})
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        valid = ", ".join(accepted) if accepted else "none"
        raise ValueError(f"{name} takes no parameter {unknown[0]!r}; its parameters: {valid}")
    return ACTIVATIONS[name](**params)


_FLOAT_MAX = np.finfo(np.float64).max


def _shift_by_max(z, axis, what="softmax input", one_class="its softmax is 1"):
    """Return (z - max z, exp(z - max z)) along ``axis`` without overflow.

    Subtracting the max changes nothing mathematically and keeps every exponent <= 0. For logits
    as far apart as -1e308 and 1e308 the difference itself overflows (to -inf): it is saturated
    at minus the largest float instead, whose exponential is 0 like that of any gap past -746.
    A single number has no axis to normalise along: ``one_class`` says what [z] would give.
    """
    z = real_array(z, what)
    if z.ndim == 0:
        raise ValueError(f"{what} must be one number per class (a list, or a table with one row "
                         f"per sample), got the single number {float(z)!r}: for one class "
                         f"write [z] ({one_class})")
    if z.dtype.itemsize < 8:  # float16/32 become float64; float64 and longdouble are kept
        z = z.astype(np.float64)
    with np.errstate(over="ignore"):
        shifted = z - _max_along(z, axis)
    np.maximum(shifted, -_FLOAT_MAX, out=shifted)
    return shifted, np.exp(shifted)


# Up to this many classes, the row maxima are taken column by column (see _max_along): at 32
# to 1,000 rows that wins up to 4 columns (2-18x for 2), and loses from 6 on at 32 rows.
FEW_COLUMNS = 4


def _max_along(z, axis):
    """``z.max(axis=axis, keepdims=True)``, NaN propagating the same way.

    Speed: for the logits of a classifier of a few classes, the maxima of whole columns, pair
    by pair, beat numpy's reduction along the short rows (for 2 classes, 2x at 32 rows and
    18x at 1,000), and the loss takes them once per mini-batch.
    """
    if z.ndim == 2 and axis in (1, -1) and 2 <= z.shape[1] <= FEW_COLUMNS:
        top = np.maximum(z[:, 0], z[:, 1])
        for k in range(2, z.shape[1]):
            np.maximum(top, z[:, k], out=top)
        return top[:, None]
    return z.max(axis=axis, keepdims=True)


def softmax(z, axis=-1):
    """softmax(z)_i = e^(z_i - max z) / sum_j e^(z_j - max z), finite for any finite input.

    >>> softmax(np.array([1000.0, 1000.0]))
    array([0.5, 0.5])
    """
    _, e = _shift_by_max(z, axis, "softmax input")
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(z, axis=-1):
    """log softmax(z)_i = (z_i - max z) - log sum_j e^(z_j - max z) (the log-sum-exp trick).

    >>> log_softmax(np.array([1000.0, -1000.0]))
    array([    0., -2000.])
    """
    shifted, e = _shift_by_max(z, axis, "log_softmax input", "its log_softmax is 0")
    return shifted - np.log(np.sum(e, axis=axis, keepdims=True))
