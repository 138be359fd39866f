"""Train the learned ranker (and the abstention model) on questions that are not evaluation questions.

    python -m training.train --index var/index [--generated 4000] [--out-ranker retrieval/data/ranker.json]

The training questions are generated from the index's own clauses (:mod:`training.generate`) and
read from ``training/data/*.jsonl`` (written for training by people who saw only the corpus; see
training/README.md). For each question the retriever's best fused candidates (learned ranking off)
become rows of :mod:`retrieval.features`, labelled by whether they hold the question's clause or
evidence. Gradient-boosted trees (or a logistic regression; scikit-learn) are fitted, cross-validated by
question (5 folds), and written as JSON that :mod:`retrieval.learned` scores with NumPy. The dev split of
``eval/questions.jsonl`` is the only evaluation question set it looks at, to report R@1 before and after.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from eval.metrics import EvidenceLocator, Retrieved
from eval.run import load_questions, select_split
from index.store import IndexData
from qa.engine import PolicyQA
from qa.abstention import ABSTAIN_FEATURES, ANSWER_FEATURES, BASE_FEATURES
from retrieval.adapter import QueryAdapter
from retrieval.features import FEATURES, DocumentFacts, candidate_kinds
from retrieval.filters import Filters
from retrieval.learned import LinearModel, Model, TreeModel, load_model
from retrieval.pairs import PairScorer
from retrieval.query import Query
from retrieval.retriever import RetrievalParams, Retriever
from retrieval.types import Hit
from settings import PROJECT_ROOT, Settings

from . import adapter as adapting
from .answerability import HeldOutPairs, Pairs
from .generate import Generated, generate, same_clause
from .kinds import labelled as kind_labelled
from .kinds import out_of_fold
from .pairs import HeldOutScorers, pair_list, set_pair_columns
from .questions import folds, unanswerable_paths, written_paths, written_questions

log = logging.getLogger(__name__)

CHECKED_AT_SCALE = "corpus+corpus-large"  # an unanswerable question checked absent from both corpora
TOP_N = RetrievalParams().learned_top_n  # the training lists are the window the ranker reorders


@dataclass
class Example:
    """One training question with its candidates' features and labels."""

    question: str
    origin: str  # generated kind, or the training file it came from
    x: np.ndarray
    y: np.ndarray
    hits: list[Hit]
    query: Query


def candidates(retriever: Retriever, question: str, filters: Filters | None = None,
               top_n: int = TOP_N) -> tuple[Query, list[Hit]]:
    """The best ``top_n`` fused candidates for ``question``, learned ranking off."""
    params = replace(retriever.params, learned=False)
    found = retriever.search(question, k=top_n, filters=filters, params=params)
    return found.query, list(found)


def labelled(retriever: Retriever, question: str, origin: str, is_positive: Callable[[Hit], bool],
             filters: Filters | None = None) -> Example:
    query, hits = candidates(retriever, question, filters)
    x = retriever.features(query, hits)
    y = np.asarray([is_positive(h) for h in hits], dtype=np.int8)
    return Example(question, origin, x, y, hits, query)


def holds_evidence(locator: EvidenceLocator, hit: Hit, evidence: Sequence[str]) -> bool:
    """Whether ``hit`` holds one of the ``evidence`` strings (:class:`~eval.metrics.EvidenceLocator`)."""
    return locator.matches(Retrieved(hit.chunk.source, hit.chunk.start, hit.chunk.end, hit.chunk.text), evidence)


def held(locator: EvidenceLocator, questions: Sequence[dict]) -> list[dict]:
    """The ``questions`` whose evidence the index behind ``locator`` holds (one string is enough): a
    question written on a document the index lacks is no question of that index, answerable or not."""
    return [q for q in questions if any(locator.occurrences(ev) for ev in q["evidence"])]


def evidence_examples(engine: PolicyQA, questions: Sequence[dict],
                      adapter_for: Callable[[str], QueryAdapter | None] | None = None) -> list[Example]:
    """Examples of the ``questions`` with gold ``evidence`` strings the engine's index holds: a candidate
    is positive when it holds one. ``adapter_for(question)``: the query adapter its list is taken with (one
    not fitted on it), instead of the engine's."""
    locator = EvidenceLocator.of_index(engine.data.sources)
    rankers = engine.retriever.rankers
    final = rankers.adapter
    out = []
    try:
        for q in held(locator, questions):
            ev = list(q["evidence"])
            if adapter_for is not None:
                rankers.adapter = adapter_for(q["question"])
            out.append(labelled(engine.retriever, q["question"], q.get("origin", ""),
                                lambda h, ev=ev: holds_evidence(locator, h, ev)))
    finally:
        rankers.adapter = final
    return out


def build_examples(engine: PolicyQA, generated: Sequence[Generated], written: Sequence[dict],
                   adapter_for: Callable[[str], QueryAdapter | None] | None = None) -> list[Example]:
    retriever = engine.retriever
    out = []
    t0 = time.perf_counter()
    for i, g in enumerate(generated, start=1):
        out.append(labelled(retriever, g.question, g.kind,
                            lambda h, g=g: same_clause(g, h.chunk.source, h.chunk.start, h.chunk.end)))
        if i % 500 == 0:
            log.info("generated questions: %d/%d (%.0f s)", i, len(generated), time.perf_counter() - t0)
    return out + evidence_examples(engine, written, adapter_for)


def held_out_kinds(examples: Sequence[Example], facts: DocumentFacts) -> None:
    """Set each example's ``kind_prob`` column from a question-kind model that was not fitted on its
    question (:func:`training.kinds.out_of_fold`, on every written question whose document ``facts``
    knows): fitted on its own question the model is surer than it will be on a user's, and the ranker
    would learn to trust it too far."""
    rows = kind_labelled(written_questions(written_paths(large=True)), facts)
    probs = out_of_fold(sorted({e.question for e in examples}), rows)
    col = FEATURES.index("kind_prob")
    for e in examples:
        if len(e.x):
            e.x[:, col] = [probs[e.question].get(k, 0.0) for k in candidate_kinds(e.x)]


def _rows(examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows, labels and weights of the questions that have a positive candidate; each question
    weighs as much as any other whatever its number of candidates, and the weights average 1."""
    usable = [e for e in examples if e.y.any()]
    x = np.concatenate([e.x for e in usable]).astype(np.float64)
    y = np.concatenate([e.y for e in usable])
    w = np.concatenate([np.full(len(e.y), 1.0 / len(e.y)) for e in usable])
    return x, y, w * len(w) / w.sum()


RANKER_KINDS = ("trees", "lambdarank", "linear")
#: the ranker's features a candidate is never worse for having more (+1) or less (-1) of, all else equal:
#: what the first-stage rankers say of it and how much of the question it holds (``--monotone`` constrains
#: the trees so; every other feature may act either way)
MONOTONE = {"fused": 1, "rank_inv": 1, "bm25_inv": 1, "dense_inv": 1, "dense_cos": 1, "lookup": 1, "title": 1,
            "named_doc": 1, "coverage": 1, "coverage_top_gap": -1, "expanded_coverage": 1, "title_coverage": 1,
            "adapted_cos": 1, "dense_cos_gap": -1, "expanded_coverage_gap": -1, "title_coverage_gap": -1,
            "adapted_cos_gap": -1}


def monotone(names: Sequence[str], signs: dict[str, int] = MONOTONE) -> list[int]:
    """Each of ``names``' constraint (+1, -1 or 0) for scikit-learn's ``monotonic_cst``.

    >>> monotone(("fused", "authority", "dense_cos_gap"))
    [1, 0, -1]
    """
    unknown = set(signs) - set(FEATURES)
    if unknown:
        raise ValueError(f"monotone constraints name features the ranker does not compute: {sorted(unknown)}")
    return [signs.get(n, 0) for n in names]


def fit(examples: Sequence[Example], c: float = 1.0, version: str = "", kind: str = "trees",
        constrained: bool = False) -> Model:
    """The ranker over the rows of the questions that have a positive candidate: gradient-boosted trees
    (they read a feature in the light of others: a draft's coverage, a local rule's cosine) that learn
    each candidate's odds alone (``"trees"``, shipped) or the order within each question's list
    (``"lambdarank"``, training/README.md says why it is not shipped), or a logistic model (``"linear"``,
    regularised by ``c``). ``constrained``: the trees are monotone in the features of :data:`MONOTONE`."""
    if kind not in RANKER_KINDS:
        raise ValueError(f"the ranker is one of {', '.join(RANKER_KINDS)}, not {kind!r}")
    x, y, w = _rows(examples)
    if kind == "lambdarank":
        return fit_lambdarank(x, y, [len(e.y) for e in examples if e.y.any()], FEATURES, version)
    if kind == "trees":
        return fit_trees(x, y, FEATURES, version, rounds=400, class_weight=None, sample_weight=w,
                         monotonic=monotone(FEATURES) if constrained else None)
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=c, max_iter=2000).fit((x - mean) / scale, y, sample_weight=w)
    return LinearModel(FEATURES, mean, scale, model.coef_[0].astype(np.float64), float(model.intercept_[0]),
                       version)


def top1(examples: Sequence[Example], model: Model | None) -> float:
    """Share of questions whose first candidate (fused order, or the model's) is a positive."""
    if not examples:
        return 0.0
    hit = 0
    for e in examples:
        if not len(e.y):
            continue
        best = int(np.argmax(model.scores(e.x))) if model is not None else 0
        hit += int(e.y[best])
    return hit / len(examples)


@dataclass
class HeldOut:
    """The ranker fitted without each fold of questions (5 folds by question; a question asked of several
    indexes is held out of all of them at once): ``for_question`` is the one that never saw a question.
    ``adapters``: the query adapters its training lists were taken with, fitted without the same folds;
    ``pairs``: the pair scorers that scored them, the same."""

    fold: dict[str, int]
    models: list[Model]
    adapters: list[QueryAdapter] | None = None
    pairs: HeldOutScorers | None = None

    @classmethod
    def fit(cls, examples: Sequence[Example], n: int = 5, c: float = 1.0, kind: str = "trees",
            fold: dict[str, int] | None = None, adapters: list[QueryAdapter] | None = None,
            constrained: bool = False, pairs: HeldOutScorers | None = None) -> HeldOut:
        """``fold``: each question's fold of ``n`` when chosen elsewhere (over more questions than these)."""
        fold = fold if fold is not None else folds([e.question for e in examples], n)
        return cls(fold, [fit([e for e in examples if fold[e.question] != f], c, kind=kind, constrained=constrained)
                          for f in range(n)], adapters, pairs)

    def for_question(self, question: str) -> Model | None:
        """The ranker that never saw ``question``, or None when it was not a training question."""
        f = self.fold.get(question)
        return None if f is None else self.models[f]

    def adapter_for(self, question: str) -> QueryAdapter | None:
        """The query adapter that never saw ``question`` (None when it was not a training question, or there
        are no fold adapters)."""
        f = self.fold.get(question)
        return None if f is None or self.adapters is None else self.adapters[f]

    def pairs_for(self, question: str) -> PairScorer | None:
        """The pair scorer that never saw ``question`` (None when it was not a training question, or there are no
        fold scorers)."""
        return None if self.pairs is None or question not in self.fold else self.pairs.for_question(question)


def cross_validate(examples: Sequence[Example], held_out: HeldOut) -> tuple[float, float]:
    """R@1 of the fused order and of the ranker, each question answered by the one that never saw it."""
    before = after = 0.0
    for f, m in enumerate(held_out.models):
        held = [e for e in examples if held_out.fold[e.question] == f]
        before += top1(held, None) * len(held)
        after += top1(held, m) * len(held)
    return before / len(examples), after / len(examples)


def by_index(per_index: Sequence[Sequence[Example]], names: Sequence[str], held_out: HeldOut) -> list[str]:
    """Held-out R@1 on each index over the questions whose lists hold their evidence on every index (what a
    larger corpus costs the same questions, once the evidence is in the window), then over all of each index's
    usable lists, then over the questions every index was asked, a list without the evidence counted a miss (what
    it costs them in all: the evidence can leave the window too)."""
    usable = [{e.question: e for e in xs if e.y.any()} for xs in per_index]
    common = sorted(set.intersection(*(set(u) for u in usable))) if len(usable) > 1 else []
    asked = set.intersection(*({e.question for e in xs} for xs in per_index)) if per_index else set()
    out = []
    for name, u in zip(names, usable):
        if not common or not u:
            continue
        fused, learned = cross_validate([u[q] for q in common], held_out)
        inside = [u[q] for q in sorted(asked) if q in u]
        within = cross_validate(inside, held_out)[1] * len(inside) / len(asked)
        out.append(f"{name}: the {len(common)} questions usable on every index R@1 fused {fused:.4f}, learned "
                   f"{learned:.4f}; all {len(u)} usable, learned {cross_validate(list(u.values()), held_out)[1]:.4f}; "
                   f"the {len(asked)} asked of every index, learned {within:.4f}")
    return out


# -- abstention -------------------------------------------------------------------------------------
def _assessed(engine: PolicyQA, question: str, filters: Filters | None) -> tuple[np.ndarray, Query, list[Hit]] | None:
    answerer = engine.answerer
    query = engine.retriever.parse(question)
    hits = list(engine.retriever.search(query, k=5, filters=filters))
    if not hits:
        return None
    a = answerer.assess(query, hits)
    return None if a.looked_up else (a.evidence.vector()[0], query, hits)


def abstention_row(engine: PolicyQA, question: str, filters: Filters | None = None) -> np.ndarray | None:
    """The answerer's :class:`~qa.abstention.Evidence` for ``question`` as one feature row (None when
    nothing is retrieved or a named article decides it)."""
    got = _assessed(engine, question, filters)
    return None if got is None else got[0]


class AbstentionRows(NamedTuple):
    x: np.ndarray  # feature rows (ABSTAIN_FEATURES)
    y: np.ndarray  # 1: unanswerable
    calibrate: np.ndarray  # the row calibrates the threshold
    questions: list[str]
    pairs: list[Pairs]  # each row's list as the pair model reads it (qa.answerability)


def abstention_rows(engine: PolicyQA, asked: Sequence[tuple[str, Filters | None, int, bool]],
                    held_out: HeldOut | None = None,
                    evidence: Mapping[str, Sequence[str]] | None = None) -> AbstentionRows:
    """The feature rows, labels (1: unanswerable), calibration marks, questions and pair-model lists of ``asked``
    (question, filters, label, calibrate) that retrieve something, each list ranked by the engine's ranker, or by
    the one of ``held_out`` that never saw the question when it was a training question. ``evidence``: the gold
    evidence strings of answerable questions, which mark the hits of their lists that answer them; the pair-model
    lists are taken only when it is given (empty otherwise)."""
    final = engine.retriever.ranker
    rankers = engine.retriever.rankers
    final_adapter = rankers.adapter
    final_pairs = engine.retriever.pairs
    locator = EvidenceLocator.of_index(engine.data.sources) if evidence is not None else None
    rows, labels, calibrate, questions, pairs = [], [], [], [], []
    try:
        for question, filters, label, mark in asked:
            engine.retriever.ranker = (held_out and held_out.for_question(question)) or final
            rankers.adapter = (held_out and held_out.adapter_for(question)) or final_adapter
            engine.retriever.pairs = (held_out and held_out.pairs_for(question)) or final_pairs
            got = _assessed(engine, question, filters)
            if got is None:
                continue
            row, query, hits = got
            rows.append(row)
            labels.append(label)
            calibrate.append(mark)
            questions.append(question)
            if evidence is not None:
                ev = evidence.get(question) if label == 0 else None
                pairs.append(Pairs(question, engine.retriever.rankers.query_vector(query.text),
                                   [engine.retriever.vector(h) for h in hits],
                                   [bool(ev) and holds_evidence(locator, h, ev) for h in hits]))
    finally:
        engine.retriever.ranker = final
        rankers.adapter = final_adapter
        engine.retriever.pairs = final_pairs
    return AbstentionRows(np.asarray(rows), np.asarray(labels), np.asarray(calibrate, dtype=bool), questions, pairs)


def still_unanswerable(unanswerable: Sequence[dict], larger: bool) -> list[str]:
    """The written unanswerable questions that stay unanswerable on an index: all of them on the bundled corpus they
    were written for; beside more documents (``larger``: corpus-large's), where a question naming a document the
    corpus lacks or asking a detail it does not give may find its answer, the off-domain ones and those their writer
    checked absent from corpus-large too (``"checked": CHECKED_AT_SCALE``)."""
    return [q["question"] for q in unanswerable
            if not larger or q.get("kind") == "off_domain" or q.get("checked") == CHECKED_AT_SCALE]


def leave_document_out(engine: PolicyQA, generated: Sequence[Generated], n: int, seed: int = 14,
                       origin: IndexData | None = None) -> list[tuple[str, Filters]]:
    """Generated questions asked of the index without the document they were made from (and without
    any other document that holds their clause's opening words): unanswerable by construction.
    ``origin``: the index they were generated from, when not the engine's (the same documents among
    others); a question whose document the engine's index lacks is not asked."""
    origin = origin or engine.data
    rng = np.random.default_rng(seed)
    docs = engine.data.documents
    ids = {d.id for d in docs}
    titles = {d.id: d.title for d in origin.documents}
    texts = {d.id: "".join(engine.data.sources[d.source].text[d.start:d.end].split()) for d in docs}
    out = []
    for i in rng.permutation(len(generated)):
        g = generated[int(i)]
        if g.doc_id not in ids:
            continue
        if "《" in g.question or titles[g.doc_id][:4] in g.question:
            continue  # a question naming its document is not asked without it
        opening = "".join(origin.sources[g.source].text[g.start:g.end].split())[:30]
        holders = {d for d, t in texts.items() if opening and opening in t}
        keep = frozenset(d for d in ids if d not in holders and d != g.doc_id)
        out.append((g.question, Filters(doc_ids=keep)))
        if len(out) >= n:
            break
    return out


def export_trees(model, names: tuple[str, ...], version: str) -> TreeModel:
    """A fitted binary ``HistGradientBoostingClassifier`` as a :class:`~retrieval.learned.TreeModel`."""
    trees = []
    for (tree,) in model._predictors:  # binary classification: one tree per boosting round
        nodes = tree.nodes
        trees.append({"feature": nodes["feature_idx"].tolist(), "threshold": nodes["num_threshold"].tolist(),
                      "left": nodes["left"].tolist(), "right": nodes["right"].tolist(),
                      "value": nodes["value"].tolist(), "leaf": nodes["is_leaf"].astype(bool).tolist()})
    return TreeModel(names, tuple(trees), float(np.ravel(model._baseline_prediction)[0]), version)


def fit_trees(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], version: str = "", *, rounds: int = 200,
              class_weight: str | None = "balanced", sample_weight: np.ndarray | None = None,
              monotonic: Sequence[int] | None = None) -> TreeModel:
    """Gradient-boosted trees of 15 leaves, learning rate 0.05 (the abstention model's and the ranker's);
    ``monotonic``: each feature's constraint (+1 increasing, -1 decreasing, 0 none)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    m = HistGradientBoostingClassifier(max_iter=rounds, learning_rate=0.05, max_leaf_nodes=15,
                                       class_weight=class_weight, monotonic_cst=monotonic,
                                       random_state=14).fit(x, y, sample_weight=sample_weight)
    return export_trees(m, names, version)


def lambdarank_booster(x: np.ndarray, y: np.ndarray, groups: Sequence[int], rounds: int = 400):
    """LightGBM's LambdaRank over lists of ``groups`` rows each (in order): 15 leaves, learning rate 0.05,
    one thread (the same model from the same data)."""
    import lightgbm as lgb

    params = {"objective": "lambdarank", "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 20,
              "lambdarank_truncation_level": max(groups), "num_threads": 1, "deterministic": True,
              "force_row_wise": True, "seed": 14, "verbose": -1}
    return lgb.train(params, lgb.Dataset(x, y, group=list(groups)), num_boost_round=rounds)


def export_booster(booster, names: tuple[str, ...], version: str, scale: float = 1.0, shift: float = 0.0) -> TreeModel:
    """A LightGBM booster as a :class:`~retrieval.learned.TreeModel` scoring ``sigmoid(scale · raw + shift)``
    (``raw``: the booster's own score), the scale folded into the leaves."""
    trees = []
    for info in booster.dump_model()["tree_info"]:
        t: dict[str, list] = {"feature": [], "threshold": [], "left": [], "right": [], "value": [], "leaf": []}

        def add(node: dict, t: dict = t) -> int:
            i = len(t["feature"])
            for key in t:
                t[key].append(0)
            if "leaf_value" in node:
                t["value"][i], t["leaf"][i] = float(node["leaf_value"]) * scale, True
                return i
            if node["decision_type"] != "<=":
                raise ValueError(f"a split {node['decision_type']!r} the scorer does not read")
            t["feature"][i], t["threshold"][i], t["leaf"][i] = int(node["split_feature"]), float(node["threshold"]), False
            t["left"][i] = add(node["left_child"])
            t["right"][i] = add(node["right_child"])
            return i

        add(info["tree_structure"])
        trees.append(t)
    return TreeModel(names, tuple(trees), shift, version)


def fit_lambdarank(x: np.ndarray, y: np.ndarray, groups: Sequence[int], names: tuple[str, ...],
                   version: str = "") -> TreeModel:
    """The ranker learnt from the order within each list (:func:`lambdarank_booster`), its scores made
    probabilities by a logistic fit of the labels on them (Platt scaling, on the same rows)."""
    from sklearn.linear_model import LogisticRegression

    booster = lambdarank_booster(x, y, groups)
    platt = LogisticRegression(C=1e4, max_iter=1000).fit(booster.predict(x, raw_score=True)[:, None], y)
    return export_booster(booster, names, version, float(platt.coef_[0][0]), float(platt.intercept_[0]))


def fit_abstention(x: np.ndarray, y: np.ndarray, calibrate: np.ndarray, max_false: float = 0.03,
                   version: str = "", questions: Sequence[str] | None = None,
                   names: tuple[str, ...] = ABSTAIN_FEATURES) -> tuple[TreeModel, dict]:
    """Gradient-boosted trees of "unanswerable"; the threshold is the lowest that abstains on at most
    ``max_false`` of the answerable questions marked ``calibrate`` (the written ones: generated
    questions are easier than people's), each held out once (5 folds; by question when ``questions``
    names each row's, so that a question asked of several indexes is held out of all at once)."""

    def one(xs: np.ndarray, ys: np.ndarray) -> TreeModel:
        return fit_trees(xs, ys, names, version)

    if questions is None:
        fold = np.empty(len(y), dtype=int)
        fold[np.random.default_rng(14).permutation(len(y))] = np.arange(len(y)) % 5
    else:
        of = folds(questions, 5)
        fold = np.asarray([of[q] for q in questions])
    held = np.zeros(len(y))
    for f in range(5):
        test = fold == f
        held[test] = one(x[~test], y[~test]).scores(x[test])
    answerable = np.sort(held[(y == 0) & calibrate])
    threshold = float(answerable[int(np.ceil((1 - max_false) * len(answerable))) - 1]) + 1e-6
    recall = float((held[y == 1] >= threshold).mean())
    false = float((held[(y == 0) & calibrate] >= threshold).mean())
    model = one(x, y)
    model = replace(model, threshold=threshold)
    return model, {"cv_abstention_recall": round(recall, 4), "cv_false_abstention": round(false, 4),
                   "threshold": round(threshold, 4)}


def dev_examples(engine: PolicyQA, path: Path) -> list[Example]:
    """The dev split's answerable questions as examples (labels: the candidate holds gold evidence)."""
    questions, _ = select_split(load_questions(path), "dev")
    return evidence_examples(engine, [{**q, "origin": "dev"} for q in questions if q["type"] != "unanswerable"])


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", required=True, nargs="+",
                   help="the index to train on; further ones (the same corpus with other documents beside it, "
                        "as distractors) add their candidates of the same questions to the ranker's rows")
    p.add_argument("--cache")
    p.add_argument("--generated", type=int, default=3000, help="how many questions to generate from the corpus")
    p.add_argument("--ranker-generated", type=int, default=0,
                   help="how many generated questions the ranker trains on beside the written ones (default 0: "
                        "they lowered R@1 on held-out written questions and on dev, see training/README.md)")
    p.add_argument("--ranker-model", choices=RANKER_KINDS, default="trees",
                   help="gradient-boosted trees learning each candidate's odds (trees, the default) or each list's "
                        "order (lambdarank), or a logistic model (see training/README.md)")
    p.add_argument("--monotone", action="store_true",
                   help="constrain the trees to be monotone in the rankers' scores, the cosines and the coverages "
                        "(MONOTONE; see training/README.md)")
    p.add_argument("--c", type=float, default=0.1, help="the logistic model's inverse regularisation strength")
    p.add_argument("--out-ranker", default=str(PROJECT_ROOT / "retrieval" / "data" / "ranker.json"))
    p.add_argument("--out-abstain", default=str(PROJECT_ROOT / "qa" / "data" / "abstain.json"))
    p.add_argument("--pair-model", action="store_true",
                   help="also fit the pair model of whether a hit answers the question (qa/answerability.py) and give "
                        "the abstention model its two features (tried at the thirteenth stop and not shipped: see "
                        "training/README.md)")
    p.add_argument("--out-answers", default=str(PROJECT_ROOT / "qa" / "data" / "answers.json"),
                   help="where --pair-model writes the pair model (serve it with POLICYQA_ANSWER_MODEL)")
    p.add_argument("--max-false-abstention", type=float, default=0.03,
                   help="share of held-out written answerable questions the threshold may abstain on")
    p.add_argument("--abstain-threshold", type=lambda v: None if v == "none" else float(v), default=0.9,
                   help="the abstention model's threshold, overriding the calibrated one (default 0.9; "
                        "'none' for the calibrated one, which the shipped model uses: see training/README.md)")
    p.add_argument("--ranker", choices=("train", "shipped"), default="train",
                   help="train the ranker, or keep the shipped one and train the abstention model only (the shipped "
                        "ranker then ranks its own training questions in-sample; training both ranks them held out)")
    p.add_argument("--ranker-only", action="store_true",
                   help="train the ranker and keep the shipped abstention model")
    p.add_argument("--with-large", action="store_true",
                   help="also fit on the questions written on ../shared/corpus-large (training/data/large; asked of "
                        "the indexes holding their evidence), as the shipped ranker is: see training/README.md")
    p.add_argument("--abstain-on", choices=("first", "all"), default="first",
                   help="ask the abstention model's questions of the first index only (the shipped model), or of "
                        "every --index, its threshold calibrated over all (tried at the tenth and twelfth stops and "
                        "not shipped: see training/README.md)")
    p.add_argument("--unanswerable-at-scale", action="store_true",
                   help="also train the abstention model on the unanswerable questions checked absent from "
                        "corpus-large too (training/data/large/unanswerable.jsonl; with --abstain-on all asked of the "
                        "larger indexes as well; tried at the twelfth stop and not shipped: see training/README.md)")
    p.add_argument("--adapter", choices=("train", "none"), default="train",
                   help="fit the query adapter the ranker's adapted_cos feature reads (training.adapter; each written "
                        "question's list taken with one fitted without its fold), or train without one (adapted_cos is "
                        "then the plain cosine: serve that ranker with query_adapter none)")
    p.add_argument("--out-adapter", default=str(PROJECT_ROOT / "retrieval" / "data" / "query_adapter.json"))
    p.add_argument("--pair-scorer", choices=("train", "none"), default="train",
                   help="fit the pair scorer the ranker's pair features read (retrieval/pairs.py; each written "
                        "question's list scored by one fitted without its fold), or train without one (the pair "
                        "features are then 0: serve that ranker with pair_scorer none)")
    p.add_argument("--out-pairs", default=str(PROJECT_ROOT / "retrieval" / "data" / "pairs.json"))
    p.add_argument("--dry-run", action="store_true", help="report, write nothing")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    engines = training_engines(args.index, args.cache)
    engine = engines[0]
    try:
        shipped_ranker = load_model()
    except ValueError as err:  # trained on other features: there is nothing to compare with
        log.info("the shipped ranker is not comparable: %s", err)
        shipped_ranker = None
    generated = generate(engine.data, args.generated, tokenizer=engine.retriever.tokenizer)
    written = written_questions(written_paths(args.with_large))
    log.info("%d generated and %d written training questions", len(generated), len(written))
    if args.ranker == "shipped":
        for e in engines:
            e.retriever.ranker = shipped_ranker
            e.retriever.pairs = PairScorer.resolve("shipped", e.embedder.name)  # what the shipped ranker reads
        version = time.strftime("%Y-%m-%d") + f"-n{len(written)}"
        log.info("ranker: the shipped one (%s), not retrained", shipped_ranker.version if shipped_ranker else None)
        return _abstention(engines if args.abstain_on == "all" else engines[:1], args, generated, written, version)
    # one fold map for the adapters, the question-kind models and the rankers held out
    fold = folds([q["question"] for q in written])
    adapters, final_adapter = _adapters(engines, written, fold, args) if args.adapter == "train" else (None, None)
    for e in engines:
        e.retriever.rankers.adapter = final_adapter
    per_index = [build_examples(e, generated[:args.ranker_generated], written,
                                None if adapters is None else lambda q: adapters[fold[q]]) for e in engines]
    examples = [x for xs in per_index for x in xs]
    held_out_kinds(examples, max((e.retriever.facts for e in engines), key=lambda f: len(f.docs)))
    usable = [e for e in examples if e.y.any()]
    log.info("%d of %d have their clause among the first %d candidates", len(usable), len(examples), TOP_N)
    pairs = _pair_scorers(engines, per_index, fold, args) if args.pair_scorer == "train" else None
    for e in engines:
        e.retriever.pairs = pairs and pairs.final
    held_out = HeldOut.fit(usable, c=args.c, kind=args.ranker_model, fold=fold, adapters=adapters,
                           constrained=args.monotone, pairs=pairs)
    before, after = cross_validate(usable, held_out)
    log.info("ranker training questions, 5-fold by question: R@1 fused %.3f, learned %.3f", before, after)
    for line in by_index(per_index, args.index, held_out):
        log.info("ranker training questions, 5-fold by question, %s", line)
    version = time.strftime("%Y-%m-%d") + f"-n{len(usable)}"
    model = fit(usable, args.c, version, args.ranker_model, constrained=args.monotone)
    for index, e in zip(args.index, engines):
        dev = dev_examples(e, PROJECT_ROOT / "eval" / "questions.jsonl")
        log.info("dev on %s (%d answerable): R@1 fused %.3f, learned %.3f, shipped %s", index, len(dev),
                 top1(dev, None), top1(dev, model),
                 f"{top1(dev, shipped_ranker):.3f}" if shipped_ranker and shipped_ranker.names == FEATURES else "-")
    if isinstance(model, LinearModel):
        for name, coef in sorted(zip(FEATURES, model.coef), key=lambda t: -abs(t[1]))[:12]:
            log.info("  %-20s %+.3f", name, coef)
    if not args.dry_run:
        Path(args.out_ranker).write_text(json.dumps({**model.to_json(), "trained_on": {
            "generated": args.ranker_generated, "written": len(written), "usable": len(usable),
            "indexes": len(args.index),
            "cv_r1_fused": round(before, 4), "cv_r1_learned": round(after, 4)}}, ensure_ascii=False, indent=1) + "\n",
            "utf-8")
        log.info("wrote %s (%s)", args.out_ranker, model.sha256)

    if args.ranker_only:
        return 0
    # the abstention model reads the final ranked list: the ranker just trained ranks it, and a
    # question it trained on is ranked by the fold's ranker that never saw it
    for e in engines:
        e.retriever.ranker = model
    return _abstention(engines if args.abstain_on == "all" else engines[:1], args, generated, written, version,
                       held_out)


def _adapters(engines: Sequence[PolicyQA], written: Sequence[dict], fold: dict[str, int],
              args) -> tuple[list[QueryAdapter], QueryAdapter]:
    """The query adapters fitted without each fold of the written questions, and the one fitted on all of
    them (written to ``--out-adapter``): the ranker's training lists are taken with the former, as a user's
    question meets an adapter that never saw it."""
    sets = [adapting.asked(e, written) for e in engines]
    embedder = engines[0].embedder.name
    adapters = adapting.held_out(sets, fold, embedder)
    for line in adapting.recall_table(sets, args.index, adapters, fold):
        log.info("dense recall, each written question held out of its adapter: %s", line)
    n = len({q for s in sets for q in s.questions})
    final = adapting.fit(sets, embedder, version=time.strftime("%Y-%m-%d") + f"-n{n}")
    if not args.dry_run:
        adapting.write(final, args.out_adapter, {"questions": n, "indexes": len(sets)})
        log.info("wrote %s (%s)", args.out_adapter, final.sha256)
    return adapters, final


def training_engines(indexes: Sequence[str], cache: str | None) -> list[PolicyQA]:
    """The engines of ``indexes`` as training asks them: no learned ranker, abstention model or pair scorer (each is
    refitted here, and the shipped ones may read other features)."""
    return [PolicyQA.open(settings=Settings.from_env().override(index_dir=index, cache_dir=cache,
                                                                 abstention_model="none", learned_ranker="none",
                                                                 pair_scorer="none"))
            for index in indexes]


def _pair_scorers(engines: Sequence[PolicyQA], per_index: Sequence[Sequence[Example]], fold: dict[str, int],
                  args) -> HeldOutScorers:
    """The pair scorers fitted without each fold of the written questions on their usable lists of every index, and
    the one fitted on all (written to ``--out-pairs``); each example's ``pair`` columns are set from the one that
    never saw its question."""
    lists = [[pair_list(e.retriever, x.question, x.hits, x.y) for x in xs] for e, xs in zip(engines, per_index)]
    usable = [p for ls in lists for p in ls if p.gold.any()]
    n = len({p.question for p in usable})
    held = HeldOutScorers.fit(usable, fold, engines[0].embedder.name, time.strftime("%Y-%m-%d") + f"-n{n}")
    for xs, ls in zip(per_index, lists):
        for x, p in zip(xs, ls):
            set_pair_columns(x.x, held.scores(p))
    from sklearn.metrics import roc_auc_score  # training only

    auc = roc_auc_score(np.concatenate([p.gold for p in usable]), np.concatenate([held.scores(p) for p in usable]))
    log.info("pair scorer: %d lists of %d questions, held-out AUC %.4f", len(usable), n, auc)
    if not args.dry_run:
        Path(args.out_pairs).write_text(json.dumps({**held.final.to_json(), "trained_on": {
            "lists": len(usable), "questions": n, "indexes": len(engines), "cv_auc": round(float(auc), 4)}},
            ensure_ascii=False) + "\n", "utf-8")
        log.info("wrote %s (%s)", args.out_pairs, held.final.sha256)
    return held


def _abstention(engines: Sequence[PolicyQA], args, generated: Sequence[Generated], written: Sequence[dict],
                version: str, held_out: HeldOut | None = None) -> int:
    """Train (or, with ``--dry-run``, only report) the abstention model on the lists the engines' ranker
    ranks, its questions asked of each of ``engines`` (the first: the index they were generated from; any
    other holds the same documents among more, whose lists score otherwise) and its threshold calibrated
    over all of them; with ``held_out``, a question the ranker trained on is ranked by the ranker that
    never saw it (the lists of the questions it learned are surer than those of a user's question)."""
    unanswerable = [json.loads(line) for path in unanswerable_paths(args.unanswerable_at_scale)
                    for line in path.read_text("utf-8").splitlines() if line.strip()]
    origin = engines[0].data  # the index the questions were generated from
    # each index's written questions: those whose evidence it holds
    held_by = [held(EvidenceLocator.of_index(e.data.sources), written) for e in engines]
    n_generated = len(held_by[0])
    parts, counts = [], []
    for i, (engine, mine) in enumerate(zip(engines, held_by)):
        engine.answerer.abstainer = None
        engine.answerer.answers = None  # its features are filled in below, each by a pair model that never saw it
        ids = {d.id for d in engine.data.documents}
        unans = still_unanswerable(unanswerable, larger=i > 0)
        left_out = leave_document_out(engine, generated, n=max(len(unanswerable), 600), origin=origin)
        asked = ([(g.question, None, 0, False) for g in generated[:n_generated] if g.doc_id in ids]
                 + [(q["question"], None, 0, True) for q in mine]
                 + [(q, None, 1, False) for q in unans] + [(q, f, 1, False) for q, f in left_out])
        parts.append(abstention_rows(engine, asked, held_out,
                                     {q["question"]: q["evidence"] for q in mine} if args.pair_model else None))
        counts.append({"answerable": int((parts[-1].y == 0).sum()), "unanswerable_written": len(unans),
                       "left_document_out": len(left_out)})
        log.info("abstention rows on index %d: %s", i + 1, counts[-1])
    x = np.concatenate([p.x for p in parts])
    y = np.concatenate([p.y for p in parts])
    calibrate = np.concatenate([p.calibrate for p in parts])
    names, pairs, train, auc = BASE_FEATURES, None, [], None
    if args.pair_model:
        lists = [pr for p in parts for pr in p.pairs]
        # the pair model learns from the written questions: the answerable ones' lists and the unanswerable ones'
        written_unanswerable = {q["question"] for q in unanswerable}
        train = [pr for pr, label, mark in zip(lists, y, calibrate)
                 if (label == 0 and mark) or (label == 1 and pr.question in written_unanswerable)]
        pairs = HeldOutPairs.fit(train, engines[0].embedder.name, version)
        names = ABSTAIN_FEATURES
        x[:, [ABSTAIN_FEATURES.index(n) for n in ANSWER_FEATURES]] = pairs.features(lists)
        auc = round(pairs.auc(train), 4)
        log.info("pair model: %d lists, held-out AUC %.4f", len(train), auc)
    x = x[:, [ABSTAIN_FEATURES.index(n) for n in names]]
    # a question asked of several indexes is held out of all at once (one index: by row, as the shipped model)
    abstain, report = fit_abstention(x, y, calibrate, args.max_false_abstention, version,
                                     questions=[q for p in parts for q in p.questions] if len(parts) > 1 else None,
                                     names=names)
    if args.abstain_threshold is not None:
        abstain = replace(abstain, threshold=args.abstain_threshold)
        report["calibrated_threshold"], report["threshold"] = report["threshold"], args.abstain_threshold
    log.info("abstention: %d answerable, %d unanswerable rows over %d indexes; %s",
             int((y == 0).sum()), int(y.sum()), len(engines), report)
    if not args.dry_run:
        Path(args.out_abstain).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out_abstain).write_text(json.dumps({**abstain.to_json(), "trained_on": {
            "answerable": int((y == 0).sum()), "unanswerable": int(y.sum()), "indexes": counts,
            "written_ranked_by": "held-out ranker" if held_out else "ranker in-sample",
            **report}}, ensure_ascii=False, indent=1) + "\n", "utf-8")
        log.info("wrote %s (%s)", args.out_abstain, abstain.sha256)
    if pairs is not None and not args.dry_run:
        Path(args.out_answers).write_text(json.dumps({**pairs.final.to_json(), "trained_on": {
            "lists": len(train), "answering_clauses": int(sum(sum(p.gold) for p in train)),
            "cv_auc": auc}}, ensure_ascii=False) + "\n", "utf-8")
        log.info("wrote %s (%s)", args.out_answers, pairs.final.sha256)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
