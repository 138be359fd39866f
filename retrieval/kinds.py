"""Which kind of document a question asks for, learned from its words.

A question about a 国家标准's technical requirement, a city's rule or a foreign law reads differently from one
about a national law; the ranker's features describe each candidate's kind (:data:`retrieval.features.KIND_NAMES`),
and the parse of a question (:attr:`retrieval.query.Query.kinds`) says how likely it asks for each, so that the
ranker can weigh the two together (the ``kind_prob`` feature). :class:`KindModel` gives, for a question, a
probability per kind: character 1–3-gram TF-IDF (sublinear term frequency, l2-normalised, as scikit-learn's
``TfidfVectorizer(analyzer="char")``) and a multinomial logistic regression, trained by
``python -m training.kinds`` on the written training questions labelled with their answer's kind, shipped as
JSON (``retrieval/data/question_kinds.json``) and scored with NumPy.

>>> m = KindModel({"a": 0, "b": 1}, np.ones(2), np.array([[2.0, -2.0], [-2.0, 2.0]]), np.zeros(2), ("x", "y"), 1, "t")
>>> {k: round(v, 3) for k, v in m.probabilities("aab").items()}
{'x': 0.804, 'y': 0.196}
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .packaged import JsonModel


@dataclass(frozen=True)
class KindModel(JsonModel):
    KIND = "question_kinds"
    NAME = "question-kind model"
    SHIPPED = "data/question_kinds.json"
    TRAINER = "python -m training.kinds"

    vocabulary: dict[str, int]  # character n-gram → column
    idf: np.ndarray  # (columns,)
    coef: np.ndarray  # (kinds, columns)
    intercept: np.ndarray  # (kinds,)
    kinds: tuple[str, ...]
    max_n: int  # n-grams of 1 … max_n characters
    version: str

    def __post_init__(self) -> None:
        cols = len(self.vocabulary)
        if self.idf.shape != (cols,) or self.coef.shape != (len(self.kinds), cols) \
                or self.intercept.shape != (len(self.kinds),) or self.max_n < 1:
            raise ValueError(f"question-kind model {self.version}: its arrays do not fit its {cols} n-grams "
                             f"and {len(self.kinds)} kinds; retrain it with `python -m training.kinds`")

    def vector(self, text: str) -> dict[int, float]:
        """The question's TF-IDF vector as column → weight (l2-normalised; n-grams of the vocabulary only)."""
        counts: dict[int, int] = {}
        # scikit-learn's char analyzer lower-cases and squashes runs of whitespace to one space
        s = " ".join(text.lower().split())
        for n in range(1, self.max_n + 1):
            for i in range(len(s) - n + 1):
                col = self.vocabulary.get(s[i:i + n])
                if col is not None:
                    counts[col] = counts.get(col, 0) + 1
        weights = {c: (1.0 + math.log(k)) * float(self.idf[c]) for c, k in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {c: w / norm for c, w in weights.items()} if norm > 0 else {}

    def probabilities(self, text: str) -> dict[str, float]:
        """Each kind's probability for the question ``text`` (they sum to 1)."""
        vec = self.vector(text)
        logits = self.intercept.copy()
        if vec:
            cols = np.fromiter(vec, dtype=np.int64)
            logits = logits + self.coef[:, cols] @ np.fromiter(vec.values(), dtype=np.float64)
        p = np.exp(logits - logits.max())
        p /= p.sum()
        return dict(zip(self.kinds, p.tolist()))

    def to_json(self) -> dict:
        return {"kind": self.KIND, "version": self.version, "max_n": self.max_n, "kinds": list(self.kinds),
                "vocabulary": self.vocabulary, "idf": self.idf.tolist(), "coef": self.coef.tolist(),
                "intercept": self.intercept.tolist()}

    @classmethod
    def from_fields(cls, data: dict) -> KindModel:
        return cls({str(k): int(v) for k, v in data["vocabulary"].items()}, np.asarray(data["idf"], dtype=np.float64),
                   np.asarray(data["coef"], dtype=np.float64), np.asarray(data["intercept"], dtype=np.float64),
                   tuple(data["kinds"]), int(data["max_n"]), str(data["version"]))
