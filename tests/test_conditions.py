"""Scenarios with a count: the item whose condition the count meets decides the answer."""

from __future__ import annotations

import pytest

from qa.conditions import Quantity, matching, parse_conditions, scenario_quantity

ART7_2 = ("（二）关键信息基础设施运营者以外的数据处理者向境外提供重要数据，或者自当年1月1日起累计向境外提供"
          "100万人以上个人信息（不含敏感个人信息）或者1万人以上敏感个人信息。")
ART8 = ("关键信息基础设施运营者以外的数据处理者自当年1月1日起累计向境外提供10万人以上、不满100万人个人信息"
        "（不含敏感个人信息）或者不满1万人敏感个人信息的，应当依法与境外接收方订立个人信息出境标准合同")


@pytest.mark.parametrize("question,persons,sensitive", [
    ("我们处理了120万人的个人信息，要传到新加坡总部", 1_200_000, False),
    ("打算把约8万名会员的昵称和手机号（不含敏感信息）备份到国外机房", 80_000, False),
    ("向德国的合作实验室发送了大约3万名就诊者的化验单，属于敏感个人信息", 30_000, True),
    ("三千名员工的人脸照片要传到境外", 3_000, True),
    ("约120万个用户的订单数据要发给日本的卖家", 1_200_000, False),
    ("一共15万个人的简历，里面没有任何敏感字段，可以交给海外猎头吗", 150_000, False),
    ("约2万个患者的病历，不涉及任何生物识别数据", 20_000, True),
    ("约2万个患者的住址，不涉及任何生物识别数据", 20_000, False),
    ("系统里有40万个客户，其中包括非敏感的地址", 400_000, False),
    ("未经同意把6万个会员的指纹模板发到境外", 60_000, True),
])
def test_scenario_quantity(question, persons, sensitive):
    assert scenario_quantity(question) == Quantity(persons, sensitive)


def test_no_or_ambiguous_count_gives_none():
    assert scenario_quantity("几百名客户的开户资料") is None
    assert scenario_quantity("去年5万人，今年20万人") is None
    # a question quoting a rule's threshold states no count of its own
    assert scenario_quantity("处理一百万人以上个人信息的数据处理者赴国外上市，应当申报什么？") is None
    # "个" before a unit of time or a thing counts no persons
    assert scenario_quantity("两份规定里的“60个工作日”各指什么？") is None
    assert scenario_quantity("备案要在3个月内完成吗？") is None
    # nor before a thing: only a word for persons (用户, 员工, 个人…) makes "个" a head count
    assert scenario_quantity("我们要把两个文件发给境外的20万人吗？") == Quantity(200_000, False)
    assert scenario_quantity("5个试点城市的数据要出境吗") is None


@pytest.mark.parametrize("persons,sensitive,art7,art8", [
    (1_200_000, False, True, False),
    (500_000, False, False, True),
    (99_999, False, False, False),
    (30_000, True, True, False),
    (9_999, True, False, True),
])
def test_thresholds_are_half_open_ranges(persons, sensitive, art7, art8):
    q = Quantity(persons, sensitive)
    assert bool(matching(q, parse_conditions(ART7_2))) is art7
    assert bool(matching(q, parse_conditions(ART8))) is art8


def _check_quotes(engine, answer):
    for c in answer.citations:
        assert engine.data.sources[c.source].text[c.start:c.end] == c.quote


def test_the_compliance_officers_question(slice_engine):
    a = slice_engine.ask("我们处理了120万人的个人信息，要把客服数据传到新加坡总部，需要申报安全评估吗？")
    assert not a.abstained
    labels = [c.clause for c in a.citations]
    assert labels[0].startswith("《促进和规范数据跨境流动规定》第七条") and labels[0].endswith("第（二）项")
    assert "100万人以上个人信息" in a.answer and "申报数据出境安全评估" in a.answer
    assert any(lbl == "《促进和规范数据跨境流动规定》第十三条" for lbl in labels), "the precedence clause is cited"
    assert "数据出境安全评估办法" in a.answer
    _check_quotes(slice_engine, a)


@pytest.mark.parametrize("question,article,item", [
    ("我们是做在线教育的小公司，今年预计把约8万名学员的姓名和邮箱（不含敏感信息）传到国外母公司，要签标准合同吗？",
     "第五条", "第（四）项"),
    ("我们不是关键信息基础设施运营者，今年向德国实验室发了大约3万名就诊者的化验单，属于敏感个人信息，该怎么办？",
     "第七条", "第（二）项"),
])
def test_the_item_whose_condition_holds_is_cited_first(slice_engine, question, article, item):
    a = slice_engine.ask(question)
    first = a.citations[0].clause
    assert first.startswith(f"《促进和规范数据跨境流动规定》{article}") and first.endswith(item), first
    assert "这一条件" in a.answer
    _check_quotes(slice_engine, a)
