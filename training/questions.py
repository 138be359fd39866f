"""The written training questions (``training/data/``) and how they are split into folds.

Shared by the ranker's trainer (:mod:`training.train`) and the question-kind model's (:mod:`training.kinds`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np

from settings import PROJECT_ROOT

DATA = PROJECT_ROOT / "training" / "data"
# questions on ../shared/corpus-large's documents: asked only of an index that holds their evidence
LARGE = DATA / "large"


def written_paths(large: bool = False) -> list[Path]:
    """The files of written answerable training questions: the bundled corpus's, and with ``large``
    corpus-large's (training/README.md says when the ranker is fitted on those)."""
    return sorted(DATA.glob("answerable*.jsonl")) + (sorted(LARGE.glob("answerable*.jsonl")) if large else [])


def unanswerable_paths(at_scale: bool = False) -> list[Path]:
    """The files of written unanswerable training questions: the bundled corpus's, and with ``at_scale`` those
    checked absent from corpus-large as well (``large/unanswerable.jsonl``; training/README.md, twelfth stop)."""
    return sorted(DATA.glob("unanswerable*.jsonl")) + ([LARGE / "unanswerable.jsonl"] if at_scale else [])


def written_questions(paths: Sequence[Path]) -> list[dict]:
    """Answerable training questions written for training: ``question``, ``evidence``."""
    out = []
    for path in paths:
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if row.get("evidence"):
                    out.append({**row, "origin": path.relative_to(DATA).with_suffix("").as_posix()
                                if path.is_relative_to(DATA) else path.stem})
    return out


def folds(questions: Sequence[str], n: int = 5) -> dict[str, int]:
    """Each distinct question's fold of ``n``, at random (seeded): a question asked of several
    indexes is in one fold for all of them."""
    distinct = sorted(set(questions))
    return {q: i % n for i, q in zip(np.random.default_rng(14).permutation(len(distinct)), distinct)}


M = TypeVar("M")


@dataclass(frozen=True)
class ByFold(Generic[M]):
    """Models fitted without each fold of the training questions (``models[f]`` never saw fold ``f``), and the one
    fitted on all of them."""

    fold: dict[str, int]
    models: list[M]
    final: M

    def for_question(self, question: str) -> M:
        """The model that never saw ``question`` (the final one when no model trained on it)."""
        f = self.fold.get(question)
        return self.final if f is None else self.models[f]
