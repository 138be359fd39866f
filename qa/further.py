"""Whether a further retrieved clause belongs in an answer: the features a learned model reads.

The decisive clause answers first. A question often needs a second one: the penalty beside the duty, the
second of two documents, or the clause the ranker put second when it was nearly as sure of it as of the first.
Counting the question's words the second clause adds decides some of these (:meth:`qa.choice.Chooser.choose`);
a model fitted on written questions that are not evaluation questions (``python -m training.further``) decides
the rest from how retrieval ranked and scored the candidate beside the decisive clause, what of the question its
quote holds, and what the question asks for. A candidate is cited when the model's probability that it holds
the answer's evidence reaches the model's threshold.

>>> len(FURTHER_FEATURES) == len(set(FURTHER_FEATURES))
True
"""

from __future__ import annotations

from dataclasses import dataclass
from math import log

import numpy as np

from retrieval.learned import Model, resolve_model

#: the features, in the order :meth:`FurtherCandidate.vector` gives them
FURTHER_FEATURES: tuple[str, ...] = (
    "position", "decisive_position", "score", "decisive_score", "score_ratio", "share", "gain", "have",
    "same_document", "binding", "authority", "similarity", "bm25_inv", "dense_inv", "quote_length",
    "several", "figure", "states_figure", "asks_rule", "yes_no", "list_form",
)


@dataclass(frozen=True)
class FurtherCandidate:
    """One candidate clause beside the decisive one (:data:`FURTHER_FEATURES`)."""

    position: float  # 1 / (1 + its place in the candidate pool)
    decisive_position: float  # the same of the decisive clause
    score: float  # retrieval's score (the learned ranker's probability)
    decisive_score: float
    score_ratio: float  # score / decisive_score
    share: float  # share of the question's term weight its quote holds (its title's terms aside)
    gain: float  # … of which the cited quotes hold none
    have: float  # share the cited quotes hold
    same_document: bool
    binding: bool  # a law, rule or normative document
    authority: float
    similarity: float  # dense similarity to the decisive clause (a restatement of it is close)
    bm25_inv: float  # 1 / its BM25 rank (0 when BM25 did not find it)
    dense_inv: float
    quote_length: float  # log of its quote's characters
    several: bool  # the question asks several things
    figure: bool  # … asks for a figure
    states_figure: bool  # … and this quote states one of that kind
    asks_rule: bool
    yes_no: bool
    list_form: bool

    def vector(self, names: tuple[str, ...] = FURTHER_FEATURES) -> np.ndarray:
        return np.asarray([float(getattr(self, n)) for n in names], dtype=np.float64)

    @staticmethod
    def length(chars: int) -> float:
        return log(1 + chars)


def load_further(spec: str) -> Model | None:
    """The further-clause model settings name: ``"shipped"`` (``qa/data/further.json``, when the package has
    one), ``"none"``, or a JSON file's path."""
    model = resolve_model(spec, "qa", "data/further.json", expect=None)
    if model is not None and not set(model.names) <= set(FURTHER_FEATURES):
        raise ValueError(f"further-clause model {spec}: trained on features "
                         f"{sorted(set(model.names) - set(FURTHER_FEATURES))} this code does not compute; "
                         "retrain it with `python -m training.further`")
    return model
