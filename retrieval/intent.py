"""What a question asks for, as far as retrieval needs to know.

A compliance question ("我司打算把会员消费记录拿去做联合营销，合规不？") is answered by a rule — a law,
regulation or normative document — not by a report or a news item that discusses the subject.
:func:`asks_for_rule` recognises such a question: someone who acts (我们, 一家公司, 平台, 处理者)
and an ask about what they must, may or may not do (需要…吗, 能不能, 合规吗, 怎么处罚).

>>> asks_for_rule("我们公司想在官网上公开员工的手机号，合规吗？")
True
>>> asks_for_rule("全国数据资源调查报告显示2022年数据产量是多少？")
False
"""

from __future__ import annotations

import re

from ingest.metadata import NORMATIVE

# documents that bind: every normative kind, and a draft for comment (a rule that may come)
RULE_KINDS = frozenset(NORMATIVE) | {"征求意见稿"}

_ACTOR = re.compile(r"我们|我司|本公司|一家|某(?:公司|企业|平台|医院|银行)|公司|企业|平台|[Aa][Pp][Pp]|"
                    r"医院|银行|机构|单位|实验室|运营者|处理者")
_ASK = re.compile(r"吗|能不能|能否|可不可以|是否|要不要|需不需要|需要|必须|行不行|合规|违反|违法|允许|"
                  r"怎么办|怎么处理|怎么解决|如何处理|要做|做什么|做些什么|手续|程序|承担|处罚|罚|走哪|哪条路|哪种")


def asks_for_rule(question: str) -> bool:
    """Whether ``question`` asks what an actor must, may or may not do (so a rule answers it)."""
    return bool(_ACTOR.search(question) and _ASK.search(question))
