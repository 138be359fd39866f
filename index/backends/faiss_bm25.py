"""The ``faiss`` backend: FAISS (dense) and bm25s (BM25) files in the index version, searched in this
process. Its behaviour is the index's from before backends existed; :mod:`index.faiss_index` and
:mod:`index.bm25_index` build and update the two structures."""

from __future__ import annotations

from collections.abc import Container, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..faiss_index import one_thread, search_rows
from ..fusion import reciprocal_rank_fusion
from . import Where

if TYPE_CHECKING:
    from ..store import IndexData


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


def _rows(where: Where | None) -> np.ndarray | None:
    if where is not None and where.rows is None and where.expression is not None:
        raise ValueError("the faiss backend selects by rows: give Where.rows")
    return None if where is None else where.rows


class FaissBM25Backend:
    """FAISS and bm25s over a loaded, row-keyed index (:func:`index.store.load_index`)."""

    name = "faiss"
    uses_expressions = False

    def __init__(self, data: "IndexData") -> None:
        if data.faiss_index is None or data.bm25 is None:
            raise ValueError(f"index {data.path} has no dense or BM25 part; rebuild it")
        self.data = data
        self._threads_set = False

    @property
    def vocabulary(self) -> Container[str]:
        return self.data.bm25.vocab_dict

    def dense(self, vector: np.ndarray, k: int, where: Where | None = None) -> list[tuple[int, float]]:
        if not self._threads_set:
            one_thread()
            self._threads_set = True
        # the index is row-keyed; removed vectors an approximate index still holds never return
        return search_rows(self.data.faiss_index, vector, k, len(self.data.chunks), _rows(where),
                           self.data.tombstones)

    def sparse(self, tokens: Sequence[str], k: int, where: Where | None = None) -> list[tuple[int, float]]:
        return bm25_search(self.data.bm25, tokens, k, _rows(where))

    def hybrid(self, vector: np.ndarray, tokens: Sequence[str], k: int, where: Where | None = None,
               rrf_k: int = 60) -> list[tuple[int, float]]:
        lists = [[r for r, _ in self.dense(vector, k, where)], [r for r, _ in self.sparse(tokens, k, where)]]
        return [(int(r), s) for r, s in reciprocal_rank_fusion([x for x in lists if x], k=rrf_k)[:k]]

    def vector(self, row: int) -> np.ndarray | None:
        try:
            return self.data.faiss_index.reconstruct(int(row))
        except RuntimeError:  # a kind without a direct map
            return None

    def close(self) -> None:
        pass
