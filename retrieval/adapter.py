"""A learned correction of the query embedding towards the way the clauses that answer it are written.

A user asks in the words of a business ("we send our customers' records to our head office abroad: must we file
anything?") and the clause answers in the words of the law; the embedder places the two further apart than the
clause and a restatement of it. :class:`QueryAdapter` moves a question's vector by a low-rank map learned from the
written training questions and the clauses holding their evidence (``python -m training.adapter``, a contrastive
fit against every chunk of the index):
``normalise(v + (v · down) · up)``. Only the query side moves, so an index built before it needs no
re-embedding, and a FAISS or Milvus index answers the moved vector as any other. The map is tied to the embedder
whose vectors it was fitted on (``embedder``); for another embedder it is not applied.

Shipped as JSON (``retrieval/data/query_adapter.json``), applied with NumPy.

>>> a = QueryAdapter(np.array([[1.0], [0.0]]), np.array([[0.0, 1.0]]), "e", "t")
>>> a.apply(np.array([1.0, 0.0])).astype(float).round(3).tolist()
[0.707, 0.707]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .packaged import TiedModel


@dataclass(frozen=True)
class QueryAdapter(TiedModel):
    KIND = "query_adapter"
    NAME = "query adapter"
    SHIPPED = "data/query_adapter.json"
    TRAINER = "python -m training.adapter"
    SETTING = "query_adapter"

    down: np.ndarray  # (dim, rank)
    up: np.ndarray  # (rank, dim)
    embedder: str  # the name of the embedder whose query vectors it was fitted on
    version: str

    def __post_init__(self) -> None:
        if self.down.ndim != 2 or self.up.ndim != 2 or self.down.shape[::-1] != self.up.shape:
            raise ValueError(f"query adapter {self.version}: down {self.down.shape} and up {self.up.shape} must be "
                             "(dim, rank) and (rank, dim); refit it with `python -m training.adapter`")

    @property
    def dim(self) -> int:
        return int(self.down.shape[0])

    def apply(self, vec: np.ndarray) -> np.ndarray:
        """The moved, unit-length query vector (float32) of one vector or a matrix of row vectors."""
        v = np.asarray(vec, dtype=np.float64)
        moved = v + (v @ self.down) @ self.up
        norm = np.linalg.norm(moved, axis=-1, keepdims=True)
        return (moved / np.where(norm > 0, norm, 1.0)).astype(np.float32)

    def to_json(self) -> dict:
        return {"kind": self.KIND, "version": self.version, "embedder": self.embedder,
                "down": self.down.tolist(), "up": self.up.tolist()}

    @classmethod
    def from_fields(cls, data: dict) -> QueryAdapter:
        return cls(np.asarray(data["down"], dtype=np.float64), np.asarray(data["up"], dtype=np.float64),
                   str(data["embedder"]), str(data["version"]))
