"""Which rule prevails (qa/precedence.py), on the real metadata of corpus documents."""

from dataclasses import replace

import pytest

from ingest.titles import book
from qa import precedence
from qa.precedence import compare, explain, verdicts, warnings_for
from qa.types import Answer, Citation, ContextClause
from qa.verify import verify_answer_text

RULES = "促进和规范数据跨境流动规定"  # 2024, its 第十三条 prevails over the 2022 办法
MEASURES = "数据出境安全评估办法"
DSL = "中华人民共和国数据安全法"
PIPL = "中华人民共和国个人信息保护法"
DRAFT = "国家互联网信息办公室关于《网络数据安全管理条例（征求意见稿）》公开征求意见的通知"
JIANGXI = "江西省数据应用条例"  # a 地方性法规
READING = "《中华人民共和国数据安全法》十大法律要点解析"


@pytest.fixture(scope="module")
def docs(corpus_ingest):
    return {d.title: d for d in corpus_ingest.documents}


def _both_ways(a, b):
    one, other = compare(a, b), compare(b, a)
    assert one is not None and other is not None
    assert (one.prevails.id, one.yields.id, one.kind) == (other.prevails.id, other.yields.id, other.kind)
    return one


def test_the_corpus_metadata_the_rules_read(docs):
    assert docs[MEASURES].metadata["superseded_in_part_by"] == [RULES]
    assert docs[DRAFT].metadata["status"] == "draft"
    assert docs[JIANGXI].metadata["authority_level"] == "地方性法规" and docs[JIANGXI].metadata["region"] == "江西省"
    assert docs[DSL].metadata["authority_level"] == "法律"


def test_a_later_rule_with_its_own_precedence_clause_prevails(docs):
    v = _both_ways(docs[MEASURES], docs[RULES])
    assert v.prevails.title == RULES and v.kind == "precedence_clause"
    assert v.clause.label == "《促进和规范数据跨境流动规定》第十三条" and f"《{MEASURES}》" in v.clause.text
    assert "第十三条" in v.warning and v.warning.startswith(f"《{MEASURES}》与《{RULES}》规定不一致的，适用《{RULES}》")


def test_without_that_clause_the_later_of_two_rules_of_one_issuer_prevails(docs):
    older = replace(docs[MEASURES], metadata={**docs[MEASURES].metadata, "superseded_in_part_by": []})
    v = _both_ways(older, docs[RULES])
    assert v.prevails.title == RULES and v.kind == "later"
    assert "2024-03-22" in v.reason and "2022-09-01" in v.reason
    # the same two with no issuer in common: equal rank from two bodies, nothing decides
    other = replace(docs[RULES], metadata={**docs[RULES].metadata, "issuers": ["工业和信息化部"]})
    assert compare(older, other) is None


def test_a_draft_for_comment_is_not_in_force(docs):
    v = _both_ways(docs[DRAFT], docs[DSL])
    assert v.prevails.title == DSL and v.kind == "draft"
    assert "征求意见稿" in v.sentence and "尚未生效" in v.sentence


def test_national_law_prevails_over_a_local_regulation(docs):
    v = _both_ways(docs[JIANGXI], docs[DSL])
    assert v.prevails.title == DSL and v.kind == "rank" and "法律的效力高于" in v.reason


def test_a_local_regulation_prevails_over_its_own_regions_policy_and_national_policy_over_local(docs):
    jiangxi_plan = next(d for d in docs.values() if d.metadata.get("region") == "江西省" and d.id != docs[JIANGXI].id
                        and d.metadata["doc_type"] == "规范性文件")
    v = _both_ways(jiangxi_plan, docs[JIANGXI])
    assert v.prevails.title == JIANGXI and v.kind == "rank" and "地方性法规" in v.reason
    beijing = next(d for d in docs.values() if d.metadata.get("region") == "北京市" and d.metadata["doc_type"] == "规范性文件")
    national = next(d for d in docs.values() if d.title == "中共中央 国务院关于构建数据基础制度更好发挥数据要素作用的意见")
    v = _both_ways(beijing, national)
    assert v.prevails.id == national.id and v.kind == "rank"
    assert compare(beijing, docs[JIANGXI]) is None  # Beijing's policy and Jiangxi's regulation: other places


def test_a_repealed_text_gives_way_to_the_one_that_repealed_it(docs):
    repealed = replace(docs[MEASURES], metadata={**docs[MEASURES].metadata, "superseded_by": [RULES],
                                                 "superseded_in_part_by": [], "status": "superseded"})
    v = _both_ways(repealed, docs[RULES])
    assert v.prevails.title == RULES and v.kind == "superseded" and "废止" in v.sentence
    assert f"《{MEASURES}》已被《{RULES}》取代。" in warnings_for([repealed, docs[RULES]])


def test_a_ministry_rule_and_a_local_regulation_have_no_order_by_rank(docs):
    assert compare(docs[RULES], docs[JIANGXI]) is None


def test_an_expired_text_gives_way_only_where_the_other_governs(docs):
    expired = next(d for d in docs.values() if d.metadata.get("status") == "expired" and d.metadata["region"] == "厦门市")
    v = _both_ways(expired, docs[PIPL])
    assert v.prevails.title == PIPL and v.kind == "expired" and expired.metadata["valid_until"] in v.reason
    shanghai = next(d for d in docs.values() if d.metadata.get("region") == "上海市" and d.metadata["status"] == "in_force")
    assert compare(expired, shanghai) is None  # two cities: neither rule governs the other's place


def test_a_reading_or_a_news_item_is_never_weighed(docs):
    assert compare(docs[READING], docs[DSL]) is None
    assert compare(docs[DSL], docs[DSL]) is None


def test_warnings_say_each_documents_force_and_which_applies(docs):
    w = warnings_for([docs[MEASURES], docs[RULES], docs[DRAFT], docs[DSL]])
    assert f"{book(DRAFT)}是征求意见稿，不是生效的规定。" in w
    assert any(x.startswith(f"《{RULES}》规定：与其不一致的") and MEASURES in x for x in w)
    assert any(x.startswith(f"{book(DRAFT)}与《{DSL}》规定不一致的，适用《{DSL}》") for x in w)
    assert len(w) == len(set(w))
    assert [v.kind for v in verdicts([docs[MEASURES], docs[RULES], docs[DRAFT], docs[DSL]])].count("draft") == 3


def _cite(doc, marker, clause=None):
    cl = clause or next(c for c in doc.clauses if c.level == "条")
    return Citation(marker=marker, doc_title=doc.title, clause=cl.label, quote=cl.text, source=doc.source, page=None,
                    start=cl.start, end=cl.end, score=1.0, clause_id=cl.id, doc_id=doc.id)


def test_the_answer_text_says_which_applies_in_a_verified_line(docs):
    cits = [_cite(docs[MEASURES], 1), _cite(docs[RULES], 2)]
    a = explain(Answer("q", "根据第一条：…[1]\n另据第一条：…[2]", False, cits), docs_by_id(docs))
    line = a.answer.split("\n")[-1]
    assert line.startswith(f"适用说明：《{MEASURES}》与《{RULES}》规定不一致的，适用《{RULES}》") and line.endswith("[1][2]。")
    assert "第十三条" in line and verify_answer_text(a.answer, a.citations).ok
    assert any(RULES in w and MEASURES in w for w in a.warnings)


def test_a_context_document_is_weighed_too_and_a_cited_precedence_clause_is_not_repeated(docs):
    draft, law = docs[DRAFT], docs[DSL]
    ctx_clause = next(c for c in law.clauses if c.level == "条")
    ctx = ContextClause(marker=1, ref="《数据安全法》第一条", doc_title=law.title, clause=ctx_clause.label,
                        quote=ctx_clause.text, source=law.source, page=None, start=ctx_clause.start,
                        end=ctx_clause.end, clause_id=ctx_clause.id, doc_id=law.id)
    a = explain(Answer("q", "见[1]。", False, [_cite(draft, 1)], context=[ctx]), docs_by_id(docs))
    assert "适用说明" in a.answer and a.answer.endswith("[1]。")
    rule = precedence.precedence_clause(docs[RULES], MEASURES)
    cits = [_cite(docs[RULES], 1, rule), _cite(docs[MEASURES], 2)]
    a = explain(Answer("q", "见[1]。又见[2]。", False, cits), docs_by_id(docs))
    assert "适用说明" not in a.answer


def test_an_abstention_is_left_alone(docs):
    a = Answer("q", "语料中未找到依据", True)
    assert explain(a, docs_by_id(docs)) is a


def docs_by_id(docs):
    return {d.id: d for d in docs.values()}


def test_asked_which_rule_applies_the_answer_quotes_the_precedence_clause(slice_engine):
    q = "数据出境安全评估办法和促进和规范数据跨境流动规定对评估结果期满后的续期规定不同，以哪个为准？"
    a = slice_engine.ask(q)
    rule = [c for c in a.citations if c.clause == "《促进和规范数据跨境流动规定》第十三条"]
    assert rule, "the rule's own precedence clause is cited"
    assert "适用本规定" in rule[0].quote and "适用本规定" in a.answer
    assert slice_engine.data.sources[rule[0].source].text[rule[0].start:rule[0].end] == rule[0].quote
    assert f"[{rule[0].marker}]" in a.answer
    # not asked which applies: the 适用说明 line names the clause, without quoting it
    b = slice_engine.ask("数据出境安全评估办法和促进和规范数据跨境流动规定对评估结果期满后的续期分别怎么规定？")
    assert "适用说明" in b.answer
    assert not any(c.clause == "《促进和规范数据跨境流动规定》第十三条" for c in b.citations)
