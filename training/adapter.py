"""Fit the query adapter (:mod:`retrieval.adapter`) on the written training questions.

Each written question's vector is moved towards the chunks holding its evidence and away from every other chunk
of the index it is asked of (a contrastive loss over the whole index, several positives allowed), by a low-rank
residual map ``v + (v · down) · up`` learned with PyTorch. An index that holds a question's evidence among more
documents (the bundled corpus with corpus-large beside it) gives the same question more distractors.

    python -m training.adapter --index var/index var/index-large --with-large        # writes the shipped adapter
    python -m training.adapter --index var/index var/index-large --with-large --folds 5 --dry-run   # held-out recall

``--folds`` reports the dense ranker's recall of the evidence chunk with the embedder's own vectors and with the
adapter, each question held out of the adapter it is measured with: by question (another question on the same
clause may have been fitted on) and by document (no question on the document was: what a new corpus gets).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from eval.metrics import EvidenceLocator
from index.store import IndexData
from qa.engine import PolicyQA
from retrieval.adapter import QueryAdapter
from retrieval.centre import QueryCentre
from settings import PROJECT_ROOT, Settings

from .questions import folds, written_paths, written_questions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Params:
    rank: int = 32
    temperature: float = 0.02
    epochs: int = 10
    batch: int = 64
    learning_rate: float = 1e-3
    weight_decay: float = 1e-3
    seed: int = 14

    def __post_init__(self) -> None:
        if self.rank < 1 or self.epochs < 1 or self.batch < 1:
            raise ValueError("rank, epochs and batch must be at least 1")
        if self.temperature <= 0 or self.learning_rate <= 0 or self.weight_decay < 0:
            raise ValueError("temperature and learning_rate must be positive, weight_decay at least 0")


@dataclass
class Asked:
    """The written questions one index holds the evidence of: their embedder vectors, the rows of the chunks
    holding their evidence, and the index's chunk vectors."""

    questions: list[str]
    vectors: np.ndarray  # (questions, dim), the embedder's own query vectors
    positives: list[list[int]]  # per question, the chunk rows holding its evidence
    docs: list[str]  # per question, the document of its first positive chunk
    chunks: np.ndarray  # (chunks, dim)

    def subset(self, keep: Callable[[int], bool]) -> Asked:
        idx = [i for i in range(len(self.questions)) if keep(i)]
        return Asked([self.questions[i] for i in idx], self.vectors[idx], [self.positives[i] for i in idx],
                     [self.docs[i] for i in idx], self.chunks)

    @cached_property
    def own_ranks(self) -> np.ndarray:
        """:func:`first_ranks` by the embedder's own vectors, computed once (a table per centre weight reads it)."""
        return first_ranks(self, None)


def chunk_vectors(engine: PolicyQA) -> np.ndarray:
    """Every chunk's vector as the index's backend holds it (rows of ``IndexData.chunks``; zeros where it
    cannot give one back)."""
    backend = engine.retriever.rankers.backend
    vectors = [backend.vector(row) for row in range(len(engine.data.chunks))]
    dim = next((len(v) for v in vectors if v is not None), 0)
    if not dim:
        raise ValueError(f"index {engine.data.path}: its backend gives no chunk vector back; the adapter is fitted "
                         "on a FAISS or Milvus index built by `policyqa build`")
    return np.stack([np.zeros(dim, dtype=np.float32) if v is None else np.asarray(v, dtype=np.float32)
                     for v in vectors])


def evidence_rows(data: IndexData, locator: EvidenceLocator, evidence: Sequence[str],
                  by_source: Mapping[str, list[int]]) -> list[int]:
    """The rows of ``data``'s chunks holding one of the ``evidence`` strings (:meth:`EvidenceLocator.holders`)."""
    paths = {path for ev in evidence for path, _, _ in locator.occurrences(ev)}
    rows = [r for path in sorted(paths) for r in by_source.get(path, [])]
    spans = [(data.chunks[r].source, data.chunks[r].start, data.chunks[r].end) for r in rows]
    return [rows[i] for i in locator.holders(spans, evidence)]


def asked(engine: PolicyQA, questions: Sequence[dict]) -> Asked:
    """The ``questions`` (with ``evidence``) whose evidence ``engine``'s index holds, as :class:`Asked`."""
    data = engine.data
    locator = EvidenceLocator.of_index(data.sources)
    by_source: dict[str, list[int]] = {}
    for row, chunk in enumerate(data.chunks):
        by_source.setdefault(chunk.source, []).append(row)
    rankers = engine.retriever.rankers
    chunks = chunk_vectors(engine)
    texts, vectors, positives, docs = [], [], [], []
    for q in questions:
        rows = evidence_rows(data, locator, q["evidence"], by_source)
        if not rows:
            continue
        texts.append(q["question"])
        vectors.append(rankers.query_vector(engine.retriever.parse(q["question"]).text))
        positives.append(rows)
        docs.append(data.chunks[rows[0]].doc_id)
    return Asked(texts, np.asarray(vectors, dtype=np.float32).reshape(-1, chunks.shape[1]), positives, docs, chunks)


def fit(sets: Sequence[Asked], embedder: str, params: Params = Params(), version: str = "") -> QueryAdapter:
    """The adapter moving each question of ``sets`` towards its evidence chunks among its index's chunks."""
    import torch  # the trainer's dependency only: the product applies the adapter with NumPy

    torch.manual_seed(params.seed)
    rng = np.random.default_rng(params.seed)
    dim = sets[0].vectors.shape[1]
    down = (torch.randn(dim, params.rank, dtype=torch.float32) * 0.01).requires_grad_()
    up = torch.zeros(params.rank, dim, dtype=torch.float32, requires_grad=True)
    opt = torch.optim.Adam([down, up], lr=params.learning_rate)
    chunks = [torch.from_numpy(s.chunks) for s in sets]
    queries = [torch.from_numpy(s.vectors) for s in sets]
    for _ in range(params.epochs):
        batches = [(k, b) for k, s in enumerate(sets)
                   for b in np.array_split(rng.permutation(len(s.questions)),
                                           max(1, -(-len(s.questions) // params.batch)))]
        for k in rng.permutation(len(batches)):
            which, idx = batches[k]
            if not len(idx):
                continue
            q = queries[which][idx]
            moved = torch.nn.functional.normalize(q + (q @ down) @ up, dim=1)
            logits = moved @ chunks[which].T / params.temperature
            positive = torch.zeros_like(logits, dtype=torch.bool)
            for j, i in enumerate(idx.tolist()):
                positive[j, sets[which].positives[i]] = True
            log_p = torch.logsumexp(logits.masked_fill(~positive, float("-inf")), 1) - torch.logsumexp(logits, 1)
            loss = -log_p.mean() + params.weight_decay * ((down ** 2).sum() + (up ** 2).sum())
            opt.zero_grad()
            loss.backward()
            opt.step()
    return QueryAdapter(down.detach().double().numpy(), up.detach().double().numpy(), embedder, version)


def first_ranks(s: Asked, adapter: QueryAdapter | QueryCentre | None) -> np.ndarray:
    """Each question's rank of its first evidence chunk among all chunks, by dense similarity to its vector moved by
    ``adapter`` (a query adapter or centre; the embedder's own vector without one)."""
    q = s.vectors if adapter is None else adapter.apply(s.vectors)
    sims = q @ s.chunks.T
    best = np.asarray([sims[i, p].max() for i, p in enumerate(s.positives)])
    return (sims > best[:, None]).sum(axis=1) + 1


def held_out(sets: Sequence[Asked], fold: Mapping[str, int], embedder: str, params: Params = Params(),
             n: int = 5) -> list[QueryAdapter]:
    """``n`` adapters, the ``k``-th fitted without the questions of fold ``k``."""
    return [fit([s.subset(lambda i, s=s, k=k: fold[s.questions[i]] != k) for s in sets], embedder, params, f"fold{k}")
            for k in range(n)]


def recall_table(sets: Sequence[Asked], names: Sequence[str], adapters: Sequence[QueryAdapter | QueryCentre],
                 fold: Mapping[str, int], ks: Sequence[int] = (1, 5, 20)) -> list[str]:
    """Lines of dense recall@k per index, the embedder's vectors against the held-out adapters' (or centres')."""
    lines = []
    for s, name in zip(sets, names):
        base = s.own_ranks
        moved = np.zeros_like(base)
        for k, adapter in enumerate(adapters):
            part = s.subset(lambda i, s=s, k=k: fold[s.questions[i]] == k)
            mask = np.asarray([fold[q] == k for q in s.questions])
            moved[mask] = first_ranks(part, adapter)
        lines.append(f"{name} ({len(base)} questions): " + ", ".join(
            f"R@{k} {np.mean(base <= k):.3f} → {np.mean(moved <= k):.3f}" for k in ks))
    return lines


def doc_folds(sets: Sequence[Asked], n: int = 5, seed: int = 14) -> dict[str, int]:
    """Each question's fold by the document of its evidence (all questions on a document in one fold); a question
    asked of several indexes takes its fold from the first."""
    docs = sorted({d for s in sets for d in s.docs})
    by_doc = {d: i % n for i, d in zip(np.random.default_rng(seed).permutation(len(docs)), docs)}
    out: dict[str, int] = {}
    for s in sets:
        for q, d in zip(s.questions, s.docs):
            out.setdefault(q, by_doc[d])
    return out


def write(adapter: QueryAdapter, path: str | Path, trained_on: dict, params: Params = Params()) -> None:
    """The adapter's JSON, with what it was fitted on and how."""
    Path(path).write_text(json.dumps({**adapter.to_json(), "trained_on": {
        **trained_on, "rank": params.rank, "temperature": params.temperature, "epochs": params.epochs,
        "weight_decay": params.weight_decay}}) + "\n", "utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", required=True, nargs="+", help="the indexes whose chunks the questions are asked of")
    p.add_argument("--cache")
    p.add_argument("--with-large", action="store_true",
                   help="also fit on the questions written on ../shared/corpus-large (training/data/large)")
    p.add_argument("--rank", type=int, default=Params.rank)
    p.add_argument("--temperature", type=float, default=Params.temperature)
    p.add_argument("--epochs", type=int, default=Params.epochs)
    p.add_argument("--weight-decay", type=float, default=Params.weight_decay)
    p.add_argument("--folds", type=int, default=0, help="report held-out dense recall over this many folds")
    p.add_argument("--out", default=str(PROJECT_ROOT / "retrieval" / "data" / "query_adapter.json"))
    p.add_argument("--dry-run", action="store_true", help="report, write nothing")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    params = Params(rank=args.rank, temperature=args.temperature, epochs=args.epochs, weight_decay=args.weight_decay)
    written = written_questions(written_paths(args.with_large))
    engines = [PolicyQA.open(settings=Settings.from_env().override(
        index_dir=index, cache_dir=args.cache, learned_ranker="none", abstention_model="none", query_adapter="none"))
        for index in args.index]
    embedder = engines[0].embedder.name
    sets = [asked(e, written) for e in engines]
    for index, s in zip(args.index, sets):
        log.info("%s: %d written questions with their evidence among %d chunks", index, len(s.questions),
                 len(s.chunks))
    if args.folds:
        for name, fold in (("by question", folds([q for s in sets for q in s.questions], args.folds)),
                           ("by document", doc_folds(sets, args.folds))):
            adapters = held_out(sets, fold, embedder, params, args.folds)
            for line in recall_table(sets, args.index, adapters, fold):
                log.info("dense recall, held out %s: %s", name, line)
    n = len({q for s in sets for q in s.questions})
    adapter = fit(sets, embedder, params, time.strftime("%Y-%m-%d") + f"-n{n}")
    if not args.dry_run:
        write(adapter, args.out, {"questions": n, "indexes": len(sets)}, params)
        log.info("wrote %s (%s)", args.out, adapter.sha256)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
