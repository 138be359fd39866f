"""Question terms weighted by how rare they are in the index, and how much of that weight a text holds.

A term most clauses share says little; a text's *coverage* is the share of the question's term
weight it contains. Used by the learned ranker's features (:mod:`retrieval.features`) and by the
answerer's choice of clauses and quote windows.

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

_WS = re.compile(r"\s+")


def fold(text: str) -> str:
    """``text`` as the tokenizer sees it: NFKC, lower case, no whitespace.

    >>> fold("5G 关键\\u3000元器件")
    '5g关键元器件'
    """
    return _WS.sub("", unicodedata.normalize("NFKC", text).lower())


class TermWeights:
    """Question terms weighted by inverse document frequency over the indexed texts.

    Document frequencies are counted on first use of a term and remembered (thread-safe).
    Only terms of two or more characters, or numbers, count.
    """

    def __init__(self, texts: Iterable[str]) -> None:
        self._texts = [fold(t) for t in texts]
        self._df: dict[str, int] = {}
        self._lock = threading.Lock()

    def df(self, term: str) -> int:
        """How many indexed texts hold ``term`` (folded), counted once and remembered."""
        df = self._df.get(term)
        if df is None:
            df = sum(1 for t in self._texts if term in t)
            with self._lock:
                self._df[term] = df
        return df

    def _idf(self, term: str) -> float:
        return math.log((len(self._texts) + 1) / (self.df(term) + 1)) + 0.1

    def weights(self, tokens: Sequence[str]) -> dict[str, float]:
        """``{term: weight}`` for the content terms among ``tokens`` (a term inside a longer
        one, 审查 in 科技伦理审查, keeps its own weight: both are asked for)."""
        terms = [t for t in dict.fromkeys(fold(t) for t in tokens) if len(t) >= 2 or t.isdigit()]
        return {t: self._idf(t) for t in terms}


def covered(weights: dict[str, float], text: str, folded: bool = False) -> set[str]:
    """The weighted terms that occur in ``text`` (``folded``: already :func:`fold`-ed)."""
    t = text if folded else fold(text)
    return {term for term in weights if term in t}


def outside(weights: dict[str, float], text: str, folded: bool = False) -> dict[str, float]:
    """``weights`` less the terms ``text`` holds: a clause's own terms, its document title's aside
    (every clause of a document shares them)."""
    held = covered(weights, text, folded)
    return {t: w for t, w in weights.items() if t not in held}


def coverage(weights: dict[str, float], text: str, among: Iterable[str] | None = None,
             folded: bool = False) -> float:
    """Share of the question's term weight found in ``text`` (0 for a question without terms);
    with ``among``, only those terms count in the numerator; ``folded``: ``text`` is already folded."""
    total = sum(weights.values())
    if not total:
        return 0.0
    found = covered(weights, text, folded)
    if among is not None:
        found &= set(among)
    return math.fsum(weights[t] for t in found) / total
