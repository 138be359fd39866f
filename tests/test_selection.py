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


def _quoted(slice_engine, question: str, text: str, title: str, limit: int) -> str:
    """The quote a Quoter with quotes of at most ``limit`` characters takes of ``text``, one chunk of a document
    titled ``title``, for ``question`` parsed and weighted by the slice index."""
    from ingest.types import Chunk, SourceText
    from qa.quoting import Quoter
    from retrieval.types import Hit

    source = SourceText("made.txt", text, "utf-8")
    chunk = Chunk("c1", "d1", title, "c1", f"《{title}》第1段", (), "made.txt", 0, len(text), text, text)
    quoter = Quoter({"made.txt": source}, [], SelectionParams(max_quote_chars=limit, several_quote_chars=limit))
    query = slice_engine.retriever.parse(question)
    start, end = quoter.span(Hit(chunk, 1.0, 1), slice_engine.retriever.terms.weights(query.tokens), query,
                             query.figure)
    assert 0 <= start < end <= len(text)
    return text[start:end]


# a paragraph of a made-up plan: its first sentence repeats the plan's title, its fourth states the target
_PLAN = "某市智能网联汽车产业发展方案"
_TEXT = ("为落实某市智能网联汽车产业发展方案，现就有关事项说明如下。"
         "本方案所称车企是指在本市登记的整车企业。"
         "各区应当建立联络机制。"
         "主要目标是到2030年年底全市测试里程累计突破一亿公里。"
         "市交通部门负责组织实施。"
         "有关单位应当按季度报送进展。")


def test_a_long_clause_is_quoted_where_the_question_asks_not_where_the_title_is_repeated(slice_engine):
    quote = _quoted(slice_engine, "某市智能网联汽车产业发展方案的主要目标定在哪年？", _TEXT, _PLAN, 60)
    assert "2030年年底" in quote, "the title's words, shared by every passage, do not pick the window"
    assert len(quote) <= 60


def test_the_quote_holds_as_much_around_what_covers_the_question_as_fits(slice_engine):
    quote = _quoted(slice_engine, "某市智能网联汽车产业发展方案的主要目标定在哪年？", _TEXT, _PLAN, 60)
    sentences = [s + "。" for s in _TEXT.split("。") if s]
    target = next(i for i, s in enumerate(sentences) if "2030" in s)
    held = [i for i, s in enumerate(sentences) if s in quote]
    assert target in held and held == list(range(held[0], held[-1] + 1))
    # no sentence beside the window would still fit, and the window starts as early as it can
    for i in (held[0] - 1, held[-1] + 1):
        if 0 <= i < len(sentences):
            assert len(quote) + len(sentences[i]) > 60
    assert held[0] == 0 or len("".join(sentences[held[0] - 1:target + 1])) > 60


def test_a_question_asking_only_the_title_is_quoted_where_the_title_is(slice_engine):
    quote = _quoted(slice_engine, "某市智能网联汽车产业发展方案", _TEXT, _PLAN, 40)
    assert quote.startswith("为落实某市智能网联汽车产业发展方案")


# a made-up report whose title carries its year: one sentence repeats the year, another says what is asked
_REPORT = "某省数据市场调查报告2031"
_REPORT_TEXT = ("本报告汇总2031年各地报送的材料。"
                "调查覆盖全省十二个地市的交易机构。"
                "挂牌产品的成交比例明显偏低。"
                "各机构的规则尚未统一。")


@pytest.mark.parametrize("question", ["某省数据市场调查报告2031对挂牌产品卖得怎么样有什么判断和解释？",
                                      "某省数据市场调查报告2031里，上架的产品成交情况如何，怎么评价？"])
def test_a_number_of_the_title_does_not_pick_the_window(slice_engine, question):
    # the year names the report, as its title's words do: the sentence repeating it is not the answer
    quote = _quoted(slice_engine, question, _REPORT_TEXT, _REPORT, 20)
    assert "成交比例" in quote and "2031" not in quote
