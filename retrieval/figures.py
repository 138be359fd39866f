"""What kind of figure a question asks for, and whether a text states one.

A question that asks "多少亿元", "罚多少钱", "占比多少", "哪一天施行" or "多久" is answered only by a
text that states an amount, a share, a date or a duration. When no retrieved clause states one,
the corpus has no basis for the answer, however close the clauses are in subject — the most
common way a retrieval system makes up an answer.

>>> expected_figure("某市规划里2026年算力板块产值目标多少亿元？")
'amount'
>>> states_figure("到2025年，数据要素市场规模达到2000亿元", "amount"), states_figure("力争到2025年基本建成", "amount")
(True, False)
>>> expected_figure("数据安全法第三十条讲了什么？") is None
True
"""

from __future__ import annotations

import re

_NUM = r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百千万零〇]+)"

# (kind, what the question says, what a text stating it looks like), first match wins
_KINDS: list[tuple[str, re.Pattern[str], re.Pattern[str]]] = [
    ("share", re.compile(r"(占比|比重|比例|百分之|百分点|%|％|增速|增长率).{0,8}(多少|几|是多少)|"
                         r"(多少|几)(个)?(百分点|%)"),
     re.compile(_NUM + r"\s*(%|％|个百分点)|百分之" + _NUM)),
    ("amount", re.compile(r"多少(亿|万)?(元|欧元|美元|钱)|罚(款)?多少|多少\w{0,3}费|"
                          r"(费|费用|收费标准|罚款|罚款幅度|交易额|规模|收入|投资|资金|金额).{0,10}(多少|几)"),
     re.compile(_NUM + r"\s*(多)?\s*(亿|万|千)?\s*(元|欧元|美元|人民币|倍)|\d\s*[A-Za-z]{2,8}\b")),
    ("date", re.compile(r"(哪一天|哪天|何时|什么时候|哪一日|几月几日).{0,6}(施行|生效|实施|起|开始)|"
                        r"(施行|生效|实施)(日期|时间)"),
     re.compile(_NUM + r"\s*年\s*" + _NUM + r"\s*月\s*" + _NUM + r"\s*日|公布之日|发布之日|印发之日")),
    ("duration", re.compile(r"多久|多长时间|几年|几天|几个月|多少天|多少年|多少个工作日|期限是多少"),
     re.compile(_NUM + r"\s*(个)?\s*(年|日|天|月|小时|工作日)|每\s*(年|半年|季度|月|周|日|天)")),
    ("count", re.compile(r"多少(人|件|家|个|项|条)"),
     re.compile(_NUM + r"\s*(万|千|百)?\s*(人|件|家|个|项|条)")),
]


def expected_figure(question: str) -> str | None:
    """The kind of figure the question asks for — share, amount, date, duration or count — if any."""
    for kind, asks, _ in _KINDS:
        if asks.search(question):
            return kind
    return None


def stated_figures(text: str, kind: str) -> set[str]:
    """The figures of ``kind`` that ``text`` states, as written ("12个月", "五万元").

    >>> sorted(stated_figures("间隔一般不超过12个月；应急审查72小时内完成", "duration"))
    ['12个月', '72小时']
    """
    for name, _, states in _KINDS:
        if name == kind:
            return {m.group(0) for m in states.finditer(text)}
    raise ValueError(f"unknown figure kind {kind!r}")


def states_figure(text: str, kind: str) -> bool:
    """Whether ``text`` states a figure of ``kind``."""
    for name, _, states in _KINDS:
        if name == kind:
            return bool(states.search(text))
    raise ValueError(f"unknown figure kind {kind!r}")
