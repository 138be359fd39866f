"""Choosing the clauses to cite: a further clause only when it adds what the question asks."""

from __future__ import annotations

from dataclasses import replace

import pytest

from qa.selection import SelectionParams
from retrieval.terms import TermWeights, coverage, covered
from retrieval.asks import asks_several
from tests.test_conditions import _check_quotes


def test_rare_terms_weigh_more_than_common_ones():
    texts = ["个人信息处理者应当取得同意", "个人信息处理者应当告知", "个人信息处理者应当单独同意", "应急审查"]
    w = TermWeights(texts).weights(["个人信息", "单独同意", "的"])
    assert set(w) == {"个人信息", "单独同意"}, "one-character function words carry no weight"
    assert w["单独同意"] > w["个人信息"]
    # the clause holding the rare term covers the question better than one holding only the common one
    assert coverage(w, texts[2]) > coverage(w, texts[0]) > 0.0
    assert covered(w, "５G单独同意") == {"单独同意"}


def test_coverage_counts_only_the_terms_asked_for():
    w = {"有效期": 2.0, "评估": 1.0}
    assert coverage(w, "评估结果有效期为2年") == 1.0
    assert coverage(w, "评估结果有效期为2年", among={"评估"}) == pytest.approx(1 / 3)
    assert coverage({}, "任何文字") == 0.0


@pytest.mark.parametrize("question,several", [
    ("数据出境安全评估办法和促进和规范数据跨境流动规定对评估结果的有效期分别是怎么规定的？", True),
    ("和内地标准合同相比，大湾区标准合同放宽了什么？", True),
    ("对平台有强制约束力吗？有效期多长？", True),
    ("处理敏感个人信息应当取得个人的什么同意？", False),
])
def test_asks_several(question, several):
    assert asks_several(question) is several


def test_params_are_validated():
    with pytest.raises(ValueError):
        SelectionParams(min_gain=1.5)
    with pytest.raises(ValueError):
        SelectionParams(max_citations=0)


def test_a_comparison_of_two_named_documents_cites_both(slice_engine):
    a = slice_engine.ask("数据出境安全评估办法和促进和规范数据跨境流动规定对安全评估结果的有效期分别是怎么规定的？")
    assert not a.abstained
    titles = {c.doc_title for c in a.citations}
    assert titles == {"数据出境安全评估办法", "促进和规范数据跨境流动规定"}
    assert "有效期为2年" in a.answer and "有效期为3年" in a.answer
    _check_quotes(slice_engine, a)


def test_a_single_question_cites_one_clause(slice_engine):
    a = slice_engine.ask("处理敏感个人信息应当取得个人的什么同意？")
    assert not a.abstained
    assert [c.clause for c in a.citations] == ["《中华人民共和国个人信息保护法》第二十九条"]
    assert "单独同意" in a.answer
    _check_quotes(slice_engine, a)


def test_a_long_clause_is_quoted_where_it_states_the_asked_for_figure(slice_engine):
    a = slice_engine.ask("违反个人信息保护法情节严重的，最高罚款是多少？")
    assert not a.abstained
    assert a.citations[0].clause.startswith("《中华人民共和国个人信息保护法》第六十六条")
    assert "五千万元以下" in a.citations[0].quote
    assert len(a.citations[0].quote) <= 400
    _check_quotes(slice_engine, a)


def test_a_notice_paragraph_is_never_cited_beside_the_decisive_clause(slice_engine):
    answerer = slice_engine.answerer
    hits = slice_engine.search("国家互联网信息办公室令第11号公布数据出境安全评估办法", k=10)
    notice = [h for h in hits if answerer.chooser.clauses[h.chunk.clause_id].level == "para"]
    article = [h for h in hits if answerer.chooser.clauses[h.chunk.clause_id].level == "条"]
    assert notice and article
    assert all(answerer.chooser.preamble(h) for h in notice if h.chunk.doc_id in answerer.chooser.facts.structured)
    assert not any(answerer.chooser.preamble(h) for h in article)
    # a question on what the two rules say is not answered from their notices (one asking the rules' own dates
    # is: the notice states them, tests/test_docfacts.py)
    a = slice_engine.ask("数据出境安全评估办法和促进和规范数据跨境流动规定分别规定了哪些免予申报的情形？")
    assert a.citations
    assert not any(answerer.chooser.clauses[c.clause_id].level == "para" for c in a.citations[1:] if c.clause_id in answerer.chooser.clauses)


def test_a_definition_question_is_answered_by_the_defining_clause(slice_engine):
    question = "个人信息保护法里的“自动化决策”是怎么界定的？"
    # the fused order puts 第二十四条 (automated decisions in marketing) first; the defining clause
    # answers even then (the learned ranker, which reads a defining clause too, is set aside here)
    r = slice_engine.retriever
    fused = replace(r.params, learned=False)
    assert r.search(question, k=1, params=fused)[0].chunk.clause_label != "《中华人民共和国个人信息保护法》第七十三条"
    shipped, r.ranker = r.ranker, None
    try:
        a = slice_engine.ask(question)
    finally:
        r.ranker = shipped
    assert not a.abstained
    assert a.citations[0].clause.startswith("《中华人民共和国个人信息保护法》第七十三条")
    assert "自动化决策，是指" in a.citations[0].quote
