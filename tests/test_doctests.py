"""The examples in docstrings are run, so they stay true."""

import doctest
import importlib

import pytest

MODULES = ["ingest.text", "ingest.loaders", "ingest.documents", "retrieval.fusion", "retrieval.filters",
           "index.tokenize", "retrieval.rerank", "retrieval.normalise", "index.faiss_index", "index.bm25_index", "qa.config",
           "qa.conditions", "retrieval.figures", "retrieval.asks", "retrieval.query", "ingest.titles", "qa.wording", "qa.context", "qa.precedence", "qa.selection", "qa.abstention",
           "retrieval.decompose", "retrieval.intent"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no runnable example"
    assert result.failed == 0
