"""The direction every question shares, taken partly out of the query vector the dense search reads.

The embedder's question vectors lie in a narrow cone: two questions, on any subjects, have a cosine of about 0.85
on average. A clause close to that common direction is near every question, whatever it asks, and the more
documents an index holds, the more such clauses may crowd the first places of the dense list. :class:`QueryCentre` holds the mean of the written training
questions' vectors (``python -m training.centre``) and a weight: the dense search reads
``normalise(v - weight · mean)``. Only the query side moves, so an index needs no re-embedding, and FAISS or Milvus
answer the moved vector as any other. The learned ranker's cosine features and the answerer's gates keep the
embedder's own vector. The mean is tied to the embedder it was taken with (``embedder``). Off unless
``query_centre`` names it: tried at the twentieth stop and not shipped (training/README.md).

Shipped as JSON (``retrieval/data/query_centre.json``), applied with NumPy.

>>> c = QueryCentre(np.array([1.0, 0.0]), 0.5, "e", "t")
>>> c.apply(np.array([0.6, 0.8])).astype(float).round(3).tolist()
[0.124, 0.992]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .packaged import TiedModel


@dataclass(frozen=True)
class QueryCentre(TiedModel):
    KIND = "query_centre"
    NAME = "query centre"
    SHIPPED = "data/query_centre.json"
    TRAINER = "python -m training.centre"
    SETTING = "query_centre"

    mean: np.ndarray  # (dim,): the mean of the training questions' query vectors
    weight: float  # how much of it the dense search's vector loses
    embedder: str  # the name of the embedder whose query vectors were averaged
    version: str

    def __post_init__(self) -> None:
        if self.mean.ndim != 1 or not 0.0 <= self.weight < 1.0:
            raise ValueError(f"query centre {self.version}: the mean must be one vector (shape {self.mean.shape}) and "
                             f"the weight in [0, 1) (it is {self.weight}); write it again with "
                             "`python -m training.centre`")

    def apply(self, vec: np.ndarray) -> np.ndarray:
        """The moved, unit-length query vector (float32) of one vector or a matrix of row vectors."""
        moved = np.asarray(vec, dtype=np.float64) - self.weight * self.mean
        norm = np.linalg.norm(moved, axis=-1, keepdims=True)
        return (moved / np.where(norm > 0, norm, 1.0)).astype(np.float32)

    def to_json(self) -> dict:
        return {"kind": self.KIND, "version": self.version, "embedder": self.embedder,
                "weight": self.weight, "mean": self.mean.tolist()}

    @classmethod
    def from_fields(cls, data: dict) -> QueryCentre:
        return cls(np.asarray(data["mean"], dtype=np.float64), float(data["weight"]), str(data["embedder"]),
                   str(data["version"]))
