"""Metadata filters act inside retrieval: every hit obeys them and k hits still come back."""

from __future__ import annotations

import pytest

from retrieval.filters import Filters, document_date


def _docs(engine):
    return {d.id: d for d in engine.documents}


def test_slice_documents_have_the_metadata_the_filters_read(slice_engine):
    types = {d.metadata.get("doc_type") for d in slice_engine.documents}
    assert {"法律", "部门规章"} <= types


@pytest.mark.parametrize("field,key", [("doc_types", "doc_type"), ("statuses", "status")])
def test_every_hit_obeys_a_metadata_filter(slice_engine, field, key):
    docs = _docs(slice_engine)
    question = "向境外提供个人信息需要满足什么条件？"
    unfiltered = slice_engine.search(question, k=30)
    values = {docs[h.chunk.doc_id].metadata.get(key) for h in unfiltered}
    assert len(values) >= 2, "the question must reach documents of more than one kind for the test to mean anything"
    for value in values:
        hits = slice_engine.search(question, k=8, filters=Filters(**{field: frozenset({value})}))
        assert hits, value
        assert {docs[h.chunk.doc_id].metadata.get(key) for h in hits} == {value}
        # applied inside retrieval: as many hits as the filtered documents can give, not a cut top-k
        allowed_clauses = {c.clause_id for c in slice_engine.data.chunks if docs[c.doc_id].metadata.get(key) == value}
        assert len(hits) == min(8, len(allowed_clauses))


def test_a_filter_no_document_matches_returns_nothing_and_the_answer_abstains(slice_engine):
    f = Filters(regions=frozenset({"火星"}))
    assert list(slice_engine.search("个人信息保护法第二十八条", k=5, filters=f)) == []
    assert slice_engine.ask("个人信息保护法第二十八条", filters=f).abstained


def test_issuer_and_date_range(slice_engine):
    docs = slice_engine.documents
    dated = [d for d in docs if document_date(d)]
    assert dated
    d = dated[0]
    day = document_date(d) + "-01-01"[len(document_date(d)) - 4:]
    inside = Filters(date_from=day, date_to=day)
    assert inside.allows(d)
    assert not Filters(date_to="1990-01-01").allows(d)
    assert not Filters(date_from="2999-01-01").allows(d)
    undated = [x for x in docs if not document_date(x)]
    for x in undated:
        assert not inside.allows(x)
    issuers = d.metadata.get("issuers") or []
    if issuers:
        assert Filters(issuers=frozenset({issuers[0]})).allows(d)
        assert not Filters(issuers=frozenset({"不存在的机关"})).allows(d)


def test_bad_date_is_a_clear_error():
    with pytest.raises(ValueError, match="date_from"):
        Filters(date_from="2024/01/01")


def test_an_article_of_a_filtered_out_document_is_not_answered_from_another_one(slice_engine):
    question = "数据出境安全评估办法第四条规定了哪些申报情形？"
    open_answer = slice_engine.ask(question)
    assert not open_answer.abstained and "第四条" in open_answer.citations[0].clause
    measures = next(d for d in slice_engine.documents if d.title == "数据出境安全评估办法")
    others = frozenset(d.id for d in slice_engine.documents if d.title != measures.title)
    scoped = slice_engine.ask(question, filters=Filters(doc_ids=others))
    assert scoped.abstained and not scoped.citations
    assert "《数据出境安全评估办法》第四条不在所选的筛选范围内" in scoped.answer
