"""Whether a candidate clause answers the question, read from the question's and the clause's embeddings.

The dense cosine says how close a clause is to the question in subject; it does not say whether the clause says
what is asked (the fee when it names the office, the office when it sets the deadline), and beside many documents of
the same subject the closest is often not the one that answers. :class:`PairScorer` is learned for that from the
written training questions (``python -m training.train``): a small neural network (one hidden layer of rectified
units, scikit-learn's ``MLPClassifier``) over the pair ``[q ⊙ c, |q − c|]`` of the question's and the chunk's unit
vectors (the features of sentence-pair classifiers since InferSent), labelled by whether the chunk holds the
question's evidence. Unlike a cosine it can learn which directions of the embedding matter for answering. The
learned ranker reads its probability and how far it falls below the best candidate's
(:data:`retrieval.features.FEATURES`: ``pair``, ``pair_gap``).

The model is tied to the embedder whose vectors it was fitted on (``embedder``); for another it is not applied.
Shipped as JSON (``retrieval/data/pairs.json``), scored with NumPy.

>>> s = PairScorer(np.array([[1.0], [0.0], [0.0], [0.0]]), np.zeros(1), np.array([4.0]), -2.0, "e", "t")
>>> s.scores(np.array([1.0, 0.0]), np.array([[1.0, 0.0], [0.0, 1.0]])).round(3).tolist()
[0.881, 0.119]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .packaged import TiedModel


def pair_features(query: np.ndarray, clauses: np.ndarray, with_vectors: bool = False) -> np.ndarray:
    """The rows ``[q ⊙ c, |q − c|]`` of one query vector (dim,) against clause vectors (n, dim); with
    ``with_vectors``, ``[q ⊙ c, |q − c|, q, c]``.

    >>> pair_features(np.array([1.0, 0.0]), np.array([[0.0, 1.0]]), with_vectors=True).tolist()
    [[0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0]]
    """
    q = np.asarray(query, dtype=np.float64)[None, :]
    c = np.asarray(clauses, dtype=np.float64)
    parts = [q * c, np.abs(q - c)]
    if with_vectors:
        parts += [np.repeat(q, len(c), axis=0), c]
    return np.concatenate(parts, axis=1)


@dataclass(frozen=True)
class PairScorer(TiedModel):
    """``sigmoid(relu(x · hidden + hidden_bias) · out + out_bias)`` over ``x`` = :func:`pair_features`."""

    KIND = "pair_scorer"
    NAME = "pair scorer"
    SHIPPED = "data/pairs.json"
    TRAINER = "python -m training.train"
    SETTING = "pair_scorer"

    hidden: np.ndarray  # (2 · dim, units)
    hidden_bias: np.ndarray  # (units,)
    out: np.ndarray  # (units,)
    out_bias: float
    embedder: str  # the name of the embedder whose vectors it was fitted on
    version: str

    def __post_init__(self) -> None:
        units = self.hidden_bias.shape
        if self.hidden.ndim != 2 or self.hidden.shape[0] % 2 or self.hidden.shape[1:] != units \
                or self.out.shape != units:
            raise ValueError(f"pair scorer {self.version}: hidden {self.hidden.shape}, hidden_bias {units} and out "
                             f"{self.out.shape} must be (2 · dim, units), (units,) and (units,); refit it with "
                             "`python -m training.train`")

    @property
    def dim(self) -> int:
        return self.hidden.shape[0] // 2

    def scores(self, query: np.ndarray, clauses: np.ndarray) -> np.ndarray:
        """For each clause vector (rows of ``clauses``), the probability that the clause answers the query."""
        if len(clauses) == 0:
            return np.zeros(0)
        # einsum, not a BLAS product: BLAS runs a product of this size on several threads, which then spin for a
        # while after it and slow the query encoder that runs next (on 2 cores: external questions' p95 +60 ms)
        h = np.maximum(np.einsum("ij,jk->ik", pair_features(query, clauses), self.hidden) + self.hidden_bias, 0.0)
        return 1.0 / (1.0 + np.exp(-(np.einsum("ij,j->i", h, self.out) + self.out_bias)))

    @classmethod
    def from_sklearn(cls, mlp, embedder: str, version: str) -> PairScorer:
        """A fitted binary ``MLPClassifier`` of one hidden layer of rectified units."""
        if len(mlp.coefs_) != 2 or mlp.activation != "relu":
            raise ValueError("the pair scorer is one hidden layer of rectified units")
        return cls(mlp.coefs_[0].astype(np.float64), mlp.intercepts_[0].astype(np.float64),
                   mlp.coefs_[1][:, 0].astype(np.float64), float(mlp.intercepts_[1][0]), embedder, version)

    def to_json(self) -> dict:
        def rounded(a: np.ndarray) -> list:
            return np.round(a, 6).tolist()

        return {"kind": self.KIND, "version": self.version, "embedder": self.embedder, "hidden": rounded(self.hidden),
                "hidden_bias": rounded(self.hidden_bias), "out": rounded(self.out),
                "out_bias": round(float(self.out_bias), 6)}

    @classmethod
    def from_fields(cls, data: dict) -> PairScorer:
        return cls(*(np.asarray(data[k], dtype=np.float64) for k in ("hidden", "hidden_bias", "out")),
                   float(data["out_bias"]), str(data["embedder"]), str(data["version"]))
