"""Abstention on realistic traps: a document the corpus lacks, a figure it never states."""

from __future__ import annotations

import pytest

from qa.abstention import absent_document, figure_sentences, figure_support

TITLES = ["中华人民共和国网络安全法", "深圳市算力基础设施高质量发展行动计划（2024—2025）",
          "深圳市卫生健康数据管理办法", "数据出境安全评估办法"]


@pytest.mark.parametrize("question,absent", [
    ("关键信息基础设施安全保护条例规定的罚款幅度是多少？", "关键信息基础设施安全保护条例"),
    ("《人脸识别技术应用安全管理办法》要求多久做一次评估？", "人脸识别技术应用安全管理办法"),
    ("深圳算力基础设施行动计划提出到2025年算力要达到多少？", None),  # a shortened title is still held
    ("深圳的卫生健康数据管理办法允许把病历存到境外吗？", None),
    ("数据出境安全评估的结果有效期是多久？", None),  # names no document
])
def test_absent_document(question, absent):
    assert absent_document(question, TITLES) == absent


def test_clause_labels_are_not_figures():
    text = "第五十二条 处理个人信息达到国家网信部门规定数量的个人信息处理者应当指定个人信息保护负责人。"
    assert figure_sentences(text, "count") == []
    assert figure_sentences("到2025年，产业规模达到50亿元。培育一批数据商。", "amount") == ["到2025年，产业规模达到50亿元。"]


def test_a_figure_about_something_else_is_no_support():
    weights = {"登记费": 3.0, "首次": 1.5, "登记": 1.0}
    other = [("资产评估值为6088万元。", "某市数据资产登记新闻")]
    assert not figure_support(other, "amount", weights, 0.1)
    about = [("首次登记收取登记费200元。", "某市数据产权登记办法")]
    assert figure_support(about, "amount", weights, 0.1)


def test_a_document_the_corpus_lacks_is_not_answered_from_another(slice_engine):
    a = slice_engine.ask("关键信息基础设施安全保护条例对运营者的罚款幅度是多少？")
    assert a.abstained and a.answer.startswith("语料中未找到依据")
    assert "关键信息基础设施安全保护条例" in a.answer
    assert not a.citations and a.related


def test_a_number_the_law_leaves_to_the_regulator_is_not_made_up(slice_engine):
    # 个人信息保护法第五十二条 says 达到国家网信部门规定数量 and states no count
    a = slice_engine.ask("个人信息保护法要求处理多少人以上个人信息的处理者指定个人信息保护负责人？")
    assert a.abstained and not a.citations


def test_a_figure_the_corpus_states_is_still_answered(slice_engine):
    a = slice_engine.ask("数据出境安全评估结果的有效期是多久？")
    assert not a.abstained
    assert any("有效期为" in c.quote for c in a.citations)
