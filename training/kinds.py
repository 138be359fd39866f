"""Train the question-kind model (:mod:`retrieval.kinds`) on the written training questions.

    python -m training.kinds --index var/index-large [--out retrieval/data/question_kinds.json] [--dry-run]

Each written answerable question (``training/data/answerable_*.jsonl`` and ``training/data/large/``) is labelled
with the kind (:meth:`retrieval.features.DocumentFacts.kind`) of the document its ``doc_title`` names in the
index, which should hold corpus-large as well as the bundled corpus so that every kind has questions; questions
whose title names no document of the index are left out. The model reads a question as the parser does
(normalised: :func:`retrieval.normalise.normalise_query`). Character 1–3-gram TF-IDF and a multinomial logistic
regression (scikit-learn) are fitted, cross-validated by question (5 folds) and written as JSON. The ranker's
trainer (:mod:`training.train`) fits the same model fold by fold (:func:`out_of_fold`), so that the ranker
learns how far to trust it on questions it was not fitted on.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from qa.engine import PolicyQA
from retrieval.features import DocumentFacts
from retrieval.kinds import KindModel
from retrieval.normalise import normalise_query
from settings import PROJECT_ROOT, Settings

from .questions import folds, written_paths, written_questions

log = logging.getLogger(__name__)
OUT = PROJECT_ROOT / "retrieval" / "data" / "question_kinds.json"


def _key(title: str) -> str:
    # not ingest.titles.title_key: that drops bracketed parts, so a draft (（征求意见稿）) or an amended text
    # (（2025修正）) would share a key with the rule, and take its kind
    return re.sub(r"[《》〈〉\s]", "", title)


def labelled(questions: Sequence[dict], facts: DocumentFacts) -> list[tuple[str, str]]:
    """(normalised question, kind of the document its ``doc_title`` names) for the questions whose title names one."""
    by_title = {}
    for d in facts.docs.values():
        for title in d.titles:
            by_title.setdefault(_key(title), d.id)
    out = []
    for q in questions:
        doc = by_title.get(_key(q.get("doc_title") or ""))
        if doc is not None:
            out.append((normalise_query(q["question"]), facts.kind(doc)))
    return out


def fit(texts: Sequence[str], labels: Sequence[str], version: str, c: float = 4.0, max_n: int = 3) -> KindModel:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, max_n), min_df=2, sublinear_tf=True)
    x = vec.fit_transform(texts)
    clf = LogisticRegression(C=c, max_iter=3000).fit(x, labels)
    # two kinds: scikit-learn keeps one row, the second kind's log-odds; a zero row for the first gives the same softmax
    coef = clf.coef_ if len(clf.classes_) > 2 else np.vstack([np.zeros_like(clf.coef_[0]), clf.coef_[0]])
    intercept = clf.intercept_ if len(clf.classes_) > 2 else np.array([0.0, clf.intercept_[0]])
    return KindModel({str(k): int(v) for k, v in vec.vocabulary_.items()}, vec.idf_.astype(np.float64),
                     coef.astype(np.float64), intercept.astype(np.float64), tuple(str(k) for k in clf.classes_),
                     max_n, version)


def fold_models(rows: Sequence[tuple[str, str]], fold: Mapping[str, int], n: int = 5) -> list[KindModel]:
    """Model ``f`` fitted on the labelled ``rows`` (normalised question, kind) outside fold ``f`` (``fold``:
    a normalised question's fold)."""
    return [fit([t for t, _ in rows if fold[t] != f], [k for t, k in rows if fold[t] != f], f"fold {f}")
            for f in range(n)]


def out_of_fold(questions: Sequence[str], rows: Sequence[tuple[str, str]],
                n: int = 5) -> dict[str, dict[str, float]]:
    """Each of ``questions``' kind probabilities from a model fitted on the labelled ``rows`` (normalised
    question, kind) of the other folds (:func:`~training.questions.folds` over both): none is scored by a
    model that saw it."""
    normal = {q: normalise_query(q) for q in questions}
    fold = folds([*normal.values(), *(t for t, _ in rows)], n)
    models = fold_models(rows, fold, n)
    return {q: models[fold[t]].probabilities(t) for q, t in normal.items()}


def compact(model: KindModel, digits: int = 5) -> dict:
    """The model's JSON with its numbers to ``digits`` significant digits (a third of the full size)."""
    data = model.to_json()
    for key in ("idf", "intercept"):
        data[key] = [float(f"{v:.{digits}g}") for v in data[key]]
    data["coef"] = [[float(f"{v:.{digits}g}") for v in row] for row in data["coef"]]
    return data


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", required=True, help="an index holding the bundled corpus and corpus-large")
    p.add_argument("--cache")
    p.add_argument("--out", default=str(OUT))
    p.add_argument("--dry-run", action="store_true", help="report, write nothing")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    engine = PolicyQA.open(settings=Settings.from_env().override(index_dir=args.index, cache_dir=args.cache,
                                                                  learned_ranker="none", abstention_model="none"))
    rows = labelled(written_questions(written_paths(large=True)), DocumentFacts(engine.data.documents))
    texts, labels = [t for t, _ in rows], [k for _, k in rows]
    log.info("%d labelled questions: %s", len(rows), dict(Counter(labels).most_common()))
    held_out = out_of_fold(texts, rows)  # normalising a normalised question leaves it as it is
    right = sum(max(held_out[t], key=held_out[t].get) == k for t, k in rows)
    majority = Counter(labels).most_common(1)[0][1] / len(labels)
    log.info("5-fold accuracy %.3f (always the commonest kind: %.3f)", right / len(rows), majority)
    model = fit(texts, labels, f"n{len(rows)}")
    if not args.dry_run:
        Path(args.out).write_text(json.dumps(compact(model), ensure_ascii=False, separators=(",", ":")) + "\n",
                                  "utf-8")
        log.info("wrote %s", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
