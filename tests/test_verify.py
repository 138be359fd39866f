"""Verification rules (qa/verify.py), each with adversarial cases, and on real extractive answers."""

import doctest
from dataclasses import replace
from decimal import Decimal

import pytest

import qa.verify
from ingest.types import SourceText
from qa.extractive import VerificationError as ReExportedError
from qa.extractive import verify_citation as re_exported_verify
from qa.types import Answer, Citation
from qa.verify import (FAILED_MARK, UNVERIFIED_ANSWER, VerificationError, cn_number, markers_in, number_tokens,
                       split_sentences, unsupported_numbers, verify_answer, verify_answer_text, verify_citation,
                       verify_quote)

LAW = ("第四条 数据处理者向境外提供数据，有下列情形之一的，应当申报数据出境安全评估：\n"
       "（二）关键信息基础设施运营者和处理100万人以上个人信息的数据处理者向境外提供个人信息；\n"
       "（三）自上年1月1日起累计向境外提供10万人个人信息或者1万人敏感个人信息的数据处理者向境外提供个人信息。\n"
       "第十四条 通过数据出境安全评估的结果有效期为二年，自评估结果出具之日起计算。\n"
       "第十八条 违反本办法规定的，处五千万元以下或者上一年度营业额百分之五以下罚款。"
       "本办法自二〇二二年九月一日起施行。\n")
SOURCES = {"law.txt": SourceText(path="law.txt", text=LAW, encoding="utf-8")}


def _cite(marker: int, needle: str, clause: str = "《数据出境安全评估办法》第四条") -> Citation:
    start = LAW.index(needle)
    return Citation(marker=marker, doc_title="数据出境安全评估办法", clause=clause, quote=needle, source="law.txt",
                    page=None, start=start, end=start + len(needle), score=1.0)


ITEM2 = "（二）关键信息基础设施运营者和处理100万人以上个人信息的数据处理者向境外提供个人信息；"
ITEM3 = "（三）自上年1月1日起累计向境外提供10万人个人信息或者1万人敏感个人信息的数据处理者向境外提供个人信息。"
ART14 = "第十四条 通过数据出境安全评估的结果有效期为二年，自评估结果出具之日起计算。"
ART18 = ("第十八条 违反本办法规定的，处五千万元以下或者上一年度营业额百分之五以下罚款。"
         "本办法自二〇二二年九月一日起施行。")


def test_module_examples():
    result = doctest.testmod(qa.verify)
    assert result.attempted > 0 and result.failed == 0


# -- rule 1: the quote is the source text at its span ---------------------------------------------
def test_an_exact_quote_passes():
    c = _cite(1, ITEM2)
    assert verify_quote(c, SOURCES) is None
    verify_citation(c, SOURCES)


def test_one_character_changed_fails():
    c = _cite(1, ITEM2)
    c.quote = c.quote.replace("100万", "200万")
    assert "not the source text" in verify_quote(c, SOURCES)
    with pytest.raises(VerificationError):
        verify_citation(c, SOURCES)


@pytest.mark.parametrize("shift", [-1, 1])
def test_a_span_off_by_one_fails(shift):
    c = _cite(1, ITEM2)
    c.start += shift
    c.end += shift
    assert verify_quote(c, SOURCES) is not None


def test_unknown_source_empty_quote_and_span_outside_fail():
    assert "not in the index" in verify_quote(replace(_cite(1, ITEM2), source="other.txt"), SOURCES)
    assert "empty" in verify_quote(replace(_cite(1, ITEM2), quote="  ", end=_cite(1, ITEM2).start + 2), SOURCES)
    assert "outside" in verify_quote(replace(_cite(1, ITEM2), end=len(LAW) + 5), SOURCES)


def test_extractive_module_still_exports_the_check():
    assert re_exported_verify is verify_citation and ReExportedError is VerificationError


# -- numbers ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("cn, value", [("一百万", 1_000_000), ("五千万", 50_000_000), ("三十", 30), ("十", 10),
                                       ("二〇二四", 2024), ("一亿五千万", 150_000_000), ("零点五", Decimal("0.5")),
                                       ("两万", 20_000), ("三万零五百", 30_500)])
def test_chinese_numerals(cn, value):
    assert cn_number(cn) == Decimal(value)


def _values(text):
    return [(t.kind, t.value if t.kind == "date" else t.value.normalize(), t.unit) for t in number_tokens(text)]


@pytest.mark.parametrize("a, b", [("100万人", "一百万人"), ("30日", "三十日"), ("5%", "百分之五"), ("5000万元", "五千万元"),
                                  ("2024年3月22日", "二〇二四年三月二十二日"), ("十年", "10年"), ("30天", "三十日"),
                                  ("3个月", "三个月"), ("0.5%", "百分之零点五"), ("1.5亿元", "一亿五千万元"),
                                  ("１００万", "100万")])
def test_arabic_and_chinese_forms_are_the_same_number(a, b):
    assert _values(a) == _values(b) and _values(a)


def test_labels_item_markers_list_numbers_and_words_are_not_numbers():
    assert number_tokens("根据第七条第一款第（二）项、第13条：（一）1、统一规范，一些之一，进一步，十分重要[3]") == []
    assert _values("不满十四周岁") == [("num", Decimal(14), "岁")]


# -- rules 2 and 3: sentences --------------------------------------------------------------------
def test_sentences_keep_their_markers():
    assert split_sentences("应当申报[1]。结果有效期为二年。[2]无需申报") == ["应当申报[1]。", "结果有效期为二年。[2]", "无需申报"]
    assert markers_in("见[1][2]和［3］、[4, 5]") == [1, 2, 3, 4, 5]


def test_a_supported_answer_passes_whole():
    cits = [_cite(1, ITEM2), _cite(2, ART14, "《数据出境安全评估办法》第十四条")]
    text = "处理一百万人以上个人信息的数据处理者向境外提供个人信息，应当申报安全评估[1]。评估结果有效期为2年[2]。"
    v = verify_answer_text(text, cits)
    assert v.ok and v.text == text and v.markers == [1, 2]


def test_a_number_that_appears_nowhere_drops_its_sentence():
    cits = [_cite(1, ITEM2)]
    v = verify_answer_text("处理100万人以上个人信息的应当申报[1]。处理50万人以上个人信息的也应当申报[1]。", cits)
    assert [s.sentence for s in v.kept] == ["处理100万人以上个人信息的应当申报[1]。"]
    assert v.failed[0].reasons == ("50万人 is in none of the cited quotes",)
    assert "50万" not in v.text


def test_a_number_must_be_in_the_quote_the_sentence_cites_not_another():
    cits = [_cite(1, ITEM2), _cite(2, ITEM3, "《数据出境安全评估办法》第四条第（三）项")]
    v = verify_answer_text("累计向境外提供10万人个人信息的应当申报[1]。", cits)  # 10万 is in [2], not [1]
    assert not v.kept and "10万人" in v.failed[0].reasons[0]
    assert verify_answer_text("累计向境外提供10万人个人信息的应当申报[2]。", cits).ok


def test_a_marker_to_a_clause_not_given_drops_its_sentence():
    cits = [_cite(1, ITEM2)]
    v = verify_answer_text("处理100万人以上个人信息的应当申报[1][7]。", cits)
    assert not v.kept and v.failed[0].reasons == ("cites [7], which is not a given clause",)


def test_a_sentence_without_any_marker_is_dropped_but_the_next_marker_covers_its_paragraph():
    cits = [_cite(1, ITEM2)]
    v = verify_answer_text("数据处理者应当申报。处理100万人以上个人信息的即属此列[1]。\n此外还要注意安全。", cits)
    assert [s.sentence for s in v.kept] == ["数据处理者应当申报。", "处理100万人以上个人信息的即属此列[1]。"]
    assert v.failed[0].sentence == "此外还要注意安全。" and v.failed[0].reasons == ("no clause marker",)
    # the covering marker's quote must still hold the earlier sentence's numbers
    v = verify_answer_text("处理20万人以上的应当申报。处理100万人以上个人信息的即属此列[1]。", cits)
    assert [s.sentence for s in v.failed] == ["处理20万人以上的应当申报。"]


def test_dates_amounts_percentages_durations_across_numeral_systems():
    cits = [_cite(1, ART18, "《数据出境安全评估办法》第十八条"), _cite(2, ITEM3, "《数据出境安全评估办法》第四条第（三）项")]
    good = ("违反规定的，最高罚5000万元或上一年度营业额5%[1]。本办法自2022年9月1日起施行[1]。"
            "自上年一月一日起累计计算[2]。")
    assert verify_answer_text(good, cits).ok
    for bad, token in [("最高罚6000万元[1]。", "6000万元"), ("或上一年度营业额百分之十[1]。", "百分之十"),
                       ("本办法自2022年9月2日起施行[1]。", "2022年9月2日"), ("本办法自2023年起施行[1]。", "2023年"),
                       ("罚款可达五千万美元的3倍[1]。", "3倍")]:
        v = verify_answer_text(bad, cits)
        assert not v.kept and token in v.failed[0].reasons[0], bad


def test_a_unit_mismatch_is_not_support():
    v = verify_answer_text("有效期为二年[1]。", [_cite(1, ART14, "《数据出境安全评估办法》第十四条")])
    assert v.ok
    v = verify_answer_text("有效期为二个月[1]。", [_cite(1, ART14, "《数据出境安全评估办法》第十四条")])
    assert not v.ok


def test_numbers_in_the_cited_label_or_title_are_not_facts_but_others_in_titles_are():
    cit = replace(_cite(1, ITEM2), doc_title="“数据要素×”三年行动计划（2024—2026年）",
                  clause="《“数据要素×”三年行动计划（2024—2026年）》五、（二十二）3.")
    assert verify_answer_text("根据《“数据要素×”三年行动计划（2024—2026年）》五、（二十二）3.：处理100万人以上的应当申报[1]。",
                              [cit]).ok
    assert not verify_answer_text("根据《某某三年行动计划（2024—2027年）》：处理100万人以上的应当申报[1]。", [cit]).ok


def test_a_footnote_printed_in_the_quote_is_not_a_marker():
    text = "第七十四条 本法自2021年11月1日起施行。[9]"
    cit = Citation(marker=1, doc_title="个人信息保护法", clause="《个人信息保护法》第七十四条", quote=text, source="x",
                   page=None, start=0, end=len(text), score=1.0)
    assert verify_answer_text(f"根据《个人信息保护法》第七十四条：{text}[1]", [cit]).ok
    assert not verify_answer_text("本法自2021年11月1日起施行。[9]", [cit]).ok  # no real marker


def test_mark_keeps_failed_sentences_visibly_marked():
    v = verify_answer_text("处理100万人以上的应当申报[1]。处理50万人以上的也应当[1]。", [_cite(1, ITEM2)], mark=True)
    assert v.text == f"处理100万人以上的应当申报[1]。处理50万人以上的也应当[1]。{FAILED_MARK}" and len(v.failed) == 1


def test_unsupported_numbers_lists_each_bad_token():
    assert unsupported_numbers("处理100万人和3万人，罚款20万元", [ITEM2]) == ["3万人", "20万元"]


# -- the answer as a whole --------------------------------------------------------------------------
def test_verify_answer_drops_a_tampered_citation_and_what_only_it_supports():
    good, bad = _cite(1, ITEM2), _cite(2, ART14, "《数据出境安全评估办法》第十四条")
    bad.quote = bad.quote.replace("二年", "三年")
    a = Answer(question="q", answer="处理100万人以上的应当申报[1]。\n评估结果有效期为三年[2]。", abstained=False,
               citations=[good, bad])
    out = verify_answer(a, SOURCES)
    assert out.answer == "处理100万人以上的应当申报[1]。" and out.citations == [good] and not out.abstained
    assert any("已删去" in w for w in out.warnings)


def test_verify_answer_abstains_when_nothing_survives_and_leaves_abstentions_alone():
    a = Answer(question="q", answer="处理50万人以上的应当申报[1]。", abstained=False, citations=[_cite(1, ITEM2)])
    out = verify_answer(a, SOURCES)
    assert out.abstained and out.answer == UNVERIFIED_ANSWER and not out.citations
    abstained = Answer(question="q", answer="语料中未找到依据。《X》共74条，没有第九十九条。", abstained=True)
    assert verify_answer(abstained, SOURCES) is abstained


# -- real extractive answers always pass ------------------------------------------------------------
@pytest.mark.parametrize("question", ["数据出境安全评估的申报情形有哪些？", "个人信息保护法第二十八条是怎么规定的？",
                                      "处理敏感个人信息需要什么同意？", "出境评估的结论多长时间内有效？",
                                      "个人信息保护法什么时候施行？"])
def test_extractive_answers_pass_unchanged(slice_engine, question):
    raw = slice_engine.answerer.answer(question)
    assert not raw.abstained and raw.citations
    checked = verify_answer_text(raw.answer, raw.citations)
    assert checked.ok, checked.failed
    out = slice_engine.ask(question)  # the engine's ask runs the same verification
    # unchanged, but for the line saying which rule applies (qa/precedence.py), itself verified
    kept, *added = out.answer.split("\n适用说明：")
    assert kept == raw.answer and len(added) <= 1
    assert [c.quote for c in out.citations] == [c.quote for c in raw.citations]
    assert out.mode == "extractive"
