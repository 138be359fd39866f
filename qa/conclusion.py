"""Answers that conclude: what the deciding clause says to do, read off its own words.

A rule decides a yes-or-no question by its modal verb: 应当/必须 (required), 不得/禁止
(prohibited), 免予/无需 (not required), 可以/有权 (allowed). :func:`decide` finds, in the
quotes an answer cites, the stretch between two punctuation marks that carries such a verb
and holds most of the question's terms, and says which it is; :func:`qa.wording.conclusion_line`
turns it into the answer's first line, quoting that stretch. Nothing here knows a subject:
only the grammar of obligation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from math import fsum

from ingest.wrapping import unwrap
from retrieval.terms import covered

# in order of precedence: "可以免予申报" is an exemption, "不得…" a prohibition whatever follows
MODALS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("prohibited", re.compile(r"不得|禁止|严禁|不准|不允许")),
    ("exempt", re.compile(r"免予|免于|无需|无须|不需要|不必|可以不")),
    ("required", re.compile(r"应当|必须|(?<![无必])须(?!知)")),
    ("allowed", re.compile(r"可以|有权|允许")),
)
_PIECE = re.compile(r"[^，,。；;：:\n]+")


@dataclass(frozen=True)
class Decision:
    """What a clause says to do: ``kind`` (required, prohibited, exempt, allowed), the words that
    say it (from the modal verb to the end of its phrase) and the citation they are quoted from."""

    kind: str
    words: str
    marker: int


def modal(text: str) -> tuple[str, int] | None:
    """The kind of the first modal verb of ``text`` by precedence, and where it starts.

    >>> modal("可以免予申报数据出境安全评估"), modal("个人信息处理者不得过度收集")
    (('exempt', 2), ('prohibited', 7))
    >>> modal("国家鼓励发展数据产业") is None
    True
    """
    for kind, pattern in MODALS:
        m = pattern.search(text)
        if m:
            return kind, m.start()
    return None


def decide(quotes: list[tuple[int, str]], weights: dict[str, float], min_share: float) -> Decision | None:
    """The decision the cited ``quotes`` (marker, quote) state about the question (its term
    ``weights``): the phrase with a modal verb that holds the largest share of the question's
    weight, at least ``min_share``; None when no phrase both carries a modal verb and is about
    what is asked.

    >>> w = {"申报": 2.0, "安全评估": 3.0, "罚款": 2.0}
    >>> decide([(1, "满足以下情形时应当申报安全评估：")], w, 0.3)
    Decision(kind='required', words='应当申报安全评估', marker=1)
    >>> decide([(1, "主管部门可以另作安排，处以罚款")], w, 0.3) is None
    True
    """
    total = sum(weights.values()) or 1.0
    best: tuple[float, Decision] | None = None
    for marker, quote in quotes:
        for m in _PIECE.finditer(unwrap(quote)):  # a phrase wrapped over two lines reads as one
            piece = m.group()
            found = modal(piece)
            if found is None:
                continue
            share = fsum(weights[t] for t in covered(weights, piece)) / total
            if share >= min_share and (best is None or share > best[0]):
                kind, at = found
                best = share, Decision(kind, piece[at:].strip(), marker)
    return best[1] if best else None
