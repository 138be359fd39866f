"""Cross-reference context (qa/context.py) over the real corpus: the clause a cited clause refers to."""

import logging
from dataclasses import replace

import pytest

from qa.context import ContextFinder, ContextParams, verify_context
from qa.types import Answer, Citation
from qa.verify import verify_quote


@pytest.fixture(scope="module")
def finder(corpus_ingest):
    return ContextFinder(corpus_ingest.documents, {s.path: s for s in corpus_ingest.sources})


def _clause(finder, label):
    return next(c for c in finder.clauses.values() if c.label == label)


def _cite(finder, label, marker=1):
    """A citation of the whole clause ``label``, as the answerer makes one."""
    cl = _clause(finder, label)
    doc = finder.docs[cl.doc_id]
    return Citation(marker=marker, doc_title=doc.title, clause=cl.label, quote=cl.text, source=doc.source, page=None,
                    start=cl.start, end=cl.end, score=1.0, clause_id=cl.id, doc_id=doc.id)


def _answer(*citations):
    return Answer(question="q", answer="".join(f"见[{c.marker}]。" for c in citations), abstained=False,
                  citations=list(citations))


def _context(finder, *labels, **params):
    f = ContextFinder(finder.documents, finder.sources, ContextParams(**params)) if params else finder
    return f.context_for(_answer(*(_cite(finder, lab, i) for i, lab in enumerate(labels, start=1))))


def _assert_exact(finder, context):
    for x in context:
        assert finder.sources[x.source].text[x.start:x.end] == x.quote
        assert verify_quote(x, finder.sources) is None


def test_this_law_article_n_attaches_that_article(finder):
    ctx = _context(finder, "《中华人民共和国网络安全法》第六十六条")
    assert [(x.ref, x.clause) for x in ctx] == [("违反本法第三十七条", "《中华人民共和国网络安全法》第三十七条")]
    assert ctx[0].quote.startswith("第三十七条") and "关键信息基础设施的运营者在中华人民共和国境内运营中收集和产生的个人信息" in ctx[0].quote
    assert ctx[0].marker == 1 and ctx[0].doc_title == "中华人民共和国网络安全法"
    _assert_exact(finder, ctx)


def test_the_preceding_paragraph_is_the_one_before_in_the_same_article(finder):
    ctx = _context(finder, "《中华人民共和国个人信息保护法》第六十六条第二款")
    assert [(x.ref, x.clause) for x in ctx] == [("前款", "《中华人民共和国个人信息保护法》第六十六条第一款")]
    assert "违反本法规定处理个人信息" in ctx[0].quote
    _assert_exact(finder, ctx)


def test_the_two_preceding_paragraphs_are_both_attached(finder):
    ctx = _context(finder, "《中华人民共和国个人信息保护法》第六十条第三款")
    assert [x.clause for x in ctx] == ["《中华人民共和国个人信息保护法》第六十条第一款",
                                       "《中华人民共和国个人信息保护法》第六十条第二款"]
    assert {x.ref for x in ctx} == {"前两款"}


def test_an_article_of_another_named_law_is_found_in_that_law(finder):
    # a reading of the 数据安全法 quotes its article under the short title 《数据安全法》
    reading = next(d for d in finder.documents if d.title == "《中华人民共和国数据安全法》十大法律要点解析")
    item = min((c for c in reading.clauses if "《数据安全法》第三十条" in c.text), key=lambda c: c.end - c.start)
    assert item.label.endswith("八、（四）")
    ctx = _context(finder, item.label)
    hit = next(x for x in ctx if x.ref.endswith("《数据安全法》第三十条"))
    assert hit.clause == "《中华人民共和国数据安全法》第三十条" and hit.doc_id != reading.id
    assert "重要数据的处理者应当按照规定对其数据处理活动定期开展风险评估" in hit.quote
    _assert_exact(finder, ctx)


def test_a_reference_to_a_text_not_in_the_corpus_is_left_out_and_logged(finder, caplog):
    label = "《贵州省地理信息时空大数据要素流通交易规则（试行）》第八条"
    assert "《贵州省数据流通交易管理办法(试行)》第十八条" in _clause(finder, label).text
    with caplog.at_level(logging.DEBUG, logger="qa.context"):
        assert _context(finder, label) == []
    assert "resolves to no clause" in caplog.text and "第十八条" in caplog.text


def test_a_cited_clause_is_not_repeated_and_each_target_comes_once(finder):
    ctx = _context(finder, "《中华人民共和国网络安全法》第六十六条", "《中华人民共和国网络安全法》第三十七条")
    assert "《中华人民共和国网络安全法》第三十七条" not in [x.clause for x in ctx]
    # 第五十九条第一款 (本法第二十一条、第二十五条) and its 第二款 (本法第三十三条、第三十四条、第三十六条、第三十八条)
    twice = _context(finder, "《中华人民共和国网络安全法》第五十九条第一款", "《中华人民共和国网络安全法》第五十九条第一款")
    assert [x.clause for x in twice] == ["《中华人民共和国网络安全法》第二十一条", "《中华人民共和国网络安全法》第二十五条"]
    assert {x.marker for x in twice} == {1}


def test_context_is_bounded_per_citation(finder):
    label = "《促进和规范数据跨境流动规定》第七条"  # 本规定第三条、第四条、第五条
    assert [x.clause.split("》")[-1] for x in _context(finder, label)] == ["第三条", "第四条", "第五条"]
    assert len(_context(finder, label, per_citation=2)) == 2
    assert _context(finder, label, per_citation=0) == []


def test_a_reference_outside_the_quote_is_not_attached(finder):
    c = _cite(finder, "《中华人民共和国网络安全法》第六十六条")
    cut = c.quote.index("违反本法")
    short = replace(c, quote=c.quote[:cut], end=c.start + cut)
    assert finder.context_for(_answer(short)) == []


def test_verification_drops_a_tampered_context_quote_and_one_whose_citation_is_gone(finder):
    a = finder.attach(_answer(_cite(finder, "《中华人民共和国个人信息保护法》第六十条第三款")))
    assert len(a.context) == 2
    tampered = replace(a, context=[replace(a.context[0], quote=a.context[0].quote[:-1] + "X"), a.context[1]])
    assert [x.clause for x in verify_context(tampered, finder.sources).context] == [a.context[1].clause]
    assert verify_context(replace(a, citations=[]), finder.sources).context == []


def test_an_abstention_gets_no_context(finder):
    a = _answer(_cite(finder, "《中华人民共和国网络安全法》第六十六条"))
    assert finder.context_for(replace(a, abstained=True)) == []
