"""The rankers over one loaded index, each giving ``(row, score)`` candidates best first.

* :meth:`Rankers.lookup` — the chunks of the article a question names (direct lookup);
* :meth:`Rankers.bm25` — BM25 over jieba tokens (the tokens are the caller's: the query's own,
  or with the thesaurus' words);
* :meth:`Rankers.dense` — nearest neighbours of the query embedding.

BM25 and dense run in the index's search backend (:mod:`index.backends`: FAISS and bm25s files,
or Milvus). Rows are positions in ``IndexData.chunks``; a :class:`~index.backends.Where` (from
:meth:`Rankers.where`) restricts every ranker to the rows of the documents the filters admit, with
the filters as an expression the backend can run itself.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import TypeVar

import numpy as np

from index.backends import SearchBackend, Where, open_backend
from index.embedders import Embedder
from index.store import IndexData
from ingest.types import Chunk

from .adapter import QueryAdapter
from .centre import QueryCentre
from .filters import Filters
from .intent import RULE_KINDS
from .types import ArticleRef

M = TypeVar("M", QueryAdapter | None, QueryCentre | None)


class Rankers:
    """Lookup, BM25 and dense ranking over ``data``, with the row maps they and the lifts share."""

    def __init__(self, data: IndexData, embedder: Embedder, backend: SearchBackend | None = None,
                 adapter: QueryAdapter | None = None, centre: QueryCentre | None = None) -> None:
        self.backend = backend or open_backend(data)
        self.data = data
        self.embedder = embedder
        self.adapter = adapter
        self.centre = centre
        self.docs = {d.id: d for d in data.documents}
        rows: dict[str, list[int]] = {}
        clause_rows: dict[str, list[int]] = {}
        for i, c in enumerate(data.chunks):
            rows.setdefault(c.doc_id, []).append(i)
            clause_rows.setdefault(c.clause_id, []).append(i)
        self.doc_rows = {k: np.asarray(v, dtype=np.int64) for k, v in rows.items()}
        self.clause_rows = {k: sorted(v, key=lambda r: data.chunks[r].start) for k, v in clause_rows.items()}
        rule_docs = {d.id for d in data.documents if d.metadata.get("doc_type") in RULE_KINDS}
        self.row_region = [(self.docs[c.doc_id].metadata.get("region") or "") if c.doc_id in self.docs else ""
                           for c in data.chunks]
        self.rule_rows = np.asarray([c.doc_id in rule_docs for c in data.chunks], dtype=bool)
        self._query_vectors: dict[str, np.ndarray] = {}
        self._memo_lock = threading.Lock()

    def is_rule(self, doc_id: str) -> bool:
        """Whether document ``doc_id`` binds (a law, regulation, normative document or draft rule)."""
        rows = self.doc_rows.get(doc_id)
        return rows is not None and len(rows) > 0 and bool(self.rule_rows[rows[0]])

    def where(self, filters: Filters | None) -> Where | None:
        """The rows the filters admit, and the filters as an expression for a backend that runs them (only
        then: a question pays for no string it does not use); None when they admit all."""
        if filters is None or filters.is_empty():
            return None
        rows = [self.doc_rows[d.id] for d in self.data.documents if filters.allows(d) and d.id in self.doc_rows]
        return Where(np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64),
                     filters.expression() if self.backend.uses_expressions else None)

    def where_docs(self, doc_ids: Sequence[str], within: Where | None) -> Where:
        """The rows of the given documents, inside ``within`` when given."""
        rows = np.concatenate([self.doc_rows[d] for d in doc_ids if d in self.doc_rows] or
                              [np.zeros(0, dtype=np.int64)])
        inside = Where.of_docs(list(doc_ids), rows) if self.backend.uses_expressions else Where(rows)
        return inside if within is None else within.both(inside)

    def lookup(self, ref: ArticleRef | None, where: Where | None = None) -> list[int]:
        """Rows of the article ``ref`` names, best first (the named 项 before the rest)."""
        if ref is None:
            return []
        allowed_set = set(where.rows.tolist()) if where is not None and where.rows is not None else None
        rows = []
        for doc_id in ref.doc_ids:
            for row in self.doc_rows.get(doc_id, []):
                if allowed_set is not None and row not in allowed_set:
                    continue
                clause_id = self.data.chunks[row].clause_id
                if ref.in_article(clause_id):
                    rows.append((0 if ref.names(clause_id) else 1, int(row)))
        return [r for _, r in sorted(rows)]

    def bm25(self, tokens: Sequence[str], k: int, where: Where | None = None) -> list[tuple[int, float]]:
        return self.backend.sparse(tokens, k, where)

    @property
    def adapter(self) -> QueryAdapter | None:
        """The learned map moving query vectors (:mod:`retrieval.adapter`), None for the embedder's own."""
        return self._adapter

    @adapter.setter
    def adapter(self, adapter: QueryAdapter | None) -> None:
        self._adapter = self._tied(adapter)

    @property
    def centre(self) -> QueryCentre | None:
        """The mean question vector the dense search moves away from (:mod:`retrieval.centre`), None for none."""
        return self._centre

    @centre.setter
    def centre(self, centre: QueryCentre | None) -> None:
        self._centre = self._tied(centre)

    def _tied(self, model: M) -> M:
        """``model`` when it was fitted on this index's embedder's vectors (or is None); else the error with the fix."""
        return None if model is None else model.tied_to(self.embedder.name, model.version)

    def query_vector(self, text: str) -> np.ndarray:
        """The query's embedding, memoised for the last few queries (an answer needs it twice)."""
        vec = self._query_vectors.get(text)
        if vec is None:
            vec = np.asarray(self.embedder.embed_query(text), dtype=np.float32)
            with self._memo_lock:
                while len(self._query_vectors) >= 64:
                    self._query_vectors.pop(next(iter(self._query_vectors)))
                self._query_vectors[text] = vec
        return vec

    def adapted_vector(self, text: str) -> np.ndarray | None:
        """The query's embedding moved by the adapter (None without one). Only the learned ranker reads it
        (its ``adapted_cos`` feature); the dense ranker searches, and the answerer's gates read, the embedder's
        own vector, on the scale they were set on."""
        return None if self._adapter is None else self._adapter.apply(self.query_vector(text))

    def search_vector(self, text: str) -> np.ndarray:
        """The vector the dense search reads: the query's embedding moved away from the common direction of
        questions (:mod:`retrieval.centre`), or the embedding itself without a centre."""
        vec = self.query_vector(text)
        return vec if self.centre is None else self.centre.apply(vec)

    def dense(self, text: str, k: int, where: Where | None = None) -> list[tuple[int, float]]:
        return self.backend.dense(self.search_vector(text), k, where)

    def dense_adapted(self, text: str, k: int, where: Where | None = None) -> list[tuple[int, float]]:
        """The dense search with the adapter's moved vector (nothing without an adapter)."""
        vec = self.adapted_vector(text)
        return [] if vec is None else self.backend.dense(vec, k, where)

    def merged(self, row: int, candidates: set[int], max_chars: int) -> Chunk:
        """The hit for ``row``'s clause: the whole clause when it is at most ``max_chars`` long, else
        ``row`` joined with the neighbouring chunks of its clause that retrieval also found."""
        chunk = self.data.chunks[row]
        rows = self.clause_rows.get(chunk.clause_id, [row])
        if len(rows) == 1:
            return chunk
        first, last = self.data.chunks[rows[0]], self.data.chunks[rows[-1]]
        if last.end - first.start <= max_chars:
            lo, hi = 0, len(rows) - 1
        else:
            lo = hi = rows.index(row)
            while lo > 0 and rows[lo - 1] in candidates:
                lo -= 1
            while hi < len(rows) - 1 and rows[hi + 1] in candidates:
                hi += 1
            if lo == hi:
                return chunk
        start, end = self.data.chunks[rows[lo]].start, self.data.chunks[rows[hi]].end
        source = self.data.sources.get(chunk.source)
        if source is None:
            return chunk
        return replace(chunk, start=start, end=end, text=source.text[start:end],
                       index_text="\n".join(self.data.chunks[r].index_text for r in rows[lo:hi + 1]),
                       page=self.data.chunks[rows[lo]].page)
