"""Quote windows: which stretch of a retrieved clause an answer quotes, and the narrowest clause
(款/项) that holds it.

A short chunk is quoted whole; a long one by its window of consecutive sentences that covers the
question's terms best — its numbers and the asked-for kind of figure count extra, the words of its
document's title do not, nor a number the question gives as part of that title — and, among those, the
longest a quote may hold: the sentences beside the ones that share the question's words are where an
answer worded otherwise most often is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from math import fsum

from ingest.text import clean
from ingest.types import Clause, Document, SourceText
from retrieval.figures import states_figure
from retrieval.query import Query
from retrieval.terms import covered, fold, outside
from retrieval.types import Hit

from .selection import SENTENCE, SelectionParams

_NUM = re.compile(r"\d+(?:\.\d+)?")
_CLAUSE_PART = re.compile(r"[^，,]+[，,]?")


def title_numbers(question: str, title: str) -> set[str]:
    """The numbers ``question`` gives as part of ``title``: with the two characters before or after it as
    the title has them.

    >>> title_numbers("某白皮书2031估算的规模", "某某白皮书2031")
    {'2031'}
    >>> title_numbers("到2031年底的规模", "某方案（2029—2031年）")
    set()
    """
    q, t = fold(question), fold(title)
    out = set()
    for m in _NUM.finditer(q):
        s, e = m.span()
        if (s >= 2 and q[s - 2:e] in t) or (e + 2 <= len(q) and q[s:e + 2] in t):
            out.add(m.group())
    return out


class Quoter:
    """Quote spans and clause labels over one index's sources and documents."""

    def __init__(self, sources: Mapping[str, SourceText], documents: list[Document],
                 params: SelectionParams) -> None:
        self.sources = sources
        self.params = params
        self._by_doc: dict[str, list[Clause]] = {d.id: d.clauses for d in documents}

    def sentences(self, hit: Hit) -> list[tuple[int, int]]:
        """Source spans of the hit's sentences; one longer than a quote may be is cut at its commas."""
        c = hit.chunk
        limit = self.params.max_quote_chars
        out = []
        for m in SENTENCE.finditer(c.text):
            s, e = m.start(), m.end()
            seg = c.text[s:e]
            lead = len(seg) - len(seg.lstrip(" \t\u3000*#-"))
            trail = len(seg) - len(seg.rstrip(" \t\u3000*"))
            if e - trail <= s + lead:
                continue
            s, e = s + lead, e - trail
            if len(clean(c.text[s:e])) <= limit:
                out.append((c.start + s, c.start + e))
                continue
            for p in _CLAUSE_PART.finditer(c.text, s, e):
                out.append((c.start + p.start(), c.start + p.end()))
        return out

    def span(self, hit: Hit, weights: dict[str, float], query: Query,
             figure: str | None = None) -> tuple[int, int]:
        """The whole chunk when short; else the window of consecutive sentences that covers the
        question's terms best (its numbers and the asked-for kind of figure count extra; the terms of
        the document's title, which every passage of it shares, do not), the longest such window that
        a quote may hold, the earliest of those."""
        c = hit.chunk
        p = self.params
        # a question asking several things may need a longer stretch of one clause
        limit = p.several_quote_chars if query.several else p.max_quote_chars
        if len(clean(c.text)) <= limit:
            return c.start, c.end
        text = self.sources[c.source].text
        sents = self.sentences(hit)
        if not sents:
            return c.start, min(c.end, c.start + limit)
        # the title's words say which document, not which of its passages (unless they are all it asks);
        # so does a number the question gives as part of the title ("白皮书2023里…", not "2023年底…")
        q_nums = set(query.numbers) - title_numbers(query.text, c.doc_title)
        weights = outside(weights, c.doc_title) or weights
        total = sum(weights.values()) or 1.0
        # each sentence read once: its terms, the question's numbers in it, its figure, its length
        read = []
        for s, e in sents:
            piece = text[s:e]
            read.append((covered(weights, piece), q_nums & set(_NUM.findall(piece)),
                         bool(figure and states_figure(piece, figure)), len(clean(piece))))
        best, best_key = sents[0], (-1.0, 0)
        for i in range(len(sents)):
            terms: set[str] = set()
            nums: set[str] = set()
            fig, length = False, 0
            for j in range(i, len(sents)):
                t, n, f, ln = read[j]
                length += ln
                if length > limit:
                    break
                terms |= t
                nums |= n
                fig = fig or f
                # what it covers first, then how much of the stretch around that it quotes
                key = (fsum(weights[x] for x in terms) / total + 0.3 * len(nums) + (0.5 if fig else 0.0), j - i)
                if key > best_key:
                    best, best_key = (sents[i][0], sents[j][1]), key
        if best_key[0] <= 0:
            # no sentence holds any of the question's words (a clause in another language): quote
            # from its start as much as a quote may hold, not its heading alone
            length, end = 0, sents[0][1]
            for (s, e), (_, _, _, ln) in zip(sents, read):
                length += ln
                if length > limit:
                    break
                end = e
            return sents[0][0], end
        return best

    def label_for(self, doc_id: str, start: int, end: int, fallback: str) -> tuple[str, str]:
        """The label and id of the narrowest clause (below 编/章/节) holding ``[start, end)``."""
        best: Clause | None = None
        for cl in self._by_doc.get(doc_id, []):
            if cl.start <= start and end <= cl.end and cl.level not in ("编", "章", "节"):
                if best is None or (cl.end - cl.start) < (best.end - best.start):
                    best = cl
        return (best.label, best.id) if best else (fallback, "")

    def items(self, doc_id: str, start: int = 0, end: int | None = None) -> list[Clause]:
        """Items, paragraphs and articles of a document inside ``[start, end)``, narrowest first."""
        inside = [cl for cl in self._by_doc.get(doc_id, []) if cl.level in ("项", "款", "条")
                  and start <= cl.start and (end is None or cl.end <= end)]
        return sorted(inside, key=lambda cl: -len(cl.id))

    def deciding_item(self, hit: Hit, span: tuple[int, int], weights: dict[str, float],
                      min_share: float, dominance: float) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """The one 项 of the quoted stretch that decides the question, with its list's lead-in
        ("…符合下列条件之一的，应当…："): the spans of both, or None when no item stands out.

        An item stands out when it holds at least ``min_share`` of the question's term weight
        (less its document title's terms, which every item shares) and ``dominance`` times as much
        as any other item of the stretch. The lead-in is what its parent clause says before its
        first item, ending in a colon."""
        c = hit.chunk
        s, e = span
        items = [cl for cl in self._by_doc.get(c.doc_id, []) if cl.level == "项" and s <= cl.start and cl.end <= e]
        if len(items) < 2:
            return None
        own = outside(weights, c.doc_title)
        total = sum(weights.values()) or 1.0
        shares = sorted(((fsum(own[t] for t in covered(own, cl.text)) / total, i) for i, cl in enumerate(items)),
                        reverse=True)
        (best, i), (second, _) = shares[0], shares[1]
        if best < min_share or best < dominance * second:
            return None
        item = items[i]
        text = self.sources[c.source].text
        first = min((cl for cl in items if cl.parent == item.parent), key=lambda cl: cl.start)
        parent = next((cl for cl in self._by_doc[c.doc_id] if cl.id == item.parent), None)
        if parent is None:
            return None
        lead = text[parent.start:first.start].rstrip()
        if not lead.endswith(("：", ":")):
            return None
        item_text = text[item.start:item.end].rstrip()
        return (item.start, item.start + len(item_text)), (parent.start, parent.start + len(lead))

    def named_part(self, query: Query, hit: Hit) -> Clause | None:
        """The 款 or 项 a query names ("第三十条第二款"), when the hit holds it."""
        ref = query.article
        if ref is None:
            return None
        return next((cl for cl in self.items(hit.chunk.doc_id, hit.chunk.start, hit.chunk.end)
                     if ref.names(cl.id)), None)
