"""The Vietnamese examples in the nlp.parse docstrings are tests too."""
from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["nlp.parse", "nlp.parse.text", "nlp.parse.symbols", "nlp.parse.dates", "nlp.parse.header",
           "nlp.parse.addressees", "nlp.parse.references", "nlp.parse.people", "nlp.parse.tasks", "nlp.parse.letter",
           "nlp.parse.places"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
