"""Quantity conditions: which provision's threshold does a scenario fall under?

Rules such as 《促进和规范数据跨境流动规定》 branch on counts — "10万人以上、不满100万人个人信息
（不含敏感个人信息）", "1万人以上敏感个人信息". A scenario names a count ("约150万名会员", "2万多名病人的化验单"). This module reads both and says which condition holds, so the
answer can lead with the item whose condition matches and say why.

>>> conds = parse_conditions("累计向境外提供10万人以上、不满100万人个人信息（不含敏感个人信息）或者不满1万人敏感个人信息的")
>>> [(c.low, c.high, c.sensitive) for c in conds]
[(100000, 1000000, False), (None, 10000, True)]
>>> scenario_quantity("公司累计有120万名会员的资料要发到海外")
Quantity(persons=1200000, sensitive=False)
>>> matching([Quantity(1200000, False)][0], conds)
[]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import jieba

from ingest.text import cn_to_int, one_line

_NUMBER = r"(\d+(?:\.\d+)?|[一二两三四五六七八九十百千]+)"
# one count of persons in a rule: "100万人", "1万人", "10万人"
_RULE_COUNT = re.compile(_NUMBER + r"\s*(万|千|百)?\s*人")
# a count of persons: "120万人", "8万名", "300位"; "N个" only before a word for persons (_person_follows)
_SCENARIO_COUNT = re.compile(r"(?<![几数上成])" + _NUMBER + r"\s*(万|千|百)?\s*(?:多)?\s*(名|位|人|个)")
# words for persons end in an agent morpheme: 用户, 会员, 患者, 居民, 学生, 乘客, 职工, 个人
_AGENT_MORPHEME = frozenset("人者员户民生工客友士师属")
_ITEM_MARK = re.compile(r"^[（(][一二三四五六七八九十]+[)）]")  # "（四）" before an item's words
_UNIT = {"万": 10_000, "千": 1_000, "百": 100, None: 1, "": 1}
_SENSITIVE = re.compile(r"(?<!不含)(?<!不包括)敏感个人信息")
_SENSITIVE_SCENARIO = re.compile(r"敏感|病历|健康|医疗|生物识别|人脸|指纹|宗教|特定身份|金融账户|行踪|未成年|不满十四周岁")
# a scenario that says it holds none: "并无敏感字段", "不含敏感", "不涉及任何人脸", "非敏感"
_NEGATED = re.compile(r"(?:不|没|无|未|非)(?:含|包括|包含|涉及|有|是|收集|处理)?(?:任何)?的?$")


@dataclass(frozen=True)
class Condition:
    """A count range ``[low, high)`` of persons (None = open) for plain or sensitive personal information."""

    low: int | None
    high: int | None
    sensitive: bool
    text: str  # the words of the rule that state it

    def holds(self, persons: int) -> bool:
        return (self.low is None or persons >= self.low) and (self.high is None or persons < self.high)


@dataclass(frozen=True)
class Quantity:
    """How many persons' information a scenario involves, and whether it is sensitive."""

    persons: int
    sensitive: bool


def _value(number: str, unit: str | None) -> int | None:
    n = float(number) if number[0].isdigit() else cn_to_int(number)
    if n is None:
        return None
    return int(round(n * _UNIT.get(unit, 1)))


def parse_conditions(text: str) -> list[Condition]:
    r"""The count conditions a rule states, one per alternative ("或者", "；").

    A segment like "10万人以上、不满100万人" gives one range; "1万人以上" and "不满10万人" give
    half-open ones. Whether it concerns sensitive information is read from the segment's own words.
    A condition's words end where its clause goes on to what follows from it (：) and are one
    line, so that an answer can quote them in a sentence.

    >>> [c.text for c in parse_conditions("发生五万人以上个人信息泄露事件时，还应当履行以下义务：\n（一）报告")]
    ['发生五万人以上个人信息泄露事件时，还应当履行以下义务']
    """
    out: list[Condition] = []
    for segment in re.split(r"或者|；|;|。|：", text):
        low = high = None
        for m in _RULE_COUNT.finditer(segment):
            value = _value(m.group(1), m.group(2))
            if value is None:
                continue
            before, after = segment[max(0, m.start() - 3):m.start()], segment[m.end():m.end() + 3]
            if re.search(r"不满|不足|少于|低于|未达到?$", before) or after.startswith(("以下", "以内")):
                high = value
            elif after.startswith(("以上", "及以上")) or re.search(r"超过|达到|多于$", before):
                low = value
        if low is None and high is None:
            continue
        words = one_line(_ITEM_MARK.sub("", segment.strip("，,、 "))).strip()
        out.append(Condition(low, high, bool(_SENSITIVE.search(segment)), words))
    return out


def scenario_quantity(question: str) -> Quantity | None:
    """The count of persons a scenario names ("约150万名会员" → 1,500,000), if exactly one is named."""
    values = set()
    for m in _SCENARIO_COUNT.finditer(question):
        before, after = question[max(0, m.start() - 3):m.start()], question[m.end():m.end() + 3]
        if re.search(r"不满|不足|超过|达到|少于$", before) or after.startswith(("以上", "以下", "以内", "及以上")):
            continue  # the question quotes a threshold ("处理一百万人以上…") rather than stating a count
        if m.group(3) == "个" and not _person_follows(question[m.end():]):
            continue  # "60个工作日", "两个文件", "5个试点城市" count no persons
        if (v := _value(m.group(1), m.group(2))):
            values.add(v)
    if len(values) != 1:
        return None
    return Quantity(values.pop(), _sensitive(question))


def _person_follows(rest: str) -> bool:
    """Whether one of the next two words (within the clause) names persons: "个用户", "个人信息"."""
    clause = re.split(r"[，。；？！,;?!、的\s]", rest, maxsplit=1)[0][:12]
    words = [w for w in jieba.lcut(clause) if w.strip()][:2]
    return any(w[-1] in _AGENT_MORPHEME for w in words)


def _sensitive(question: str) -> bool:
    """Whether a scenario involves sensitive information: a sensitive word it does not negate."""
    for m in _SENSITIVE_SCENARIO.finditer(question):
        before = re.split(r"[，。；？！,;?!（）()]", question[max(0, m.start() - 8):m.start()])[-1]
        if not _NEGATED.search(before):
            return True
    return False


def matching(quantity: Quantity, conditions: list[Condition]) -> list[Condition]:
    """The conditions the quantity satisfies, for its kind of information."""
    return [c for c in conditions if c.sensitive == quantity.sensitive and c.holds(quantity.persons)]
