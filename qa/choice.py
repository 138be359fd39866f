"""Which retrieved clauses an answer cites: the decisive one first, then the further ones.

* :meth:`Chooser.choose` — the decisive clause among the first candidates (the one that states
  the asked-for figure, a provision before a notice, the defining clause for a definition
  question, a rule's clause for a question about what to do), and further clauses that add
  what the question asks and the cited quotes lack, or that a learned model finds likely to
  hold the answer too (:meth:`Chooser.further_candidates`, :mod:`qa.further`);
* :meth:`Chooser.parts` — for a question that asks several things, the clause each part finds
  when asked on its own (:attr:`retrieval.query.Query.parts`);
* :meth:`Chooser.gather` — for a question that asks for every case ("哪些情形"), the other articles
  of the decisive document that say the same thing must (or may not…) be done;
* :meth:`Chooser.condition_match` — for a scenario that states a count of persons, the item
  whose threshold condition it meets (from a later rule that prevails, when there is one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from math import fsum

from ingest.text import clean
from ingest.types import Clause, Document, SourceText
from retrieval.asks import defines
from retrieval.figures import stated_figures, states_figure
from retrieval.filters import Filters
from retrieval.learned import Model
from retrieval.query import Query
from retrieval.retriever import Retriever
from retrieval.terms import TermWeights, coverage, covered, outside
from retrieval.types import Hit

from .abstention import figure_support
from .conclusion import modal
from .conditions import Condition, matching, parse_conditions, scenario_quantity
from .further import FurtherCandidate
from .quoting import Quoter
from .selection import SENTENCE, SelectionParams

_HEADING = re.compile(r"[^。；：:！？!?\n]{1,40}")  # a title line with no sentence of its own

Chosen = list[tuple[Hit, tuple[int, int]]]


class Chooser:
    """Chooses the clauses to cite and their quote spans, over one retriever's index."""

    def __init__(self, retriever: Retriever, quoter: Quoter, terms: Callable[[], TermWeights],
                 params: SelectionParams, min_figure_share: float, further: Model | None = None) -> None:
        """``further``: the learned model that cites a further clause beside the decisive one
        (:mod:`qa.further`; None: only the counted gain of the question's words does)."""
        self.retriever = retriever
        self.further = further
        self.quoter = quoter
        self._terms = terms
        self.params = params
        self.min_figure_share = min_figure_share
        data = retriever.data
        self.sources: Mapping[str, SourceText] = data.sources
        self.docs: dict[str, Document] = {d.id: d for d in data.documents}
        self.clauses: dict[str, Clause] = {c.id: c for d in data.documents for c in d.clauses}
        self.facts = retriever.facts  # what the retriever's features know of each document, read once

    def choose(self, query: Query, pool: list[Hit], weights: dict[str, float], looked_up: bool,
               asked: dict[str, float] | None = None, named: Sequence[str] = ()) -> Chosen:
        """The clauses to cite with their quote spans, decisive first.

        The decisive clause is the best candidate by retrieval position (1 - rank / candidates)
        + ``coverage_weight`` × its quote's coverage, among the candidates that fit: for a figure
        question, those whose quote states the figure (about what is asked, when some do); a
        document's provisions before its notice or preamble; for a definition question, the clause
        that defines the term; for a question about what to do, a rule's clauses before a report's.
        A named article (direct lookup) is decisive as retrieved. Each further
        candidate, in retrieval order, is cited when its quote adds at least ``min_gain`` of the
        question's weight that the cited quotes lack and covers ``min_extra_coverage`` on its own,
        or when the learned further-clause model (:mod:`qa.further`) finds it likely enough to hold
        the answer too.
        """
        p = self.params
        figure = query.figure
        pool = self.quotable(pool)
        spans = self.spans(query, pool, weights, looked_up)

        def quote(h: Hit) -> str:
            return self._quote(spans, h)

        def found(h: Hit) -> set[str]:
            return self._found(weights, quote(h), h)

        def share(terms: set[str]) -> float:
            return _share(weights, terms)

        if looked_up:
            first = pool[0]
        else:
            eligible = [h for h in pool if figure is None or states_figure(quote(h), figure)] or pool
            # a document's provisions answer before its notice or preamble does
            eligible = [h for h in eligible if not self.preamble(h)] or eligible
            term = query.defined
            if term:
                # a question asking what a term means is answered by the clause that defines it
                eligible = [h for h in eligible if defines(h.chunk.text, term)] or eligible
            if query.asks_rule and not named:
                # what one must or may do is decided by a rule, not by a report about the subject
                eligible = [h for h in eligible if self.retriever.is_rule(h.chunk.doc_id)] or eligible
            if figure is not None and asked:
                # among them, those whose figure is stated about what is asked
                eligible = [h for h in eligible if figure_support([(quote(h), h.chunk.doc_title)], figure, asked,
                                                                  self.min_figure_share)] or eligible
            # retrieval's order (a reranker's, when there is one), then coverage
            first = max(eligible, key=lambda h: 1.0 - pool.index(h) / len(pool) + p.coverage_weight * share(found(h)))
        chosen = [first]
        have = found(first)
        older = next((h for h in pool if h.chunk.id == first.prevails_over), None)
        if older is not None:
            # the rule that prevails answers; the older rule's clause on the same matter follows it
            chosen.append(older)
            have |= found(older)
        several = query.several
        if several and not looked_up:
            # "A办法和B规定分别…": each document the question names answers for itself
            for doc_id in named:
                h = next((h for h in pool if h.chunk.doc_id == doc_id and not self.preamble(h)), None)
                if h is not None and h not in chosen and len(chosen) < p.max_citations:
                    chosen.append(h)
                    have |= found(h)
        min_gain = p.min_gain if several else p.min_gain_single
        floor = p.extra_ratio * share(found(first))
        for h in pool:
            if len(chosen) >= p.max_citations:
                break
            if h in chosen or (looked_up and "lookup" in h.ranks) or self.preamble(h):
                continue
            terms = found(h)
            if share(terms - have) >= min_gain and share(terms) >= max(p.min_extra_coverage, floor):
                chosen.append(h)
                have |= terms
        if self.further is not None and not looked_up:
            # a clause the learned model finds likely to hold the answer too, in retrieval order
            for h, cand in self.further_candidates(query, pool, chosen, weights, spans):
                if len(chosen) >= p.max_citations:
                    break
                if float(self.further.scores(cand.vector(self.further.names)[None, :])[0]) >= self.further.threshold:
                    chosen.append(h)
        wanted = query.count
        if wanted and not looked_up:
            # "哪两份报告…": as many clauses of the decisive document as asked, each nearly as close
            for h in pool:
                if len(chosen) >= min(wanted, p.max_citations):
                    break
                if h not in chosen and h.chunk.doc_id == first.chunk.doc_id and not self.preamble(h) \
                        and share(found(h)) >= p.count_ratio * share(found(first)):
                    chosen.append(h)
        return [(h, spans[h.chunk.clause_id]) for h in chosen]

    @staticmethod
    def quotable(pool: list[Hit]) -> list[Hit]:
        """``pool`` without bare headings ("二、强化数据要素供给"): a heading answers nothing, and its
        clause's text is cited elsewhere (all of ``pool`` when it holds nothing else)."""
        return [h for h in pool if not _HEADING.fullmatch(clean(h.chunk.text))] or pool

    def spans(self, query: Query, pool: list[Hit], weights: dict[str, float],
              looked_up: bool) -> dict[str, tuple[int, int]]:
        """Each candidate's quote span by clause id: the named part of a looked-up article, else the
        window that covers the question best (:meth:`qa.quoting.Quoter.span`)."""
        spans = {}
        for h in pool:
            part = self.quoter.named_part(query, h) if looked_up and h is pool[0] else None
            spans[h.chunk.clause_id] = ((part.start, part.start + len(part.text.rstrip())) if part
                                        else self.quoter.span(h, weights, query, query.figure))
        return spans

    def _quote(self, spans: Mapping[str, tuple[int, int]], h: Hit) -> str:
        s, e = spans[h.chunk.clause_id]
        return self.sources[h.chunk.source].text[s:e]

    @staticmethod
    def _found(weights: dict[str, float], quote: str, h: Hit) -> set[str]:
        """The question terms a quote of ``h`` holds, less those of its document's title (every clause
        of the document shares them)."""
        return covered(weights, quote) - covered(weights, h.chunk.doc_title)

    def further_candidates(self, query: Query, pool: list[Hit], chosen: list[Hit], weights: dict[str, float],
                           spans: Mapping[str, tuple[int, int]]) -> list[tuple[Hit, FurtherCandidate]]:
        """Each hit of ``pool`` (:meth:`quotable`, quoted at ``spans``) that ``chosen`` (decisive first) lacks
        and that may be cited beside it, with what :mod:`qa.further`'s model reads of it."""
        first = chosen[0]
        cited = {h.chunk.clause_id for h in chosen}
        have: set[str] = set()
        for h in chosen:
            if h.chunk.clause_id in spans:
                have |= self._found(weights, self._quote(spans, h), h)
        figure = query.figure
        out = []
        for h in pool:
            if h.chunk.clause_id in cited or h.chunk.clause_id not in spans or self.preamble(h):
                continue
            text = self._quote(spans, h)
            terms = self._found(weights, text, h)
            doc = h.chunk.doc_id
            bm25, dense = h.ranks.get("bm25"), h.ranks.get("dense")
            out.append((h, FurtherCandidate(
                position=1.0 / (1 + pool.index(h)),
                decisive_position=1.0 / (1 + pool.index(first)) if first in pool else 0.0,
                score=h.score, decisive_score=first.score, score_ratio=h.score / first.score if first.score else 0.0,
                share=_share(weights, terms), gain=_share(weights, terms - have), have=_share(weights, have),
                same_document=doc == first.chunk.doc_id, binding=self.facts.binding(doc),
                authority=self.facts.authority(doc), similarity=self.retriever.similarity(h, first),
                bm25_inv=1.0 / bm25 if bm25 else 0.0, dense_inv=1.0 / dense if dense else 0.0,
                quote_length=FurtherCandidate.length(len(text)), several=query.several, figure=figure is not None,
                states_figure=figure is not None and states_figure(text, figure), asks_rule=query.asks_rule,
                yes_no=query.form == "yes_no", list_form=query.form == "list")))
        return out

    def parts(self, query: Query, chosen: Chosen, named: Sequence[str], filters: Filters | None = None) -> Chosen:
        """``chosen`` and, for a question that asks several things, the clause each part
        (:attr:`Query.parts`) finds when asked on its own: the best of its first ``part_candidates``
        hits whose quote covers ``min_extra_coverage`` of the part (and states the asked-for
        figure, for a figure question) and that says something the cited quotes do not. A part
        that names no document is asked within the documents the question names that no other
        part names ("A办法和B规定分别…": the second part is asked of B). A follow-up question that
        names no document ("…多久内作出决定？决定后多久要公布？"), or any part of a question that
        names none, is asked within the decisive clause's document, unless it names a place that
        document is not about ("甲省、乙省和丙省分别…")."""
        p = self.params
        pieces = query.parts
        if len(pieces) < 2:
            return chosen
        per_part = [set(x.query.named) for x in pieces]
        out = list(chosen)
        cited = {h.chunk.clause_id for h, _ in out}
        decisive = chosen[0][0].chunk.doc_id
        # a part is short and says what it asks in the law's words: BM25 finds its clause without
        # embedding another query (dense retrieval is most of a search's time)
        lexical = replace(self.retriever.params, dense_weight=0.0) if not p.part_dense else None
        for i, piece in enumerate(pieces):
            if len(out) >= p.max_part_citations:
                break
            sub = piece.query
            scope, docs = filters, frozenset()
            if not per_part[i] and (piece.follow_up or not named) and not self._elsewhere(sub, decisive):
                docs = frozenset({decisive})
            elif named and not per_part[i]:
                others = set().union(*(d for j, d in enumerate(per_part) if j != i))
                docs = frozenset(d for d in named if d not in others) or frozenset(named)
            places = sub.places
            if docs and places and not any(self.region(d) in places for d in docs):
                docs = frozenset()  # a part naming a province is not asked of the national document
            if docs:
                if filters is not None and filters.doc_ids:
                    docs = docs & filters.doc_ids
                scope = replace(filters or Filters(), doc_ids=docs) if docs else filters
            weights = self._terms().weights(sub.tokens)
            kind = sub.figure  # what this part asks for, not what another part does

            def fits(text: str) -> bool:
                return coverage(weights, text) >= p.min_extra_coverage and (not kind or states_figure(text, kind))

            for h in self.retriever.search(sub, k=p.part_candidates, filters=scope, params=lexical):
                # the quote lies in the chunk: a chunk that does not fit needs no quoting
                if self.preamble(h) or not fits(h.chunk.text):
                    continue
                span = self.quoter.span(h, weights, sub, kind)
                quote = self.sources[h.chunk.source].text[span[0]:span[1]]
                if not fits(quote):
                    continue
                # the document the part names, by title or by place, not yet cited, is news in itself
                # ("A法和B法…有什么不同", "国务院的意见和某省的方案分别…")
                own_doc = (h.chunk.doc_id in per_part[i] or self.region(h.chunk.doc_id) in places) \
                    and h.chunk.doc_id not in {x.chunk.doc_id for x, _ in out}
                if h.chunk.clause_id not in cited and (own_doc or self._adds(quote, out, weights, kind)):
                    out.append((h, span))
                    cited.add(h.chunk.clause_id)
                break
        return out

    def gather(self, query: Query, chosen: Chosen, weights: dict[str, float]) -> Chosen:
        """``chosen`` and, for a question that asks for every case ("哪些情形", "什么情况下…"), the
        decisive document's other articles that say the same thing is to be done: a sentence with a
        modal verb of the kind the decisive quote's (:func:`qa.conclusion.modal`) holding at least
        ``gather_share`` of the question terms its modal sentence holds (its document title's terms
        aside). Each is quoted at that sentence, in document order, up to ``max_list_citations``."""
        p = self.params
        if query.form != "list" or not chosen or len(chosen) >= p.max_list_citations:
            return chosen
        first, (s, e) = chosen[0]
        text = self.sources[first.chunk.source].text
        own = outside(weights, first.chunk.doc_title)
        best: tuple[float, str, set[str]] | None = None
        for m in SENTENCE.finditer(text, s, e):
            kind = modal(m.group())
            terms = covered(own, m.group())
            weight = fsum(own[t] for t in terms)
            if kind and terms and (best is None or weight > best[0]):
                best = weight, kind[0], terms
        if best is None:
            return chosen
        need, kind, terms = best
        out = list(chosen)
        taken = [span for h, span in out if h.chunk.source == first.chunk.source]
        for cl in self.docs[first.chunk.doc_id].clauses:
            if len(out) >= p.max_list_citations:
                break
            if cl.level != "条" or any(a < cl.end and cl.start < b for a, b in taken):
                continue
            for m in SENTENCE.finditer(cl.text):
                found = modal(m.group())
                have = covered(own, m.group()) & terms
                if found and found[0] == kind and fsum(own[t] for t in have) >= p.gather_share * need:
                    start = cl.start + m.start()
                    span = (start, start + len(m.group().rstrip()))
                    rows = self.retriever.rankers.doc_rows.get(cl.doc_id, ())
                    chunks = (self.retriever.data.chunks[int(r)] for r in rows)
                    chunk = next((c for c in chunks
                                  if c.source == first.chunk.source and c.start <= span[0] and span[1] <= c.end), None)
                    if chunk is not None:
                        out.append((Hit(chunk, 0.0, 0, {"gathered": 1}), span))
                        taken.append((cl.start, cl.end))
                    break
        return out

    def preamble(self, hit: Hit) -> bool:
        """Whether ``hit`` is an unnumbered paragraph of a document with articles or an outline
        (its notice, preamble or cover text): never cited beside the decisive clause."""
        clause = self.clauses.get(hit.chunk.clause_id)
        return clause is not None and clause.level == "para" and hit.chunk.doc_id in self.facts.structured

    def region(self, doc_id: str) -> str:
        return self.facts.region(doc_id) or ""

    def _elsewhere(self, query: Query, doc_id: str) -> bool:
        """Whether ``query`` names a place other than the region of document ``doc_id``."""
        return bool(query.places - {self.region(doc_id)})

    def _adds(self, quote: str, chosen: Chosen, weights: dict[str, float], kind: str | None) -> bool:
        """Whether ``quote`` says what the ``chosen`` quotes do not: a figure of the asked-for kind
        they lack, or at least ``min_gain`` of the part's term weight."""
        have = "\n".join(self.sources[h.chunk.source].text[s:e] for h, (s, e) in chosen)
        if kind and stated_figures(quote, kind) - stated_figures(have, kind):
            return True
        total = sum(weights.values()) or 1.0
        new = covered(weights, quote) - covered(weights, have)
        return fsum(weights[t] for t in new) / total >= self.params.min_gain

    # -- threshold conditions -------------------------------------------------------------------
    def _first_match(self, qty, clauses: list[Clause]) -> tuple[Clause, Condition] | None:
        for cl in clauses:
            found = matching(qty, parse_conditions(cl.text))
            if found:
                return cl, found[0]
        return None

    def condition_match(self, query: Query, hits: list[Hit]) -> tuple[Hit, Clause, Condition] | None:
        """For a scenario that names a count of persons, the decisive item: the first retrieved
        provision that states count conditions decides the document; within it, the item whose
        condition the scenario meets (its own items first, then the rest of the document). When a
        later document prevails over that one (``superseded_in_part_by``), its matching item wins."""
        qty = scenario_quantity(query.text)
        if qty is None:
            return None
        items = self.quoter.items
        for h in hits:
            c = h.chunk
            own = items(c.doc_id, c.start, c.end)
            if not any(parse_conditions(cl.text) for cl in own):
                continue
            found = self._first_match(qty, own) or self._first_match(qty, items(c.doc_id))
            if found is None:
                continue
            doc = self.docs.get(c.doc_id)
            for newer_title in (doc.metadata.get("superseded_in_part_by") or []) if doc else []:
                newer = self.doc_titled(newer_title)
                later = self._first_match(qty, items(newer.id)) if newer else None
                if later is not None:
                    return h, *later
            return h, *found
        return None

    def doc_titled(self, title: str) -> Document | None:
        return next((d for d in self.docs.values() if d.title == title), None)


def _share(weights: dict[str, float], terms: set[str]) -> float:
    """The share of the question's term weight ``terms`` hold."""
    return fsum(weights[t] for t in terms) / (sum(weights.values()) or 1.0)
