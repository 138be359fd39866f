"""The models shipped as JSON share one reading and checking path (retrieval/packaged.py): each one the package
ships reads back to the same model, a file of another kind or one without a field is refused with the command that
writes a right one, and a model tied to an embedder is refused for another embedder's vectors."""

import json
import re

import numpy as np
import pytest

from qa.answerability import PairModel
from retrieval.adapter import QueryAdapter
from retrieval.centre import QueryCentre
from retrieval.kinds import KindModel
from retrieval.packaged import JsonModel, TiedModel
from retrieval.pairs import PairScorer

SHIPPED = [QueryAdapter, QueryCentre, PairScorer, KindModel]  # the answer model is not shipped (qa/data has none)
EVERY = SHIPPED + [PairModel]


def _small(cls: type[JsonModel]) -> JsonModel:
    """A model of ``cls`` small enough to build by hand."""
    if cls is PairModel:
        return PairModel(np.arange(8, dtype=float), 0.5, "e", "t")
    return cls.shipped()


@pytest.mark.parametrize("cls", SHIPPED, ids=lambda c: c.__name__)
def test_each_shipped_model_reads_back_the_same(cls):
    model = cls.shipped()
    assert model is not None and isinstance(model, JsonModel)
    data = model.to_json()
    assert data["kind"] == cls.KIND
    again = cls.from_json(json.loads(json.dumps(data)))
    assert again.sha256 == model.sha256 and again.to_json() == data


@pytest.mark.parametrize("cls", EVERY, ids=lambda c: c.__name__)
def test_another_kind_or_a_missing_field_is_refused_with_the_fix(cls, tmp_path):
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"kind": "something_else"}), "utf-8")
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}.*not an? {cls.NAME}.*{re.escape(cls.TRAINER)}"):
        cls.load(path)
    data = _small(cls).to_json()
    field = next(k for k in data if k not in ("kind", "version"))
    del data[field]
    with pytest.raises(ValueError, match=rf"no field '{field}'.*{re.escape(cls.TRAINER)}"):
        cls.from_json(data)


@pytest.mark.parametrize("cls", [c for c in EVERY if issubclass(c, TiedModel)], ids=lambda c: c.__name__)
def test_a_tied_model_is_refused_for_another_embedders_vectors(cls, tmp_path):
    model = _small(cls)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model.to_json()), "utf-8")
    assert cls.resolve(str(path), model.embedder).sha256 == model.sha256
    assert cls.resolve("none", model.embedder) is None and cls.resolve("", model.embedder) is None
    with pytest.raises(ValueError, match=rf"{cls.NAME}.*set {cls.SETTING} to none.*{re.escape(cls.TRAINER)}"):
        cls.resolve(str(path), "another-embedder")
    # the shipped copy is only given for the embedder it was fitted on
    assert cls.resolve("shipped", "another-embedder") is None
