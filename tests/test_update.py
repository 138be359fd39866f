"""Index updates by document: add, replace, remove, on every FAISS kind and on Milvus, without a rebuild.

Each test works on its own copy of the slice index (and of its embedding cache); the shared
``slice_engine`` fixture is never changed.
"""

import json
import os
import shutil
import threading

import numpy as np
import pytest

from index.cache import EmbeddingCache
from index.store import IndexOpenError, current_version, load_index, read_manifest
from qa import PolicyQA
from cli.main import main as cli_main

from .conftest import DATA, shared_dir

LAW_V1 = ("星河数据管理办法\n\n"
          "第一条 为了规范星河数据的处理活动，制定本办法。\n\n"
          "第二条 数据处理者应当每年向星河委员会报送数据目录。\n\n"
          "第三条 本办法自2025年1月1日起施行。\n")
LAW_V2 = LAW_V1.replace("每年向星河委员会", "每季度向月光委员会").replace("2025年", "2026年")
KINDS = ["flat", "hnsw", "ivf", "milvus"]  # the FAISS kinds, and the milvus backend (Milvus Lite)


def _copy(slice_engine, tmp_path, kind="flat"):
    """An engine over a private copy of the slice index (rebuilt as ``kind`` from the warm cache; ``milvus``:
    on the milvus backend)."""
    src = slice_engine.settings
    shutil.copytree(src.cache_dir, tmp_path / "cache")
    settings = src.override(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache",
                            **({"index_backend": "milvus"} if kind == "milvus" else {"faiss_kind": kind}))
    if kind == "flat":
        shutil.copytree(src.index_dir, tmp_path / "index")
        engine = PolicyQA.open(settings=settings, embedder=slice_engine.embedder)
    else:
        engine = PolicyQA.build([DATA / "slice_collection.txt"], settings=settings, embedder=slice_engine.embedder)
    assert _kind(engine) == kind
    return engine


def _kind(engine):
    """The engine's FAISS kind, or ``milvus``."""
    m = engine.data.manifest
    return "milvus" if m.get("backend", {}).get("name") == "milvus" else m["dense"]["kind"]


@pytest.fixture(params=KINDS)
def engine(request, slice_engine, tmp_path):
    return _copy(slice_engine, tmp_path, request.param)


@pytest.fixture()
def flat_engine(slice_engine, tmp_path):
    return _copy(slice_engine, tmp_path, "flat")


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def _cached_vector(engine, text):
    cache = EmbeddingCache(engine.settings.cache_dir / "embeddings.sqlite")
    try:
        return cache.embed(engine.embedder.name, [text], engine.embedder.embed_passages, progress=False)[0]
    finally:
        cache.close()


def assert_consistent(engine, query):
    """Every dense hit is the chunk its row names: its score is the query's search vector against that chunk's own
    embedding (a tombstone or a stale id answering for another chunk would break this)."""
    qv = engine.retriever.rankers.search_vector(query)
    hits = engine.retriever.rankers.dense(query, 20)
    assert hits
    for row, score in hits:
        assert 0 <= row < len(engine.data.chunks)
        expected = float(np.dot(_cached_vector(engine, engine.data.chunks[row].index_text), qv))
        assert score == pytest.approx(expected, abs=1e-4)


def assert_never_returned(engine, doc, queries):
    """``doc`` is in no ranker's result, not in lookup, not in the fused list, not in the documents."""
    assert doc.id not in {d.id for d in engine.documents}
    assert all(c.doc_id != doc.id for c in engine.data.chunks)
    n = len(engine.data.chunks)
    r = engine.retriever.rankers
    for q in queries:
        query = engine.retriever.parse(q)
        looked_up = r.lookup(query.article)
        assert all(engine.data.chunks[i].doc_id != doc.id for i in looked_up)
        for row, _ in r.bm25(query.tokens, n) + r.dense(q, n):
            assert 0 <= row < n and engine.data.chunks[row].doc_id != doc.id
        assert all(h.chunk.doc_id != doc.id and h.chunk.doc_title != doc.title for h in engine.search(q, k=20))
        assert all(c.doc_title != doc.title for c in engine.ask(q).citations)


def test_added_document_answers_and_survives_its_file(engine, tmp_path):
    law = _write(tmp_path / "law.txt", LAW_V1)
    before = len(engine.documents)
    seen = []
    report = engine.add([law], progress=lambda f, m: seen.append(f))
    assert report.changed and not report.problems
    assert [c.title for c in report.added] == ["星河数据管理办法"] and report.chunks_added == 3
    assert report.embedded + report.cached == 3 and report.version == current_version(tmp_path / "index").name
    assert seen[-1] == 1.0 and seen == sorted(seen)
    assert len(engine.documents) == before + 1
    law.unlink()  # the index holds the text: citations keep working without the file
    answer = engine.ask("星河数据管理办法第二条是怎么规定的？")
    assert answer.citations and answer.citations[0].clause == "《星河数据管理办法》第二条"
    assert "星河委员会" in answer.citations[0].quote
    src = engine.data.sources[answer.citations[0].source].text
    assert src[answer.citations[0].start:answer.citations[0].end] == answer.citations[0].quote
    assert_consistent(engine, "向星河委员会报送数据目录")
    # a second process opening the index sees the same
    again = PolicyQA.open(settings=engine.settings, embedder=engine.embedder)
    assert {d.id for d in again.documents} == {d.id for d in engine.documents}


def test_a_real_pdf_is_added_with_its_pages(flat_engine, tmp_path):
    pdf = tmp_path / "网络安全法.pdf"
    shutil.copy(shared_dir("pdfs") / "magicpi-securitylaw__中华人民共和国网络安全法.pdf", pdf)
    report = flat_engine.add([pdf])
    assert [c.title for c in report.added] == ["中华人民共和国网络安全法"] and not report.problems
    pdf.unlink()
    answer = flat_engine.ask("网络安全法第二十一条是怎么规定的？")
    cite = answer.citations[0]
    assert cite.clause.startswith("《中华人民共和国网络安全法》第二十一条") and cite.page
    assert flat_engine.data.sources[cite.source].text[cite.start:cite.end] == cite.quote


def test_replaced_document_old_text_never_returns(engine, tmp_path):
    law = _write(tmp_path / "law.txt", LAW_V1)
    first = engine.add([law]).added[0]
    # same file name: a new version of the file, applied only when the user chooses to replace
    held = engine.add([_write(law, LAW_V2)])
    assert not held.changed and [(c.kind, [d.id for d in c.replaces]) for c in held.conflicts] == [("name", [first.id])]
    assert held.problems and "--replace" in held.problems[0].fix
    assert any("星河委员会" in c.text for c in engine.data.chunks)  # nothing replaced yet
    report = engine.add([law], on_conflict="replace")
    assert [(c.title, c.others) for c in report.replaced] == [("星河数据管理办法", (first.id,))]
    assert report.chunks_removed == 3 and report.chunks_added == 3 and not report.added
    # same title from another file: replaces too when chosen, and the first file is gone from the index
    v3 = _write(tmp_path / "law_v3.txt", LAW_V2.replace("月光委员会", "晨曦委员会"))
    assert [c.kind for c in engine.add([v3]).conflicts] == ["title"]
    report = engine.add([v3], on_conflict="replace")
    assert [c.title for c in report.replaced] == ["星河数据管理办法"]
    assert "law.txt" not in engine.data.sources
    assert [d.title for d in engine.documents].count("星河数据管理办法") == 1
    for old in ("星河委员会", "月光委员会"):
        assert not any(old in c.text for c in engine.data.chunks)
        assert not any(old in s.text for s in engine.data.sources.values())
        assert all(old not in h.chunk.text for h in engine.search(f"向{old}报送数据目录", k=10))
    hit = engine.search("星河数据管理办法第二条", k=1)[0]
    assert "晨曦委员会" in hit.chunk.text
    assert_consistent(engine, "向月光委员会报送数据目录")


def test_keep_both_keeps_two_documents_of_one_title_and_a_much_shorter_replacement_is_flagged(flat_engine, tmp_path):
    law = _write(tmp_path / "keep.txt", LAW_V1.replace("星河数据管理办法", "辰星数据管理办法"))
    flat_engine.add([law])
    other = _write(tmp_path / "keep_v2.txt", LAW_V2.replace("星河数据管理办法", "辰星数据管理办法"))
    report = flat_engine.add([other], on_conflict="keep")
    assert report.changed and not report.replaced and not report.conflicts
    assert [d.title for d in flat_engine.documents].count("辰星数据管理办法") == 2
    # one line in place of the whole file: held back, and flagged when replaced anyway
    stub = _write(tmp_path / "keep.txt", "辰星数据管理办法\n\n第一条 本办法自公布之日起施行。\n")
    held = flat_engine.add([stub])
    assert held.conflicts[0].much_shorter and not held.changed
    report = flat_engine.add([stub], on_conflict="replace")
    assert report.changed and report.warnings and "much shorter" in report.warnings[0]


def test_removing_a_document_keeps_its_copy_from_another_file(flat_engine, tmp_path):
    text = LAW_V1.replace("星河数据管理办法", "北辰数据管理办法")
    first = flat_engine.add([_write(tmp_path / "bundled.txt", text)]).added[0]
    # the same text under another name (with more to it) becomes the document; the first file its copy
    fuller = flat_engine.add([_write(tmp_path / "upload.txt", text + "第五条 本办法由月光委员会负责解释。\n")],
                             on_conflict="keep")
    owner = next(d for d in flat_engine.documents if d.title == "北辰数据管理办法")
    assert owner.source == "upload.txt" and [a["doc_id"] for a in owner.aliases] == [first.id], fuller.summary()
    report = flat_engine.remove([owner.id])
    assert [c.id for c in report.restored] == [first.id] and report.changed
    back = [d for d in flat_engine.documents if d.title == "北辰数据管理办法"]
    assert [d.source for d in back] == ["bundled.txt"]
    hit = flat_engine.search("北辰数据管理办法第二条", k=1)[0]
    assert hit.chunk.doc_id == first.id


def test_removed_document_never_returns_from_any_ranker(engine):
    doc = next(d for d in engine.documents if d.title == "数据出境安全评估办法")
    assert doc.aliases  # the slice holds it twice: the copy goes with it
    queries = ["数据出境安全评估办法第四条", "数据出境安全评估的申报情形有哪些？", doc.clauses[5].text]
    assert any(engine.data.chunks[i].doc_id == doc.id for i in engine.retriever.rankers.lookup(engine.retriever.parse(queries[0]).article))
    report = engine.remove([doc.id])
    assert [c.id for c in report.removed] == [doc.id] and report.chunks_removed > 0
    if _kind(engine) in ("hnsw", "ivf"):
        # a small removal leaves tombstones in HNSW/IVF: the filter is what keeps them out
        assert engine.data.tombstones == report.chunks_removed
    assert engine.retriever.parse(queries[0]).article is None
    assert_never_returned(engine, doc, queries)
    assert_consistent(engine, doc.clauses[5].text)
    reopened = PolicyQA.open(settings=engine.settings, embedder=engine.embedder)
    assert_never_returned(reopened, doc, queries)


def test_large_removal_compacts_an_approximate_index(slice_engine, tmp_path):
    engine = _copy(slice_engine, tmp_path, "hnsw")
    doc = next(d for d in engine.documents if d.title == "中华人民共和国个人信息保护法")
    report = engine.remove([doc.id])
    assert report.dense == {"kind": "hnsw", "rebuilt": True, "tombstones": 0}
    assert engine.data.faiss_index.ntotal == len(engine.data.chunks) and engine.data.tombstones == 0
    assert_never_returned(engine, doc, ["个人信息保护法第十三条", "处理个人信息应当取得个人同意"])


def test_a_bad_file_is_reported_and_changes_nothing(flat_engine, tmp_path):
    live = current_version(tmp_path / "index")
    bad = tmp_path / "garbage.pdf"
    bad.write_bytes(os.urandom(2048))
    report = flat_engine.add([bad, tmp_path / "missing.txt"])
    assert not report.changed and report.version == live.name
    assert {p.source for p in report.problems} == {"garbage.pdf", str(tmp_path / "missing.txt")}
    assert all(p.reason and p.fix for p in report.problems)
    assert current_version(tmp_path / "index") == live
    assert flat_engine.ask("数据出境安全评估的申报情形有哪些？").citations
    # beside a good file, the bad one still only reports itself
    report = flat_engine.add([bad, _write(tmp_path / "law.txt", LAW_V1)])
    assert [c.title for c in report.added] == ["星河数据管理办法"] and [p.source for p in report.problems] == [
        "garbage.pdf"]


def test_an_update_killed_before_the_swap_leaves_the_previous_version_live(flat_engine, tmp_path, monkeypatch):
    index_dir = tmp_path / "index"
    live = current_version(index_dir)
    docs = {d.id for d in flat_engine.documents}
    real_replace = os.replace

    def crash_at_current(src, dst):
        if os.path.basename(dst) == "CURRENT":
            raise OSError("killed")
        return real_replace(src, dst)

    monkeypatch.setattr("index.store.os.replace", crash_at_current)
    with pytest.raises(OSError, match="killed"):
        flat_engine.add([_write(tmp_path / "law.txt", LAW_V1)])
    assert current_version(index_dir) == live
    assert sorted(p.name for p in index_dir.iterdir() if p.name != ".update.lock") == ["CURRENT", live.name]
    assert {d.id for d in flat_engine.documents} == docs  # the engine still serves the old version
    assert flat_engine.ask("数据出境安全评估的申报情形有哪些？").citations
    assert {d.id for d in load_index(index_dir).documents} == docs
    monkeypatch.setattr("index.store.os.replace", real_replace)
    assert flat_engine.add([tmp_path / "law.txt"]).added  # and the next update goes through


def test_questions_during_an_update_are_answered_from_the_previous_version(flat_engine, tmp_path):
    writing, release = threading.Event(), threading.Event()

    def progress(fraction, message):
        if message.startswith("writing"):
            writing.set()
            assert release.wait(120)

    reports = []
    worker = threading.Thread(target=lambda: reports.append(
        flat_engine.add([_write(tmp_path / "law.txt", LAW_V1)], progress=progress)))
    worker.start()
    try:
        assert writing.wait(300)
        answer = flat_engine.ask("数据出境安全评估的申报情形有哪些？")
        assert answer.citations and all("星河" not in c.doc_title for c in answer.citations)
        assert "星河数据管理办法" not in {d.title for d in flat_engine.documents}
    finally:
        release.set()
        worker.join(300)
    assert reports and reports[0].added
    assert "星河数据管理办法" in {d.title for d in flat_engine.documents}
    assert flat_engine.search("星河数据管理办法第二条", k=1)[0].chunk.doc_title == "星河数据管理办法"


def test_a_copy_of_an_indexed_document_becomes_an_alias(flat_engine, tmp_path):
    doc = next(d for d in flat_engine.documents if d.title == "促进和规范数据跨境流动规定")
    text = flat_engine.data.sources[doc.source].text[doc.start:doc.end]
    n_chunks = len(flat_engine.data.chunks)
    report = flat_engine.add([_write(tmp_path / "copy.txt", text)])
    assert [(c.source, c.others) for c in report.aliased] == [("copy.txt", (doc.id,))]
    assert report.chunks_added == 0 and len(flat_engine.data.chunks) == n_chunks
    same = next(d for d in flat_engine.documents if d.id == doc.id)
    assert "copy.txt" in {a["source"] for a in same.aliases} and "copy.txt" in flat_engine.data.sources
    # adding the very same file again changes nothing
    again = flat_engine.add([tmp_path / "copy.txt"])
    assert not again.changed and again.unchanged == ["copy.txt"]


def test_an_update_gives_the_index_a_full_build_gives(flat_engine, slice_engine, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(DATA / "slice_collection.txt", corpus)
    flat_engine.add([_write(corpus / "law.txt", LAW_V1)])
    full = PolicyQA.build([corpus], settings=flat_engine.settings.override(index_dir=tmp_path / "full"),
                          embedder=slice_engine.embedder)

    def docs(e):
        return {d.id: (d.title, d.source, d.start, d.end, d.kind, json.dumps(d.metadata, sort_keys=True),
                       [(c.id, c.refs) for c in d.clauses], sorted(a["doc_id"] for a in d.aliases))
                for d in e.documents}

    assert docs(flat_engine) == docs(full)
    assert sorted((c.id, c.text, c.index_text) for c in flat_engine.data.chunks) == sorted(
        (c.id, c.text, c.index_text) for c in full.data.chunks)
    for q in ("星河委员会", "数据出境安全评估的申报情形有哪些？", "个人信息保护法第十三条"):
        assert [h.chunk.id for h in flat_engine.search(q, k=5)] == [h.chunk.id for h in full.search(q, k=5)]


def test_removing_unknown_or_copy_ids_is_a_problem(flat_engine):
    canon = next(d for d in flat_engine.documents if d.aliases)
    report = flat_engine.remove(["nope", canon.aliases[0]["doc_id"]])
    assert not report.changed and len(report.problems) == 2
    assert canon.id in report.problems[1].fix and "policyqa corpus" in report.problems[0].fix


def test_an_index_of_the_old_format_asks_for_a_rebuild(flat_engine, tmp_path):
    version = current_version(tmp_path / "index")
    (version / "tokens.npz").unlink()
    m = json.loads((version / "manifest.json").read_text("utf-8"))
    m["format_version"] = 1
    (version / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    assert PolicyQA.open(settings=flat_engine.settings, embedder=flat_engine.embedder).documents  # still answers
    with pytest.raises(IndexOpenError, match="policyqa build"):
        flat_engine.add([_write(tmp_path / "law.txt", LAW_V1)])


def test_cli_add_and_remove(flat_engine, tmp_path, capsys):
    common = ["--index", str(tmp_path / "index"), "--cache", str(tmp_path / "cache")]
    law = _write(tmp_path / "law.txt", LAW_V1)
    assert cli_main(["add", str(law), "--json", *common]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [d["title"] for d in out["added"]] == ["星河数据管理办法"] and out["chunks_added"] == 3
    doc_id = out["added"][0]["id"]
    assert read_manifest(tmp_path / "index")["counts"]["documents"] == len(flat_engine.documents) + 1
    assert cli_main(["remove", doc_id, "nope", *common]) == 1  # a problem: exit 1, the rest done
    text = capsys.readouterr().out
    assert f"removed: {doc_id} 星河数据管理办法" in text and "nope" in text
    assert doc_id not in {d.id for d in load_index(tmp_path / "index").documents}
