"""Authority and currency on a real index: a rule's own text before quotes of it, a national rule
before a local one, the prevailing rule's clause before the superseded one's; and answers that
conclude from the deciding clause's own modal verb, quoting the deciding item."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ingest.text import one_line
from qa.conclusion import decide
from retrieval.authority import national_first, prevailing_first, sources_first
from retrieval.features import DocumentFacts
from retrieval.types import Hit

def test_a_rules_own_text_goes_before_a_news_item_quoting_it(slice_engine):
    docs = slice_engine.data.documents
    law = next(d for d in docs if "个人信息保护法" in d.title)
    clause = next(c for c in law.clauses if c.level == "条" and len(c.text) > 60)
    news_doc = law.__class__(**{**law.__dict__, "id": "news", "title": "一篇新闻",
                                "metadata": {"doc_type": "新闻"}, "clauses": []})
    facts = DocumentFacts([law, news_doc])
    chunk = next(ch for ch in slice_engine.data.chunks if ch.clause_id.startswith(clause.id))
    quoting = chunk.__class__(**{**chunk.__dict__, "doc_id": "news", "id": "n1",
                                 "text": "记者注意到，" + chunk.text[:40] + "，专家表示。"})
    other = chunk.__class__(**{**chunk.__dict__, "doc_id": "news", "id": "n2", "text": "与此无关的报道内容" * 5})
    hits = [Hit(quoting, 0.9, 1), Hit(other, 0.8, 2), Hit(chunk, 0.7, 3)]
    moved = sources_first(hits, facts, n=16)
    assert [h.chunk.id for h in moved] == [chunk.id, "n1", "n2"] and [h.rank for h in moved] == [1, 2, 3]
    unquoted = [Hit(other, 0.9, 1), Hit(chunk, 0.7, 2)]
    assert [h.chunk.id for h in sources_first(unquoted, facts, n=16)] == ["n2", chunk.id]


def _doc(docs, part):
    return next(d for d in docs if part in d.title)


def _hits(engine, doc, n):
    chunks = [c for c in engine.data.chunks if c.doc_id == doc.id][:n]
    return [Hit(c, 1.0 - i / 10, i + 1) for i, c in enumerate(chunks)]


def test_a_national_rule_goes_before_a_local_one_unless_the_question_names_a_place(slice_engine):
    docs = slice_engine.data.documents
    law = _doc(docs, "个人信息保护法")
    local = replace(_doc(docs, "促进和规范"), id="local", metadata={"doc_type": "地方政府规章", "region": "深圳市"})
    facts = DocumentFacts([law, local])
    local_hits = [Hit(replace(h.chunk, doc_id="local"), h.score, h.rank) for h in _hits(slice_engine, law, 2)]
    national = _hits(slice_engine, law, 3)[2]
    hits = [*local_hits, Hit(national.chunk, 0.5, 3)]
    parse = slice_engine.retriever.parse
    moved = national_first(hits, facts, parse("个人信息处理者应当履行哪些义务？"), window=3)
    assert [h.chunk.doc_id for h in moved] == [law.id, "local", "local"] and [h.rank for h in moved] == [1, 2, 3]
    assert national_first(hits, facts, parse("深圳的个人信息处理者应当履行哪些义务？"), window=3) == hits
    assert national_first(hits, facts, parse("个人信息处理者应当履行哪些义务？"), window=2) == hits  # out of reach


def test_the_prevailing_rules_clause_goes_before_the_superseded_one_on_the_same_matter(slice_engine):
    docs = slice_engine.data.documents
    old, new = _doc(docs, "数据出境安全评估办法"), _doc(docs, "促进和规范")
    facts = DocumentFacts(docs)
    assert facts.prevailed_by[old.id] == [new.id]  # the corpus' own metadata says so
    older, other = _hits(slice_engine, old, 2)
    newer = _hits(slice_engine, new, 1)[0]
    hits = [older, other, Hit(newer.chunk, 0.1, 3)]
    query = slice_engine.retriever.parse("向境外提供数据要做什么评估？")

    def same_matter(a, b):  # an oracle: the new clause is on the older clause's matter
        return 0.99 if {a.chunk.id, b.chunk.id} == {older.chunk.id, newer.chunk.id} else 0.5

    moved = prevailing_first(hits, facts, query, same_matter, 0.95)
    assert [h.chunk.id for h in moved] == [newer.chunk.id, older.chunk.id, other.chunk.id]
    assert moved[0].prevails_over == older.chunk.id and [h.rank for h in moved] == [1, 2, 3]
    assert prevailing_first(hits, facts, query, lambda a, b: 0.9, 0.95) == hits  # not on the same matter
    named = slice_engine.retriever.parse("按数据出境安全评估办法，向境外提供数据要做什么评估？")
    assert prevailing_first(hits, facts, named, same_matter, 0.95) == hits  # it asks of the older rule


def test_an_answer_leads_with_the_prevailing_rule_and_cites_the_older_one_after_it(slice_engine):
    answer = slice_engine.ask("数据处理者向境外提供数据，什么情况下要申报安全评估？")
    titles = [c.doc_title for c in answer.citations]
    assert titles[:2] == ["促进和规范数据跨境流动规定", "数据出境安全评估办法"]
    # retrieval ranks by relevance: the older rule's clause first, by its words alone
    assert slice_engine.search("数据处理者向境外提供数据，什么情况下要申报安全评估？")[0].chunk.doc_title == "数据出境安全评估办法"
    off = slice_engine.answerer.params
    try:
        slice_engine.answerer.params = replace(off, prevailing_first=False)
        assert slice_engine.ask("数据处理者向境外提供数据，什么情况下要申报安全评估？").citations[0].doc_title \
            == "数据出境安全评估办法"
    finally:
        slice_engine.answerer.params = off


def test_a_yes_or_no_answer_concludes_in_the_deciding_clauses_own_words(slice_engine):
    answer = slice_engine.ask("公司累计向境外提供了8万人的个人信息，需要申报安全评估吗？")
    first = answer.answer.splitlines()[0]
    assert first.startswith("结论：不需要——免予申报数据出境安全评估")
    words, marker = first.split("——", 1)[1].rsplit("[", 1)
    cited = answer.citations[int(marker.rstrip("]")) - 1]
    assert words in cited.quote  # the conclusion quotes its clause
    assert slice_engine.ask("向境外提供重要数据需要申报安全评估吗？").answer.startswith("结论：需要——应当")
    # a question that asks for cases, not yes or no, is not concluded
    assert not slice_engine.ask("什么情况下要申报数据出境安全评估？").answer.startswith("结论")


@pytest.mark.parametrize("quote,kind", [
    ("数据处理者不得向境外提供重要数据。", "prohibited"), ("可以免予申报数据出境安全评估。", "exempt"),
    ("应当申报数据出境安全评估。", "required"), ("数据处理者可以向境外提供数据。", "allowed"),
])
def test_the_modal_verb_decides_the_kind_of_conclusion(quote, kind):
    decision = decide([(1, quote)], {"向境外提供": 1.0, "数据出境": 1.0, "申报": 1.0, "数据": 1.0}, 0.2)
    assert decision is not None and decision.kind == kind and decision.words in quote


def test_a_conclusion_needs_a_phrase_about_what_is_asked():
    assert decide([(1, "数据处理者应当建立健全数据安全管理制度。")], {"申报": 1.0, "安全评估": 1.0}, 0.5) is None
    assert decide([(1, "国家支持数据跨境流动。")], {"数据": 1.0}, 0.1) is None  # no modal verb


def test_the_deciding_item_is_quoted_with_its_lists_lead_in(slice_engine):
    new = _doc(slice_engine.data.documents, "促进和规范")
    article = next(c for c in new.clauses if c.level == "条" and "跨境购物" in c.text)
    chunk = next(c for c in slice_engine.data.chunks if c.clause_id == article.id)
    hit = Hit(chunk, 1.0, 1)
    quoter = slice_engine.answerer.quoter
    text = slice_engine.data.sources[chunk.source].text
    found = quoter.deciding_item(hit, (chunk.start, chunk.end), {"跨境购物": 5.0, "合同": 2.0, "个人信息": 1.0},
                                 0.1, 2.0)
    assert found is not None
    (s, e), (ls, le) = found
    assert text[s:e].startswith("（一）") and "跨境购物" in text[s:e]
    assert text[ls:le].endswith("：") and "符合下列条件之一" in text[ls:le]
    # two items hold the question alike: none decides
    assert quoter.deciding_item(hit, (chunk.start, chunk.end), {"个人信息": 1.0}, 0.1, 2.0) is None


def test_a_question_asking_for_every_case_gathers_each_article_that_says_so(slice_engine):
    answer = slice_engine.ask("哪些情形下处理个人信息应当取得个人的单独同意？")
    labels = [c.clause for c in answer.citations]
    gathered = [c for c in answer.citations if "单独同意" in c.quote]
    assert len(gathered) >= 3, labels  # 第二十三条, 第二十五条, 第二十九条 … of the law each say so
    assert len({c.clause_id for c in answer.citations}) == len(answer.citations)  # none twice
    law = next(d for d in slice_engine.documents if d.title == "中华人民共和国个人信息保护法")
    order = [next(i for i, cl in enumerate(law.clauses) if cl.id == c.clause_id or c.clause_id.startswith(cl.id + ":"))
             for c in gathered[1:]]
    assert order == sorted(order)  # after the decisive one, in the law's order
    for c in answer.citations:
        assert slice_engine.data.sources[c.source].text[c.start:c.end] == c.quote
    # asked for one thing, not every case: one clause
    assert len(slice_engine.ask("处理敏感个人信息要取得单独同意吗？").citations) < len(answer.citations)


# 《网络数据安全管理条例》第三十七条 as corpus-large prints it: a PDF's lines, each followed by a blank line
WRAPPED = ("第三十七条 网络数据处理者在中华人民共和国境内运营中收集\n\n和产生的重要数据确需向境外提供的，应当通过国家网信部门组织的数\n\n"
           "据出境安全评估。网络数据处理者按照国家有关规定识别、申报重要数\n\n据，但未被相关地区、部门告知或者公开发布为重要数据的，不需要将\n\n"
           "其作为重要数据申报数据出境安全评估。\n\n第三十八条 通过数据出境安全评估后，网络数据处理者向境外提\n\n供个人信息和重要数据的，不得超出评估时明确的数据出境目的。")


def test_a_text_printed_at_a_fixed_width_is_read_in_sentences_not_lines():
    from ingest.wrapping import unwrap
    from qa.selection import SENTENCE

    read = unwrap(WRAPPED)
    assert len(read) == len(WRAPPED)  # spans into the text hold
    sentences = [one_line(m.group()) for m in SENTENCE.finditer(read)]
    assert "网络数据处理者按照国家有关规定识别、申报重要数据，但未被相关地区、部门告知或者公开发布为重要数据的，" \
           "不需要将其作为重要数据申报数据出境安全评估。" in sentences
    # an article's start, a sentence's end and a short heading keep their breaks
    assert "\n\n第三十八条" in read and "评估。\n\n" in read
    heading = "第六章 网络平台服务提供者义务\n网络平台服务提供者应当通过平台规则或者合同等明确"
    assert unwrap(heading) == heading


def test_a_wrapped_rule_concludes_by_its_own_sentence():
    """Read by lines, the exemption's phrase is cut at 不需要将 and the conclusion came from another clause's
    duty; read by sentences, the clause that decides says it is not required."""
    weights = {"重要数据": 3.6, "申报": 4.5, "安全评估": 4.3, "数据": 0.9}
    d = decide([(1, WRAPPED[:WRAPPED.index("第三十八条")])], weights, 0.3)
    assert d is not None and d.kind == "exempt"
    assert one_line(d.words) == "不需要将其作为重要数据申报数据出境安全评估"
