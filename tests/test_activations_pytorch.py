"""The activations page's table of PyTorch equivalents: coverage, exact names, current values.

PyTorch is not a dependency, so these tests pin the text against PyTorch 2.x's documented
signatures (the names were also run against torch 2.13 once, outside the suite: values and
autograd gradients agreed with ours on a grid through every kink).
"""

import re

import pytest

from nn_core import ACTIVATION_PARAMS, ACTIVATIONS
from pages.activations.pytorch import TORCH_EQUIVALENTS, equivalent, torch_call, torch_code
from tests.apptest_helpers import template_fields
from ui.strings import LANGUAGES, Translator


def test_the_table_covers_exactly_our_activations():
    assert list(TORCH_EQUIVALENTS) == list(ACTIVATIONS)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_every_parameter_of_ours_is_mapped_and_every_placeholder_is_ours(name):
    ours = ACTIVATION_PARAMS.get(name, {})
    entries = [TORCH_EQUIVALENTS[name]]
    if entries[0].otherwise is not None:
        entries.append(entries[0].otherwise)
    used = {entries[0].only_when[0]} if entries[0].only_when else set()
    for entry in entries:
        templates = [entry.module or "", entry.functional]
        fields = set().union(*(template_fields(template) for template in templates))
        assert fields <= set(ours), name
        # a parameter PyTorch names is said in the code; swish's general beta is an expression
        assert {mapped for mapped, _ in entry.renamed} <= fields, name
        used |= fields
    # every parameter of ours reaches the code, or decides which entry applies (swish's beta)
    assert used == set(ours), name


@pytest.mark.parametrize("name, params, expected", [
    ("identity", {}, "nn.Identity()"),
    ("step", {}, "torch.heaviside(x, torch.zeros_like(x))"),
    ("sigmoid", {}, "nn.Sigmoid()"),
    ("tanh", {}, "nn.Tanh()"),
    ("relu", {}, "nn.ReLU()"),
    ("leaky_relu", {"alpha": 0.01}, "nn.LeakyReLU(negative_slope=0.01)"),
    ("leaky_relu", {"alpha": 0.15000000000000002}, "nn.LeakyReLU(negative_slope=0.15)"),
    ("elu", {"alpha": 0.5}, "nn.ELU(alpha=0.5)"),
    ("selu", {}, "nn.SELU()"),
    ("prelu", {"alpha": 0.25}, "nn.PReLU(num_parameters=1, init=0.25)"),
    ("softplus", {"beta": 2.0}, "nn.Softplus(beta=2.0, threshold=20.0)"),
    ("swish", {"beta": 1.0}, "nn.SiLU()"),
    ("swish", {"beta": 2.5}, "x * torch.sigmoid(2.5 * x)"),
    ("gelu", {"approximate": False}, 'nn.GELU(approximate="none")'),
    ("gelu", {"approximate": True}, 'nn.GELU(approximate="tanh")'),
    ("mish", {}, "nn.Mish()"),
    ("softsign", {}, "nn.Softsign()"),
    ("hard_sigmoid", {}, "nn.Hardsigmoid()"),
    ("hard_tanh", {}, "nn.Hardtanh(min_val=-1.0, max_val=1.0)"),
])
def test_the_module_with_pytorchs_parameter_names_and_the_current_values(name, params, expected):
    assert torch_call(name, params) == expected


@pytest.mark.parametrize("name, functional", [
    ("leaky_relu", "F.leaky_relu(x, negative_slope=0.3)"),
    ("elu", "F.elu(x, alpha=0.3)"),
    ("prelu", "F.prelu(x, torch.tensor([0.3]))"),
    ("softplus", "F.softplus(x, beta=0.3, threshold=20.0)"),
    ("hard_tanh", "F.hardtanh(x, min_val=-1.0, max_val=1.0)"),
    ("gelu", 'F.gelu(x, approximate="tanh")'),
])
def test_the_functional_call(name, functional):
    params = {key: (True if key == "approximate" else 0.3)
              for key in ACTIVATION_PARAMS.get(name, {})}
    assert f"y = {functional}" in torch_code(Translator("en"), name, params)


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_every_snippet_is_python_and_says_what_our_call_is(lang, name):
    params = dict(ACTIVATION_PARAMS.get(name, {}))
    code = torch_code(Translator(lang), name, params)
    compile(code, f"<{name}>", "exec")
    assert f'# nn_core: get_activation("{name}"' in code
    entry = equivalent(name, params)
    assert ("layer = nn." in code) == (entry.module is not None)
    assert Translator(lang)(f"act_torch_note_{name}").strip()


def test_renamed_parameters_are_said_in_the_code():
    code = torch_code(Translator("en"), "leaky_relu", {"alpha": 0.05})
    assert "# our alpha is PyTorch's negative_slope" in code
    code = torch_code(Translator("en"), "gelu", {"approximate": True})
    assert re.search(r'approximate=True is PyTorch\'s approximate="tanh"', code)
    assert "nn." not in torch_code(Translator("en"), "swish", {"beta": 2.0}).split("#")[-2]
