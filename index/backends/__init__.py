"""Search backends: where an index's chunk vectors and BM25 terms are searched.

One backend per file behind :func:`open_backend` (the factory), as txtai keeps its ANN backends:

``faiss`` (:mod:`index.backends.faiss_bm25`)
    The embedded default: the FAISS and bm25s files in the index version itself.
``milvus`` (:mod:`index.backends.milvus`)
    One Milvus collection per build (dense vector, a BM25 sparse field from Milvus's own BM25
    function over its jieba analyzer, a scalar field for every filter), made live by switching an
    alias. Milvus Lite (a local file beside the index, no server) by default; a Milvus standalone or
    cluster at ``milvus_uri`` runs the same code.

The documents, clauses, chunk texts and sources stay in the index directory for every backend
(:mod:`index.store`): a backend answers *which rows*, the version says *what they are*. Rows are
positions in ``IndexData.chunks``.

A :class:`Where` restricts a search. It carries the admitted rows and, where the caller can say it,
the same selection as a boolean expression over the backend's scalar fields
(:data:`SCALAR_FIELDS`): FAISS searches the rows, Milvus evaluates the expression inside Milvus.
"""

from __future__ import annotations

import json
from collections.abc import Container, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..store import backend_name

if TYPE_CHECKING:
    from ..store import IndexData

__all__ = ["BACKENDS", "SCALAR_FIELDS", "BackendSpec", "SearchBackend", "Where", "backend_name", "open_backend",
           "quote_list"]

BACKENDS = ("faiss", "milvus")

# the scalar fields a Milvus collection holds for each chunk, from its document (all VARCHAR but
# ``issuers``, an array); an expression of a Where names only these and ``vid``
SCALAR_FIELDS = ("doc_id", "kind", "source", "doc_type", "region", "status", "issuers", "language",
                 "jurisdiction", "date", "date_end")


@dataclass(frozen=True)
class BackendSpec:
    """Which backend a build writes: ``faiss`` (files in the version) or ``milvus`` at ``milvus_uri``
    (``""``: Milvus Lite in the index directory; ``http://HOST:19530``: a server), with ``milvus_token``
    for a server that asks for one (it is never written to the index)."""

    name: str = "faiss"
    milvus_uri: str = ""
    milvus_token: str = ""

    def __post_init__(self) -> None:
        if self.name not in BACKENDS:
            raise ValueError(f"index backend must be one of {', '.join(BACKENDS)}, got {self.name!r}")


@dataclass(frozen=True)
class Where:
    """The rows a search may return: ``rows`` (None: all) and, when known, ``expression``, the same
    selection over :data:`SCALAR_FIELDS` (None: a backend that needs one derives it from ``rows``).

    >>> Where.of_docs(["a", 'b"c']).expression
    'doc_id in ["a", "b\\\\"c"]'
    >>> Where.all().both(Where(np.array([3, 1]), 'doc_id in ["x"]')).rows.tolist()
    [3, 1]
    """

    rows: np.ndarray | None = None
    expression: str | None = None

    @classmethod
    def all(cls) -> "Where":
        return cls()

    @classmethod
    def of_docs(cls, doc_ids: Sequence[str], rows: np.ndarray | None = None) -> "Where":
        """The chunks of the documents ``doc_ids`` (``rows``: the same, as rows)."""
        return cls(rows, f"doc_id in {quote_list(doc_ids)}")

    def is_all(self) -> bool:
        return self.rows is None and self.expression is None

    def both(self, other: "Where") -> "Where":
        """Rows admitted by this and ``other``."""
        if self.rows is None:
            rows = other.rows
        elif other.rows is None:
            rows = self.rows
        else:
            rows = np.intersect1d(self.rows, other.rows)
        exprs = [e for e in (self.expression, other.expression) if e]
        # an expression can stand for a side only when that side said one (or admits all)
        unsaid = (self.expression is None and self.rows is not None) or \
                 (other.expression is None and other.rows is not None)
        expression = None if unsaid or not exprs else " and ".join(f"({e})" for e in exprs)
        return Where(rows, expression)


def quote_list(values: Sequence[str]) -> str:
    """``values`` as a Milvus expression list of strings (JSON quoting, which Milvus reads)."""
    return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"


class SearchBackend(Protocol):
    """What retrieval asks of an index's search structures. Scores: higher is better."""

    name: str
    uses_expressions: bool  # whether it searches by Where.expression (else by Where.rows)

    @property
    def vocabulary(self) -> Container[str]:
        """The BM25 terms the indexed chunks hold (a query term outside it cannot match)."""

    def dense(self, vector: np.ndarray, k: int, where: Where | None = None) -> list[tuple[int, float]]:
        """The ``k`` rows nearest ``vector`` (inner product on unit vectors), best first."""

    def sparse(self, tokens: Sequence[str], k: int, where: Where | None = None) -> list[tuple[int, float]]:
        """The ``k`` best BM25 rows for the query ``tokens`` (positive scores only), best first."""

    def hybrid(self, vector: np.ndarray, tokens: Sequence[str], k: int, where: Where | None = None,
               rrf_k: int = 60) -> list[tuple[int, float]]:
        """Dense and BM25 fused by reciprocal rank, best first (inside the engine where it can)."""

    def vector(self, row: int) -> np.ndarray | None:
        """Row ``row``'s indexed vector (None where the backend cannot give it back)."""

    def close(self) -> None:
        """Release connections and files."""


def open_backend(data: "IndexData", milvus_uri: str | None = None, milvus_token: str = "") -> SearchBackend:
    """The search backend of a loaded index (``data`` as :func:`index.store.load_index` opens it),
    opened once and kept on ``data``. ``milvus_uri`` points a Milvus index at another address than
    the one it was built with (the same server's collections, e.g. behind a load balancer)."""
    if data.backend is not None:
        return data.backend
    name = backend_name(data.manifest)
    if name == "faiss":
        from .faiss_bm25 import FaissBM25Backend

        data.backend = FaissBM25Backend(data)
    elif name == "milvus":
        from .milvus import MilvusBackend

        data.backend = MilvusBackend(data, uri=milvus_uri, token=milvus_token)
    else:
        raise ValueError(f"index {data.path} names backend {name!r}; this policyqa knows {', '.join(BACKENDS)}. "
                         f"Rebuild it with: policyqa build --backend faiss|milvus")
    return data.backend
