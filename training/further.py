"""Fit the model that cites a further clause beside the decisive one (:mod:`qa.further`).

Each written training question (training/data, never an evaluation question) is answered by the shipped
pipeline, the model off: the candidates the answer could cite beside its chosen clauses are rows, positive when
a candidate holds one of the question's gold evidence strings, that is, when citing it would be right. A
logistic model is fitted on the rows; its threshold is the probability at which a cited further clause is more
likely right than wrong (0.5), unless ``--threshold`` says otherwise. The report gives 5-fold figures, each
question held out of the model that scores it.

The shipped ranker saw these questions when it was fitted, so it ranks them better than a user's: the rows
hold fewer lists whose decisive clause is wrong and the second right than a user's questions would. The model
learns to cite less often than it could, not more (see training/README.md).

    python -m training.further --index var/index [more indexes] [--with-large] [--out qa/data/further.json]
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from eval.metrics import EvidenceLocator
from qa.engine import PolicyQA
from qa.further import FURTHER_FEATURES
from retrieval.learned import LinearModel
from settings import PROJECT_ROOT, Settings

from .questions import folds, written_paths, written_questions
from .train import held, holds_evidence

log = logging.getLogger(__name__)
THRESHOLD = 0.5  # cite when the clause is more likely right than wrong


def rows(engine: PolicyQA, questions: Sequence[dict]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The candidate rows (:data:`FURTHER_FEATURES`), their labels and questions, of the ``questions`` whose
    evidence the engine's index holds and that the engine answers from retrieved clauses; the engine's own
    further-clause model, if any, is off meanwhile (its picks are the candidates)."""
    chooser = engine.answerer.chooser
    served, chooser.further = chooser.further, None
    try:
        return _rows(engine, questions)
    finally:
        chooser.further = served


def _rows(engine: PolicyQA, questions: Sequence[dict]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    answerer = engine.answerer
    chooser = answerer.chooser
    retriever = engine.retriever
    locator = EvidenceLocator.of_index(engine.data.sources)
    xs, ys, qs = [], [], []
    for q in held(locator, questions):
        query = retriever.parse(q["question"])
        hits = list(retriever.search(query, k=answerer.params.search_depth))
        if not hits:
            continue
        a = answerer.assess(query, hits)
        if a.looked_up or a.absent or not answerer.verdict(a.evidence)[0] or not a.figure_supported:
            continue
        hits = answerer.in_force_first(query, hits)
        if chooser.condition_match(query, hits[:5]) is not None:
            continue
        pool = chooser.quotable(hits[:answerer.params.selection.candidates])
        chosen = [h for h, _ in chooser.choose(query, pool, a.weights, False, a.asked, a.named)]
        spans = chooser.spans(query, pool, a.weights, False)
        for h, cand in chooser.further_candidates(query, pool, chosen, a.weights, spans):
            xs.append(cand.vector())
            ys.append(holds_evidence(locator, h, q["evidence"]))
            qs.append(q["question"])
    return np.asarray(xs), np.asarray(ys, dtype=np.int8), qs


def fit(x: np.ndarray, y: np.ndarray, c: float = 1.0, version: str = "", threshold: float = THRESHOLD) -> LinearModel:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=c, max_iter=2000).fit((x - mean) / scale, y)
    return LinearModel(FURTHER_FEATURES, mean, scale, lr.coef_[0], float(lr.intercept_[0]), version, threshold)


def cross_validated(x: np.ndarray, y: np.ndarray, qs: Sequence[str], c: float, threshold: float) -> dict[str, float]:
    """Each question's rows scored by the model fitted without its fold: how many would be cited, and how many of
    those hold evidence."""
    fold = folds(list(qs), 5)
    f = np.asarray([fold[q] for q in qs])
    p = np.zeros(len(y))
    for k in range(5):
        m = fit(x[f != k], y[f != k], c)
        p[f == k] = m.scores(x[f == k])
    cited = p >= threshold
    return {"rows": len(y), "positive": int(y.sum()), "cited": int(cited.sum()),
            "cited_right": int((cited & (y == 1)).sum()),
            "precision": float((cited & (y == 1)).sum() / max(1, cited.sum())),
            "recall": float((cited & (y == 1)).sum() / max(1, y.sum()))}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", required=True, nargs="+", help="indexes the written questions are asked of")
    p.add_argument("--cache")
    p.add_argument("--with-large", action="store_true",
                   help="also the questions written on ../shared/corpus-large (asked of the indexes holding them)")
    p.add_argument("--c", type=float, default=1.0, help="the logistic model's inverse regularisation strength")
    p.add_argument("--threshold", type=float, default=THRESHOLD)
    p.add_argument("--out", default=str(PROJECT_ROOT / "qa" / "data" / "further.json"))
    p.add_argument("--dry-run", action="store_true", help="report the cross-validated figures, write nothing")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    written = written_questions(written_paths(large=args.with_large))
    xs, ys, qs = [], [], []
    for index in args.index:
        engine = PolicyQA.open(settings=Settings.from_env().override(index_dir=index, cache_dir=args.cache))
        x, y, q = rows(engine, written)
        log.info("%s: %d rows, %d positive, from %d questions", index, len(y), int(y.sum()), len(set(q)))
        xs.append(x)
        ys.append(y)
        qs += q
    x, y = np.concatenate(xs), np.concatenate(ys)
    log.info("5-fold: %s", json.dumps(cross_validated(x, y, qs, args.c, args.threshold)))
    if args.dry_run:
        return 0
    model = fit(x, y, args.c, version=f"further-{len(y)}rows", threshold=args.threshold)
    Path(args.out).write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    log.info("wrote %s", args.out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
