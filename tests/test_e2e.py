"""End to end over a real slice of the corpus: build, ask, check the cited clause; and the CLI."""

import json
import os
import subprocess
import sys

import pytest

from qa.extractive import VerificationError, verify_citation
from qa.wording import NO_BASIS

from .conftest import DATA, ROOT


def _assert_verified(engine, answer):
    for c in answer.citations:
        src = engine.data.sources[c.source].text
        assert src[c.start:c.end] == c.quote
        verify_citation(c, engine.data.sources)


def test_repeated_document_is_indexed_once(slice_engine):
    titles = [d.title for d in slice_engine.documents]
    assert titles.count("数据出境安全评估办法") == 1
    doc = next(d for d in slice_engine.documents if d.title == "数据出境安全评估办法")
    assert len(doc.aliases) == 1 and doc.aliases[0]["line_start"] > doc.line_end


def test_list_question_cites_the_article_with_its_items(slice_engine):
    a = slice_engine.ask("数据出境安全评估的申报情形有哪些？")
    assert not a.abstained
    first, second = a.citations[:2]
    # the rule in force leads; the older rule's clause on the same matter follows it
    assert first.clause == "《促进和规范数据跨境流动规定》第七条" and second.clause == "《数据出境安全评估办法》第四条"
    assert "100万人以上个人信息" in first.quote and "[1]" in a.answer
    _assert_verified(slice_engine, a)
    # the 2024 规定 says it prevails over the 2022 办法 where they differ (its 第十三条)
    assert any("促进和规范数据跨境流动规定" in w and "数据出境安全评估办法" in w for w in a.warnings)


def test_named_article_is_cited(slice_engine):
    a = slice_engine.ask("个人信息保护法第二十八条是怎么规定的？")
    assert a.citations[0].clause.startswith("《中华人民共和国个人信息保护法》第二十八条")
    assert "敏感个人信息是一旦泄露或者非法使用" in a.citations[0].quote
    _assert_verified(slice_engine, a)


def test_off_topic_question_abstains_with_related_clauses(slice_engine):
    a = slice_engine.ask("员工年终奖应该按什么比例缴纳个人所得税？")
    assert a.abstained and not a.citations
    assert "未找到依据" in a.answer
    assert a.related


def test_the_abstention_models_score_travels_with_the_answer(slice_engine):
    """Each answer carries the shipped abstention model's probability when the model decided, on the side of its
    threshold that the answer's abstention says; a named article found is answered without asking the model."""
    model = slice_engine.answerer.abstainer
    assert model is not None
    scores = []
    for question in ("数据出境安全评估的申报情形有哪些？", "处理敏感个人信息需要什么同意？",
                     "员工年终奖应该按什么比例缴纳个人所得税？", "离婚时夫妻共同财产怎么分割？"):
        a = slice_engine.ask(question)
        assert a.abstain_score is not None and 0.0 <= a.abstain_score <= 1.0
        assert a.to_dict()["abstain_score"] == a.abstain_score
        if a.abstain_score >= model.threshold:
            assert a.abstained and not a.citations
        else:
            assert not a.abstained or a.answer != NO_BASIS  # abstained for another reason, which it says
        scores.append(a.abstain_score)
    assert max(scores[:2]) < model.threshold <= min(scores[2:])  # the on-topic questions answered, the others not
    assert slice_engine.ask("个人信息保护法第二十八条是怎么规定的？").abstain_score is None


def test_a_tampered_quote_fails_verification(slice_engine):
    a = slice_engine.ask("数据出境安全评估的申报情形有哪些？")
    c = a.citations[0]
    c.quote = c.quote[:-2] + "X" + c.quote[-1]
    with pytest.raises(VerificationError):
        verify_citation(c, slice_engine.data.sources)


def test_answer_json_has_the_documented_fields(slice_engine):
    d = slice_engine.ask("处理敏感个人信息需要什么同意？").to_dict()
    assert set(d) == {"question", "answer", "abstained", "citations", "related", "warnings", "context", "latency_ms",
                      "mode", "abstain_score"}
    assert set(d["citations"][0]) == {"marker", "doc_title", "clause", "quote", "source", "page", "start", "end",
                                      "score"}


def test_a_cited_paragraph_that_says_preceding_paragraph_comes_with_it(slice_engine):
    a = slice_engine.ask("个人信息保护法第六十六条第二款是怎么规定的？")
    assert a.citations[0].clause == "《中华人民共和国个人信息保护法》第六十六条第二款"
    assert [(x.marker, x.ref, x.clause) for x in a.context] == [
        (1, "前款", "《中华人民共和国个人信息保护法》第六十六条第一款")]
    x = a.context[0]
    assert slice_engine.data.sources[x.source].text[x.start:x.end] == x.quote and "违反本法规定处理个人信息" in x.quote
    assert set(a.to_dict()["context"][0]) == {"marker", "ref", "doc_title", "clause", "quote", "source", "page",
                                              "start", "end"}


def _cli(*args, env_extra=None):
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=300)


def test_cli_ask_json_and_corpus(slice_engine):
    env = {"POLICYQA_INDEX": str(slice_engine.settings.index_dir),
           "POLICYQA_CACHE": str(slice_engine.settings.cache_dir)}
    r = _cli("ask", "数据出境安全评估的申报情形有哪些？", "--json", env_extra=env)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["citations"][0]["clause"] == "《促进和规范数据跨境流动规定》第七条"
    # the context: the clauses the cited 第七条 refers to ("属于本规定第三条、第四条、第五条、第六条规定情形的，从其规定")
    assert d["latency_ms"] > 0 and {c["clause"] for c in d["context"]} <= {
        f"《促进和规范数据跨境流动规定》第{n}条" for n in "三四五六"} and d["context"]
    r = _cli("ask", "个人信息保护法第六十六条第二款是怎么规定的？", env_extra=env)
    assert r.returncode == 0, r.stderr
    shown = r.stdout.split("所引条款提到的条款：")[1]
    assert "[1] 前款 → 《中华人民共和国个人信息保护法》第六十六条第一款" in shown and "违反本法规定处理个人信息" in shown
    r = _cli("corpus", "--json", env_extra=env)
    assert r.returncode == 0, r.stderr
    assert {"数据出境安全评估办法", "促进和规范数据跨境流动规定"} <= {x["title"] for x in json.loads(r.stdout)}


def test_cli_parse_json():
    r = _cli("parse", str(DATA / "slice_collection.txt"), "--json")
    assert r.returncode == 0, r.stderr
    docs = json.loads(r.stdout)
    law = next(d for d in docs if d["title"] == "数据出境安全评估办法")
    item = next(c for c in law["clauses"] if c["label"] == "《数据出境安全评估办法》第四条第（二）项")
    assert set(item) == {"id", "label", "path", "text", "page"} and "100万人以上" in item["text"]


def test_cli_reports_a_missing_index_with_the_fix(tmp_path):
    r = _cli("ask", "问题", "--index", str(tmp_path / "none"))
    assert r.returncode == 2
    assert "policyqa build" in r.stderr


def test_an_article_beyond_the_end_of_a_law_is_not_invented(slice_engine):
    a = slice_engine.ask("个人信息保护法第九十九条是怎么规定的？")
    assert a.abstained and not a.citations
    assert "共74条" in a.answer and "没有第九十九条" in a.answer


@pytest.mark.parametrize("number,said", [("1200", "没有第一千二百条"), ("一千零五", "没有第一千零五条"),
                                         ("9999999999999999999999", "没有第9999999999999999999999条")])
def test_an_article_number_of_any_size_is_answered_as_missing(slice_engine, number, said):
    a = slice_engine.ask(f"个人信息保护法第{number}条讲什么")
    assert a.abstained and not a.citations and said in a.answer


@pytest.mark.parametrize("question", ["分别", "和相比，", "，，，分别？？", "两者有什么区别？"])
def test_a_question_that_says_too_little_abstains(slice_engine, question):
    a = slice_engine.ask(question)
    assert a.abstained and not a.citations and a.related


def test_a_short_question_that_names_an_article_is_still_answered(slice_engine):
    a = slice_engine.ask("个保法第28条")
    assert not a.abstained and a.citations[0].clause == "《中华人民共和国个人信息保护法》第二十八条"
    assert not slice_engine.ask("什么是个人信息？").abstained
