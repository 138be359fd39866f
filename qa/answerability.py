"""Whether a retrieved clause answers the question, read from the two embeddings.

A clause close to a question in subject may still not say what it asks: the fee when it names the office, the
office when it sets the deadline. The dense cosine measures the first; :class:`PairModel` is learned for the
second, from the written training questions (``python -m training.train --pair-model``): a logistic regression over the pair
``[q ⊙ c, |q − c|, q, c]`` of the question's and the clause's unit vectors (the features of sentence-pair
classifiers since InferSent, :func:`retrieval.pairs.pair_features`), labelled by whether the clause holds the
question's evidence — the clauses retrieved for an unanswerable question never do. Its probabilities for the first hits are features an abstention
model may read (:data:`qa.abstention.ANSWER_FEATURES`: ``answers``, ``answers_best3``).

The model is tied to the embedder whose vectors it was fitted on (``embedder``); for another it is not applied.
Written as JSON, scored with NumPy; the package would ship it as ``qa/data/answers.json``, and does not (an abstention
model reading it abstained more often on answerable questions of the sets that only report: training/README.md,
thirteenth stop).

>>> m = PairModel(np.array([4.0, 0.0, 0.0, 0.0]), -2.0, "e", "t")
>>> m.probabilities(np.array([1.0]), np.array([[1.0], [0.0]])).round(3).tolist()
[0.881, 0.119]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrieval.packaged import TiedModel
from retrieval.pairs import pair_features


@dataclass(frozen=True)
class PairModel(TiedModel):
    KIND = "pair_model"
    NAME = "answer model"
    PACKAGE = "qa"
    SHIPPED = "data/answers.json"
    TRAINER = "python -m training.train"
    SETTING = "answer_model"

    coef: np.ndarray  # (4 · dim,) over pair_features
    intercept: float
    embedder: str  # the name of the embedder whose vectors it was fitted on
    version: str

    def __post_init__(self) -> None:
        if self.coef.ndim != 1 or self.coef.shape[0] % 4:
            raise ValueError(f"answer model {self.version}: coef must be one row of 4 × the vectors' dimension, "
                             f"got shape {self.coef.shape}; refit it with `python -m training.train`")

    @property
    def dim(self) -> int:
        return self.coef.shape[0] // 4

    def probabilities(self, query: np.ndarray, clauses: np.ndarray) -> np.ndarray:
        """For each clause vector, the probability that the clause answers the query."""
        if len(clauses) == 0:
            return np.zeros(0)
        z = pair_features(query, clauses, with_vectors=True) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict:
        return {"kind": self.KIND, "version": self.version, "embedder": self.embedder,
                "coef": [round(float(v), 6) for v in self.coef], "intercept": round(float(self.intercept), 6)}

    @classmethod
    def from_fields(cls, data: dict) -> PairModel:
        return cls(np.asarray(data["coef"], dtype=np.float64), float(data["intercept"]), str(data["embedder"]),
                   str(data["version"]))


def present(clauses: list[np.ndarray | None]) -> tuple[list[int], np.ndarray | None]:
    """The positions of the clause vectors an index gave back (not None), and those vectors as rows (None when
    there are none)."""
    keep = [i for i, v in enumerate(clauses) if v is not None]
    return keep, (np.stack([clauses[i] for i in keep]) if keep else None)


def answer_features(model: PairModel | None, query: np.ndarray | None, clauses: list[np.ndarray | None],
                    depth: int = 3) -> tuple[float, float]:
    """``(answers, answers_best3)``: the model's probability that the first clause answers the query, and the
    highest among the first ``depth``; ``(0, 0)`` without a model, a query vector or the first clause's vector (an
    index that cannot give it back); a later clause whose vector is missing is left out."""
    if model is None or query is None or not clauses or clauses[0] is None or len(query) != model.dim:
        return 0.0, 0.0
    _, rows = present(clauses[:depth])
    p = model.probabilities(query, rows)
    return float(p[0]), float(p.max())
