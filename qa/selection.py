"""Which retrieved clauses answer the question, and which of their sentences to quote.

Retrieval ranks clauses by similarity to the whole question; an answer needs the clause whose
*sentences* hold what the question asks for. Question terms are weighted by how rare they are
in the index (a term most clauses share says little), and a text's *coverage* is the share of
that weight it holds. Each candidate is quoted by its window of sentences that covers the
question best (:mod:`qa.quoting`); the decisive clause is the best-ranked one (that states the
asked-for figure, for a figure question; :mod:`qa.choice`). Also here: :func:`defines` (the clause
that gives a term's definition) and :func:`has_content` (whether a question asks about anything).
What a question asks by its form is read when it is parsed (:mod:`retrieval.asks`).

>>> w = TermWeights(["跟踪审查间隔一般不超过12个月", "应急审查一般在72小时内完成", "专家复核"])
>>> weights = w.weights(["跟踪", "审查", "间隔", "应急"])
>>> round(coverage(weights, "跟踪审查间隔一般不超过12个月"), 2) > round(coverage(weights, "应急审查"), 2)
True
>>> sorted(covered(weights, "应急审查一般在72小时内完成"))
['审查', '应急']
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_WS = re.compile(r"\s+")
SENTENCE = re.compile(r"[^。；！？!?\n]+[。；！？!?]?")  # a quotable sentence (or 项 ending in ；) of a clause


def fold(text: str) -> str:
    """``text`` as the tokenizer sees it: NFKC, lower case, no whitespace.

    >>> fold("5G 关键\\u3000元器件")
    '5g关键元器件'
    """
    return _WS.sub("", unicodedata.normalize("NFKC", text).lower())


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

    def __post_init__(self) -> None:
        if self.candidates < 1 or self.max_citations < 1 or self.max_quote_chars < 20:
            raise ValueError("candidates and max_citations must be positive, max_quote_chars at least 20")
        if not all(0.0 <= x <= 1.0 for x in (self.min_gain, self.min_gain_single, self.min_extra_coverage,
                                                   self.extra_ratio, self.count_ratio)):
            raise ValueError("min_gain, min_extra_coverage, extra_ratio and count_ratio are shares in [0, 1]")


def defines(text: str, term: str) -> bool:
    """Whether ``text`` defines ``term``: "本办法所称重要数据，是指…", "第二十八条 敏感个人信息是一旦…".

    >>> defines("本办法所称重要数据，是指一旦遭到篡改…", "重要数据"), defines("重要数据的处理者应当…", "重要数据")
    (True, False)
    >>> defines("第二十八条　敏感个人信息是一旦泄露…的个人信息", "敏感个人信息")
    True
    """
    t = re.escape(term)
    return bool(re.search(rf"所称{t}|{t}[”\"]?\s*[，,]?\s*(?:是指|指)|(?:^|[。；：\s条])\s*{t}[”\"]?\s*是", text))


class TermWeights:
    """Question terms weighted by inverse document frequency over the indexed texts.

    Document frequencies are counted on first use of a term and remembered (thread-safe).
    Only terms of two or more characters, or numbers, count.
    """

    def __init__(self, texts: Iterable[str]) -> None:
        self._texts = [fold(t) for t in texts]
        self._df: dict[str, int] = {}
        self._lock = threading.Lock()

    def _idf(self, term: str) -> float:
        df = self._df.get(term)
        if df is None:
            df = sum(1 for t in self._texts if term in t)
            with self._lock:
                self._df[term] = df
        return math.log((len(self._texts) + 1) / (df + 1)) + 0.1

    def weights(self, tokens: Sequence[str]) -> dict[str, float]:
        """``{term: weight}`` for the content terms among ``tokens`` (a term inside a longer
        one, 审查 in 科技伦理审查, keeps its own weight: both are asked for)."""
        terms = [t for t in dict.fromkeys(fold(t) for t in tokens) if len(t) >= 2 or t.isdigit()]
        return {t: self._idf(t) for t in terms}


# words that say how something is asked, not what about (the tokenizer drops 什么, 哪些, 如何 already)
ASKING_WORDS = frozenset("分别 各自 相比 对比 比较 区别 不同 差别 两者 二者 以及 还有 还要 多少 多久 为什么 怎样 "
                         "哪里 哪儿 谁 能否 可否 是不是 有没有".split())


def has_content(weights: dict[str, float]) -> bool:
    """Whether a question's terms say what it is about, beyond how it asks ("分别", "相比").

    >>> has_content({"分别": 4.4}), has_content({"相比": 4.8, "个人信息": 2.8})
    (False, True)
    """
    return any(t not in ASKING_WORDS for t in weights)


def covered(weights: dict[str, float], text: str) -> set[str]:
    """The weighted terms that occur in ``text``."""
    t = fold(text)
    return {term for term in weights if term in t}


def coverage(weights: dict[str, float], text: str, among: Iterable[str] | None = None) -> float:
    """Share of the question's term weight found in ``text`` (0 for a question without terms);
    with ``among``, only those terms count in the numerator."""
    total = sum(weights.values())
    if not total:
        return 0.0
    found = covered(weights, text)
    if among is not None:
        found &= set(among)
    return sum(weights[t] for t in found) / total
