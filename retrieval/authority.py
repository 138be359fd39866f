"""Authority and currency: which of several retrieved clauses on one matter speaks for the law.

Three pure reorderings of a ranked list, each moving a clause up past the ones it outranks and
keeping every other position:

- :func:`sources_first`: a binding document's own clause goes before a report, news item or
  commentary ranked above it that quotes it;
- :func:`national_first`: for a question that names no place and no document, a national rule
  goes before a local one ranked above it;
- :func:`prevailing_first`: a clause of a rule that prevails over another (it repeals it, or
  says it applies where the two differ) goes before the older rule's clause on the same matter.

They read the documents' metadata (:class:`~retrieval.features.DocumentFacts`), never words.
"""

from __future__ import annotations

from collections.abc import Callable

from .features import DocumentFacts, char_runs
from .query import Query
from .types import Hit

RULE_KINDS = ("law", "rule", "normative", "standard", "draft")  # kinds of text that lay down rules


def _reordered(hits: list[Hit], order: list[int]) -> list[Hit]:
    if order == list(range(len(hits))):
        return hits
    return [Hit(hits[i].chunk, hits[i].score, r, hits[i].ranks, hits[i].prevails_over)
            for r, i in enumerate(order, start=1)]


def _move_above(order: list[int], j: int, above: Callable[[int], bool]) -> None:
    """Move ``j`` just above the first entry before it for which ``above`` holds, if any."""
    pos = order.index(j)
    target = next((i for i in order[:pos] if above(i)), None)
    if target is not None:
        order.remove(j)
        order.insert(order.index(target), j)


def sources_first(hits: list[Hit], facts: DocumentFacts, n: int = 16) -> list[Hit]:
    """``hits`` with each binding document's clause moved just above the first report, news item or
    commentary ranked above it that quotes it (shares ``n`` characters in a row with it): the law's
    own text answers, not an article about it. Ranks are renumbered; scores are kept."""
    rule = [facts.binding(h.chunk.doc_id) for h in hits]
    if all(rule) or not any(rule):
        return hits
    order = list(range(len(hits)))
    grams = [char_runs(h.chunk.text, n) for h in hits]
    for j in range(len(hits)):
        if rule[j]:
            _move_above(order, j, lambda i: not rule[i] and bool(grams[i] & grams[j]))
    return _reordered(hits, order)


def national_first(hits: list[Hit], facts: DocumentFacts, query: Query, window: int = 3) -> list[Hit]:
    """For a question that names no place and no document, each national rule among the first
    ``window`` hits (a law, regulation, rule or normative document; a standard or draft only past a
    local text of no more force, not past a rule in force) moved just above the first local one
    ranked above it: a rule of one city does not answer for the whole country. A named article
    (direct lookup) stays first."""
    if query.places or query.named or not hits or "lookup" in hits[0].ranks:
        return hits
    top = hits[:window]
    doc = [h.chunk.doc_id for h in top]
    ruling = [facts.kind(d) in RULE_KINDS for d in doc]
    national = [r and not facts.local(d) and not facts.superseded(d) and not facts.expired(d)
                for r, d in zip(ruling, doc)]
    local = [r and facts.local(d) for r, d in zip(ruling, doc)]
    if not any(national) or not any(local):
        return hits
    force = [facts.authority(d) for d in doc]
    binding = [facts.binding(d) for d in doc]
    order = list(range(len(top)))
    for j in range(len(top)):
        if national[j]:
            _move_above(order, j, lambda i: local[i] and (binding[j] or force[i] <= force[j]))
    return _reordered(top, order) + hits[window:]


def prevailing_first(hits: list[Hit], facts: DocumentFacts, query: Query, similarity: Callable[[Hit, Hit], float],
                     min_similarity: float, window: int = 3) -> list[Hit]:
    """Each clause among the first ``window`` hits whose document another rule prevails over, preceded
    by that rule's clause on the same matter: the hit of the prevailing document, anywhere in
    ``hits``, most similar to it (``similarity``, at least ``min_similarity``). The older clause
    follows it, so that the answer cites both and says which applies. A question that names a
    document or an article is answered from what it names."""
    if query.named or query.article is not None or not hits or "lookup" in hits[0].ranks:
        return hits
    out = list(hits)
    moved: set[str] = set()
    for h in hits[:window]:
        newer = facts.prevailed_by.get(h.chunk.doc_id)
        if not newer:
            continue
        pos = next(i for i, x in enumerate(out) if x.chunk.id == h.chunk.id)
        rivals = [(similarity(h, x), i) for i, x in enumerate(out)
                  if x.chunk.doc_id in newer and x.chunk.id not in moved]
        if not rivals:
            continue
        sim, i = max(rivals)
        if sim < min_similarity:
            continue
        moved.add(out[i].chunk.id)
        if i > pos:
            x = out.pop(i)
            out.insert(pos, Hit(x.chunk, x.score, x.rank, x.ranks, prevails_over=h.chunk.id))
    if [h.chunk.id for h in out] == [h.chunk.id for h in hits]:
        return hits
    return [Hit(h.chunk, h.score, r, h.ranks, h.prevails_over) for r, h in enumerate(out, start=1)]
