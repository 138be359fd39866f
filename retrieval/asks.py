"""What a question asks by its form, not by its subject.

How many things it asks for (:func:`asked_count`, "哪两份"), whether it asks several at once
(:func:`asks_several`), the term it asks the definition of (:func:`defined_term`), the years it
asks a figure for (:func:`target_years`), whether it asks which of two rules applies
(:func:`asks_which`), the form of answer it wants (:func:`answer_form`: yes or no, or a list) and,
for a yes or no, what it asks may be done (:func:`asked_action`), and the facts it asks of a document itself — its
number, issuers, dates (:func:`asked_document_facts`). Each is read once, when the question is parsed
(:mod:`retrieval.query`).
"""

from __future__ import annotations

import re

# words by which a question says it wants each of several things (retrieval.decompose splits only on these) ...
EACH_WORDS = r"分别|各自|各是|各有|相比|对比|比较|区别|不同|哪个更|哪个最|两者|二者"
# ... and those by which it adds one more
_SEVERAL = re.compile(EACH_WORDS + r"|以及|还要|还有|又要|又")
_COUNT = re.compile(r"哪([两二三四])(?:份|项|种|个|类|条|部)")
_COUNTS = {"两": 2, "二": 2, "三": 3, "四": 4}


def asked_count(question: str) -> int | None:
    """How many things a question asks for by number ("哪两份报告…" → 2), if it says.

    >>> asked_count("平台每季度要向监管部门提交哪两份材料？"), asked_count("有哪些情形？")
    (2, None)
    """
    m = _COUNT.search(question)
    return _COUNTS[m.group(1)] if m else None


def asks_several(question: str) -> bool:
    """Whether a question asks for several things at once: "A和B分别…", "…相比", two questions in one.

    >>> asks_several("普通数据和核心数据分别怎么保护？"), asks_several("要备案吗？备案后多久生效？")
    (True, True)
    >>> asks_several("数据出境安全评估的申报情形有哪些？")
    False
    """
    return bool(_SEVERAL.search(question)) or len(re.findall(r"[？?]", question.rstrip("？? "))) >= 1


_DEFINED = [
    re.compile(r"[“\"]([^”\"]{2,20})[”\"](?:的定义|的含义|是怎么界定|是如何界定|怎么界定|如何界定|是怎么定义|怎么定义|如何定义|"
               r"是指|指的是|是什么意思|什么意思)"),
    re.compile(r"什么是[“\"]?([\u4e00-\u9fff]{2,12}?)[”\"]?[？?]?$"),
    re.compile(r"([\u4e00-\u9fff]{2,12}?)(?:是指什么|指的是什么|是什么意思|的定义是什么|的含义是什么)"),
]


def defined_term(question: str) -> str | None:
    """The term a question asks the definition of ("“个人信息处理者”如何定义？" → 个人信息处理者), if any.

    >>> defined_term("“个人信息处理者”如何定义？"), defined_term("什么是敏感个人信息？")
    ('个人信息处理者', '敏感个人信息')
    >>> defined_term("网安法中的网络运营者是指什么？")
    '网络运营者'
    >>> defined_term("重要数据出境要申报什么？") is None
    True
    """
    for n, pattern in enumerate(_DEFINED):
        m = pattern.search(question.strip())
        if m:
            # a quoted term as quoted; else what follows the last 的/里 ("网安法中的网络运营者" → 网络运营者)
            term = m.group(1) if n == 0 else re.split(r"[的里]", m.group(1))[-1]
            return term if len(term) >= 2 else None
    return None


_TARGET_YEAR = re.compile(r"(?:到|至|截至|截止|在)\s*(\d{4})\s*年|(\d{4})\s*年\s*(?:底|末|前)")


def target_years(question: str) -> set[str]:
    """The years a question asks a figure for ("到2025年…多少", "2023年底…"), as digits.

    >>> sorted(target_years("到2026年某省算力总量计划达到多少？")), target_years("2024年的规定讲了什么？")
    (['2026'], set())
    """
    return {a or b for a, b in _TARGET_YEAR.findall(question)}


# a question that asks which of two rules applies
ASKS_WHICH = re.compile(r"为准|哪个适用|适用哪|哪个优先|优先适用|还适用|是否适用|还有效|冲突|不一致|以哪")


def asks_which(question: str) -> bool:
    """Whether a question asks which of two rules applies ("两个规定冲突时听谁的？").

    >>> asks_which("新旧两个规定冲突时听谁的？"), asks_which("申报情形有哪些？")
    (True, False)
    """
    return bool(ASKS_WHICH.search(question))


def defines(text: str, term: str) -> bool:
    """Whether ``text`` defines ``term``: "本办法所称重要数据，是指…", "第二十八条 敏感个人信息是一旦…".

    >>> defines("本办法所称重要数据，是指一旦遭到篡改…", "重要数据"), defines("重要数据的处理者应当…", "重要数据")
    (True, False)
    >>> defines("第二十八条　敏感个人信息是一旦泄露…的个人信息", "敏感个人信息")
    True
    """
    t = re.escape(term)
    return bool(re.search(rf"所称{t}|{t}[”\"]?\s*[，,]?\s*(?:是指|指)|(?:^|[。；：\s条])\s*{t}[”\"]?\s*是", text))


# the forms of a question, by its grammar: a list of cases or items ("哪些情形", "什么情况下") ...
_LIST = re.compile(r"哪些|哪几|什么情况|什么情形|何种情形|哪种情况|哪种情形|什么条件|哪些条件|情形有|条件有|包括什么|有什么要求")
# ... or a yes or no ("需要…吗", "能不能", "是否")
_YES_NO = re.compile(r"吗[？?。！!\s]*$|是否|能否|可否|要不要|能不能|可不可以|需不需要|用不用|必须不必须|有没有必要|行不行|可以不可以")


def answer_form(question: str) -> str | None:
    """The form of answer a question wants: ``"list"`` (every case or item: "有哪些情形",
    "什么情况下…"), ``"yes_no"`` ("需要申报吗", "能不能…", "是否…"), or None (a fact, a figure, a
    definition). A list is asked before a yes or no ("哪些情况下需要…吗" wants the cases).

    >>> answer_form("什么情况下需要申报？"), answer_form("我们需要申报吗？"), answer_form("备案期限有多长？")
    ('list', 'yes_no', None)
    """
    if _LIST.search(question):
        return "list"
    if _YES_NO.search(question):
        return "yes_no"
    return None


# where a yes-or-no question turns to what it asks may be done ("…需要先备案吗", "…能否转委托")
_ASKING_VERB = re.compile(r"需不需要|要不要|能不能|可不可以|用不用|能否|可否|是否|需要|必须|应当|应该|允许|可以|还能|"
                          r"(?<![功性可])能(?![力源够])|(?<![重主纲摘])要(?![求素点件])")
_ASKED_END = re.compile(r"吗?[？?。！!\s]*$")


def asked_action(question: str) -> str:
    """What a yes-or-no question asks whether one must or may do: its words after the last asking
    verb ("需要", "能否", "是否"…), without the final 吗; "" when it has none.

    >>> asked_action("小区物业装了门禁，必须先征得业主书面同意吗？"), asked_action("网店能否把买家电话交给快递？")
    ('先征得业主书面同意', '把买家电话交给快递')
    >>> asked_action("那么做可以吗？")
    ''
    """
    head = _ASKED_END.sub("", question.strip())
    last = None
    for m in _ASKING_VERB.finditer(head):
        last = m
    return head[last.end():].strip("，, ") if last else ""


# What a question asks about a document itself rather than what it says: its number (文号, 第几号令), who issued it,
# when it was issued or takes effect, when its comment period closes. A date is asked of a document only with a verb
# of issuing or taking effect ("何时施行", "哪一天印发"), so "何时要告知" asks no fact of a document.
_FACT_NUMBER = re.compile(r"文号|字号|几号令|第几号|公告编号|发文号|令号")
_FACT_ISSUER = re.compile(r"(?:哪个|哪些|哪几个|哪两个|哪两家|哪几家|哪家|几个|什么)(?:部门|单位|机构|机关)(?:联合|一起|共同)?"
                          r"(?:印发|发布|出台|发的|发文)|谁(?:印发|发布|出台|发的)|发文机关|联合(?:发布|印发)")
_FACT_WHEN = re.compile(r"哪天|哪一天|什么时候|何时|哪年|几号|几月|日期|时间")
_FACT_EFFECTIVE = re.compile(r"施行|生效|开始实施|起实施|实施日期|开始执行")
_FACT_PUBLISHED = re.compile(r"发布|印发|公布|出台|审议通过|签发|发的|发出")
_FACT_DEADLINE = re.compile(r"截止|截至到|截到")
DOCUMENT_FACTS = ("number", "issuer", "published", "effective", "deadline")


def asked_document_facts(question: str) -> tuple[str, ...]:
    """Which facts of a document itself a question asks (of :data:`DOCUMENT_FACTS`, in that order): its number,
    its issuer, when it was issued, when it takes effect, when its comment period closes.

    >>> asked_document_facts("丁条例发文字号多少，哪一天起施行")
    ('number', 'effective')
    >>> asked_document_facts("该通知由哪家单位印发，何时公布")
    ('issuer', 'published')
    >>> asked_document_facts("何时应当开展评估"), asked_document_facts("反馈意见截至到哪一日")
    ((), ('deadline',))
    """
    when = bool(_FACT_WHEN.search(question))
    found = {"number": bool(_FACT_NUMBER.search(question)), "issuer": bool(_FACT_ISSUER.search(question)),
             "published": when and bool(_FACT_PUBLISHED.search(question)),
             "effective": when and bool(_FACT_EFFECTIVE.search(question)),
             "deadline": bool(_FACT_DEADLINE.search(question))}
    return tuple(f for f in DOCUMENT_FACTS if found[f])
