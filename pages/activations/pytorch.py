"""The same activations in PyTorch: one table from our names to ``torch.nn`` and its functions.

PyTorch is not a dependency: this is text for students who will meet these functions there.
The names and signatures are PyTorch 2.x's (checked against torch 2.13: values and autograd
gradients equal ours on a grid through every kink, at the page's parameter values). Where a
parameter has another name there (our leaky-ReLU ``alpha`` is its ``negative_slope``), the
code says so, and the snippets carry the page's current parameter values.
"""

from dataclasses import dataclass

from nn_core import ACTIVATIONS


@dataclass(frozen=True)
class TorchEquivalent:
    """How PyTorch writes one of our activations.

    ``module`` and ``functional`` are templates: ``{alpha}`` is filled with our parameter
    ``alpha`` as a Python literal. ``renamed`` pairs our parameter names with PyTorch's;
    ``literals`` maps a parameter's values to PyTorch's words (GELU's ``approximate``).
    ``only_when`` (parameter, value) restricts the entry to that value; ``otherwise`` is the
    entry for every other value (swish: ``nn.SiLU`` is swish with beta = 1 only).
    """

    module: str | None  # None: PyTorch has no module for it
    functional: str
    renamed: tuple = ()
    literals: tuple = ()  # (parameter, ((our value, PyTorch's literal), ...))
    only_when: tuple = ()
    otherwise: "TorchEquivalent | None" = None


TORCH_EQUIVALENTS = {
    "identity": TorchEquivalent("nn.Identity()", "x"),
    "step": TorchEquivalent(None, "torch.heaviside(x, torch.zeros_like(x))"),
    "sigmoid": TorchEquivalent("nn.Sigmoid()", "torch.sigmoid(x)"),
    "tanh": TorchEquivalent("nn.Tanh()", "torch.tanh(x)"),
    "relu": TorchEquivalent("nn.ReLU()", "F.relu(x)"),
    "leaky_relu": TorchEquivalent("nn.LeakyReLU(negative_slope={alpha})",
                                  "F.leaky_relu(x, negative_slope={alpha})",
                                  renamed=(("alpha", "negative_slope"),)),
    "elu": TorchEquivalent("nn.ELU(alpha={alpha})", "F.elu(x, alpha={alpha})",
                           renamed=(("alpha", "alpha"),)),
    "selu": TorchEquivalent("nn.SELU()", "F.selu(x)"),
    "prelu": TorchEquivalent("nn.PReLU(num_parameters=1, init={alpha})",
                             "F.prelu(x, torch.tensor([{alpha}]))",
                             renamed=(("alpha", "init"),)),
    "softplus": TorchEquivalent("nn.Softplus(beta={beta}, threshold=20.0)",
                                "F.softplus(x, beta={beta}, threshold=20.0)",
                                renamed=(("beta", "beta"),)),
    "swish": TorchEquivalent("nn.SiLU()", "F.silu(x)", only_when=("beta", 1.0),
                             otherwise=TorchEquivalent(None, "x * torch.sigmoid({beta} * x)")),
    "gelu": TorchEquivalent("nn.GELU(approximate={approximate})",
                            "F.gelu(x, approximate={approximate})",
                            renamed=(("approximate", "approximate"),),
                            literals=(("approximate", ((False, '"none"'), (True, '"tanh"'))),)),
    "mish": TorchEquivalent("nn.Mish()", "F.mish(x)"),
    "softsign": TorchEquivalent("nn.Softsign()", "F.softsign(x)"),
    "hard_sigmoid": TorchEquivalent("nn.Hardsigmoid()", "F.hardsigmoid(x)"),
    "hard_tanh": TorchEquivalent("nn.Hardtanh(min_val=-1.0, max_val=1.0)",
                                 "F.hardtanh(x, min_val=-1.0, max_val=1.0)"),
}
assert TORCH_EQUIVALENTS.keys() == ACTIVATIONS.keys()


def equivalent(name, params):
    """The entry for activation ``name`` with its parameters ``params`` ({parameter: value})."""
    entry = TORCH_EQUIVALENTS[name]
    if entry.only_when:
        parameter, value = entry.only_when
        if params.get(parameter, value) != value:
            return entry.otherwise
    return entry


def literal(entry, parameter, value):
    """``value`` as PyTorch code: a word where the entry names one, else a Python number."""
    words = dict(entry.literals).get(parameter)
    if words is not None:
        return dict(words)[value]
    return _python(value)


def _python(value):
    """A parameter value as Python source: 0.05, not 0.05000000000000001."""
    return repr(value) if isinstance(value, bool) else repr(round(float(value), 6))


def _filled(template, entry, params):
    return template.format(**{name: literal(entry, name, value) for name, value in params.items()})


def torch_call(name, params):
    """The one line a student would write in PyTorch: the module, or the function if there is
    no module, with ``params`` filled in."""
    entry = equivalent(name, params)
    return _filled(entry.module or entry.functional, entry, params)


def our_call(name, params):
    """The same activation in nn_core: ``get_activation("elu", alpha=0.5)``."""
    arguments = "".join(f", {key}={_python(value)}" for key, value in params.items())
    return f'get_activation("{name}"{arguments})'


def torch_code(t, name, params):
    """A short PyTorch snippet: the module and the function with ``params`` filled in, and in
    comments (in the reader's language) which of our parameters PyTorch names differently."""
    entry = equivalent(name, params)
    renamed = "; ".join(_renaming(t, entry, ours, theirs, params.get(ours))
                        for ours, theirs in entry.renamed)
    lines = ["import torch", "from torch import nn", "import torch.nn.functional as F", "",
             f"# nn_core: {our_call(name, params)}"]
    if entry.module is not None:
        module = _filled(entry.module, entry, params)
        lines += [f"layer = {module}" + (f"  # {renamed}" if renamed else ""), "y = layer(x)",
                  f"y = {_filled(entry.functional, entry, params)}  # {t('act_torch_as_function')}"]
    else:
        lines += [f"# {t('act_torch_no_module')}",
                  f"y = {_filled(entry.functional, entry, params)}"
                  + (f"  # {renamed}" if renamed else "")]
    return "\n".join(lines)


def _renaming(t, entry, ours, theirs, value):
    """The comment telling how PyTorch names our parameter ``ours`` (and its value, if that
    is spelt differently there, as GELU's approximate=True is approximate="tanh")."""
    if ours in dict(entry.literals):
        return t("act_torch_value_renamed", ours=f"{ours}={_python(value)}",
                 theirs=f"{theirs}={literal(entry, ours, value)}")
    return t("act_torch_same_name" if ours == theirs else "act_torch_renamed",
             ours=ours, theirs=theirs)
