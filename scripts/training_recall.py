"""The retriever's evidence R@1 and R@5 on the written training questions (training/data/answerable_*.jsonl).

    python scripts/training_recall.py --index DIR [DIR ...] [--cache DIR] [--held-out [--train-on DIR ...]]

They are not evaluation questions: the ranker is fitted on them, nothing else is tuned on them. Asked of two
indexes (the bundled corpus, and the same with more documents beside it), they say what a larger corpus costs
on questions whose failures may be read, and so check what dev, once read, can no longer say alone.
With ``--held-out`` each question is asked with a ranker trained without it: five rankers, each fitted as
``training.train`` fits the shipped one (on the same questions asked of every index given) less a fifth of
the questions, which it then answers; without it the shipped ranker answers questions it was fitted on.
``--train-on`` fits those rankers on the lists of other indexes than the ones answered (by default, the same):
``--index F FL M ML --train-on F FL`` asks a Milvus build what a ranker fitted on FAISS lists alone does there.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.metrics import EvidenceLocator
from qa.engine import PolicyQA
from settings import Settings
from training.train import (
    DATA,
    evidence_examples,
    fit,
    folds,
    holds_evidence,
    written_questions,
)

log = logging.getLogger("training_recall")
FOLDS = 5


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", required=True, nargs="+")
    p.add_argument("--cache")
    p.add_argument("--held-out", action="store_true", help="answer each question with a ranker trained without it")
    p.add_argument("--train-on", nargs="+", default=None, metavar="DIR",
                   help="with --held-out: fit the rankers on these indexes' lists (default: the --index ones)")
    args = p.parse_args(argv)
    if args.train_on and not args.held_out:
        p.error("--train-on chooses the held-out rankers' training lists: give --held-out with it")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    def open_engine(index: str) -> PolicyQA:
        return PolicyQA.open(settings=Settings.from_env().override(index_dir=index, cache_dir=args.cache))

    engines = [open_engine(i) for i in args.index]
    questions = written_questions(sorted(DATA.glob("answerable*.jsonl")))
    fold = folds([q["question"] for q in questions], FOLDS)
    rankers = None
    if args.held_out:
        by_path = dict(zip(args.index, engines))
        trainers = [by_path.get(i) or open_engine(i) for i in (args.train_on or args.index)]
        usable = [x for e in trainers for x in evidence_examples(e, questions) if x.y.any()]
        rankers = [fit([x for x in usable if fold[x.question] != f]) for f in range(FOLDS)]
    logging.getLogger().setLevel(logging.INFO)
    for index, engine in zip(args.index, engines):
        locator = EvidenceLocator({path: s.text for path, s in engine.data.sources.items()})
        at1 = at5 = 0
        for q in questions:
            if rankers is not None:
                engine.retriever.ranker = rankers[fold[q["question"]]]
            hits = list(engine.retriever.search(q["question"], k=5))
            held = [holds_evidence(locator, h, q["evidence"]) for h in hits]
            at1 += bool(held and held[0])
            at5 += any(held)
        n = len(questions)
        log.info("%s: %d written training questions%s, R@1 %.4f, R@5 %.4f", index, n,
                 " (each held out of its ranker)" if rankers else "", at1 / n, at5 / n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
