"""Cross-reference context: the clauses a cited clause refers to (依照本法第X条, 前款, 前两款,
第N条第M款, 《X》第N条), attached to the answer so the reader sees what the reference means.

The references of articles and paragraphs are found and resolved at ingest
(:mod:`ingest.xref`, ``Clause.refs``); those in the outline items of other texts (a reading
that quotes 《数据安全法》第二十一条) are resolved here with the same
:class:`~ingest.xref.ReferenceResolver`. For each citation, the references printed inside its
quote whose target the corpus holds become :class:`~qa.types.ContextClause` es: the target
clause quoted exactly (``source_text[start:end]``), at most ``per_citation`` of them, each
target once per answer and never a clause the answer already cites. A reference that
resolves to nothing is left out (logged at debug).

>>> finder = ContextFinder(engine.data.documents, engine.data.sources)   # doctest: +SKIP
>>> finder.attach(engine.answerer.answer("个人信息保护法第十三条")).context   # doctest: +SKIP
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ingest.types import Clause, Document, SourceText
from ingest.xref import ReferenceResolver

from .types import Answer, Citation, ContextClause
from .verify import quoted, verify_quote

log = logging.getLogger(__name__)

_VERB = re.compile(r"(?:依照|按照|根据|依据|违反|参照|适用)$")
_STORED = ("条", "款")  # the levels whose references ingest resolves (ingest.xref.resolve_all)


@dataclass(frozen=True)
class ContextParams:
    per_citation: int = 3  # referenced clauses attached per citation
    max_total: int = 8  # and per answer

    def __post_init__(self) -> None:
        if self.per_citation < 0 or self.max_total < 0:
            raise ValueError("per_citation and max_total must be ≥ 0")


class ContextFinder:
    """Find the clauses the citations of an answer refer to. Built once per index version."""

    def __init__(self, documents: Sequence[Document], sources: Mapping[str, SourceText],
                 params: ContextParams | None = None) -> None:
        self.documents = list(documents)
        self.sources = sources
        self.params = params or ContextParams()
        self.docs = {d.id: d for d in self.documents}
        self.clauses = {c.id: c for d in self.documents for c in d.clauses}
        self._resolver: ReferenceResolver | None = None

    @property
    def resolver(self) -> ReferenceResolver:
        """The resolver for references outside articles, built on first use."""
        if self._resolver is None:
            self._resolver = ReferenceResolver(self.documents)
        return self._resolver

    def references(self, c: Citation) -> list[tuple[int, int, dict[str, Any]]]:
        """The references printed inside ``c``'s quote: ``(start, end, ref)`` in source offsets, in order."""
        doc = self.docs.get(c.doc_id)
        if doc is None:
            return []
        found: dict[tuple[int, str | None], tuple[int, int, dict[str, Any]]] = {}
        for cl in doc.clauses:
            if cl.end <= c.start or cl.start >= c.end:
                continue
            if cl.level in _STORED:
                refs = cl.refs
            elif cl.level.startswith("outline") or cl.level == "para":
                refs = [r.to_dict() for r in self.resolver.resolve(doc, cl)]
            else:  # 编章节 hold their articles' references; 项目 their paragraph's
                continue
            for r in refs:
                s, e = cl.start + r["start"], cl.start + r["end"]
                if c.start <= s and e <= c.end:
                    found.setdefault((s, r.get("target_id")), (s, e, r))
        return sorted(found.values(), key=lambda x: x[0])

    def _targets(self, ref: dict[str, Any]) -> list[Clause]:
        """The clauses a reference names: its target, and for 前两款 / 前三款 the paragraphs after it."""
        target = self.clauses.get(ref.get("target_id") or "")
        if target is None:
            return []
        n = -(ref.get("paragraph") or -1) if ref.get("doc_ref") == "前款" else 1
        if n <= 1:
            return [target]
        siblings = [cl for cl in self.docs[target.doc_id].clauses if cl.parent == target.parent and cl.level == "款"]
        i = next(i for i, cl in enumerate(siblings) if cl.id == target.id)
        return siblings[i:i + n]

    def context_for(self, answer: Answer) -> list[ContextClause]:
        """The context clauses of ``answer``'s citations (none for an abstention)."""
        if answer.abstained:
            return []
        cited = [(c.source, c.start, c.end) for c in answer.citations]
        seen: set[str] = set()
        out: list[ContextClause] = []
        for c in answer.citations:
            added = 0
            text = self.sources[c.source].text
            for s, e, ref in self.references(c):
                if not ref.get("target_id"):
                    log.debug("reference %r in %s resolves to no clause of the corpus", ref.get("text"), c.clause)
                    continue
                targets = self._targets(ref)
                if not targets:
                    log.debug("reference %r in %s names %s, which is not in the index", ref.get("text"), c.clause,
                              ref.get("target_id"))
                for t in targets:
                    if added >= self.params.per_citation or len(out) >= self.params.max_total:
                        break
                    if t.id in seen or any(src == self.docs[t.doc_id].source and t.start < ce and cs < t.end
                                           for src, cs, ce in cited):
                        continue  # attached already, or (part of) a cited clause
                    x = self._context(c.marker, _printed(text, s, e), t)
                    if x is not None:
                        seen.add(t.id)
                        out.append(x)
                        added += 1
        return out

    def _context(self, marker: int, ref: str, t: Clause) -> ContextClause | None:
        doc = self.docs[t.doc_id]
        src = self.sources.get(doc.source)
        if src is None:
            return None
        quote, end = quoted(src, t.start, t.end)
        x = ContextClause(marker=marker, ref=ref, doc_title=doc.title, clause=t.label, quote=quote,
                          source=doc.source, page=src.page_at(t.start), start=t.start, end=end,
                          clause_id=t.id, doc_id=doc.id)
        problem = verify_quote(x, self.sources)
        if problem:
            log.error("context clause left out, it fails verification: %s", problem)
            return None
        return x

    def attach(self, answer: Answer) -> Answer:
        """``answer`` with its context clauses."""
        return replace(answer, context=self.context_for(answer))


def _printed(text: str, start: int, end: int) -> str:
    """The referring words as printed, with the verb before them (依照本法第六十九条).

    >>> _printed("应当依照本法第六十九条处理", 4, 11)
    '依照本法第六十九条'
    """
    verb = _VERB.search(text[max(0, start - 2):start])
    return text[start - (len(verb.group(0)) if verb else 0):end]


def verify_context(answer: Answer, sources: Mapping[str, SourceText]) -> Answer:
    """``answer`` keeping only the context clauses whose quote is the source text at their span and
    whose citation is still in the answer (verification may have dropped it)."""
    markers = {c.marker for c in answer.citations}
    kept = []
    for x in answer.context:
        problem = verify_quote(x, sources)
        if problem:
            log.error("dropped a context clause that fails verification: %s", problem)
        elif x.marker in markers and not answer.abstained:
            kept.append(x)
    return replace(answer, context=kept) if len(kept) != len(answer.context) else answer
