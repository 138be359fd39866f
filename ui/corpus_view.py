"""The corpus as the web app's viewer needs it: one index version's documents, clauses and sources,
the clause tree, and the indexed vectors of a document's articles."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from index.backends import open_backend

if TYPE_CHECKING:  # pragma: no cover
    from index.store import IndexData
    from ingest.types import Chunk, Clause, Document, SourceText

SUB_LEVELS = {"款", "项", "目"}  # parts of a 条, shown inside it


class CorpusView:
    """Documents, clauses and sources of one index version, with the clause tree; and, from an
    index, its chunks and a way to get a chunk's vector back (``vector``: None where it cannot)."""

    def __init__(self, documents: Sequence["Document"], sources: dict[str, "SourceText"],
                 chunks: Sequence["Chunk"] = (), vector: Callable[[str], "np.ndarray | None"] | None = None) -> None:
        self.documents = list(documents)
        self._vector = vector
        self._chunks: dict[str, list[Chunk]] = {}
        for ch in chunks:
            self._chunks.setdefault(ch.doc_id, []).append(ch)
        self.sources = sources
        self.docs = {d.id: d for d in self.documents}
        self.clauses: dict[str, Clause] = {c.id: c for d in self.documents for c in d.clauses}
        self._children: dict[tuple[str, str | None], list[Clause]] = {}
        for d in self.documents:
            for c in d.clauses:
                parent = c.parent if c.parent in self.clauses else None
                self._children.setdefault((d.id, parent), []).append(c)

    @classmethod
    def of(cls, data: "IndexData") -> "CorpusView":
        def vector(chunk_id: str) -> "np.ndarray | None":
            row = data.chunk_row.get(chunk_id)
            if row is None:  # a removed chunk
                return None
            try:
                return open_backend(data).vector(row)
            except (RuntimeError, ValueError):  # no search part loaded, or one that cannot give vectors back
                return None

        return cls(data.documents, data.sources, data.chunks, vector)

    def article_vectors(self, articles: Sequence["Clause"]) -> "np.ndarray | None":
        """Unit vectors of ``articles``, one row each: the mean of the indexed vectors of the chunks
        each holds (a chunk never spans two 条). None when any has no vector to give."""
        if self._vector is None:
            return None
        rows = []
        for a in articles:
            vecs = [self._vector(ch.id) for ch in self._chunks.get(a.doc_id, ()) if a.start <= ch.start < a.end]
            if not vecs or any(v is None for v in vecs):
                return None
            mean = np.mean(np.asarray(vecs, dtype=np.float64), axis=0)
            rows.append(mean / (np.linalg.norm(mean) or 1.0))
        return np.asarray(rows) if rows else None

    def children(self, doc_id: str, parent: str | None) -> list["Clause"]:
        return self._children.get((doc_id, parent), [])

    def unit_of(self, clause: "Clause") -> "Clause":
        """The 条 (or outline item) a 款/项/目 belongs to; the clause itself otherwise."""
        c = clause
        while c.level in SUB_LEVELS and c.parent in self.clauses:
            c = self.clauses[c.parent]
        return c

    def neighbours(self, unit: "Clause") -> tuple["Clause | None", "Clause | None"]:
        """The clauses of the same level just before and after ``unit`` in its document (across
        chapters: the article before 第十三条 is 第十二条 even when a new 节 starts between them)."""
        doc = self.docs.get(unit.doc_id)
        same = [c for c in doc.clauses if c.level == unit.level] if doc else []
        i = next((n for n, c in enumerate(same) if c.id == unit.id), None)
        if i is None:
            return None, None
        return (same[i - 1] if i > 0 else None), (same[i + 1] if i + 1 < len(same) else None)

    def doc_id_of(self, clause_id: str, source: str, start: int) -> str:
        """The id of the document holding a clause: from its id (``doc:clause``), else the document
        of ``source`` whose span holds ``start``; "" when there is none."""
        if clause_id and ":" in clause_id:
            return clause_id.split(":", 1)[0]
        return next((d.id for d in self.documents if d.source == source and d.start <= start < d.end), "")

    def clause_at(self, doc_id: str, start: int, end: int) -> "Clause | None":
        """The narrowest non-heading clause of a document that holds ``[start, end)``."""
        doc = self.docs.get(doc_id)
        best = None
        for c in doc.clauses if doc else []:
            if c.start <= start and end <= c.end and c.level not in ("编", "章", "节"):
                if best is None or c.end - c.start < best.end - best.start:
                    best = c
        return best
