"""Fit the pair model of :mod:`qa.answerability` on the lists the abstention model's questions retrieve.

Each written training question's first hits are pairs (question vector, clause vector), labelled 1 where the
clause holds the question's evidence; every hit of a written unanswerable question is labelled 0. A logistic
regression (scikit-learn) is fitted over :func:`retrieval.pairs.pair_features` (with the vectors). The abstention
model reads its probabilities as features, so a question it trains on must not have been seen by the pair model that scored it:
:class:`HeldOutPairs` fits one model without each fold of questions (5 folds by question) and scores each
training question with the one that never saw it; generated and left-out questions, on which no pair model
trains, are scored by the model fitted on all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from qa.answerability import PairModel, answer_features, present
from retrieval.pairs import pair_features

from .questions import ByFold, folds


class Pairs(NamedTuple):
    """One question's retrieved list as the pair model reads it."""

    question: str
    query: np.ndarray  # (dim,)
    clauses: list[np.ndarray | None]  # the first hits' vectors (None where the index cannot give one back)
    gold: list[bool]  # which hits hold the question's evidence (none for an unanswerable question)


def _xy(lists: Sequence[Pairs]) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for p in lists:
        keep, clauses = present(p.clauses)
        if clauses is not None:
            xs.append(pair_features(p.query, clauses, with_vectors=True))
            ys.extend(int(p.gold[i]) for i in keep)
    return np.concatenate(xs), np.asarray(ys)


def fit_pairs(lists: Sequence[Pairs], embedder: str, version: str, c: float = 1.0) -> PairModel:
    """The pair model fitted on ``lists`` (L2-regularised logistic regression, inverse strength ``c``)."""
    from sklearn.linear_model import LogisticRegression  # training only

    x, y = _xy(lists)
    if y.min() == y.max():
        raise ValueError(f"the pair model needs clauses that answer and clauses that do not; all {len(y)} are {y[0]}")
    lr = LogisticRegression(C=c, max_iter=3000).fit(x, y)
    return PairModel(lr.coef_[0].astype(np.float64), float(lr.intercept_[0]), embedder, version)


class HeldOutPairs(ByFold[PairModel]):
    """The pair models fitted without each fold of the training questions, and the one fitted on all."""

    @classmethod
    def fit(cls, lists: Sequence[Pairs], embedder: str, version: str, n: int = 5, c: float = 1.0) -> HeldOutPairs:
        fold = folds([p.question for p in lists], n)
        models = [fit_pairs([p for p in lists if fold[p.question] != f], embedder, version, c) for f in range(n)]
        return cls(fold, models, fit_pairs(lists, embedder, version, c))

    def features(self, lists: Sequence[Pairs]) -> np.ndarray:
        """``(answers, answers_best3)`` of each list, scored by the model that never saw its question."""
        return np.asarray([answer_features(self.for_question(p.question), p.query, p.clauses) for p in lists],
                          dtype=np.float64).reshape(len(lists), 2)

    def auc(self, lists: Sequence[Pairs]) -> float:
        """Held-out ROC AUC over the training pairs: how often a clause that answers outscores one that does not."""
        from sklearn.metrics import roc_auc_score  # training only

        scores, labels = [], []
        for p in lists:
            keep, clauses = present(p.clauses)
            if clauses is not None:
                scores.extend(self.for_question(p.question).probabilities(p.query, clauses))
                labels.extend(p.gold[i] for i in keep)
        return float(roc_auc_score(labels, scores))
