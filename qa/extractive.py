"""The default answerer: extractive, needs no LLM.

From the retrieved chunks it picks the decisive clause (and a second one from
another document when it is nearly as strong), quotes the sentences that carry
the answer exactly as the source prints them, labels each quote with the
narrowest clause that holds it (down to 款/项), and abstains when the evidence
is weak. Every citation is verified before it leaves: its quote must equal the
source text at its span.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from index.intent import asks_for_rule
from index.retriever import Filters, Hit, Retriever, expand_query, normalise_query, places_named
from ingest.text import clean, int_to_cn, one_line, quote_line
from ingest.types import Clause, Document

from . import precedence
from .abstention import absent_document, absent_source, figure_support, target_years
from .figures import expected_figure, stated_figures, states_figure
from .decompose import parts as question_parts
from .conditions import Condition, matching, parse_conditions, scenario_quantity
from .selection import (SENTENCE, SelectionParams, TermWeights, asked_count, asks_several, coverage, covered,
                        defined_term, defines, has_content)
from .types import Answer, Citation, Related
from .verify import VerificationError, cite_clause, verify_citation  # the first and last re-exported (moved to qa.verify)

_NUM = re.compile(r"\d+(?:\.\d+)?")
_CLAUSE_PART = re.compile(r"[^，,]+[，,]?")
_HEADING = re.compile(r"[^。；：:！？!?\n]{1,40}")  # a title line with no sentence of its own
NO_BASIS = "语料中未找到依据：现有文件没有能回答这个问题的条款。"
FIGURE_WORDS = {"amount": "金额或数额", "share": "比例", "date": "日期", "duration": "期限", "count": "数量"}


@dataclass(frozen=True)
class AnswerParams:
    # abstain when the top hit is weak on both (cosine, share of question tokens in it) ...
    min_dense_score: float = 0.84  # as Settings.min_dense_score
    min_term_coverage: float = 0.5
    # ... or when its cosine is middling and the top three hits hold little of the question's
    # IDF-weighted terms: an off-topic question (年终奖, 个人所得税) near some clause's wording
    off_topic_dense: float = 0.86
    off_topic_coverage: float = 0.15
    min_figure_share: float = 0.1  # of the question's terms, in the sentence stating an asked-for figure (set on dev)
    figure_depth: int = 5  # hits looked at for that sentence
    selection: SelectionParams = SelectionParams()


class ExtractiveAnswerer:
    """Compose a cited answer from retrieval hits.

    >>> ExtractiveAnswerer(retriever).answer("数据出境安全评估的申报情形有哪些？")   # doctest: +SKIP
    """

    def __init__(self, retriever: Retriever, params: AnswerParams | None = None) -> None:
        self.retriever = retriever
        self.params = params or AnswerParams()
        data = retriever.data
        self.sources = data.sources
        self.docs: dict[str, Document] = {d.id: d for d in data.documents}
        self.clauses: dict[str, Clause] = {c.id: c for d in data.documents for c in d.clauses}
        self._by_doc: dict[str, list[Clause]] = {d.id: d.clauses for d in data.documents}
        # documents with articles or an outline: their unnumbered paragraphs are notices and preambles
        self._structured = {d.id for d in data.documents if any(c.level != "para" for c in d.clauses)}
        self._terms: TermWeights | None = None

    @property
    def terms(self) -> TermWeights:
        """Question-term weights over the indexed chunks (built on first use)."""
        if self._terms is None:
            self._terms = TermWeights(c.text for c in self.retriever.data.chunks)
        return self._terms

    # -- evidence strength -----------------------------------------------------------------
    def _dense_score(self, hit: Hit, qv: np.ndarray) -> float:
        row = self.retriever.data.chunk_row[hit.chunk.id]
        vec = self.retriever.data.faiss_index.reconstruct(int(row))
        return float(np.dot(vec, qv))

    def _coverage(self, query_tokens: list[str], text: str) -> float:
        content = [t for t in dict.fromkeys(query_tokens) if len(t) >= 2 or t.isdigit()]
        if not content:
            return 0.0
        return sum(1 for t in content if t in text) / len(content)

    # -- quoting -----------------------------------------------------------------------------
    def _sentences(self, hit: Hit) -> list[tuple[int, int]]:
        """Source spans of the hit's sentences; one longer than a quote may be is cut at its commas."""
        c = hit.chunk
        limit = self.params.selection.max_quote_chars
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

    def _quote_span(self, hit: Hit, weights: dict[str, float], query: str,
                    figure: str | None = None) -> tuple[int, int]:
        """The whole chunk when short; else the window of consecutive sentences that covers the
        question's terms best (its numbers and the asked-for kind of figure count extra)."""
        c = hit.chunk
        p = self.params.selection
        # a question asking several things may need a longer stretch of one clause
        limit = p.several_quote_chars if asks_several(query) else p.max_quote_chars
        if len(clean(c.text)) <= limit:
            return c.start, c.end
        text = self.sources[c.source].text
        sents = self._sentences(hit)
        if not sents:
            return c.start, min(c.end, c.start + limit)
        q_nums = set(_NUM.findall(query))
        total = sum(weights.values()) or 1.0
        # each sentence read once: its terms, the question's numbers in it, its figure, its length
        read = []
        for s, e in sents:
            piece = text[s:e]
            read.append((covered(weights, piece), q_nums & set(_NUM.findall(piece)),
                         bool(figure and states_figure(piece, figure)), len(clean(piece))))
        best, best_score = sents[0], -1.0
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
                sc = (sum(weights[x] for x in terms) / total + 0.3 * len(nums) + (0.5 if fig else 0.0)
                      - 0.01 * (j - i))
                if sc > best_score:
                    best, best_score = (sents[i][0], sents[j][1]), sc
        return best

    def _label_for(self, doc_id: str, start: int, end: int, fallback: str) -> tuple[str, str]:
        best: Clause | None = None
        for cl in self._by_doc.get(doc_id, []):
            if cl.start <= start and end <= cl.end and cl.level not in ("编", "章", "节"):
                if best is None or (cl.end - cl.start) < (best.end - best.start):
                    best = cl
        return (best.label, best.id) if best else (fallback, "")

    # -- the answer ------------------------------------------------------------------------
    def answer(self, question: str, k: int = 5, filters=None) -> Answer:
        if not question or not question.strip():
            raise ValueError("the question is empty")
        hits = self.retriever.search(question, k=max(k, 5), filters=filters)
        q = normalise_query(question)
        q_tokens = self.retriever.tokenizer(q)
        if not hits:
            return Answer(question=question, answer=NO_BASIS, abstained=True)
        missing = self._missing_article(q, hits, filters)
        if missing:
            return Answer(question=question, answer=f"{NO_BASIS}{missing}", abstained=True,
                          related=[self._related(h) for h in hits[:k]])
        qv = self.retriever.query_vector(q)
        top = hits[0]
        dense = self._dense_score(top, qv)
        term_cov = self._coverage(q_tokens, clean(top.chunk.index_text))
        looked_up = "lookup" in top.ranks
        weights = self.terms.weights(q_tokens)
        p = self.params
        best_weighted = max(coverage(weights, clean(h.chunk.index_text)) for h in hits[:3])
        strong = looked_up or ((dense >= p.min_dense_score or term_cov >= p.min_term_coverage)
                               and (dense >= p.off_topic_dense or best_weighted >= p.off_topic_coverage)
                               and has_content(weights))  # "分别", "和相比" ask about nothing
        related = [self._related(h) for h in hits[:k]]
        figure = expected_figure(q)
        absent = None if looked_up else (absent_document(q, self.retriever.titles) if figure is not None
                                          else absent_source(q, self.retriever.titles))
        if absent:
            return Answer(question=question, answer=f"{NO_BASIS}语料中没有《{absent}》的文本。", abstained=True,
                          related=related)
        if not strong:
            return Answer(question=question, answer=NO_BASIS, abstained=True, related=related)
        decisive = self._condition_match(q, hits[:k])
        if decisive is not None:
            return self._threshold_answer(question, decisive, related)
        pool = hits[:self.params.selection.candidates]
        named = [] if looked_up else self.retriever.named_documents(q)
        asked = self._asked(q) if figure is not None else None
        if figure is not None and not looked_up:
            # a question asking for an amount, share, date or duration needs a sentence that states one
            # about what it asks, in the documents it names when it names any, else in those of the
            # places it names ("江苏…多少亿元" is not answered by a 山东 plan)
            places = places_named(q)
            scope = ([h for h in hits if h.chunk.doc_id in named]
                     or [h for h in hits if self._region(h.chunk.doc_id) in places] or hits)
            if not figure_support([(h.chunk.text, h.chunk.doc_title) for h in scope[:self.params.figure_depth]],
                                  figure, asked, self.params.min_figure_share, target_years(q)):
                return Answer(question=question, answer=f"{NO_BASIS}检索到的条款都没有给出所问的{FIGURE_WORDS[figure]}。",
                              abstained=True, related=related)
        chosen = self._choose(q, pool, weights, figure, looked_up, asked, named)
        if not looked_up and asks_several(q):
            chosen = self._parts(q, chosen, figure, named, filters)
        citations: list[Citation] = []
        lines: list[str] = []
        for marker, (h, (s, e)) in enumerate(chosen, start=1):
            src = self.sources[h.chunk.source]
            label, clause_id = self._label_for(h.chunk.doc_id, s, e, h.chunk.clause_label)
            cit = Citation(marker=marker, doc_title=h.chunk.doc_title, clause=label, quote=src.text[s:e],
                           source=h.chunk.source, page=src.page_at(s), start=s, end=e, score=round(h.score, 4),
                           clause_id=clause_id or h.chunk.clause_id, doc_id=h.chunk.doc_id)
            verify_citation(cit, self.sources)
            citations.append(cit)
            lead = "根据" if marker == 1 else "另据"
            lines.append(f"{lead}{label}：{quote_line(cit.quote)}[{marker}]")
        warnings = self.warnings_for([c.doc_id for c in citations])
        cited = {c.clause_id for c in citations}
        return Answer(question=question, answer="\n".join(lines), abstained=False, citations=citations,
                      related=[r for r in related if r.clause_id not in cited], warnings=warnings)

    def _asked(self, query: str) -> dict[str, float]:
        """The query's term weights with the thesaurus' legal words added ("生效" is asked,
        "施行" is what the law says): for finding the sentence that states an asked-for figure."""
        return self.terms.weights(self.retriever.tokenizer(expand_query(query, self.retriever.synonyms)))

    def _choose(self, query: str, pool: list[Hit], weights: dict[str, float], figure: str | None,
                looked_up: bool, asked: dict[str, float] | None = None,
                named: Sequence[str] = ()) -> list[tuple[Hit, tuple[int, int]]]:
        """The clauses to cite with their quote spans, decisive first.

        The decisive clause is the best candidate by retrieval position (1 - rank / candidates)
        + ``coverage_weight`` × its quote's coverage, among the candidates that fit: for a figure
        question, those whose quote states the figure (about what is asked, when some do); a
        document's provisions before its notice or preamble; for a definition question, the clause
        that defines the term; for a question about what to do, a rule's clauses before a report's.
        A named article (direct lookup) is decisive as retrieved. Each further
        candidate, in retrieval order, is cited when its quote adds at least ``min_gain`` of the
        question's weight that the cited quotes lack and covers ``min_extra_coverage`` on its own.
        """
        p = self.params.selection
        # a bare heading ("二、强化数据要素供给") answers nothing; its clause's text is cited elsewhere
        pool = [h for h in pool if not _HEADING.fullmatch(clean(h.chunk.text))] or pool
        spans = {}
        for h in pool:
            part = self._named_part(query, h) if looked_up and h is pool[0] else None
            spans[h.chunk.clause_id] = ((part.start, part.start + len(part.text.rstrip())) if part
                                        else self._quote_span(h, weights, query, figure))

        def quote(h: Hit) -> str:
            s, e = spans[h.chunk.clause_id]
            return self.sources[h.chunk.source].text[s:e]

        def found(h: Hit) -> set[str]:
            """The question terms h's quote holds, less those of its document's title (every
            clause of the document shares them)."""
            return covered(weights, quote(h)) - covered(weights, h.chunk.doc_title)

        def share(terms: set[str]) -> float:
            return sum(weights[t] for t in terms) / (sum(weights.values()) or 1.0)

        if looked_up:
            first = pool[0]
        else:
            eligible = [h for h in pool if figure is None or states_figure(quote(h), figure)] or pool
            # a document's provisions answer before its notice or preamble does
            eligible = [h for h in eligible if not self._preamble(h)] or eligible
            term = defined_term(query)
            if term:
                # "“重要数据”是怎么界定的？" is answered by the clause that defines it
                eligible = [h for h in eligible if defines(h.chunk.text, term)] or eligible
            if asks_for_rule(query) and not named:
                # what one must or may do is decided by a rule, not by a report about the subject
                eligible = [h for h in eligible if self.retriever.is_rule(h.chunk.doc_id)] or eligible
            if figure is not None and asked:
                # among them, those whose figure is stated about what is asked
                eligible = [h for h in eligible if figure_support([(quote(h), h.chunk.doc_title)], figure, asked,
                                                                  self.params.min_figure_share)] or eligible
            # retrieval's order (a reranker's, when there is one), then coverage
            first = max(eligible, key=lambda h: 1.0 - pool.index(h) / len(pool) + p.coverage_weight * share(found(h)))
        chosen = [first]
        have = found(first)
        several = asks_several(query)
        if several and not looked_up:
            # "A办法和B规定分别…": each document the question names answers for itself
            for doc_id in named:
                h = next((h for h in pool if h.chunk.doc_id == doc_id and not self._preamble(h)), None)
                if h is not None and h not in chosen and len(chosen) < p.max_citations:
                    chosen.append(h)
                    have |= found(h)
        min_gain = p.min_gain if several else p.min_gain_single
        floor = p.extra_ratio * share(found(first))
        for h in pool:
            if len(chosen) >= p.max_citations:
                break
            if h in chosen or (looked_up and "lookup" in h.ranks) or self._preamble(h):
                continue
            terms = found(h)
            if share(terms - have) >= min_gain and share(terms) >= max(p.min_extra_coverage, floor):
                chosen.append(h)
                have |= terms
        wanted = asked_count(query)
        if wanted and not looked_up:
            # "哪两份报告…": as many clauses of the decisive document as asked, each nearly as close
            for h in pool:
                if len(chosen) >= min(wanted, p.max_citations):
                    break
                if h not in chosen and h.chunk.doc_id == first.chunk.doc_id and not self._preamble(h) \
                        and share(found(h)) >= p.count_ratio * share(found(first)):
                    chosen.append(h)
        return [(h, spans[h.chunk.clause_id]) for h in chosen]

    def _parts(self, query: str, chosen: list[tuple[Hit, tuple[int, int]]], figure: str | None,
               named: Sequence[str], filters: Filters | None = None) -> list[tuple[Hit, tuple[int, int]]]:
        """``chosen`` and, for a question that asks several things (:mod:`qa.decompose`), the
        clause each part finds when asked on its own: the best of its first ``part_candidates``
        hits whose quote covers ``min_extra_coverage`` of the part (and states the asked-for
        figure, for a figure question) and that says something the cited quotes do not. A part
        that names no document is asked within the documents the question names that no other
        part names ("A办法和B规定分别…": the second part is asked of B). A follow-up question that
        names no document ("…多久要审完？协议签了又要多久报备？"), or any part of a question that
        names none, is asked within the decisive clause's document, unless it names a place that
        document is not about ("山东、青海和宁夏分别…")."""
        p = self.params.selection
        tok = self.retriever.tokenizer
        pieces = question_parts(query, tok, self.retriever.titles)
        if len(pieces) < 2:
            return chosen
        subs = [x.text for x in pieces]
        per_part = [set(self.retriever.named_documents(s)) for s in subs]
        out = list(chosen)
        cited = {h.chunk.clause_id for h, _ in out}
        decisive = chosen[0][0].chunk.doc_id
        # a part is short and says what it asks in the law's words: BM25 finds its clause without
        # embedding another query (dense retrieval is most of a search's time)
        lexical = replace(self.retriever.params, dense_weight=0.0) if not p.part_dense else None
        for i, sub in enumerate(subs):
            if len(out) >= p.max_part_citations:
                break
            scope, docs = filters, frozenset()
            if not per_part[i] and (pieces[i].follow_up or not named) and not self._elsewhere(sub, decisive):
                docs = frozenset({decisive})
            elif named and not per_part[i]:
                others = set().union(*(d for j, d in enumerate(per_part) if j != i))
                docs = frozenset(d for d in named if d not in others) or frozenset(named)
            places = places_named(sub)
            if docs and places and not any(self._region(d) in places for d in docs):
                docs = frozenset()  # "贵州省的实施方案…" is not asked of the national document
            if docs:
                if filters is not None and filters.doc_ids:
                    docs = docs & filters.doc_ids
                scope = replace(filters or Filters(), doc_ids=docs) if docs else filters
            weights = self.terms.weights(tok(sub))
            kind = expected_figure(sub)  # what this part asks for, not what another part does

            def fits(text: str) -> bool:
                return coverage(weights, text) >= p.min_extra_coverage and (not kind or states_figure(text, kind))

            for h in self.retriever.search(sub, k=p.part_candidates, filters=scope, params=lexical):
                # the quote lies in the chunk: a chunk that does not fit needs no quoting
                if self._preamble(h) or not fits(h.chunk.text):
                    continue
                span = self._quote_span(h, weights, sub, kind)
                quote = self.sources[h.chunk.source].text[span[0]:span[1]]
                if not fits(quote):
                    continue
                # the document the part names, by title or by place, not yet cited, is news in itself
                # ("A法和B法…有什么不同", "国务院的意见和贵州省的方案分别…")
                own_doc = (h.chunk.doc_id in per_part[i] or self._region(h.chunk.doc_id) in places) \
                    and h.chunk.doc_id not in {x.chunk.doc_id for x, _ in out}
                if h.chunk.clause_id not in cited and (own_doc or self._adds(quote, out, weights, kind)):
                    out.append((h, span))
                    cited.add(h.chunk.clause_id)
                break
        return out

    def _preamble(self, hit: Hit) -> bool:
        """Whether ``hit`` is an unnumbered paragraph of a document with articles or an outline
        (its notice, preamble or cover text): never cited beside the decisive clause."""
        clause = self.clauses.get(hit.chunk.clause_id)
        return clause is not None and clause.level == "para" and hit.chunk.doc_id in self._structured

    def _region(self, doc_id: str) -> str:
        return (self.docs[doc_id].metadata.get("region") or "") if doc_id in self.docs else ""

    def _elsewhere(self, text: str, doc_id: str) -> bool:
        """Whether ``text`` names a place other than the region of document ``doc_id``."""
        return bool(places_named(text) - {self._region(doc_id)})

    def _adds(self, quote: str, chosen: list[tuple[Hit, tuple[int, int]]], weights: dict[str, float],
              kind: str | None) -> bool:
        """Whether ``quote`` says what the ``chosen`` quotes do not: a figure of the asked-for kind
        they lack, or at least ``min_gain`` of the part's term weight."""
        have = "\n".join(self.sources[h.chunk.source].text[s:e] for h, (s, e) in chosen)
        if kind and stated_figures(quote, kind) - stated_figures(have, kind):
            return True
        total = sum(weights.values()) or 1.0
        new = covered(weights, quote) - covered(weights, have)
        return sum(weights[t] for t in new) / total >= self.params.selection.min_gain

    def _named_part(self, query: str, hit: Hit) -> Clause | None:
        """The 款 or 项 a query names ("第六十六条第二款"), when the hit holds it."""
        ref = self.retriever.article_ref(query)
        if ref is None:
            return None
        return next((cl for cl in self._items(hit.chunk.doc_id, hit.chunk.start, hit.chunk.end)
                     if ref.names(cl.id)), None)

    def _items(self, doc_id: str, start: int = 0, end: int | None = None) -> list[Clause]:
        """Items, paragraphs and articles of a document inside ``[start, end)``, narrowest first."""
        inside = [cl for cl in self._by_doc.get(doc_id, []) if cl.level in ("项", "款", "条")
                  and start <= cl.start and (end is None or cl.end <= end)]
        return sorted(inside, key=lambda cl: -len(cl.id))

    def _first_match(self, qty, clauses: list[Clause]) -> tuple[Clause, Condition] | None:
        for cl in clauses:
            found = matching(qty, parse_conditions(cl.text))
            if found:
                return cl, found[0]
        return None

    def _condition_match(self, query: str, hits: list[Hit]) -> tuple[Hit, Clause, Condition] | None:
        """For a scenario that names a count of persons, the decisive item: the first retrieved
        provision that states count conditions decides the document; within it, the item whose
        condition the scenario meets (its own items first, then the rest of the document). When a
        later document prevails over that one (``superseded_in_part_by``), its matching item wins."""
        qty = scenario_quantity(query)
        if qty is None:
            return None
        for h in hits:
            c = h.chunk
            own = self._items(c.doc_id, c.start, c.end)
            if not any(parse_conditions(cl.text) for cl in own):
                continue
            found = self._first_match(qty, own) or self._first_match(qty, self._items(c.doc_id))
            if found is None:
                continue
            doc = self.docs.get(c.doc_id)
            for newer_title in (doc.metadata.get("superseded_in_part_by") or []) if doc else []:
                newer = self._doc_titled(newer_title)
                later = self._first_match(qty, self._items(newer.id)) if newer else None
                if later is not None:
                    return h, *later
            return h, *found
        return None

    def _doc_titled(self, title: str) -> Document | None:
        return next((d for d in self.docs.values() if d.title == title), None)

    def _precedence_clause(self, newer: Document, older_title: str) -> Clause | None:
        """The clause of ``newer`` that says it prevails over ``older_title`` (see :mod:`qa.precedence`)."""
        return precedence.precedence_clause(newer, older_title)

    def _threshold_answer(self, question: str, decisive: tuple[Hit, Clause, Condition],
                          related: list[Related]) -> Answer:
        """Lead with the item whose condition the scenario meets, quoted with its article's lead-in;
        when it comes from a rule that prevails over the retrieved one, cite that precedence clause too."""
        h, item, cond = decisive
        doc = self.docs[item.doc_id]
        article = item
        while article.level != "条" and article.parent in self.clauses:
            article = self.clauses[article.parent]
        cits = [self._citation(1, doc, item, item.start, item.end, h.score)]
        lines = [f"适用{item.label}：{one_line(cits[0].quote)}[1]"]
        lead_end = article.text.find("：")
        if article is not item and lead_end > 0 and article.start + lead_end < item.start:
            # the article's lead-in says what follows from the condition
            cits.append(self._citation(2, doc, article, article.start, article.start + lead_end + 1, h.score))
            lines.append(f"该条规定：{quote_line(cits[1].quote)}[2]")
        lines.append(f"所述情形符合其中“{cond.text}”这一条件[1]。")
        if doc.id != h.chunk.doc_id:
            rule = self._precedence_clause(doc, h.chunk.doc_title)
            if rule is not None:
                n = len(cits) + 1
                cits.append(self._citation(n, doc, rule, rule.start, rule.end, h.score))
                words = quote_line(cits[-1].quote)
                lines.append(f"检索到的《{h.chunk.doc_title}》{h.chunk.clause_label.split('》')[-1]}另有规定，"
                             f"但{rule.label}规定二者不一致时适用《{doc.title}》：{words}[{n}]")
        for c in cits:
            verify_citation(c, self.sources)
        cited = {c.clause_id for c in cits}
        return Answer(question=question, answer="\n".join(lines), abstained=False, citations=cits,
                      related=[r for r in related if r.clause_id not in cited],
                      warnings=self.warnings_for([c.doc_id for c in cits] + [h.chunk.doc_id]))

    def _citation(self, marker: int, doc: Document, clause: Clause, start: int, end: int, score: float) -> Citation:
        """A citation of ``source[start:end]`` (trailing space trimmed) labelled with ``clause``."""
        cit = cite_clause(marker, doc, clause, self.sources, start, end, score)
        if cit is None:
            raise VerificationError(f"{clause.label}: nothing to quote at {doc.source}:{start}-{end}")
        return cit

    def _missing_article(self, query: str, hits: list[Hit], filters=None) -> str | None:
        """When the query names an article its law does not have, say so ("《…》共55条，没有第五十八条");
        likewise when the filters leave out the document that has it (another law's 第四条 is no answer)."""
        ref = self.retriever.article_ref(query)
        if ref is None or any("lookup" in h.ranks for h in hits):
            return None
        docs = [self.docs[d] for d in ref.doc_ids if d in self.docs]
        held = [d for d in docs if any(ref.in_article(c.id) for c in d.clauses)]
        if held and filters is not None and not any(filters.allows(d) for d in held):
            return f"《{held[0].title}》第{int_to_cn(ref.article)}条不在所选的筛选范围内。"
        counts = [sum(1 for c in d.clauses if c.level == "条") for d in docs]
        if not docs or not all(counts) or max(counts) >= ref.article:
            return None  # not a numbered law, or the article may be missing from our copy
        return f"《{docs[0].title}》共{max(counts)}条，没有第{int_to_cn(ref.article)}条。"

    def warnings_for(self, doc_ids: list[str]) -> list[str]:
        """What a reader must know about the cited documents' force, and which prevails where they
        differ (:func:`qa.precedence.warnings_for`)."""
        return precedence.warnings_for([self.docs[d] for d in dict.fromkeys(doc_ids) if d in self.docs])

    def _related(self, h: Hit) -> Related:
        c = h.chunk
        snippet = clean(c.text).replace("\n", " ")
        return Related(doc_title=c.doc_title, clause=c.clause_label, snippet=snippet[:160], source=c.source,
                       start=c.start, end=c.end, score=round(h.score, 4), clause_id=c.clause_id)
