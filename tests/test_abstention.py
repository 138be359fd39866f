"""Abstention on realistic traps: a document the corpus lacks, a figure it never states."""

from __future__ import annotations

import pytest

from qa.abstention import absent_document, absent_named, figure_sentences, figure_support
from retrieval.asks import target_years

TITLES = ["中华人民共和国网络安全法", "深圳市算力基础设施高质量发展行动计划（2024—2025）",
          "深圳市卫生健康数据管理办法", "数据出境安全评估办法"]


@pytest.mark.parametrize("question,absent", [
    ("未成年人网络保护条例规定的罚款幅度是多少？", "未成年人网络保护条例"),
    ("《互联网弹窗信息推送服务管理规定》要求多久做一次评估？", "互联网弹窗信息推送服务管理规定"),
    ("深圳算力基础设施行动计划里智能算力的目标定在哪一年？", None),  # a shortened title is still held
    ("按深圳卫生健康数据管理办法，病历能放在海外的云上吗？", None),
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
    a = slice_engine.ask("未成年人网络保护条例对游戏企业的罚款幅度是多少？")
    assert a.abstained and a.answer.startswith("语料中未找到依据")
    assert "未成年人网络保护条例" in a.answer
    assert not a.citations and a.related


def test_a_number_the_law_leaves_to_the_regulator_is_not_made_up(slice_engine):
    # 个人信息保护法第五十二条 says 达到国家网信部门规定数量 and states no count
    a = slice_engine.ask("个人信息保护法里，处理个人信息达到多少人就得设个人信息保护负责人？")
    assert a.abstained and not a.citations


def test_a_figure_the_corpus_states_is_still_answered(slice_engine):
    a = slice_engine.ask("出境安全评估通过以后，结果能用几年？")
    assert not a.abstained
    assert any("有效期为" in c.quote for c in a.citations)


@pytest.mark.parametrize("question,absent", [
    ("按网络游戏防沉迷管理规定，游戏公司要怎么核验玩家年龄？", "网络游戏防沉迷管理规定"),
    ("我们是游戏公司，按照网络游戏防沉迷管理规定，要做什么？", "网络游戏防沉迷管理规定"),
    ("按照数据出境安全评估办法，评估结果有效期多久？", None),  # held
    ("国防科研数据的管理办法由谁来制定？", None),  # asks about a document, does not take it as its source
    # what the question asks about, opening it or one of its clauses
    ("互联网广告推送管理条例对推送频次有什么限制？", "互联网广告推送管理条例"),
    ("我们做电商的，互联网广告推送管理条例里对弹窗有限制吗？", "互联网广告推送管理条例"),
    ("《互联网弹窗信息推送服务管理规定》要求做什么？", "互联网弹窗信息推送服务管理规定"),
    # a clause that ends in a kind of document is no name: …在…和…里, …自己的…
    ("公安机关在反恐怖主义法和快递市场管理条例里各管什么？", None),
    ("广州自己的数字经济计划对算力怎么定？", None),
    # a shortened title keeps the title's characters in order
    ("深圳卫健办法对日志留存有什么要求？", None),
    ("深圳算力行动计划里对智能算力怎么要求？", None),
])
def test_absent_named(question, absent):
    assert absent_named(question, TITLES) == absent


def test_a_document_the_corpus_speaks_of_is_not_absent():
    # the corpus does not hold it, but a text names it: what that text says of it may answer
    question = "《个人信息出境认证办法》对认证机构有什么要求？"
    assert absent_named(question, TITLES) == "个人信息出境认证办法"
    assert absent_named(question, TITLES, mentioned=lambda name: name == "个人信息出境认证办法") is None


def test_a_question_about_a_document_the_corpus_lacks_is_told_so(slice_engine):
    # asks no figure: before, only a figure question or one taking the document as its source was checked
    a = slice_engine.ask("快递市场管理条例对快递企业保护寄件人信息有哪些要求？")
    assert a.abstained and "快递市场管理条例" in a.answer and not a.citations


def test_a_document_a_corpus_text_cites_is_mentioned(slice_engine):
    answerer = slice_engine.answerer
    held = slice_engine.retriever.data.chunks
    text = next(c.text for c in held if "《" in c.text)
    cited = text[text.index("《") + 1:text.index("》", text.index("《"))]
    assert answerer.mentioned(cited)
    assert not answerer.mentioned("快递市场管理条例实施细则")


def test_a_passing_citation_does_not_answer_for_the_document(slice_engine):
    # the text that cites a document the corpus lacks speaks of it only on what that text itself says
    answerer = slice_engine.answerer
    tokens = slice_engine.retriever.tokenizer
    chunk = next(c for c in slice_engine.retriever.data.chunks if "《" in c.text and len(c.text) > 80)
    text = chunk.text
    cited = text[text.index("《") + 1:text.index("》", text.index("《"))]
    own = answerer.terms.weights(tokens(text))  # every word of the citing text: what it does say
    elsewhere = answerer.terms.weights(tokens("快递包裹的保价赔偿上限和冷链运输的温控记录"))
    assert answerer.mentioned(cited, about=own)
    assert not answerer.mentioned(cited, about=elsewhere)


def test_a_target_year_must_be_the_year_the_figure_is_for():
    assert target_years("到2026年天津数据产业规模要达到多少？") == {"2026"}
    assert target_years("某市行动计划提出到2027年底累计数据交易额是多少？") == {"2027"}
    assert target_years("2024年的规定和2022年的办法有什么不同？") == set()
    weights = {"数据要素": 2.0, "市场规模": 2.0}
    later = [("到2030年，数据要素市场规模达到2000亿元。", "北京实施意见")]
    assert figure_support(later, "amount", weights, 0.1)
    assert not figure_support(later, "amount", weights, 0.1, years={"2025"})
    # the year may head the clause rather than the sentence that states the figure
    headed = [("到 2025 年底，完成改革任务。数据要素市场规模达到 100 亿元。", "郑州行动计划")]
    assert figure_support(headed, "amount", weights, 0.1, years={"2025"})


def test_a_source_the_corpus_lacks_is_not_answered_from_another(slice_engine):
    a = slice_engine.ask("按照网络游戏防沉迷管理规定，游戏公司要怎么核验玩家年龄？")
    assert a.abstained and "网络游戏防沉迷管理规定" in a.answer
    assert not a.citations and a.related
