"""Fit the pair scorer of :mod:`retrieval.pairs` on the ranker's training lists, each list scored held out.

Each usable training list (a written question whose evidence is among its first candidates, on each index) gives
pairs (question vector, candidate chunk vector), labelled 1 where the candidate holds the evidence. A network of one
hidden layer (scikit-learn's ``MLPClassifier``) is fitted over :func:`retrieval.pairs.pair_features`. The ranker reads
its probability, so a list the ranker trains on must be scored by a scorer that never saw its question:
:class:`HeldOutScorers` fits one without each fold of questions (the ranker's folds) and scores each list with the
one that never saw it, as a user's question meets the scorer fitted on all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from retrieval.features import FEATURES
from retrieval.pairs import PairScorer, pair_features
from retrieval.retriever import Retriever
from retrieval.types import Hit

from .questions import ByFold

UNITS = 256  # the hidden layer's units (training/README.md, sixteenth and seventeenth stops)


class PairList(NamedTuple):
    """One question's candidates as the pair scorer reads them."""

    question: str
    query: np.ndarray  # (dim,)
    clauses: np.ndarray  # (n, dim): each candidate's chunk vector (zeros where the index cannot give it back)
    gold: np.ndarray  # (n,) 1 where the candidate holds the question's evidence
    present: np.ndarray  # (n,) whether the index gave the candidate's vector back (the others score 0, as served)


def pair_list(retriever: Retriever, question: str, hits: Sequence[Hit], gold: np.ndarray) -> PairList:
    """The pair list of ``question``'s candidates ``hits`` on the retriever's index."""
    q = retriever.rankers.query_vector(question)
    vectors = [retriever.vector(h) for h in hits]
    clauses = np.stack([np.zeros_like(q) if v is None else v for v in vectors]) if hits else np.zeros((0, len(q)))
    return PairList(question, q, clauses, np.asarray(gold, dtype=np.int8),
                    np.asarray([v is not None for v in vectors], dtype=bool))


def fit_scorer(lists: Sequence[PairList], embedder: str, version: str, units: int = UNITS,
               seed: int = 14) -> PairScorer:
    """The pair scorer fitted on ``lists``: ``units`` rectified units, L2 penalty 1e-3, at most 50 passes, stopped
    early on a tenth of the pairs held aside."""
    from sklearn.neural_network import MLPClassifier  # training only

    x = np.concatenate([pair_features(p.query, p.clauses[p.present]) for p in lists if p.present.any()])
    y = np.concatenate([p.gold[p.present] for p in lists if p.present.any()])
    if y.min() == y.max():
        raise ValueError(f"the pair scorer needs candidates that answer and candidates that do not; all {len(y)} "
                         f"are {y[0]}")
    mlp = MLPClassifier(hidden_layer_sizes=(units,), alpha=1e-3, early_stopping=True, max_iter=50,
                        random_state=seed).fit(x, y)
    return PairScorer.from_sklearn(mlp, embedder, version)


class HeldOutScorers(ByFold[PairScorer]):
    """The pair scorers fitted without each fold of the training questions, and the one fitted on all."""

    @classmethod
    def fit(cls, lists: Sequence[PairList], fold: dict[str, int], embedder: str, version: str,
            units: int = UNITS) -> HeldOutScorers:
        """``fold``: each question's fold (the ranker's); a question without one trains every scorer."""
        n = 1 + max(fold.values())
        models = [fit_scorer([p for p in lists if fold.get(p.question) != f], embedder, version, units)
                  for f in range(n)]
        return cls(fold, models, fit_scorer(lists, embedder, version, units))

    def scores(self, p: PairList) -> np.ndarray:
        """Each candidate's probability of answering, by the scorer that never saw the question (0 without a vector:
        :meth:`retrieval.retriever.Retriever.pair_scores`)."""
        return self.for_question(p.question).scores(p.query, p.clauses) * p.present


def set_pair_columns(x: np.ndarray, scores: np.ndarray) -> None:
    """Write a list's pair scores into its feature rows ``x``: ``pair`` and ``pair_gap`` (below the list's best)."""
    if len(scores):
        x[:, FEATURES.index("pair")] = scores
        x[:, FEATURES.index("pair_gap")] = scores.max() - scores
