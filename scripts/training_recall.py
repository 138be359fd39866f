"""The retriever's evidence R@1 and R@5 on the written training questions (training/data/[large/]answerable_*.jsonl).

    python scripts/training_recall.py --index DIR [DIR ...] [--cache DIR] [--held-out [--train-on DIR ...] [--with-large] [--ranker-model KIND]]
    python scripts/training_recall.py --index DIR [DIR ...] [--cache DIR] --fused-depths N [N ...]

They are not evaluation questions: the ranker is fitted on them, nothing else is tuned on them. Asked of two
indexes (the bundled corpus, and the same with more documents beside it), they say what a larger corpus costs
on questions whose failures may be read, and so check what dev, once read, can no longer say alone.
With ``--held-out`` each question is asked with a ranker trained without it: five rankers, each fitted as
``training.train`` fits the shipped one (on the same questions asked of every index given) less a fifth of
the questions, which it then answers (with a question-kind model, a query adapter and a pair scorer fitted without
them too);
without it the shipped ranker answers questions it was fitted on.
``--train-on`` fits those rankers on the lists of other indexes than the ones answered (by default, the same):
``--index F FL M ML --train-on F FL`` asks a Milvus build what a ranker fitted on FAISS lists alone does there.
An index is asked the questions whose evidence it holds; the figures are given for the bundled corpus's
questions (``training/data/answerable_*``) and for corpus-large's (``training/data/large/``) apart. The shipped
ranker is fitted on both (``training.train --with-large``); the held-out rankers are fitted on corpus-large's only
with ``--with-large``, and without it those are questions they have never seen.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.metrics import EvidenceLocator
from qa.engine import PolicyQA
from settings import Settings
from retrieval.normalise import normalise_query
from training import adapter as adapting
from training.kinds import fold_models
from training.kinds import labelled as kind_labelled
from training.questions import folds, written_paths, written_questions
from training.train import (RANKER_KINDS, HeldOut, _pair_scorers, candidates, evidence_examples, held,
                            held_out_kinds, holds_evidence)

log = logging.getLogger("training_recall")
FOLDS = 5


def fused_depths(names: list[str], engines: list[PolicyQA], questions: list[dict], depths: list[int]) -> None:
    """Log, for each index, how many of the ``questions`` every index holds have their evidence among the first N
    fused candidates (the window the learned ranker reorders is ``RetrievalParams.learned_top_n`` of them)."""
    locators = [EvidenceLocator.of_index(e.data.sources) for e in engines]
    common = set.intersection(*({q["question"] for q in held(loc, questions)} for loc in locators))
    mine = [q for q in questions if q["question"] in common]
    for name, engine, locator in zip(names, engines, locators):
        first = []
        for q in mine:
            _, hits = candidates(engine.retriever, q["question"], top_n=max(depths))
            first.append(next((i for i, h in enumerate(hits, 1) if holds_evidence(locator, h, q["evidence"])), None))
        log.info("%s: of the %d questions every index holds, evidence among the first %s fused candidates: %s", name,
                 len(mine), " / ".join(map(str, depths)),
                 " / ".join(str(sum(1 for r in first if r is not None and r <= d)) for d in depths))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", required=True, nargs="+")
    p.add_argument("--cache")
    p.add_argument("--held-out", action="store_true", help="answer each question with a ranker trained without it")
    p.add_argument("--ranker-model", choices=RANKER_KINDS, default="trees",
                   help="with --held-out, the kind of ranker fitted (as training.train's --ranker-model)")
    p.add_argument("--with-large", action="store_true",
                   help="with --held-out: fit the rankers on corpus-large's questions too (training.train --with-large)")
    p.add_argument("--fused-depths", nargs="+", type=int, default=None, metavar="N",
                   help="instead: how many of the questions every index holds have their evidence among the first N "
                        "fused candidates of each (learned ranking off), for each N")
    p.add_argument("--train-on", nargs="+", default=None, metavar="DIR",
                   help="with --held-out: fit the rankers on these indexes' lists (default: the --index ones)")
    args = p.parse_args(argv)
    if args.with_large and not args.held_out:
        p.error("--with-large chooses what the held-out rankers are fitted on: give --held-out with it")
    if args.train_on and not args.held_out:
        p.error("--train-on chooses the held-out rankers' training lists: give --held-out with it")
    if args.fused_depths and (args.held_out or args.train_on):
        p.error("--fused-depths counts the fused candidates with learned ranking off: give it without --held-out")
    if args.fused_depths and min(args.fused_depths) < 1:
        p.error("--fused-depths takes depths of at least 1")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    def open_engine(index: str) -> PolicyQA:
        return PolicyQA.open(settings=Settings.from_env().override(index_dir=index, cache_dir=args.cache))

    engines = [open_engine(i) for i in args.index]
    questions = written_questions(written_paths(large=True))
    if args.fused_depths:
        logging.getLogger().setLevel(logging.INFO)
        fused_depths(args.index, engines, questions, args.fused_depths)
        return 0
    fold = folds([q["question"] for q in questions], FOLDS)
    rankers = kind_models = None
    if args.held_out:
        by_path = dict(zip(args.index, engines))
        trainers = [by_path.get(i) or open_engine(i) for i in (args.train_on or args.index)]
        fitted_on = questions if args.with_large else [q for q in questions if not q["origin"].startswith("large/")]
        # the query adapters the rankers' lists are taken with, fitted without the fold's questions too
        adapters = adapting.held_out([adapting.asked(e, fitted_on) for e in trainers], fold,
                                     trainers[0].embedder.name, n=FOLDS)
        per_index = [[x for x in evidence_examples(e, fitted_on, lambda q: adapters[fold[q]]) if x.y.any()]
                     for e in trainers]
        usable = [x for xs in per_index for x in xs]
        facts = max((e.retriever.facts for e in [*engines, *trainers]), key=lambda f: len(f.docs))
        held_out_kinds(usable, facts)
        # the pair scorers the rankers read, fitted without the fold's questions too
        scorers = _pair_scorers(trainers, per_index, fold, SimpleNamespace(dry_run=True))
        rankers = HeldOut.fit(usable, FOLDS, kind=args.ranker_model, fold=fold, adapters=adapters, pairs=scorers)
        # the question-kind model the rankers read, fitted without the fold's questions too
        kind_models = fold_models(kind_labelled(questions, facts),
                                  {normalise_query(q["question"]): fold[q["question"]] for q in questions}, FOLDS)
    logging.getLogger().setLevel(logging.INFO)
    for index, engine in zip(args.index, engines):
        locator = EvidenceLocator.of_index(engine.data.sources)
        asked = held(locator, questions)
        for group in ("bundled corpus", "corpus-large"):
            mine = [q for q in asked if q["origin"].startswith("large/") == (group == "corpus-large")]
            if not mine:
                continue
            at1 = at5 = 0
            for q in mine:
                if rankers is not None and kind_models is not None:
                    engine.retriever.ranker = rankers.for_question(q["question"])
                    engine.retriever.rankers.adapter = rankers.adapter_for(q["question"])
                    engine.retriever.pairs = rankers.pairs_for(q["question"])
                    engine.retriever.parser.kinds = kind_models[fold[q["question"]]]
                hits = list(engine.retriever.search(q["question"], k=5))
                hit = [holds_evidence(locator, h, q["evidence"]) for h in hits]
                at1 += bool(hit and hit[0])
                at5 += any(hit)
            n = len(mine)
            log.info("%s: %d written training questions on the %s%s, R@1 %.4f, R@5 %.4f", index, n, group,
                     " (each held out of its ranker)" if rankers else "", at1 / n, at5 / n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
