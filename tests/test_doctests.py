"""The examples in docstrings are run, so they stay true."""

import doctest
import importlib

import pytest

MODULES = ["ingest.text", "ingest.loaders", "ingest.documents", "index.fusion", "index.retriever",
           "index.tokenize", "index.rerank", "index.faiss_index", "index.bm25_index", "settings",
           "qa.conditions", "qa.figures", "qa.context", "qa.precedence", "qa.selection", "qa.abstention",
           "qa.decompose", "index.intent"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no runnable example"
    assert result.failed == 0
