"""Rank fusion as pure functions over ranked lists of ids (best first)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

from index.fusion import reciprocal_rank_fusion

__all__ = ["group_boost", "reciprocal_rank_fusion", "union_best", "weighted_score_fusion"]


def weighted_score_fusion(
    scored: Sequence[Sequence[tuple[Hashable, float]]], weights: Sequence[float] | None = None
) -> list[tuple[Hashable, float]]:
    """Min-max normalise each list's scores to [0, 1], then sum with weights.

    A list's best item gets its full weight and its worst 0, as does an item the list does not
    hold; a list whose items all score the same (a direct lookup, a named document) gives each
    of them its full weight. Scaling by the list's own range (not from 0) keeps the spread of a
    ranker whose scores never approach 0 (cosine similarities of 0.80-0.90).

    >>> weighted_score_fusion([[("a", 9.0), ("b", 1.0)], [("b", 0.9), ("a", 0.1)]])[0][0]
    'a'
    >>> weighted_score_fusion([[("a", 1.0), ("b", 1.0)], [("b", 0.87), ("c", 0.85)]], weights=[0.5, 1.0])
    [('b', 1.5), ('a', 0.5), ('c', 0.0)]
    """
    weights = list(weights) if weights is not None else [1.0] * len(scored)
    if len(weights) != len(scored):
        raise ValueError("one weight per list")
    total: dict[Hashable, float] = {}
    for items, w in zip(scored, weights):
        if not items:
            continue
        vals = [s for _, s in items]
        lo, hi = min(vals), max(vals)
        span = hi - lo
        for item, s in items:
            total[item] = total.get(item, 0.0) + w * ((s - lo) / span if span > 0 else 1.0)
    return sorted(total.items(), key=lambda kv: -kv[1])


def group_boost(
    fused: Sequence[tuple[Hashable, float]], group_of: Callable[[Hashable], Hashable], weight: float, top_n: int = 3
) -> list[tuple[Hashable, float]]:
    """Document-level evidence: each item gains ``weight`` × the mean of the ``top_n`` best scores
    in its group (missing places count 0), so a document with several good hits lifts them all.

    >>> fused = [("a1", 1.0), ("b1", 1.0), ("b2", 0.9), ("b3", 0.8), ("a2", 0.1)]
    >>> [i for i, _ in group_boost(fused, lambda i: i[0], 0.3)]
    ['b1', 'b2', 'a1', 'b3', 'a2']
    """
    if top_n < 1:
        raise ValueError("top_n must be at least 1")
    best: dict[Hashable, list[float]] = {}
    for item, score in fused:
        best.setdefault(group_of(item), []).append(score)
    bonus = {g: weight * sum(sorted(s, reverse=True)[:top_n]) / top_n for g, s in best.items()}
    return sorted(((item, score + bonus[group_of(item)]) for item, score in fused), key=lambda kv: -kv[1])


def union_best(a: Sequence[tuple[Hashable, float]], b: Sequence[tuple[Hashable, float]]) -> list[tuple[Hashable, float]]:
    """Two candidate lists of one ranker as one, each id with its best score, best first.

    >>> union_best([("a", 0.5), ("b", 0.2)], [("b", 0.9), ("c", 0.1)])
    [('b', 0.9), ('a', 0.5), ('c', 0.1)]
    """
    best: dict[Hashable, float] = dict(a)
    for row, score in b:
        best[row] = max(score, best.get(row, score))
    return sorted(best.items(), key=lambda rs: -rs[1])
