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
from dataclasses import dataclass

import numpy as np

from index.retriever import Hit, Retriever, normalise_query
from ingest.text import clean, int_to_cn
from ingest.types import Clause, Document

from . import precedence
from .figures import expected_figure, states_figure
from .conditions import Condition, matching, parse_conditions, scenario_quantity
from .types import Answer, Citation, Related
from .verify import VerificationError, verify_citation  # noqa: F401  (re-exported: moved to qa.verify)

_SENT = re.compile(r"[^。；！？!?\n]+[。；！？!?]?")
_NUM = re.compile(r"\d+(?:\.\d+)?")
NO_BASIS = "语料中未找到依据：现有文件没有能回答这个问题的条款。"
FIGURE_WORDS = {"amount": "金额或数额", "share": "比例", "date": "日期", "duration": "期限", "count": "数量"}


@dataclass(frozen=True)
class AnswerParams:
    max_quote_chars: int = 240
    second_doc_ratio: float = 0.9  # cite a second document only when its score is this close (set on dev)
    min_dense_score: float = 0.86
    min_term_coverage: float = 0.5


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
        c = hit.chunk
        out = []
        for m in _SENT.finditer(c.text):
            s, e = m.start(), m.end()
            seg = c.text[s:e]
            lead = len(seg) - len(seg.lstrip(" \t\u3000*#-"))
            trail = len(seg) - len(seg.rstrip(" \t\u3000*"))
            if e - trail > s + lead:
                out.append((c.start + s + lead, c.start + e - trail))
        return out

    def _quote_span(self, hit: Hit, query_tokens: list[str], query: str,
                    figure: str | None = None) -> tuple[int, int]:
        """The whole chunk when short; else the best window of consecutive sentences."""
        c = hit.chunk
        if len(clean(c.text)) <= self.params.max_quote_chars:
            return c.start, c.end
        text = self.sources[c.source].text
        sents = self._sentences(hit)
        if not sents:
            return c.start, min(c.end, c.start + self.params.max_quote_chars)
        q_nums = set(_NUM.findall(query))

        def score(span: tuple[int, int]) -> float:
            s = text[span[0]:span[1]]
            cov = self._coverage(query_tokens, s)
            nums = len(q_nums & set(_NUM.findall(s)))
            return cov + 0.3 * nums + (0.5 if figure and states_figure(s, figure) else 0.0)

        best, best_score = sents[0], -1.0
        for i in range(len(sents)):
            for j in range(i, len(sents)):
                span = (sents[i][0], sents[j][1])
                if len(clean(text[span[0]:span[1]])) > self.params.max_quote_chars:
                    break
                sc = score(span) - 0.01 * (j - i)
                if sc > best_score:
                    best, best_score = span, sc
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
        missing = self._missing_article(q, hits)
        if missing:
            return Answer(question=question, answer=f"{NO_BASIS}{missing}", abstained=True,
                          related=[self._related(h) for h in hits[:k]])
        qv = self.retriever.query_vector(q)
        top = hits[0]
        dense = self._dense_score(top, qv)
        coverage = self._coverage(q_tokens, clean(top.chunk.index_text))
        looked_up = "lookup" in top.ranks
        strong = looked_up or dense >= self.params.min_dense_score or coverage >= self.params.min_term_coverage
        related = [self._related(h) for h in hits[:k]]
        if not strong:
            return Answer(question=question, answer=NO_BASIS, abstained=True, related=related)
        decisive = self._condition_match(q, hits[:k])
        if decisive is not None:
            return self._threshold_answer(question, decisive, related)
        figure = expected_figure(q)
        if figure is not None and not looked_up:
            # a question asking for an amount, share, date or duration needs a clause that states one
            stating = [h for h in hits[:3] if states_figure(h.chunk.text, figure)]
            if not stating:
                return Answer(question=question, answer=f"{NO_BASIS}检索到的条款都没有给出所问的{FIGURE_WORDS[figure]}。",
                              abstained=True, related=related)
            top = stating[0]
        chosen = [top]
        for h in hits[1:3]:
            if h.chunk.doc_id != top.chunk.doc_id and h.score >= self.params.second_doc_ratio * top.score \
                    and "lookup" not in top.ranks:
                chosen.append(h)
                break
        citations: list[Citation] = []
        parts: list[str] = []
        for marker, h in enumerate(chosen, start=1):
            named = self._named_part(q, h) if marker == 1 and looked_up else None
            s, e = ((named.start, named.start + len(named.text.rstrip())) if named
                    else self._quote_span(h, q_tokens, q, figure))
            src = self.sources[h.chunk.source]
            label, clause_id = self._label_for(h.chunk.doc_id, s, e, h.chunk.clause_label)
            cit = Citation(marker=marker, doc_title=h.chunk.doc_title, clause=label, quote=src.text[s:e],
                           source=h.chunk.source, page=src.page_at(s), start=s, end=e, score=round(h.score, 4),
                           clause_id=clause_id or h.chunk.clause_id, doc_id=h.chunk.doc_id)
            verify_citation(cit, self.sources)
            citations.append(cit)
            lead = "根据" if marker == 1 else "另据"
            parts.append(f"{lead}{label}：{clean(cit.quote).replace(chr(10), '')}[{marker}]")
        warnings = self.warnings_for([c.doc_id for c in citations])
        cited = {c.clause_id for c in citations}
        return Answer(question=question, answer="\n".join(parts), abstained=False, citations=citations,
                      related=[r for r in related if r.clause_id not in cited], warnings=warnings)

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
        lines = [f"适用{item.label}：{clean(cits[0].quote).replace(chr(10), '')}[1]"]
        lead_end = article.text.find("：")
        if article is not item and lead_end > 0 and article.start + lead_end < item.start:
            # the article's lead-in says what follows from the condition
            cits.append(self._citation(2, doc, article, article.start, article.start + lead_end + 1, h.score))
            lines.append(f"该条规定：{clean(cits[1].quote).replace(chr(10), '')}[2]")
        lines.append(f"所述情形符合其中“{cond.text}”这一条件[1]。")
        if doc.id != h.chunk.doc_id:
            rule = self._precedence_clause(doc, h.chunk.doc_title)
            if rule is not None:
                n = len(cits) + 1
                cits.append(self._citation(n, doc, rule, rule.start, rule.end, h.score))
                lines.append(f"检索到的《{h.chunk.doc_title}》{h.chunk.clause_label.split('》')[-1]}另有规定，"
                             f"但{rule.label}规定二者不一致时适用《{doc.title}》：{clean(cits[-1].quote).replace(chr(10), '')}[{n}]")
        for c in cits:
            verify_citation(c, self.sources)
        cited = {c.clause_id for c in cits}
        return Answer(question=question, answer="\n".join(lines), abstained=False, citations=cits,
                      related=[r for r in related if r.clause_id not in cited],
                      warnings=self.warnings_for([c.doc_id for c in cits] + [h.chunk.doc_id]))

    def _citation(self, marker: int, doc: Document, clause: Clause, start: int, end: int, score: float) -> Citation:
        """A citation of ``source[start:end]`` (trailing space trimmed) labelled with ``clause``."""
        src = self.sources[doc.source]
        quote = src.text[start:end].rstrip()
        return Citation(marker=marker, doc_title=doc.title, clause=clause.label, quote=quote, source=doc.source,
                        page=src.page_at(start), start=start, end=start + len(quote), score=round(score, 4),
                        clause_id=clause.id, doc_id=doc.id)

    def _missing_article(self, query: str, hits: list[Hit]) -> str | None:
        """When the query names an article its law does not have, say so ("《…》共55条，没有第五十八条")."""
        ref = self.retriever.article_ref(query)
        if ref is None or any("lookup" in h.ranks for h in hits):
            return None
        docs = [self.docs[d] for d in ref.doc_ids if d in self.docs]
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
