"""How the answer's clauses are chosen and quoted: its parameters, the sentence a quote is made
of, and whether a question asks about anything at all.

Question terms are weighted by how rare they are in the index and a text's coverage is the share
of that weight it holds (:mod:`retrieval.terms`); each candidate is quoted by its window of
sentences that covers the question best (:mod:`qa.quoting`); the decisive clause is the
best-ranked one that fits (:mod:`qa.choice`). What a question asks by its form is read when it
is parsed (:mod:`retrieval.asks`).

>>> has_content({"分别": 4.4}), has_content({"相比": 4.8, "个人信息": 2.8})
(False, True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SENTENCE = re.compile(r"[^。；！？!?\n]+[。；！？!?]?")  # a quotable sentence (or 项 ending in ；) of a clause


@dataclass(frozen=True)
class SelectionParams:
    """How clauses are chosen (set on the dev questions; see the report of issue 6).

    ``coverage_weight`` trades a clause's quote coverage against its retrieval position;
    ``min_gain`` is the share of question weight a further clause must add; it must also cover
    ``min_extra_coverage`` of the question and ``extra_ratio`` of what the decisive clause
    covers; ``max_citations`` bounds the clauses of one answer.
    """

    candidates: int = 5
    coverage_weight: float = 0.0  # 0.1-0.2 won one dev question and lost external ones: rank decides
    min_gain: float = 0.05  # for a question asking for several things (:func:`asks_several`)
    min_gain_single: float = 1.0  # for any other question (1.0: never a second clause)
    min_extra_coverage: float = 0.2
    extra_ratio: float = 1.0  # a further clause covers at least this share of what the decisive one covers
    max_citations: int = 3
    max_part_citations: int = 4  # with the clauses the parts of a several-part question find (retrieval.decompose)
    part_candidates: int = 3  # hits of each part looked at
    part_dense: bool = False  # parts searched by BM25 (and titles, lookup) only; True adds dense retrieval
    max_quote_chars: int = 360
    several_quote_chars: int = 540  # for a question that asks several things (asks_several)
    count_ratio: float = 0.8  # "哪两份…": each further clause of the decisive document covers this share of it
    # "哪些情形…": a further article of the decisive document says the same thing is to be done when its
    # modal sentence holds this share of what the decisive one's holds of the question (Chooser.gather); >1: never
    gather_share: float = 1.0
    max_list_citations: int = 6  # citations of such a question, the gathered ones included

    def __post_init__(self) -> None:
        if self.candidates < 1 or self.max_citations < 1 or self.max_quote_chars < 20:
            raise ValueError("candidates and max_citations must be positive, max_quote_chars at least 20")
        if not all(0.0 <= x <= 1.0 for x in (self.min_gain, self.min_gain_single, self.min_extra_coverage,
                                                   self.extra_ratio, self.count_ratio)):
            raise ValueError("min_gain, min_extra_coverage, extra_ratio and count_ratio are shares in [0, 1]")


# words that say how something is asked, not what about (the tokenizer drops 什么, 哪些, 如何 already)
ASKING_WORDS = frozenset("分别 各自 相比 对比 比较 区别 不同 差别 两者 二者 以及 还有 还要 多少 多久 为什么 怎样 "
                         "哪里 哪儿 谁 能否 可否 是不是 有没有".split())


def has_content(weights: dict[str, float]) -> bool:
    """Whether a question's terms say what it is about, beyond how it asks ("分别", "相比").

    >>> has_content({"分别": 4.4}), has_content({"相比": 4.8, "个人信息": 2.8})
    (False, True)
    """
    return any(t not in ASKING_WORDS for t in weights)


