"""The examples in docstrings are run, so they stay true."""

import doctest
import importlib

import pytest

MODULES = ["ingest.text", "ingest.types", "ingest.encoding", "ingest.formats", "ingest.pdf", "ingest.loaders",
           "ingest.documents", "ingest.titles", "index.tokenize", "index.faiss_index", "index.bm25_index",
           "retrieval.fusion", "retrieval.filters", "retrieval.rerank", "retrieval.normalise", "retrieval.figures",
           "retrieval.asks", "retrieval.query", "retrieval.terms", "retrieval.vocabulary", "retrieval.decompose", "retrieval.intent",
           "retrieval.kinds", "retrieval.adapter", "retrieval.centre", "retrieval.jurisdictions",
           "settings", "eval.metrics", "eval.run", "qa.conditions", "qa.wording", "qa.context", "qa.precedence", "qa.selection", "qa.abstention"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no runnable example"
    assert result.failed == 0
