"""The rankers over one loaded index, each giving ``(row, score)`` candidates best first.

* :meth:`Rankers.lookup` — the chunks of the article a question names (direct lookup);
* :func:`bm25_search` — BM25 over jieba tokens (the tokens are the caller's: the query's own,
  or with the thesaurus' words);
* :meth:`Rankers.dense` — FAISS search of the query embedding.

Rows are positions in ``IndexData.chunks``; ``allowed`` (from :meth:`Rankers.allowed_rows`)
restricts every ranker to the rows of the documents the filters admit.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from index.embedders import Embedder
from index.faiss_index import search_rows
from index.store import IndexData
from ingest.types import Chunk

from .filters import Filters
from .intent import RULE_KINDS
from .types import ArticleRef


def bm25_search(bm25: Any, tokens: Sequence[str], k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
    """The top ``k`` rows of a ``bm25s.BM25`` index for ``tokens`` (those outside its vocabulary
    are dropped), only positive scores, restricted to ``allowed`` rows when given."""
    tokens = [t for t in tokens if t in bm25.vocab_dict]
    if not tokens:
        return []
    scores = bm25.get_scores(tokens)
    if allowed is not None:
        mask = np.full(scores.shape, -np.inf, dtype=np.float64)
        mask[allowed] = 0.0
        scores = scores + mask
    k = min(k, int(np.isfinite(scores).sum()))
    if k <= 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(i), float(scores[i])) for i in top if scores[i] > 0]


class Rankers:
    """Lookup, BM25 and dense ranking over ``data``, with the row maps they and the lifts share."""

    def __init__(self, data: IndexData, embedder: Embedder) -> None:
        if data.faiss_index is None or data.bm25 is None:
            raise ValueError("the index has no dense or BM25 part; rebuild it")
        self.data = data
        self.embedder = embedder
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
        self._faiss_threads_set = False
        self._query_vectors: dict[str, np.ndarray] = {}
        self._memo_lock = threading.Lock()

    def is_rule(self, doc_id: str) -> bool:
        """Whether document ``doc_id`` binds (a law, regulation, normative document or draft rule)."""
        rows = self.doc_rows.get(doc_id)
        return rows is not None and len(rows) > 0 and bool(self.rule_rows[rows[0]])

    def allowed_rows(self, filters: Filters | None) -> np.ndarray | None:
        """The rows the filters admit; None when they admit all."""
        if filters is None or filters.is_empty():
            return None
        rows = [self.doc_rows[d.id] for d in self.data.documents if filters.allows(d) and d.id in self.doc_rows]
        return np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)

    def rows_of(self, doc_ids: Sequence[str]) -> np.ndarray:
        """The rows of the given documents."""
        return np.concatenate([self.doc_rows[d] for d in doc_ids if d in self.doc_rows] or
                              [np.zeros(0, dtype=np.int64)])

    def lookup(self, ref: ArticleRef | None, allowed: np.ndarray | None = None) -> list[int]:
        """Rows of the article ``ref`` names, best first (the named 项 before the rest)."""
        if ref is None:
            return []
        allowed_set = set(allowed.tolist()) if allowed is not None else None
        rows = []
        for doc_id in ref.doc_ids:
            for row in self.doc_rows.get(doc_id, []):
                if allowed_set is not None and row not in allowed_set:
                    continue
                clause_id = self.data.chunks[row].clause_id
                if ref.in_article(clause_id):
                    rows.append((0 if ref.names(clause_id) else 1, int(row)))
        return [r for _, r in sorted(rows)]

    def bm25(self, tokens: Sequence[str], k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        return bm25_search(self.data.bm25, tokens, k, allowed)

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

    def dense(self, text: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        import faiss

        if not self._faiss_threads_set:
            # Exact search over this size needs no threads; two OpenMP runtimes (the
            # embedder's and faiss's) spinning against each other is what made queries slow.
            faiss.omp_set_num_threads(1)
            self._faiss_threads_set = True
        # the index is row-keyed; removed vectors an approximate index still holds never return
        return search_rows(self.data.faiss_index, self.query_vector(text), k, len(self.data.chunks), allowed,
                           self.data.tombstones)

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
