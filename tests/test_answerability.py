"""The pair model of whether a clause answers the question (qa/answerability.py): its JSON form, its refusal of
another embedder's vectors, its held-out fitting (training/answerability.py), and what the answerer reads of it
on a real index of either backend."""

from __future__ import annotations

import json

from dataclasses import replace

import numpy as np
import pytest

from qa.answerability import PairModel, answer_features
from retrieval.pairs import pair_features
from retrieval.learned import LinearModel

from .conftest import BACKENDS, engine_of


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def test_a_pair_model_round_trips_through_json_and_refuses_another_embedders_vectors(tmp_path):
    rng = np.random.default_rng(0)
    m = PairModel(rng.normal(size=4 * 6), 0.3, "e1", "t")
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(m.to_json()), "utf-8")
    again = PairModel.resolve(str(path), "e1")
    q, c = _unit(rng.normal(size=6)), _unit(rng.normal(size=(3, 6)))
    assert np.allclose(again.probabilities(q, c), m.probabilities(q, c), atol=1e-5)
    with pytest.raises(ValueError, match="fitted on 'e1' vectors"):
        PairModel.resolve(str(path), "e2")
    assert PairModel.resolve("none", "e1") is None and PairModel.resolve("", "e1") is None
    with pytest.raises(ValueError, match="not an answer model"):
        PairModel.from_json({**m.to_json(), "kind": "query_adapter"})
    with pytest.raises(ValueError, match="4 × the vectors' dimension"):
        PairModel(np.zeros(7), 0.0, "e1", "t")
    # the shipped one applies to the embedder it was fitted on only (none is shipped: see training/README.md)
    assert PairModel.resolve("shipped", "some/other-embedder") is None


def test_pair_features_and_the_answerers_two_features():
    q, c = np.array([0.6, 0.8]), np.array([[0.8, 0.6], [0.0, 1.0]])
    f = pair_features(q, c, with_vectors=True)
    assert f.shape == (2, 8)
    assert np.allclose(f[:, :2].sum(axis=1), c @ q)  # the product block sums to the cosine
    assert np.allclose(f[:, 4:6], q) and np.allclose(f[:, 6:], c)
    m = PairModel(np.array([5.0, 5.0, 0, 0, 0, 0, 0, 0]), -4.0, "e", "t")  # the cosine, sharpened
    top, best = answer_features(m, q, [c[1], None, c[0]])
    assert top == pytest.approx(m.probabilities(q, c[1:])[0]) and best == pytest.approx(m.probabilities(q, c[:1])[0])
    assert best > top  # the third hit answers better than the first
    # nothing to read: no model, no query vector, or no vector for the first hit
    assert answer_features(None, q, list(c)) == (0.0, 0.0)
    assert answer_features(m, None, list(c)) == (0.0, 0.0)
    assert answer_features(m, q, [None, c[0]]) == (0.0, 0.0)
    assert answer_features(m, np.zeros(3), list(c)) == (0.0, 0.0)  # another dimension: another embedder's


def _lists(n: int = 80, dim: int = 8, seed: int = 0):
    from training.answerability import Pairs

    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        q = _unit(rng.normal(size=dim))
        clauses = list(_unit(rng.normal(size=(5, dim))))
        answerable = i % 2 == 0
        if answerable:
            clauses[i % 5] = _unit(q + 0.3 * clauses[i % 5])
        out.append(Pairs(f"q{i}", q, clauses, [answerable and j == i % 5 for j in range(5)]))
    return out


def test_each_training_question_is_scored_by_a_pair_model_that_never_saw_it():
    from training.answerability import HeldOutPairs, fit_pairs

    lists = _lists()
    held = HeldOutPairs.fit(lists, "e", "t")
    q0 = lists[0].question
    without_q0 = fit_pairs([p for p in lists if held.fold[p.question] != held.fold[q0]], "e", "t")
    assert np.allclose(held.for_question(q0).coef, without_q0.coef)
    assert not np.allclose(held.for_question(q0).coef, held.final.coef)
    unseen = _lists(4, seed=9)[0]._replace(question="never asked")
    assert held.for_question(unseen.question) is held.final
    feats = held.features(lists + [unseen])
    assert feats.shape == (len(lists) + 1, 2) and np.all(feats[:, 1] >= feats[:, 0])
    assert np.allclose(feats[-1], answer_features(held.final, unseen.query, unseen.clauses))
    # the clause near its question is told from the others on questions each model never saw
    assert held.auc(lists) > 0.9
    with pytest.raises(ValueError, match="clauses that answer and clauses that do not"):
        fit_pairs([p._replace(gold=[False] * 5) for p in lists], "e", "t")


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_an_abstention_model_reads_the_pair_model_on_the_vectors_either_backend_gives_back(backend, request):
    from qa.abstention import ABSTAIN_FEATURES

    engine = engine_of(request, backend)
    answerer, r = engine.answerer, engine.retriever
    question = "个人信息处理者向境外提供个人信息，需要取得个人的单独同意吗？"
    query = r.parse(question)
    hits = r.search(query, k=5)
    vecs = [r.vector(h) for h in hits[:3]]
    assert all(v is not None for v in vecs)
    q = r.rankers.query_vector(query.text)
    dim = len(q)
    # the cosine, sharpened: a model whose probabilities can be told from the hits' own cosines
    cosine = PairModel(np.concatenate([np.full(dim, 20.0), np.zeros(3 * dim)]), -17.0, engine.embedder.name, "t")
    shipped_pairs, shipped_abstainer = answerer.answers, answerer.abstainer
    try:
        answerer.answers = None
        assert answerer.assess(query, hits).evidence.answers == 0.0  # without a pair model the features read 0
        answerer.answers = cosine
        ev = answerer.assess(query, hits).evidence
        p = 1 / (1 + np.exp(-(20.0 * (np.stack(vecs) @ q) - 17.0)))
        assert ev.answers == pytest.approx(p[0]) and ev.answers_best3 == pytest.approx(p.max())
        assert 0.0 < ev.answers < 1.0
        # an abstention model that reads only `answers` decides by it, at a threshold either side of it
        reads = LinearModel(("answers",), np.zeros(1), np.ones(1), np.array([-1.0]), 0.0, "t")
        p_unanswerable = float(reads.scores(np.array([[ev.answers]]))[0])
        answerer.abstainer = replace(reads, threshold=p_unanswerable - 1e-6)
        assert not answerer.strong(ev)
        answerer.abstainer = replace(reads, threshold=p_unanswerable + 1e-6)
        assert answerer.strong(ev)
        assert set(ABSTAIN_FEATURES) >= {"answers", "answers_best3"}
    finally:
        answerer.answers, answerer.abstainer = shipped_pairs, shipped_abstainer


def test_an_abstention_model_reading_the_pair_features_without_a_pair_model_is_said_at_start_up(
        slice_engine, tmp_path, caplog):
    from qa import PolicyQA
    from qa.abstention import ABSTAIN_FEATURES

    path = tmp_path / "abstain.json"
    path.write_text(json.dumps(LinearModel(ABSTAIN_FEATURES, np.zeros(len(ABSTAIN_FEATURES)),
                                           np.ones(len(ABSTAIN_FEATURES)), np.zeros(len(ABSTAIN_FEATURES)), 0.0,
                                           "reads-answers").to_json()), "utf-8")
    settings = slice_engine.settings.override(abstention_model=str(path), answer_model="none")
    with caplog.at_level("WARNING", logger="qa.engine"):
        engine = PolicyQA(slice_engine.data, settings, slice_engine.embedder)
    assert engine.answerer.abstainer.names == ABSTAIN_FEATURES and engine.answerer.answers is None
    assert any("reads the pair model's features" in r.message for r in caplog.records)
    caplog.clear()
    with caplog.at_level("WARNING", logger="qa.engine"):
        PolicyQA(slice_engine.data, slice_engine.settings, slice_engine.embedder)  # the shipped model reads none
    assert not any("reads the pair model's features" in r.message for r in caplog.records)
