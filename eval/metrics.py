"""Evaluation metrics as pure functions over per-question results.

All text matching ignores whitespace: every whitespace character (ASCII and Unicode,
e.g. ``\\n``, U+3000, U+2002) is removed from both sides before a substring test.

>>> contains("数据出境\\u3000安全评估", "出境 安全")
True
>>> recall_at_k([1, 3, None, 7], 5)
0.5
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

_WS = re.compile(r"\s+")

UNANSWERABLE = "unanswerable"
TYPE_ORDER = ("clause", "scenario", "policy", "multi", UNANSWERABLE)
# The figures of metrics.json, in order; ``by_type`` repeats them per question type.
FIGURES = (
    "n", "n_answerable", "evidence_recall@1", "evidence_recall@5", "evidence_recall@10", "mrr@10",
    "key_fact_accuracy", "citation_precision", "abstention_accuracy", "false_abstention_rate",
    "latency_ms_p50", "latency_ms_p95",
)
RATE_METRICS = FIGURES[2:10]
# figures that only some question sets have (a set of rewordings): reported and thresholded when present
EXTRA_FIGURES = ("consistency", "n_groups")
MAX_K = 10
# Thresholds on these are maxima; on every other metric they are minima.
MAXIMUM_SUFFIXES = ("false_abstention_rate", "latency_ms_p95", "latency_ms_p50")


def squash(text: str) -> str:
    """``text`` without any whitespace.

    >>> squash("数据 出境\\n安全\\u3000评估\\u2002办法")
    '数据出境安全评估办法'
    """
    return _WS.sub("", text)


def contains(haystack: str, needle: str) -> bool:
    """Whether ``needle`` occurs in ``haystack`` once whitespace is removed from both (never for an empty needle)."""
    n = squash(needle)
    return bool(n) and n in squash(haystack)


@dataclass(frozen=True)
class Retrieved:
    """One retrieved chunk: where it sits in its source file and what it says."""

    source: str
    start: int
    end: int
    text: str
    label: str = ""
    doc_title: str = ""


class _SquashedSource:
    """A source text without whitespace, and the map from original offsets to squashed ones."""

    def __init__(self, text: str) -> None:
        self.kept = [i for i, ch in enumerate(text) if not ch.isspace()]
        self.text = "".join(text[i] for i in self.kept)

    def to_squashed(self, offset: int) -> int:
        """How many non-whitespace characters precede original ``offset``."""
        return bisect.bisect_left(self.kept, offset)


class EvidenceLocator:
    """Decides whether a retrieved chunk holds a gold evidence string.

    A chunk holds an evidence string when the string is inside the chunk text, or when one
    of the string's occurrences in the chunk's source file overlaps the chunk's span by at
    least half of the string's length (evidence can cross a chunk boundary). Lengths and
    overlaps are counted in non-whitespace characters.

    >>> loc = EvidenceLocator({"a.txt": "甲乙丙丁\\n戊己庚辛"})
    >>> loc.matches(Retrieved("a.txt", 0, 6, "甲乙丙丁\\n戊"), ["丙丁戊己"])
    True

    ``superseded`` gives, per source, the ``(start, end)`` spans (original offsets) of the documents the
    index marks superseded (a later version of them, or a text repealing them, is indexed too); a
    question whose evidence lies only there has a stale gold (:meth:`stale`).
    """

    def __init__(self, sources: Mapping[str, str],
                 superseded: Mapping[str, Sequence[tuple[int, int]]] | None = None) -> None:
        self._texts = dict(sources)
        self._superseded = {path: list(spans) for path, spans in (superseded or {}).items()}
        self._squashed: dict[str, _SquashedSource] = {}
        self._occ: dict[str, list[tuple[str, int, int]]] = {}

    @classmethod
    def of_index(cls, sources: Mapping[str, Any], documents: Iterable[Any] = ()) -> EvidenceLocator:
        """A locator over an index's source texts (``IndexData.sources``: path → a record with ``.text``)
        and its documents (``IndexData.documents``), of which those with status ``superseded`` make
        :meth:`stale` true for evidence found only in them."""
        superseded: dict[str, list[tuple[int, int]]] = {}
        for doc in documents:
            if doc.metadata.get("status") == "superseded":
                superseded.setdefault(doc.source, []).append((doc.start, doc.end))
        return cls({path: source.text for path, source in sources.items()}, superseded)

    def _source(self, path: str) -> _SquashedSource | None:
        if path not in self._texts:
            return None
        if path not in self._squashed:
            self._squashed[path] = _SquashedSource(self._texts[path])
        return self._squashed[path]

    def occurrences(self, evidence: str) -> list[tuple[str, int, int]]:
        """Every ``(source, start, end)`` of ``evidence`` in squashed coordinates."""
        ev = squash(evidence)
        if not ev:
            return []
        if ev not in self._occ:
            found = []
            for path in self._texts:
                src = self._source(path)
                assert src is not None
                i = src.text.find(ev)
                while i >= 0:
                    found.append((path, i, i + len(ev)))
                    i = src.text.find(ev, i + 1)
            self._occ[ev] = found
        return self._occ[ev]

    def matches(self, chunk: Retrieved, evidence: Sequence[str]) -> bool:
        """Whether ``chunk`` holds at least one of the ``evidence`` strings."""
        for ev in evidence:
            if contains(chunk.text, ev):
                return True
        return self.overlapped(chunk.source, chunk.start, chunk.end, evidence)

    def overlapped(self, source: str, start: int, end: int, evidence: Sequence[str]) -> bool:
        """Whether an occurrence of one of the ``evidence`` strings in ``source`` overlaps ``[start, end)``
        (original offsets) by at least half its length."""
        src = self._source(source)
        if src is None:
            return False
        cs, ce = src.to_squashed(start), src.to_squashed(end)
        for ev in evidence:
            for path, a, b in self.occurrences(ev):
                if path == source and 2 * (min(b, ce) - max(a, cs)) >= b - a:
                    return True
        return False

    def holders(self, spans: Sequence[tuple[str, int, int]], evidence: Sequence[str]) -> list[int]:
        """The positions in ``spans`` (``(source, start, end)``) of those :meth:`overlapped` by one of the
        ``evidence`` strings: :meth:`matches`' test on the sources, for many spans at once (the chunk-text
        test, which needs each text, is left out)."""
        return [i for i, (path, start, end) in enumerate(spans) if self.overlapped(path, start, end, evidence)]

    def stale(self, evidence: Sequence[str]) -> bool:
        """Whether the ``evidence`` strings occur somewhere, and only inside superseded documents: the
        question was written against a text the index holds a later version of (or a repeal), so a
        current answer may rightly cite other words.

        >>> loc = EvidenceLocator({"a.txt": "旧法第一条罚款一万元。新法第一条罚款十万元。"}, {"a.txt": [(0, 11)]})
        >>> loc.stale(["罚款一万元"]), loc.stale(["罚款十万元"]), loc.stale(["第一条罚款"]), loc.stale(["无此句"])
        (True, False, False, False)
        """
        found = [occ for ev in evidence for occ in self.occurrences(ev)]
        if not found:
            return False
        for path, a, b in found:
            src = self._source(path)
            assert src is not None
            if not any(src.to_squashed(s) <= a and b <= src.to_squashed(e) for s, e in self._superseded.get(path, ())):
                return False
        return True

    def unlocated(self, evidence: Iterable[str]) -> list[str]:
        """The evidence strings found in no source (their questions can still match chunk text)."""
        return [ev for ev in evidence if not self.occurrences(ev)]


def first_hit_rank(flags: Sequence[bool]) -> int | None:
    """1-based rank of the first True, or None.

    >>> first_hit_rank([False, True, True])
    2
    """
    return next((i for i, f in enumerate(flags, start=1) if f), None)


def recall_at_k(first_ranks: Sequence[int | None], k: int) -> float | None:
    """Share of questions whose first evidence chunk is within the top ``k`` (None for no questions)."""
    if not first_ranks:
        return None
    return sum(1 for r in first_ranks if r is not None and r <= k) / len(first_ranks)


def mrr_at_k(first_ranks: Sequence[int | None], k: int = MAX_K) -> float | None:
    """Mean reciprocal rank of the first evidence chunk, 0 beyond ``k``.

    >>> mrr_at_k([1, 2, None, 20])
    0.375
    """
    if not first_ranks:
        return None
    return sum(1.0 / r for r in first_ranks if r is not None and r <= k) / len(first_ranks)


def missing_key_facts(answer_text: str, key_facts: Sequence[str]) -> list[str]:
    """The key facts not in ``answer_text`` (whitespace ignored)."""
    text = squash(answer_text)
    return [f for f in key_facts if squash(f) not in text]


def citation_ok(quote: str, evidence: Sequence[str]) -> bool:
    """Whether a cited quote contains a gold evidence string or lies inside one.

    >>> citation_ok("第四条 甲乙丙丁。", ["乙丙"]), citation_ok("乙丙", ["甲乙 丙丁"]), citation_ok("丁戊", ["甲乙丙丁"])
    (True, True, False)
    """
    q = squash(quote)
    if not q:
        return False
    for ev in evidence:
        e = squash(ev)
        if e and (e in q or q in e):
            return True
    return False


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (linear interpolation), None for no values."""
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


@dataclass
class QuestionResult:
    """What one system did with one question, reduced to what the metrics need."""

    id: str
    type: str
    first_rank: int | None = None  # rank of the first evidence chunk in the top 10
    key_facts_ok: bool | None = None  # None for unanswerable questions
    citations_ok: list[bool] = field(default_factory=list)
    abstained: bool = False
    latency_ms: float = 0.0
    group: str | None = None  # questions that reword one question share a group (eval/paraphrases.jsonl)
    # what the answer decided: its decisive citation (or that it abstained) and the key facts it lacks
    outcome: tuple[str, frozenset[str]] | None = None
    stale: bool = False  # the gold evidence lies only in documents the index marks superseded

    @property
    def answerable(self) -> bool:
        return self.type != UNANSWERABLE


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def figures(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """The :data:`FIGURES` over ``results``; a rate with no question to count is None."""
    ans = [r for r in results if r.answerable]
    unans = [r for r in results if not r.answerable]
    ranks = [r.first_rank for r in ans]
    cits = [ok for r in ans for ok in r.citations_ok]
    lat = [r.latency_ms for r in results]
    out: dict[str, Any] = {"n": len(results), "n_answerable": len(ans)}
    for k in (1, 5, 10):
        out[f"evidence_recall@{k}"] = _round(recall_at_k(ranks, k), 4)
    out["mrr@10"] = _round(mrr_at_k(ranks, MAX_K), 4)
    out["key_fact_accuracy"] = _round(sum(bool(r.key_facts_ok) for r in ans) / len(ans), 4) if ans else None
    out["citation_precision"] = _round(sum(cits) / len(cits), 4) if cits else None
    out["abstention_accuracy"] = _round(sum(r.abstained for r in unans) / len(unans), 4) if unans else None
    out["false_abstention_rate"] = _round(sum(r.abstained for r in ans) / len(ans), 4) if ans else None
    out["latency_ms_p50"] = _round(percentile(lat, 50), 1)
    out["latency_ms_p95"] = _round(percentile(lat, 95), 1)
    return out


def type_order(types: Iterable[str]) -> list[str]:
    """Question types in the canonical order, unknown ones after, alphabetically."""
    present = set(types)
    return [t for t in TYPE_ORDER if t in present] + sorted(present - set(TYPE_ORDER))


def consistency(results: Sequence[QuestionResult]) -> tuple[float | None, int]:
    """Share of groups (two or more rewordings of one question) whose answers all have the same
    outcome — the same decisive citation, or all abstain, and the same key facts missing — and the
    number of groups.

    >>> same, other = ("《甲法》第一条", frozenset()), ("《乙法》第二条", frozenset())
    >>> rs = [QuestionResult("a1", "clause", group="a", outcome=same), QuestionResult("a2", "clause", group="a", outcome=same),
    ...       QuestionResult("b1", "clause", group="b", outcome=same), QuestionResult("b2", "clause", group="b", outcome=other)]
    >>> consistency(rs)
    (0.5, 2)
    """
    groups: dict[str, list[QuestionResult]] = {}
    for r in results:
        if r.group is not None:
            groups.setdefault(r.group, []).append(r)
    groups = {g: rs for g, rs in groups.items() if len(rs) >= 2}
    if not groups:
        return None, 0
    same = sum(len({r.outcome for r in rs}) == 1 for rs in groups.values())
    return _round(same / len(groups), 4), len(groups)


def summarise(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """Overall figures, ``by_type``, the recall@k curve (k = 1..10) and, for a set of rewordings,
    ``consistency`` over its groups."""
    out = figures(results)
    out["by_type"] = {t: figures([r for r in results if r.type == t]) for t in type_order(r.type for r in results)}
    ranks = [r.first_rank for r in results if r.answerable]
    out["evidence_recall_curve"] = [_round(recall_at_k(ranks, k), 4) for k in range(1, MAX_K + 1)]
    share, n_groups = consistency(results)
    if n_groups:
        out["consistency"], out["n_groups"] = share, n_groups
    out["n_stale_gold"] = sum(r.stale for r in results if r.answerable)
    out["current_gold"] = figures([r for r in results if not r.stale])
    return out


def is_maximum(metric: str) -> bool:
    """Whether a threshold on ``metric`` is an upper bound."""
    return metric.endswith(MAXIMUM_SUFFIXES)


def check_thresholds(metrics: Mapping[str, Any], thresholds: Mapping[str, float]) -> list[str]:
    """One message per metric that misses its threshold (an unmeasured metric misses too).

    >>> check_thresholds({"mrr@10": 0.5, "false_abstention_rate": 0.1}, {"mrr@10": 0.6, "false_abstention_rate": 0.2})
    ['mrr@10 = 0.5 is below the minimum 0.6']
    """
    failures = []
    for name, limit in thresholds.items():
        if name not in FIGURES and name not in EXTRA_FIGURES:
            raise ValueError(f"unknown metric {name!r} in thresholds; known: {', '.join(FIGURES + EXTRA_FIGURES)}")
        value = metrics.get(name)
        if value is None:
            failures.append(f"{name} was not measured (threshold {limit})")
        elif is_maximum(name) and value > limit:
            failures.append(f"{name} = {value} is above the maximum {limit}")
        elif not is_maximum(name) and value < limit:
            failures.append(f"{name} = {value} is below the minimum {limit}")
    return failures
