"""A question that asks several things, split into questions that ask one each.

Retrieval ranks clauses against the whole question, so for "一般项目和清单项目的审查时限分别是
多久？" the clause about the list wins and the clause about the ordinary project, which shares every
word the other one has, adds nothing new. Asked on its own, each part finds its own clause. The
split follows the question's surface:

* two questions in one ("…怎么罚？那情节严重的呢？") are two parts; a part that leans on the
  first ("如果…呢", or one too short to stand alone) keeps the first as its context;
* in a question that says it wants each of several things (分别, 各自, 相比, 区别…):
  "A，和B相比，P" compares A with B, and the parts are "A，P" and "B，P"; otherwise the first
  phrase that coordinates items ("A、B和C", split at 和/与/以及/、/跟 where jieba reads them as
  words, never inside a document title) gives one part per item, with the rest of the question
  kept around it and what is asked after the last item ("…分别要多长时间") given to each; a head the
  first item shares with the others ("数据出境的安全评估、标准合同") is given to each too;
* a list of asks after what they are about ("…禁止做什么、谁来查处、怎么罚") is one part
  per ask.

>>> from index.tokenize import JiebaTokenizer
>>> sub_questions("普通数据和核心数据分别怎么保护？", JiebaTokenizer())
['普通数据分别怎么保护', '核心数据分别怎么保护']
>>> sub_questions("违法向境外提供重要数据，和拒不配合数据调取相比，罚款有什么不同？", JiebaTokenizer())
['违法向境外提供重要数据，罚款有什么不同', '拒不配合数据调取，罚款有什么不同']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.tokenize import JiebaTokenizer

from .asks import EACH_WORDS

_ASK_END = re.compile(r"[？?]+")
_CLAUSE = re.compile(r"[^，,：:；;]+[，,：:；;]?")
_COMPARED = re.compile(r"^(?:和|与|跟|同)(.+?)(?:相比|比较|对比|比)[，,：:；;]?$")
_LEANS = re.compile(r"^(?:如果|若|那|那么|而|还|另外|同时|此外|再)")
CONJUNCTIONS = frozenset({"和", "与", "以及", "、", "跟"})  # not 及: "检测及认证服务" is one item
# where the last item ends and what is asked of every item begins: "…和B分别要达到多少"
_TAIL = re.compile(r"分别|各自|都|均|各是|各有|有什么|有何|是什么|是多少|多少|怎么|如何")
_WH = re.compile(r"哪|谁|什么|多少|怎么|如何|几")
# items are split only in a question that says it wants each of them
_EACH = re.compile(EACH_WORDS)
MIN_PART = 4  # characters of an item that can stand as a question
MAX_PARTS = 4

Words = Callable[[str], list[tuple[str, int, int]]]


def _strip(text: str) -> str:
    return text.strip().strip("，,：:；;。 ")


def _questions(question: str) -> list[tuple[str, str]]:
    """``question`` cut after each question mark as ``(context, part)``; a part that leans on the
    first has the first as its context. Text after the last question mark (the options of a
    multiple-choice question) stays with the part before it."""
    pieces = [p for p in re.findall(r"[^？?]*[？?]+|[^？?]+$", question) if p.strip()]
    if len(pieces) > 1 and not _ASK_END.search(pieces[-1]):
        pieces[-2:] = [pieces[-2] + pieces[-1]]
    parts = [_strip(_ASK_END.sub("", p)) if _ASK_END.search(p[-1:]) else _strip(p) for p in pieces]
    parts = [p for p in parts if len(p) >= MIN_PART]
    if len(parts) < 2:
        return [("", _strip(question.rstrip("？? ")))]
    first = parts[0]
    return [("", first)] + [(first if _LEANS.match(p) or len(p) < 10 else "", p) for p in parts[1:]]


def _items(clause: str, words: Words, keep: Sequence[str]) -> list[str]:
    """``clause`` cut at its coordinating words outside the ``keep`` phrases (titles such as
    促进和规范数据跨境流动规定); [] when it coordinates nothing."""
    kept = [(m.start(), m.end()) for k in keep if k in clause for m in re.finditer(re.escape(k), clause)]
    cuts = [(s, e) for w, s, e in words(clause)
            if w in CONJUNCTIONS and not any(a <= s and e <= b for a, b in kept)]
    if not cuts:
        return []
    items, at = [], 0
    for s, e in cuts:
        items.append(clause[at:s])
        at = e
    last = clause[at:]
    m = _TAIL.search(last)
    tail = last[m.start():] if m and m.start() >= 2 else ""
    items.append(last[:len(last) - len(tail)])
    items = [_strip(i) for i in items]
    if len(items) < 2 or any(len(i) < 2 for i in items):
        return []
    head = items[0][:items[0].rfind("的") + 1] if "的" in items[0] else ""
    if head and len(head) < len(items[0]) and not any("的" in i for i in items[1:]):
        items[1:] = [head + i for i in items[1:]]
    return [i + tail for i in items]


def _asks(question: str) -> list[str]:
    """The asks of "…禁止做什么、谁来查处、怎么罚": the question up to its first ask, then
    each ask listed after it, each one a question word's phrase; [] for any other question."""
    head, sep, tail = question.rpartition("，")
    items = [i for i in re.split(r"[、，]", tail) if i.strip()]
    if len(items) < 2 or not all(_WH.search(i) for i in items):
        return []
    first = items[0]
    # what every ask is about: the clauses before the list, else the first ask's words before its question word
    context = head + sep if head else first[:_WH.search(first).start()]
    return [_strip(head + sep + first)] + [_strip(context + i) for i in items[1:]]


def _split_one(question: str, words: Words, keep: Sequence[str]) -> list[str]:
    if not _EACH.search(question):
        return _asks(question) or [question]
    clauses = [m.group(0) for m in _CLAUSE.finditer(question)]
    for i, clause in enumerate(clauses):
        m = _COMPARED.match(clause.strip())
        if m and i > 0 and (i > 1 or clauses[i + 1:]):  # A, "和B相比", and something asked of both
            a = clauses[:i] + clauses[i + 1:]
            b = clauses[:i - 1] + [m.group(1) + "，"] + clauses[i + 1:]
            return [_strip("".join(a)), _strip("".join(b))]
    for i, clause in enumerate(clauses):
        items = _items(_strip(clause), words, keep)
        if items:
            before, after = "".join(clauses[:i]), "".join(clauses[i + 1:])
            tail = clause[len(clause.rstrip("，,：:；; ")):]
            return [_strip(before + item + (tail if after else "") + after) for item in items]
    return [question]


@dataclass(frozen=True)
class Part:
    """One thing a question asks. ``follow_up``: a question of its own after the first
    ("…怎么罚？那情节严重的呢？"), which asks about the same subject."""

    text: str
    follow_up: bool = False


def parts(question: str, words: Words | JiebaTokenizer, keep: Sequence[str] = ()) -> list[Part]:
    """:func:`sub_questions` with each part's :class:`Part` kind."""
    if isinstance(words, JiebaTokenizer):
        words = words.words
    if not callable(words):
        raise TypeError("words must be a JiebaTokenizer or a callable giving (word, start, end)")
    out: list[Part] = []
    for n, (context, q) in enumerate(_questions(question)):
        for p in _split_one(q, words, keep):
            p = f"{context}，{p}" if context else p
            if all(p != o.text for o in out):
                out.append(Part(p, follow_up=n > 0))
    return out[:MAX_PARTS]


def sub_questions(question: str, words: Words | JiebaTokenizer, keep: Sequence[str] = ()) -> list[str]:
    """The one-thing questions ``question`` asks, in its order; ``[question]`` minus its question
    marks when it asks one thing. ``words`` segments a text as ``(word, start, end)``: a
    :class:`~index.tokenize.JiebaTokenizer` or any callable that does so; no cut falls inside a
    ``keep`` phrase (the corpus' document titles)."""
    return [p.text for p in parts(question, words, keep)]
