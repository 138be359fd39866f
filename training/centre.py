"""Take the query centre (:mod:`retrieval.centre`) from the written training questions.

The mean of the written questions' query vectors, over the questions whose evidence the given indexes hold, and
the weight the dense search's vector loses of it:

    python -m training.centre --index var/index var/index-large --with-large                 # writes the shipped centre
    python -m training.centre --index var/index var/index-large --with-large --folds 2 --dry-run   # held-out recall

``--folds`` reports the dense ranker's recall of the evidence chunk among all chunks at each of ``--weights``,
each question's vector moved by the mean of the other folds' questions only.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa.engine import PolicyQA
from retrieval.centre import QueryCentre
from settings import PROJECT_ROOT, Settings

from .adapter import Asked, asked, recall_table
from .questions import folds, written_paths, written_questions

log = logging.getLogger(__name__)

WEIGHT = 0.5  # chosen on the training questions' held-out recall (training/README.md, twentieth stop)


def mean_vector(sets: Sequence[Asked], keep: set[str] | None = None) -> np.ndarray:
    """The mean query vector of the questions of ``sets`` (each question once; only those in ``keep`` when given)."""
    seen: dict[str, np.ndarray] = {}
    for s in sets:
        for q, v in zip(s.questions, s.vectors):
            if keep is None or q in keep:
                seen.setdefault(q, v)
    if not seen:
        raise ValueError("no written question's evidence is in the indexes given: build them on the corpus the "
                         "questions were written on")
    return np.mean(np.stack(list(seen.values())).astype(np.float64), axis=0)


def held_out_lines(sets: Sequence[Asked], names: Sequence[str], weights: Sequence[float], n: int) -> list[str]:
    """Lines of dense recall@k per weight and index, the embedder's own vectors against each question moved by the
    mean of the other folds' questions only (:func:`training.adapter.recall_table`)."""
    fold = folds(sorted({q for s in sets for q in s.questions}), n)
    means = [mean_vector(sets, {q for q, f in fold.items() if f != k}) for k in range(n)]
    return [f"weight {w}, {line}" for w in weights
            for line in recall_table(sets, names, [QueryCentre(m, w, "", f"fold{k}") for k, m in enumerate(means)],
                                     fold)]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", required=True, nargs="+", help="the indexes whose chunks the questions are asked of")
    p.add_argument("--cache")
    p.add_argument("--with-large", action="store_true",
                   help="also average the questions written on ../shared/corpus-large (training/data/large)")
    p.add_argument("--weight", type=float, default=WEIGHT, help="the weight written")
    p.add_argument("--folds", type=int, default=0, help="report held-out dense recall over this many folds")
    p.add_argument("--weights", type=float, nargs="+", default=[0.25, 0.5, 0.75], help="the weights --folds reports")
    p.add_argument("--out", default=str(PROJECT_ROOT / "retrieval" / "data" / "query_centre.json"))
    p.add_argument("--dry-run", action="store_true", help="report, write nothing")
    args = p.parse_args(argv)
    if args.folds == 1 or args.folds < 0:
        p.error("--folds must be 0 (no report) or at least 2")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    written = written_questions(written_paths(args.with_large))
    engines = [PolicyQA.open(settings=Settings.from_env().override(
        index_dir=index, cache_dir=args.cache, learned_ranker="none", abstention_model="none", query_adapter="none",
        query_centre="none")) for index in args.index]
    sets = [asked(e, written) for e in engines]
    if args.folds:
        for line in held_out_lines(sets, args.index, args.weights, args.folds):
            log.info("dense recall, held out by question: %s", line)
    mean = mean_vector(sets)
    n = len({q for s in sets for q in s.questions})
    centre = QueryCentre(mean, args.weight, engines[0].embedder.name, time.strftime("%Y-%m-%d") + f"-n{n}")
    if not args.dry_run:
        Path(args.out).write_text(json.dumps({**centre.to_json(), "trained_on": {
            "questions": n, "indexes": len(sets)}}) + "\n", "utf-8")
        log.info("wrote %s (%s)", args.out, centre.sha256)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
