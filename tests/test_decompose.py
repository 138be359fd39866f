"""A question that asks several things is answered part by part (retrieval.decompose)."""

from __future__ import annotations

import pytest

from index.tokenize import JiebaTokenizer
from retrieval.decompose import parts, sub_questions
from tests.test_conditions import _check_quotes

TITLES = ["数据出境安全评估办法", "促进和规范数据跨境流动规定"]


@pytest.fixture(scope="module")
def tok():
    return JiebaTokenizer()


@pytest.mark.parametrize("question,expected", [
    # items of one phrase, what is asked of each after them
    ("数据安全法里，一般数据处理者的义务和重要数据处理者的义务分别是什么？",
     ["数据安全法里，一般数据处理者的义务分别是什么", "数据安全法里，重要数据处理者的义务分别是什么"]),
    # a head the first item shares is given to the others
    ("数据出境的安全评估、标准合同和保护认证，各自由哪个部门负责？",
     ["数据出境的安全评估，各自由哪个部门负责", "数据出境的标准合同，各自由哪个部门负责",
      "数据出境的保护认证，各自由哪个部门负责"]),
    # "A，和B相比，P"
    ("违法向境外提供重要数据，和拒不配合数据调取相比，罚款有什么不同？",
     ["违法向境外提供重要数据，罚款有什么不同", "拒不配合数据调取，罚款有什么不同"]),
    # a title with 和 in it is one item
    ("数据出境安全评估办法和促进和规范数据跨境流动规定，安全评估结果分别管几年？",
     ["数据出境安全评估办法，安全评估结果分别管几年", "促进和规范数据跨境流动规定，安全评估结果分别管几年"]),
    # a question that does not ask for each of them is one question; 及 joins one item
    ("数据处理者和个人信息处理者应当履行什么义务？", ["数据处理者和个人信息处理者应当履行什么义务"]),
    ("芯片设计及封装测试项目分别能拿多少补贴？", ["芯片设计及封装测试项目分别能拿多少补贴"]),
    # a list of asks after what they are about
    ("平台丢了会员的身份证号，法律规定了什么责任、谁来查处、罚多少？",
     ["平台丢了会员的身份证号，法律规定了什么责任", "平台丢了会员的身份证号，谁来查处",
      "平台丢了会员的身份证号，罚多少"]),
    ("数据安全事件的调查评估报告要写哪些内容、报给谁？",
     ["数据安全事件的调查评估报告要写哪些内容", "数据安全事件的调查评估报告要写报给谁"]),
    # the options of a multiple-choice question stay with it
    ("下列说法正确的是？\nA: 甲和乙分别\nB: 丙", ["下列说法正确的是？\nA: 甲和乙分别\nB: 丙"]),
])
def test_sub_questions(tok, question, expected):
    assert sub_questions(question, tok, TITLES) == expected


def test_two_questions_in_one_and_a_follow_up_that_leans_on_the_first(tok):
    found = parts("平台不履行个人信息保护义务会怎么处罚？如果情节严重呢？", tok)
    assert [p.text for p in found] == ["平台不履行个人信息保护义务会怎么处罚",
                                       "平台不履行个人信息保护义务会怎么处罚，如果情节严重呢"]
    assert [p.follow_up for p in found] == [False, True]
    standalone = parts("厦门市公共数据开发利用管理暂行办法什么时候开始施行？这个办法的有效期是多久？", tok)
    assert [p.text for p in standalone] == ["厦门市公共数据开发利用管理暂行办法什么时候开始施行", "这个办法的有效期是多久"]


def test_words_must_segment(tok):
    with pytest.raises(TypeError):
        sub_questions("甲和乙分别是什么？", "not a tokenizer")
    # any callable giving (word, start, end) will do: here one that reads every character as a word
    chars = lambda text: [(ch, i, i + 1) for i, ch in enumerate(text)]  # noqa: E731
    assert sub_questions("甲方和乙方分别是什么？", chars) == ["甲方分别是什么", "乙方分别是什么"]


def test_each_part_of_a_two_part_question_gets_its_clause(slice_engine):
    a = slice_engine.ask("个人信息保护法里，处理敏感个人信息要取得什么同意？个人信息保护影响评估报告要保存多久？")
    assert not a.abstained
    labels = [c.clause for c in a.citations]
    assert "《中华人民共和国个人信息保护法》第二十九条" in labels
    assert "《中华人民共和国个人信息保护法》第五十六条" in labels
    assert "单独同意" in a.answer and "三年" in a.answer
    _check_quotes(slice_engine, a)


def test_a_comparison_asks_each_document_for_its_own_figure(slice_engine):
    a = slice_engine.ask("数据出境安全评估办法和促进和规范数据跨境流动规定，安全评估结果分别管几年？")
    assert not a.abstained
    assert "有效期为2年" in a.answer and "有效期为3年" in a.answer
    assert len({c.clause_id for c in a.citations}) == len(a.citations), "no clause is cited twice"
    _check_quotes(slice_engine, a)
