"""Learned models shipped as JSON and scored with NumPy: the ranker (a logistic model over
:mod:`retrieval.features` that reorders the best fused candidates) and the abstention model
(:mod:`qa.abstention`, gradient-boosted trees).

Both are trained by ``python -m training.train`` (see training/README.md) on questions that are not
evaluation questions, fitted with scikit-learn and written as plain JSON (feature names, the model's
numbers, a version); no library beyond NumPy is needed at run time, and nothing is unpickled.

>>> m = LinearModel(("a", "b"), np.zeros(2), np.ones(2), np.array([1.0, -1.0]), 0.0, "t")
>>> m.scores(np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)).round(3).tolist()
[0.731, 0.269]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

import numpy as np

from .features import FEATURES
from .packaged import json_sha256


def _names(data: dict, expect: tuple[str, ...] | None, source: str) -> tuple[str, ...]:
    """The features a model's JSON names, checked against those this code computes."""
    names = tuple(data["names"])
    if expect is not None and names != expect:
        raise ValueError(f"{source}: trained on features {names}, this code computes {expect}; "
                         "retrain it with `python -m training.train`")
    return names


@dataclass(frozen=True)
class LinearModel:
    """``sigmoid(((x - mean) / scale) · coef + intercept)`` over the named features."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    version: str
    threshold: float = 0.5  # for a model that decides (abstention): act when the probability reaches it

    def scores(self, x: np.ndarray) -> np.ndarray:
        z = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict:
        return {"names": list(self.names), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coef": self.coef.tolist(), "intercept": self.intercept, "version": self.version,
                "threshold": self.threshold}

    @classmethod
    def from_json(cls, data: dict, expect: tuple[str, ...] | None = None, source: str = "model") -> "LinearModel":
        names = _names(data, expect, source)
        arrays = [np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef")]
        if any(a.shape != (len(names),) for a in arrays):
            raise ValueError(f"{source}: mean, scale and coef must each have one value per feature")
        return cls(names, *arrays, float(data["intercept"]), str(data["version"]), float(data.get("threshold", 0.5)))

    @property
    def sha256(self) -> str:
        return json_sha256(self.to_json())


@dataclass(frozen=True)
class TreeModel:
    """Gradient-boosted binary trees: ``sigmoid(baseline + Σ leaf value)``. Each tree is parallel
    arrays over its nodes: ``feature``, ``threshold`` (go left when ``x[feature] <= threshold``),
    ``left``, ``right``, ``value`` and ``leaf``.

    >>> t = {"feature": [0, 0, 0], "threshold": [0.5, 0, 0], "left": [1, 0, 0], "right": [2, 0, 0],
    ...      "value": [0, -1.0, 1.0], "leaf": [False, True, True]}
    >>> TreeModel(("a",), (t,), 0.0, "t").scores(np.array([[0.2], [0.9]])).round(3).tolist()
    [0.269, 0.731]
    """

    names: tuple[str, ...]
    trees: tuple[dict, ...]
    baseline: float
    version: str
    threshold: float = 0.5

    @cached_property
    def _flat(self) -> tuple[np.ndarray, ...]:
        """Every tree's nodes in one set of arrays (children as indexes into them), and each tree's root:
        all trees walk every row together, one level per step."""
        feature, threshold, left, right, value, leaf, roots = [], [], [], [], [], [], []
        offset = 0
        for t in self.trees:
            roots.append(offset)
            feature += t["feature"]
            threshold += t["threshold"]
            left += [offset + i for i in t["left"]]
            right += [offset + i for i in t["right"]]
            value += t["value"]
            leaf += t["leaf"]
            offset += len(t["feature"])
        return (np.asarray(feature, dtype=np.intp), np.asarray(threshold, dtype=np.float64),
                np.asarray(left, dtype=np.intp), np.asarray(right, dtype=np.intp),
                np.asarray(value, dtype=np.float64), np.asarray(leaf, dtype=bool), np.asarray(roots, dtype=np.intp))

    def scores(self, x: np.ndarray) -> np.ndarray:
        feature, threshold, left, right, value, leaf, roots = self._flat
        x = np.asarray(x, dtype=np.float64)
        node = np.repeat(roots[:, None], len(x), axis=1)  # (trees, rows)
        rows = np.arange(len(x))[None, :]
        inner = ~leaf[node]
        while inner.any():
            goes_left = x[rows, feature[node]] <= threshold[node]
            node = np.where(inner, np.where(goes_left, left[node], right[node]), node)
            inner = ~leaf[node]
        raw = self.baseline + value[node].sum(axis=0)
        return 1.0 / (1.0 + np.exp(-raw))

    def to_json(self) -> dict:
        return {"kind": "trees", "names": list(self.names), "trees": list(self.trees), "baseline": self.baseline,
                "version": self.version, "threshold": self.threshold}

    @classmethod
    def from_json(cls, data: dict, expect: tuple[str, ...] | None = None, source: str = "model") -> "TreeModel":
        names = _names(data, expect, source)
        trees = tuple(data["trees"])
        for t in trees:
            if any(f >= len(names) for f, is_leaf in zip(t["feature"], t["leaf"]) if not is_leaf):
                raise ValueError(f"{source}: a tree splits on a feature the model does not name")
        return cls(names, trees, float(data["baseline"]), str(data["version"]), float(data.get("threshold", 0.5)))

    @property
    def sha256(self) -> str:
        return json_sha256(self.to_json())


Model = LinearModel | TreeModel


def model_from_json(data: dict, expect: tuple[str, ...] | None = None, source: str = "model") -> Model:
    """A :class:`LinearModel` or (``"kind": "trees"``) a :class:`TreeModel`."""
    kind = TreeModel if data.get("kind") == "trees" else LinearModel
    return kind.from_json(data, expect, source)


def load_model(path: str | Path | None = None, package: str = "retrieval", name: str = "data/ranker.json",
               expect: tuple[str, ...] | None = FEATURES) -> Model | None:
    """The model at ``path``, or the one shipped in ``package`` (None when none is shipped)."""
    if path is not None:
        return model_from_json(json.loads(Path(path).read_text("utf-8")), expect, str(path))
    res = resources.files(package).joinpath(name)
    if not res.is_file():
        return None
    return model_from_json(json.loads(res.read_text("utf-8")), expect, f"{package}/{name}")


def resolve_model(spec: str, package: str, name: str, expect: tuple[str, ...] | None) -> Model | None:
    """A model as settings name it: ``"shipped"`` (the package's, if any), ``"none"`` (or empty), or a path."""
    if spec == "shipped":
        return load_model(package=package, name=name, expect=expect)
    if spec in ("", "none"):
        return None
    return load_model(spec, expect=expect)
