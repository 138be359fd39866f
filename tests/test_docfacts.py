"""Questions about a document itself — its number, issuers, dates — answered from the lines that state them
(retrieval.asks.asked_document_facts, qa.docfacts, qa.extractive), on a real index of the bundled slice."""

from __future__ import annotations

import pytest

from qa.docfacts import fact_spans
from retrieval.asks import asked_document_facts

RULE = "促进和规范数据跨境流动规定"


@pytest.mark.parametrize(("question", "facts"), [
    ("这部规定的发文字号是什么", ("number",)),
    ("它由哪几个部门联合印发", ("issuer",)),
    ("这份意见何时印发的", ("published",)),
    ("本细则从哪一天起生效", ("effective",)),
    ("公开征求意见截至到哪一天", ("deadline",)),
    ("向境外提供个人信息前要做什么", ()),
    ("什么时候必须告知用户", ()),  # a date asked, but of no document's issuing or coming into force
    ("哪个部门负责统筹协调网络数据安全", ()),  # an issuer asked without an issuing verb
])
def test_the_facts_a_question_asks_of_a_document(question, facts):
    assert asked_document_facts(question) == facts


def test_the_spans_are_found_by_their_form():
    text = ("丙省数据办法\n丙政发〔2024〕3号\n第一条 为了促进数据流通，制定本办法。\n第二条 本办法所称数据，是指……\n"
            "第三十条 本办法自发布之日起施行。\n丙省人民政府\n丙省发展改革委\n2024年6月1日")
    spans = fact_spans(text, 0, len(text), ["number", "effective", "issuer"], ["丙省人民政府", "丙省发展改革委"])
    quoted = [text[s:e] for s, e in spans]
    # effective from the day of issue: the issue date too; the two issuers' lines together
    assert quoted == ["丙政发〔2024〕3号", "第三十条 本办法自发布之日起施行。", "2024年6月1日", "丙省人民政府\n丙省发展改革委"]
    assert fact_spans(text, 0, len(text), ["deadline"]) == []  # nothing states one: nothing is quoted


def test_a_question_about_a_rules_number_and_date_is_answered_from_its_header(slice_engine):
    answer = slice_engine.ask(f"《{RULE}》是网信办第几号令？哪天开始生效的？")
    assert not answer.abstained
    sources = slice_engine.data.sources
    for c in answer.citations:  # every quote is its source's text at its span
        assert sources[c.source].text[c.start:c.end] == c.quote
    facts = [c for c in answer.citations if c.doc_title == RULE and ("第16号" in c.quote or "2024年3月22日" in c.quote
                                                                       or "自公布之日起施行" in c.quote)]
    assert facts and answer.citations[0] in facts  # it asks no rule: the facts lead
    joined = answer.answer.replace("\n", "")
    assert "第16号" in joined and "2024年3月22日" in joined and "自公布之日起施行" in joined


def test_a_question_asking_no_fact_of_a_document_gets_no_header_line(slice_engine):
    answer = slice_engine.ask(f"《{RULE}》规定哪些情形免予申报数据出境安全评估？")
    assert answer.citations
    assert not any("第16号" in c.quote or c.quote.strip() == "2024年3月22日" for c in answer.citations)
