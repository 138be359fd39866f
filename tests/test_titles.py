"""The documents a question names by title: a rule and its draft for comment share a title."""

from __future__ import annotations

from ingest.types import Document
from retrieval.titles import Titles


def _doc(doc_id: str, title: str, **meta: object) -> Document:
    return Document(doc_id, title, "s.txt", 0, 1, 1, 1, "statute", dict(meta))


RULE = _doc("rule", "网络数据安全管理条例", doc_type="行政法规", status="in_force")
DRAFT = _doc("draft", "国家互联网信息办公室关于《网络数据安全管理条例（征求意见稿）》公开征求意见的通知",
             doc_type="征求意见稿", status="draft", subject_titles=["网络数据安全管理条例（征求意见稿）"])
OTHER = _doc("pipl", "中华人民共和国个人信息保护法", doc_type="法律")


def test_a_rule_named_by_its_title_is_the_rule_and_its_draft_is_named_as_a_draft():
    titles = Titles([RULE, DRAFT, OTHER])
    assert titles.named("网络数据安全管理条例对个人信息处理规则有什么要求？") == ["rule"]
    assert titles.named("网络数据安全管理条例征求意见稿对数据出境有何规定？") == ["draft"]
    assert titles.named("个人信息保护法和网络数据安全管理条例草案怎么分工") == ["draft", "pipl"]
    assert titles.article("网络数据安全管理条例第十一条").doc_ids == ("rule",)
    assert titles.article("网络数据安全管理条例（征求意见稿）第十一条").doc_ids == ("draft",)


def test_a_draft_alone_is_named_whether_or_not_the_question_says_draft():
    titles = Titles([DRAFT, OTHER])
    assert titles.named("网络数据安全管理条例对个人信息处理规则有什么要求？") == ["draft"]
    assert titles.named("网络数据安全管理条例征求意见稿怎么规定的？") == ["draft"]
