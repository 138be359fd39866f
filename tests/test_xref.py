"""Cross-references: detected in clause text and resolved to clause ids in the corpus."""

import pytest

from ingest.xref import find_references, label_of


@pytest.mark.parametrize(
    "text,expected",
    [
        ("依照本法第六十九条的规定", [("本法", 69, None, None)]),
        ("违反本规定第三条、第四条或者第五条", [("本规定", 3, None, None), ("本规定", 4, None, None),
                                              ("本规定", 5, None, None)]),
        ("依照《中华人民共和国网络安全法》第二十一条第一款第（二）项", [("中华人民共和国网络安全法", 21, 1, 2)]),
        ("前款规定的情形", [("前款", None, -1, None)]),
        ("前两款规定以外的", [("前款", None, -2, None)]),
        ("有关部门应当依法履行职责。", []),
    ],
)
def test_references_are_found(text, expected):
    got = [(r.doc_ref, r.article, r.paragraph, r.item) for r in find_references(text)]
    assert got == expected


def test_an_article_number_at_the_start_is_not_a_reference():
    assert find_references("第二条 本法所称数据，是指任何以电子或者其他方式对信息的记录。") == []


def test_label_of():
    assert label_of(13, 1, 2) == "第十三条第一款第（二）项"


def test_references_in_the_corpus_resolve(corpus_docs):
    from ingest.xref import resolve_all

    docs = [d for _, ds in corpus_docs.values() for d in ds]
    refs = {cid: rs for cid, rs in resolve_all(docs).items()}
    flat = [r for rs in refs.values() for r in rs]
    assert len(flat) > 120
    assert sum(r.resolved for r in flat) / len(flat) > 0.9
    prev = [(cid, r) for cid, rs in refs.items() for r in rs if r.doc_ref == "前款"]
    assert len(prev) >= 10
    for cid, r in prev:  # 前款 in 第N条第M款 → 第N条第(M-1)款; 前两款 → from 第(M-2)款
        article, para = cid.rsplit(":", 1)[1].split(".")[:2]
        assert r.target_id == cid.rsplit(":", 1)[0] + f":{article}.k{int(para[1:]) + r.paragraph}"
    ids = {c.id for d in docs for c in d.clauses}
    assert all(r.target_id in ids for r in flat if r.resolved)
