"""Variants of the learned ranker measured on the same training lists: what each costs on a larger corpus.

    python scripts/ranker_variants.py --index F FL [--cache DIR] [--variants base no-doc-hits pair-mlp:256:14 ...]

The lists are taken once, as ``training.train`` takes them (the written training questions of both corpora, each
index asked the questions whose evidence it holds, learned ranking off, query adapters and question-kind models
fitted without each question's fold). Each variant is then fitted five times, each fit without a fold of
questions, and every list is ranked by the fit that never saw its question. For each variant it prints R@1 over
all usable lists and, over the questions usable on every index, R@1 on each and the difference (the first index
is the smaller corpus): the figures of training/README.md, sixteenth stop. They are training questions, not
evaluation questions.

Variants: ``base`` (the shipped recipe), ``monotone`` (``training.train.MONOTONE``), ``no-doc-hits``,
``doc-hits-relative`` (to the best document's), ``doc-mass`` (``doc_hits`` replaced by the document's summed fused
score relative to the best document's), ``doc-mass-extra`` (that as one more feature), ``no-gaps`` (without
``authority_gap`` and ``coverage_top_gap``), ``weight-large:W`` (the later indexes' lists weighted W), ``no-pair``
(without the pair scorer's ``pair`` and ``pair_gap``), and ``pair-linear`` and ``pair-mlp:UNITS:SEED`` (those two
read from another pair model of the question's vector and the candidate clause's first chunk's, fitted without
each fold: the logistic one of qa/answerability.py, or a network of UNITS hidden units). ``base`` reads the shipped
recipe's pair scorer (:mod:`training.pairs`, on each candidate's own chunk vector), fitted without each fold.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from retrieval.features import FEATURES
from training.answerability import Pairs, fit_pairs
from training.pairs import PairList, fit_scorer, set_pair_columns
from training.questions import folds, written_paths, written_questions
from training.train import (_adapters, _pair_scorers, build_examples, fit_trees, held_out_kinds, monotone,
                            training_engines)

log = logging.getLogger("ranker_variants")
COL = {name: i for i, name in enumerate(FEATURES)}


def _columns(x: np.ndarray, docs: list[str], variant: str) -> np.ndarray:
    """The list's feature rows as ``variant`` reads them."""
    x = x.copy()
    if variant == "no-doc-hits":
        x[:, COL["doc_hits"]] = 0.0
    elif variant == "doc-hits-relative":
        x[:, COL["doc_hits"]] /= max(float(x[:, COL["doc_hits"]].max()), 1e-9)
    elif variant.startswith("doc-mass"):
        mass: dict[str, float] = {}
        for d, f in zip(docs, x[:, COL["fused"]]):
            mass[d] = mass.get(d, 0.0) + float(f)
        top = max(mass.values())
        rel = np.asarray([mass[d] / top for d in docs])
        if variant == "doc-mass-extra":
            return np.concatenate([x, rel[:, None]], axis=1)
        x[:, COL["doc_hits"]] = rel
    elif variant == "no-pair":
        x[:, COL["pair"]] = 0.0
        x[:, COL["pair_gap"]] = 0.0
    elif variant == "no-gaps":
        x[:, COL["authority_gap"]] = 0.0
        x[:, COL["coverage_top_gap"]] = 0.0
    return x


def _pair_scores(lists: list[dict], fold: dict[str, int], variant: str) -> list[np.ndarray]:
    """Each list's pair-model probabilities, from the model fitted without the list's fold."""
    out: list[np.ndarray] = [np.zeros(0)] * len(lists)
    for f in range(5):
        train = [ls for ls in lists if fold[ls["question"]] != f]
        held = [(i, ls) for i, ls in enumerate(lists) if fold[ls["question"]] == f]
        if variant == "pair-linear":  # the logistic pair model of qa/answerability.py, fitted as the trainer fits it
            model = fit_pairs([Pairs(ls["question"], ls["q"], list(ls["c"]), list(ls["y"].astype(bool)))
                               for ls in train], "", variant)
            for i, ls in held:
                out[i] = model.probabilities(ls["q"], ls["c"])
            continue
        units, seed = (int(v) for v in variant.split(":")[1:3])
        model = fit_scorer([PairList(ls["question"], ls["q"], ls["c"], ls["y"], np.ones(len(ls["y"]), dtype=bool))
                            for ls in train], "", variant, units, seed)
        for i, ls in held:
            out[i] = model.scores(ls["q"], ls["c"])
    return out


def measure(lists: list[dict], fold: dict[str, int], variant: str) -> str:
    """One line of figures for ``variant`` (see the module's text)."""
    name, _, arg = variant.partition(":")
    xs = [_columns(ls["x"], ls["docs"], variant) for ls in lists]
    if name.startswith("pair"):
        for x, s in zip(xs, _pair_scores(lists, fold, variant)):
            set_pair_columns(x, s)
    weight = float(arg) if name == "weight-large" else 1.0
    names = tuple(FEATURES) + tuple(f"extra{i}" for i in range(xs[0].shape[1] - len(FEATURES)))
    right: dict[tuple[int, str], bool] = {}
    for f in range(5):
        train = [i for i, ls in enumerate(lists) if fold[ls["question"]] != f]
        w = np.concatenate([np.full(len(lists[i]["y"]), (weight if lists[i]["index"] else 1.0) / len(lists[i]["y"]))
                            for i in train])
        model = fit_trees(np.concatenate([xs[i] for i in train]).astype(np.float64),
                          np.concatenate([lists[i]["y"] for i in train]), names, rounds=400, class_weight=None,
                          sample_weight=w * len(w) / w.sum(),
                          monotonic=monotone(names) if name == "monotone" else None)
        for i, ls in enumerate(lists):
            if fold[ls["question"]] == f:
                right[(ls["index"], ls["question"])] = bool(ls["y"][int(np.argmax(model.scores(xs[i])))])
    n_index = 1 + max(k for k, _ in right)
    common = set.intersection(*({q for k, q in right if k == j} for j in range(n_index)))
    each = [np.mean([right[(j, q)] for q in common]) for j in range(n_index)]
    return (f"{variant:22s} all {np.mean(list(right.values())):.4f} ({sum(right.values())}/{len(right)}); "
            f"the {len(common)} usable on every index: " + " → ".join(f"{v:.4f}" for v in each) +
            f" ({each[-1] - each[0]:+.4f})")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", nargs="+", required=True, help="the bundled corpus's index, then larger ones")
    p.add_argument("--cache")
    p.add_argument("--variants", nargs="+", default=["base"])
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    engines = training_engines(args.index, args.cache)
    written = written_questions(written_paths(True))
    fold = folds([q["question"] for q in written])
    adapters, final = _adapters(engines, written, fold, SimpleNamespace(index=args.index, dry_run=True))
    for e in engines:
        e.retriever.rankers.adapter = final
    per_index = [build_examples(e, [], written, lambda q: adapters[fold[q]]) for e in engines]
    held_out_kinds([x for xs in per_index for x in xs], max((e.retriever.facts for e in engines),
                                                             key=lambda f: len(f.docs)))
    _pair_scorers(engines, per_index, fold, SimpleNamespace(dry_run=True))  # sets each list's pair columns held out
    lists = []
    for k, (e, xs) in enumerate(zip(engines, per_index)):
        data, rankers = e.retriever.data, e.retriever.rankers
        first: dict[str, int] = {}  # each clause's first chunk (a hit may be chunks merged)
        for chunk in data.chunks:
            if chunk.id in data.chunk_row:
                first.setdefault(chunk.clause_id, data.chunk_row[chunk.id])
        for ex in xs:
            if ex.y.any():
                q = rankers.query_vector(ex.question)
                c = np.stack([rankers.backend.vector(first[h.chunk.clause_id]) if h.chunk.clause_id in first
                              else np.zeros_like(q) for h in ex.hits])
                lists.append({"index": k, "question": ex.question, "x": ex.x, "y": ex.y, "q": q, "c": c,
                              "docs": [h.chunk.doc_id for h in ex.hits]})
    log.info("%d lists over %d indexes", len(lists), len(engines))
    for variant in args.variants:
        sys.stdout.write(measure(lists, fold, variant) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
