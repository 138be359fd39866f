"""The two search backends on the same slice: FAISS + bm25s files, and Milvus (Milvus Lite).

Retrieval and updates run on both in ``test_retrieval.py`` and ``test_update.py``; here, what only a
comparison or Milvus itself shows: exact dense search agrees, filters pushed into Milvus as
expressions select what ``Filters.allows`` selects, the alias moves atomically with the version.
"""

from __future__ import annotations

import numpy as np
import pytest

from index.backends import BackendSpec, Where, open_backend
from index.backends.milvus import MilvusBackend
from index.backends.milvus_collections import alias_for, connect, resolve_uri
from qa import PolicyQA
from retrieval.filters import Filters, document_date

from .conftest import DATA

QUESTIONS = ["数据出境安全评估的申报情形", "个人信息处理者应当履行哪些义务", "数据要素市场的收益分配",
             "向境外提供个人信息的条件", "关键信息基础设施运营者"]


def _vectors(engine):
    return [np.asarray(engine.embedder.embed_query(q), dtype=np.float32) for q in QUESTIONS]


def test_exact_dense_search_agrees_between_faiss_and_milvus(slice_engine, milvus_slice_engine):
    faiss_b, milvus_b = open_backend(slice_engine.data), open_backend(milvus_slice_engine.data)
    assert (faiss_b.name, milvus_b.name) == ("faiss", "milvus")
    assert [c.id for c in slice_engine.data.chunks] == [c.id for c in milvus_slice_engine.data.chunks]
    for v in _vectors(slice_engine):
        a, b = faiss_b.dense(v, 10), milvus_b.dense(v, 10)
        assert [r for r, _ in a] == [r for r, _ in b]
        assert np.allclose([s for _, s in a], [s for _, s in b], atol=1e-5)
        # the vector Milvus gives back is the one indexed
        assert np.allclose(milvus_b.vector(b[0][0]), faiss_b.vector(b[0][0]), atol=1e-6)


def test_bm25_ranks_and_scores_agree_between_faiss_and_milvus(slice_engine, milvus_slice_engine):
    """bm25s and Milvus's BM25 function give the same rows and scores: the same tokens (punctuation dropped),
    k1 and b, each query token counted as often as it occurs, the Lucene form of the score."""
    faiss_b, milvus_b = open_backend(slice_engine.data), open_backend(milvus_slice_engine.data)
    tokenizer = slice_engine.retriever.tokenizer
    queries = [tokenizer(q) for q in QUESTIONS]
    queries.append(tokenizer("个人信息出境：个人信息，数据出境！安全评估") + tokenizer("个人信息"))  # repeats
    for tokens in queries:
        a, b = faiss_b.sparse(tokens, 10), milvus_b.sparse(tokens, 10)
        assert len(a) == len(b) == 10
        assert np.allclose([s for _, s in a], [s for _, s in b], rtol=2e-3), (tokens, a, b)
        # the same rows, up to the order of rows whose scores tie (the slice holds one document twice)
        for i, (row, score) in enumerate(a[:-1]):
            if sum(abs(x - score) <= 1e-3 * score for _, x in a) == 1:
                assert b[i][0] == row, (tokens, a, b)


def test_hybrid_ranks_agree_between_faiss_and_milvus(slice_engine, milvus_slice_engine):
    """Both fuse the best k of the dense and of the BM25 ranking by reciprocal rank (k = 60): the same fused rows and
    scores, up to the order of rows whose scores tie."""
    faiss_b, milvus_b = open_backend(slice_engine.data), open_backend(milvus_slice_engine.data)
    tokenizer = slice_engine.retriever.tokenizer
    for v, question in zip(_vectors(slice_engine), QUESTIONS):
        tokens = tokenizer(question)
        a, b = faiss_b.hybrid(v, tokens, 10), milvus_b.hybrid(v, tokens, 10)
        assert len(a) == len(b) == 10
        assert np.allclose([s for _, s in a], [s for _, s in b], rtol=1e-4), (question, a, b)
        # the k-th row may tie with one left out (rank k of one list against rank k of the other): not compared
        for i, (row, score) in enumerate(a[:-1]):
            if sum(abs(x - score) <= 1e-6 for _, x in a) == 1:
                assert b[i][0] == row, (question, a, b)


def _filters(docs):
    dated = sorted(d for d in (document_date(x) for x in docs) if d)
    issuer = next(i for d in docs for i in (d.metadata.get("issuers") or []))
    return [
        Filters(doc_types=frozenset({docs[0].metadata["doc_type"]})),
        Filters(issuers=frozenset({issuer})),
        Filters(date_from=dated[len(dated) // 2] + "-01-01"[len(dated[len(dated) // 2]) - 4:]),
        Filters(date_to="2022-12-31", exclude_ids=frozenset({docs[-1].id})),
        Filters(doc_ids=frozenset({docs[1].id, docs[2].id})),
        Filters(languages=frozenset({"en"})),  # admits nothing in this slice
    ]


def test_filters_run_inside_milvus_as_expressions_and_select_what_allows_selects(milvus_slice_engine):
    engine = milvus_slice_engine
    backend = open_backend(engine.data)
    docs = engine.data.documents
    v = _vectors(engine)[1]
    tokens = engine.retriever.tokenizer("个人信息 数据 出境 安全")
    for f in _filters(docs):
        allowed = {d.id for d in docs if f.allows(d)}
        rows = np.asarray([i for i, c in enumerate(engine.data.chunks) if c.doc_id in allowed], dtype=np.int64)
        by_expression = Where(None, f.expression())
        by_rows = Where(rows, None)  # the backend turns rows into a vector-id expression
        got = backend.dense(v, 30, by_expression)
        assert {engine.data.chunks[r].doc_id for r, _ in got} <= allowed
        assert len(got) == min(30, len(rows))
        assert [r for r, _ in got] == [r for r, _ in backend.dense(v, 30, by_rows)]
        assert {engine.data.chunks[r].doc_id for r, _ in backend.sparse(tokens, 30, by_expression)} <= allowed


def test_hybrid_search_fuses_inside_milvus_and_in_process_for_faiss(slice_engine, milvus_slice_engine):
    for engine in (slice_engine, milvus_slice_engine):
        backend = open_backend(engine.data)
        v = _vectors(engine)[0]
        tokens = engine.retriever.tokenizer(QUESTIONS[0])
        dense, sparse = backend.dense(v, 10), backend.sparse(tokens, 10)
        fused = backend.hybrid(v, tokens, 10)
        assert len(fused) == 10 and len({r for r, _ in fused}) == 10
        # reciprocal rank: a row both lists rank first is first
        if dense[0][0] == sparse[0][0]:
            assert fused[0][0] == dense[0][0]
        assert {r for r, _ in fused} <= {r for r, _ in backend.dense(v, 18)} | {r for r, _ in backend.sparse(tokens, 18)}
        doc = engine.data.chunks[fused[0][0]].doc_id
        inside = Where.of_docs([doc], np.asarray([i for i, c in enumerate(engine.data.chunks) if c.doc_id == doc]))
        if backend.name == "milvus":
            inside = Where(None, inside.expression)
        assert {engine.data.chunks[r].doc_id for r, _ in backend.hybrid(v, tokens, 10, inside)} == {doc}


def test_a_rebuild_moves_the_alias_at_once_and_drops_collections_no_version_keeps(slice_engine, tmp_path,
                                                                                  monkeypatch):
    import shutil

    shutil.copytree(slice_engine.settings.cache_dir, tmp_path / "cache")
    settings = slice_engine.settings.override(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache",
                                              index_backend="milvus")
    collections = []
    for _ in range(3):
        engine = PolicyQA.build([DATA / "slice_collection.txt"], settings=settings, embedder=slice_engine.embedder)
        collections.append(engine.data.manifest["backend"]["collection"])
    alias = alias_for(tmp_path / "index")
    client = connect(resolve_uri(tmp_path / "index", ""))
    assert client.describe_alias(alias)["collection_name"] == collections[-1]
    ours = sorted(c for c in client.list_collections() if c.startswith(alias))
    assert ours == sorted(collections[1:])  # two versions are kept; the oldest collection went with its version
    # a build that fails before its version is live leaves the alias, the live version and its answers alone
    import index.store as store

    def fail(stage):
        if stage == "write:files":
            raise OSError("disk full (simulated)")

    monkeypatch.setattr(store, "fault_point", fail)
    with pytest.raises(OSError):
        PolicyQA.build([DATA / "slice_collection.txt"], settings=settings, embedder=slice_engine.embedder)
    assert client.describe_alias(alias)["collection_name"] == collections[-1]
    assert sorted(c for c in client.list_collections() if c.startswith(alias)) == ours
    reopened = PolicyQA.open(settings=settings, embedder=slice_engine.embedder)
    assert reopened.data.manifest["backend"]["collection"] == collections[-1]
    assert reopened.ask("数据出境安全评估的申报情形有哪些？").citations


def test_a_milvus_index_names_what_is_wrong_when_its_collection_is_gone(milvus_slice_engine, tmp_path):
    from index.store import load_index

    data = load_index(milvus_slice_engine.settings.index_dir)
    data.manifest = {**data.manifest, "backend": {**data.manifest["backend"], "collection": "policyqa_gone"}}
    with pytest.raises(RuntimeError, match="no collection policyqa_gone.*policyqa build --backend milvus"):
        MilvusBackend(data).dense(np.zeros(384, dtype=np.float32), 3)
    with pytest.raises(ValueError, match="index backend must be one of faiss, milvus"):
        BackendSpec("elastic")


def test_a_milvus_index_built_before_bm25_matched_bm25s_says_to_rebuild_it(milvus_slice_engine, caplog):
    from index.store import load_index

    data = load_index(milvus_slice_engine.settings.index_dir)
    with caplog.at_level("WARNING", logger="index.backends.milvus"):
        MilvusBackend(data)
    assert not caplog.records  # a build and its updates record how its BM25 scores
    data.manifest = {**data.manifest, "backend": {k: v for k, v in data.manifest["backend"].items() if k != "bm25"}}
    with caplog.at_level("WARNING", logger="index.backends.milvus"):
        MilvusBackend(data)
    assert "rebuild it (policyqa build --backend milvus)" in caplog.text


def test_after_updates_the_collection_holds_exactly_the_versions_rows_with_their_documents_fields(
        slice_engine, tmp_path):
    import copy
    import shutil

    from index.backends import milvus_collections as mv

    shutil.copytree(slice_engine.settings.cache_dir, tmp_path / "cache")
    settings = slice_engine.settings.override(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache",
                                              index_backend="milvus")
    engine = PolicyQA.build([DATA / "slice_collection.txt"], settings=settings, embedder=slice_engine.embedder)
    law = tmp_path / "law.txt"
    law.write_text("星河数据管理办法\n\n第一条 为了规范星河数据的处理活动，制定本办法。\n\n"
                   "第二条 数据处理者应当每年向星河委员会报送数据目录。\n", encoding="utf-8")
    engine.add([law])
    engine.remove([next(d.id for d in engine.documents if "个人信息保护法" in d.title)])
    info = engine.data.manifest["backend"]
    client = connect(resolve_uri(tmp_path / "index", ""))
    rows = client.query(info["collection"], filter="vid >= 0", output_fields=["vid", *mv.document_scalars(
        engine.documents[0])])
    assert sorted(r["vid"] for r in rows) == sorted(engine.data.vector_ids.tolist())
    docs = {d.id: mv.document_scalars(d) for d in engine.documents}
    for r in rows:
        assert {k: (list(v) if k == "issuers" else v) for k, v in r.items() if k != "vid"} == docs[r["doc_id"]]
    # a document whose metadata an update changes (a later rule repeals it) has its rows rewritten
    doc = next(d for d in engine.documents if d.title == "星河数据管理办法")
    changed = copy.copy(doc)
    changed.metadata = {**doc.metadata, "status": "repealed"}
    own = [(c, int(v)) for c, v in zip(engine.data.chunks, engine.data.vector_ids) if c.doc_id == doc.id]
    mv.update_rows(tmp_path / "index", info, "", [changed], [], np.zeros((0, 384), dtype=np.float32),
                   np.zeros(0, dtype=np.int64), own)
    assert mv.scalars_changed([doc], [changed]) == {doc.id}
    got = client.query(info["collection"], filter=Filters(statuses=frozenset({"repealed"})).expression(),
                       output_fields=["vid"])
    assert sorted(r["vid"] for r in got) == sorted(v for _, v in own)
