"""Fused retrieval on a real slice, on each search backend: named documents, clause-level hits, provenance."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from retrieval.intent import asks_for_rule
from retrieval.retriever import Retriever

from .conftest import BACKENDS, engine_of


@pytest.fixture(params=BACKENDS)
def engine(request):
    """The slice index on each search backend: every test here runs on both."""
    return engine_of(request, request.param)


def _doc_id(engine, title_part):
    return next(d.id for d in engine.documents if title_part in d.title)


def test_a_document_named_by_most_of_its_title_is_recognised(engine):
    r = engine.retriever
    target = _doc_id(engine, "促进和规范数据跨境流动规定")
    assert r.titles.named("促进和规范数据跨境流动的规定对免予申报有什么要求？")[:1] == [target]
    assert r.titles.named("公司员工的工资怎么发？") == []
    # most of a short title is a common phrase: "个人信息保护" does not name 个人信息保护法
    assert r.titles.named("个人信息保护影响评估要做哪些事？") == []
    assert r.titles.named("个人信息保护法对告知有什么要求？") == [_doc_id(engine, "个人信息保护法")]


def test_named_document_comes_first(engine):
    target = _doc_id(engine, "促进和规范数据跨境流动规定")
    hits = engine.search("促进和规范数据跨境流动规定里，哪些情形免予申报？", k=5)
    assert hits[0].chunk.doc_id == target
    assert "title" in hits[0].ranks


def test_hits_are_whole_short_clauses_with_exact_provenance(engine):
    data = engine.data
    by_clause = {}
    for c in data.chunks:
        by_clause.setdefault(c.clause_id, []).append(c)
    seen = set()
    for q in ["数据出境安全评估的申报情形有哪些？", "个人信息处理者的告知义务", "数据要素收益分配"]:
        hits = engine.search(q, k=10)
        assert len({h.chunk.clause_id for h in hits}) == len(hits)
        for h in hits:
            c = h.chunk
            assert data.sources[c.source].text[c.start:c.end] == c.text
            parts = sorted(by_clause[c.clause_id], key=lambda x: x.start)
            assert parts[0].start <= c.start < c.end <= parts[-1].end
            if len(parts) > 1:
                seen.add(c.clause_id)
                if parts[-1].end - parts[0].start <= engine.retriever.params.merge_max_chars:
                    assert (c.start, c.end) == (parts[0].start, parts[-1].end)
    assert seen, "no multi-chunk clause was retrieved: the merge was not exercised"


def _clause_of(engine, title_part, article):
    doc = _doc_id(engine, title_part)
    return next(c.id for d in engine.documents if d.id == doc for c in d.clauses if c.label.endswith(article))


def test_everyday_words_reach_the_clause_through_the_thesaurus(engine):
    r = engine.retriever
    # 卖给 → 向其他个人信息处理者提供; 孩子 → 不满十四周岁未成年人
    cases = [("公司要把用户名单卖给别的公司，得怎么取得用户同意？", "第二十三条"),
             ("孩子注册账号要家长同意吗？", "第三十一条")]
    # the thesaurus works on the words BM25 matches: BM25 alone puts the clause first with it, not without it
    # (the dense ranker and the learned one may reach the clause from the everyday words too)
    bm25 = replace(r.params, dense_weight=0.0, learned=False)
    lexical = Retriever(r.data, r.embedder, r.tokenizer, bm25)
    plain = Retriever(r.data, r.embedder, r.tokenizer, replace(bm25, expand=False))
    for question, article in cases:
        target = _clause_of(engine, "个人信息保护法", article)
        assert engine.search(question, k=3)[0].chunk.clause_id == target
        assert lexical.search(question, k=1)[0].chunk.clause_id == target
        assert target not in [h.chunk.clause_id for h in plain.search(question, k=1)]


def test_document_evidence_lifts_the_document_with_several_good_hits(engine):
    r = engine.retriever
    question = "个人信息出境要满足哪些条件？"
    fused = replace(r.params, learned=False, source_first=False)  # the fused order, before the steps after fusion
    flat = Retriever(r.data, r.embedder, r.tokenizer, replace(fused, doc_weight=0.0)).search(question, k=10)
    strong = Retriever(r.data, r.embedder, r.tokenizer, replace(fused, doc_weight=5.0)).search(question, k=10)
    # without it the documents' hits interleave; a dominant document-level term groups them
    def grouped(hits):
        docs = [h.chunk.doc_id for h in hits]
        return docs == sorted(docs, key=docs.index)

    assert not grouped(flat) and grouped(strong)


def test_a_question_in_traditional_characters_finds_the_same_clauses(engine):
    simplified = "个人信息保护法第二十八条规定了哪些敏感个人信息？"
    traditional = "個人資訊保護法第二十八條規定了哪些敏感個人資訊？"
    target = _clause_of(engine, "个人信息保护法", "第二十八条")
    assert engine.search(simplified, k=1)[0].chunk.clause_id == target
    assert [h.chunk.clause_id for h in engine.search(traditional, k=5)] == \
        [h.chunk.clause_id for h in engine.search(simplified, k=5)]


@pytest.mark.parametrize("question,rule", [
    ("我们App想把用户通讯录上传到服务器，需要再问用户吗？", True),
    ("一家医院把病历传到境外云服务商，违反规定吗？", True),
    ("全国数据资源调查报告显示2022年数据产量是多少？", False),
    ("数据二十条提出了哪些基础制度？", False),
])
def test_asks_for_rule(question, rule):
    assert asks_for_rule(question) is rule


@pytest.fixture(scope="module")
def rule_and_news(tmp_path_factory):
    """A news item on the 科技伦理 governance opinion and the first articles of 《科技伦理审查办法（试行）》,
    both as the bundled corpus prints them."""
    from qa import PolicyQA, Settings

    base = tmp_path_factory.mktemp("rule_and_news")
    settings = Settings().override(index_dir=base / "index", cache_dir=base / "cache", progress=False)
    return PolicyQA.build([Path(__file__).parent / "data" / "rule_and_news.txt"], settings=settings)


QUESTION = "我们实验室做基因编辑研究，要不要设立伦理委员会？"


def test_a_question_about_what_to_do_favours_binding_documents(rule_and_news):
    r = rule_and_news.retriever
    kinds = {d.id: d.metadata.get("doc_type") for d in r.data.documents}
    assert sorted(kinds.values()) == ["新闻", "规范性文件"]
    fused = replace(r.params, learned=False, source_first=False)  # the fused order, before the steps after fusion
    plain = r.search(QUESTION, k=2, params=replace(fused, rule_weight=0.0))
    lifted = r.search(QUESTION, k=2, params=fused)
    assert kinds[plain[0].chunk.doc_id] == "新闻", "on words alone the news item comes first"
    assert kinds[lifted[0].chunk.doc_id] == "规范性文件" and "rule" in lifted[0].ranks
    assert all("rule" not in h.ranks for h in lifted if kinds[h.chunk.doc_id] == "新闻")
    # a question about what a text says gets no such lift
    assert not any("rule" in h.ranks for h in r.search("意见对科技伦理治理提出了哪些要求？", k=5))


def test_the_decisive_clause_of_a_rule_question_is_a_rule(rule_and_news):
    """Even when retrieval puts the news item first, the answer is led by the rule's clause."""
    from qa.extractive import ExtractiveAnswerer

    r = rule_and_news.retriever
    words_only = Retriever(r.data, r.embedder, r.tokenizer, replace(r.params, rule_weight=0.0))
    a = ExtractiveAnswerer(words_only).answer(QUESTION)
    assert not a.abstained
    assert a.citations[0].clause == "《关于印发〈科技伦理审查办法（试行）〉的通知》第四条"  # 书名号 within 书名号


def test_a_word_the_corpus_does_not_use_brings_synonyms_it_does(engine):
    r = engine.retriever
    vocab = r.rankers.backend.vocabulary
    general = r.parser.general
    # a word of a synonym group that no text of the slice uses, and a synonym of it that one does
    word, synonym = next((w, s) for w, others in general.by_word.items() if w not in vocab and len(w) >= 2
                         for s in others if s in vocab)
    query = r.parse(f"关于{word}有什么规定？")
    assert synonym in query.expanded.split() and synonym in query.expanded_tokens
    # a word the corpus uses is left as it is: none of its group's words is added
    used = next(w for w in general.by_word if w in vocab and len(w) >= 2 and set(general.by_word[w]) - set(vocab))
    assert not set(general.by_word[used]) & set(r.parse(f"关于{used}有什么规定？").expanded.split())
