"""A question asking for a figure is answered only by a clause that states one."""

from __future__ import annotations

import pytest

from retrieval.figures import expected_figure, states_figure


@pytest.mark.parametrize("question,kind", [
    ("做数据出境安全评估，网信办收多少钱的审查费？", "amount"),
    ("某省规划要求软件业收入占全省GDP的比重到哪一年达到多少？", "share"),
    ("江西那部数据条例是哪天开始生效的？", "date"),
    ("评估报告要保存多久？", "duration"),
    ("国家级的算力枢纽节点一共有多少个？", "count"),
    ("个人信息保护法第十三条是怎么规定的？", None),
])
def test_expected_figure(question, kind):
    assert expected_figure(question) == kind


@pytest.mark.parametrize("text,kind,states", [
    ("并处五千万元以下或者上一年度营业额百分之五以下罚款", "amount", True),
    ("处违法所得一倍以上十倍以下罚款", "amount", True),
    ("可以按照有关规定及开发利用协议收取一定费用", "amount", False),
    ("数字经济核心产业增加值占GDP比重超过10%", "share", True),
    ("本办法自2023年12月1日起施行", "date", True),
    ("本办法自公布之日起施行", "date", True),
    ("每年至少进行一次检测评估", "duration", True),
    ("应当在5个工作日内完成审核", "duration", True),
    ("定期开展合规审计", "duration", False),
])
def test_states_figure(text, kind, states):
    assert states_figure(text, kind) is states


def test_a_fee_the_rules_never_set_is_not_made_up(slice_engine):
    a = slice_engine.ask("做数据出境安全评估，网信办收多少钱的审查费？")
    assert a.abstained and a.answer.startswith("语料中未找到依据")
    assert a.related, "the nearest clauses come back as related"


def test_a_figure_the_rules_state_is_answered(slice_engine):
    a = slice_engine.ask("出境评估的结论多长时间内有效？")
    assert not a.abstained
    assert "年" in a.citations[0].quote
