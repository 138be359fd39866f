"""Train the question-kind model (:mod:`retrieval.kinds`) on the written training questions (work in progress).

    python -m training.kinds --index var/index-large [--out retrieval/data/question_kinds.json] [--dry-run]

Each written answerable question (``training/data/answerable_*.jsonl`` and ``training/data/large/``) is labelled
with the kind (:meth:`retrieval.features.DocumentFacts.kind`) of the document its ``doc_title`` names in the
index, which should hold corpus-large as well as the bundled corpus so that every kind has questions; questions
whose title names no document of the index are left out. Character 1–3-gram TF-IDF and a multinomial logistic
regression (scikit-learn) are fitted, cross-validated by question (5 folds) and written as JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa.engine import PolicyQA
from retrieval.features import DocumentFacts
from retrieval.kinds import KindModel
from settings import PROJECT_ROOT, Settings

from .train import folds, written_paths, written_questions

log = logging.getLogger(__name__)
OUT = PROJECT_ROOT / "retrieval" / "data" / "question_kinds.json"


def _key(title: str) -> str:
    return re.sub(r"[《》〈〉\s]", "", title)


def labelled(questions: Sequence[dict], facts: DocumentFacts) -> list[tuple[str, str]]:
    """(question, kind of the document its ``doc_title`` names) for the questions whose title names one."""
    by_title = {}
    for d in facts.docs.values():
        for title in d.titles:
            by_title.setdefault(_key(title), d.id)
    out = []
    for q in questions:
        doc = by_title.get(_key(q.get("doc_title") or ""))
        if doc is not None:
            out.append((q["question"], facts.kind(doc)))
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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", required=True, help="an index holding the bundled corpus and corpus-large")
    p.add_argument("--cache")
    p.add_argument("--out", default=str(OUT))
    p.add_argument("--dry-run", action="store_true", help="report, write nothing")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    engine = PolicyQA.open(settings=Settings.from_env().override(index_dir=args.index, cache_dir=args.cache))
    rows = labelled(written_questions(written_paths(large=True)), DocumentFacts(engine.data.documents))
    texts, labels = [t for t, _ in rows], [k for _, k in rows]
    log.info("%d labelled questions: %s", len(rows), dict(Counter(labels).most_common()))
    fold = folds(texts, 5)
    right = 0
    for f in range(5):
        train = [i for i, t in enumerate(texts) if fold[t] != f]
        model = fit([texts[i] for i in train], [labels[i] for i in train], "cv")
        for i, t in enumerate(texts):
            if fold[t] == f:
                probs = model.probabilities(t)
                right += max(probs, key=probs.get) == labels[i]
    majority = Counter(labels).most_common(1)[0][1] / len(labels)
    log.info("5-fold accuracy %.3f (always the commonest kind: %.3f)", right / len(rows), majority)
    model = fit(texts, labels, f"n{len(rows)}")
    if not args.dry_run:
        Path(args.out).write_text(json.dumps(model.to_json(), ensure_ascii=False) + "\n", "utf-8")
        log.info("wrote %s", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
