"""Retrieval benchmark on a question set: evidence recall@1/5/10 and MRR@10 (eval/metrics.py) for
BM25 only, dense only, hybrid, hybrid + direct lookup, + named documents, + the lift of binding
documents for a question about what to do and of the documents of a place the question names, and
the shipped defaults (which add document-level evidence, ``doc_weight``), each also "+ rerank"
when a reranker is given; optionally warm retrieval latency p50/p95 (wall and CPU). One process, one index, no answers, no
rebuild. Prints Markdown.

    python scripts/bench_retrieval.py --index var/index [--cache DIR] [--questions eval/questions.jsonl]
        [--split dev] [--split test] [--reranker ce:/models/bge-reranker-base] [--rerank-top-n 20]
        [--rerank-max-length 512] [--rows "hybrid + direct lookup,shipped defaults"] [--latency]

Rankers are switched off through the retriever's public parameters: every ``*_weight`` of
``RetrievalParams`` that a row does not use is set to 0 (so a ranker added later is off in the
ablation rows and on only in "shipped defaults"). Latency is the wall time of ``Retriever.search``
(k=10) per question, after one warm-up query per row (the embedder, jieba and the reranker are
loaded), and the process CPU time of the same call (all threads: on a machine shared with other
work, wall time measures the queue as much as the search); the timings are taken in the same pass
that scores the rows.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from dataclasses import dataclass, fields, replace
from pathlib import Path

from eval.metrics import UNANSWERABLE, EvidenceLocator, Retrieved, first_hit_rank, mrr_at_k, percentile, recall_at_k
from retrieval.rerank import Reranker, make_reranker
from retrieval.retriever import RetrievalParams, Retriever
from qa import PolicyQA, Settings

log = logging.getLogger("bench_retrieval")

K = 10
WARM_UP = "（预热）数据处理者应当履行哪些数据安全保护义务？"
# row label → the weights it keeps (None: all of them) and the steps after fusion it runs
_ALL = None
_FUSED = {"learned": False, "source_first": False, "national_first": False}
ROWS: dict[str, tuple[frozenset[str] | None, dict[str, bool]]] = {
    "BM25 only": (frozenset({"bm25_weight"}), _FUSED),
    "dense only": (frozenset({"dense_weight"}), _FUSED),
    "hybrid (BM25 + dense)": (frozenset({"bm25_weight", "dense_weight"}), _FUSED),
    "hybrid + direct lookup": (frozenset({"bm25_weight", "dense_weight", "lookup_weight"}), _FUSED),
    "+ named documents": (frozenset({"bm25_weight", "dense_weight", "lookup_weight", "title_weight"}), _FUSED),
    "+ rules for what-to-do questions, places": (frozenset({"bm25_weight", "dense_weight", "lookup_weight",
                                                           "title_weight", "rule_weight", "place_weight"}), _FUSED),
    "+ document evidence (all fused signals)": (_ALL, _FUSED),
    "+ learned ranker": (_ALL, {**_FUSED, "learned": True}),
    "+ a national rule before a local one (shipped)": (_ALL, {**_FUSED, "learned": True, "national_first": True}),
    "shipped + a rule's own text before quotes of it (off by default)": (_ALL, {"national_first": True,
                                                                                 "learned": True, "source_first": True}),
}


def row_params(base: RetrievalParams, keep: frozenset[str] | None, steps: dict[str, bool] | None = None) -> RetrievalParams:
    """``base`` with every ``*_weight`` not in ``keep`` set to 0 (``keep=None``: all kept) and the
    steps after fusion as ``steps`` says (the rest as shipped)."""
    steps = dict(steps or {})
    if keep is None:
        return replace(base, **steps)
    weights = [f.name for f in fields(base) if f.name.endswith("_weight")]
    missing = keep - set(weights)
    if missing:
        raise ValueError(f"RetrievalParams has no {', '.join(sorted(missing))}")
    return replace(base, **{w: 0.0 for w in weights if w not in keep}, **steps)


@dataclass
class RowResult:
    label: str
    ranks: dict[str, list[int | None]]  # split → first evidence rank per question
    latency_ms: list[float]
    cpu_ms: list[float]  # CPU time of the process per search (all threads): meaningful on a busy machine


def run_row(label: str, retriever: Retriever, questions: dict[str, list[dict]], locator: EvidenceLocator) -> RowResult:
    retriever.search(WARM_UP, k=K)
    ranks: dict[str, list[int | None]] = {}
    times: list[float] = []
    cpu: list[float] = []
    for split, qs in questions.items():
        ranks[split] = []
        for q in qs:
            t0, c0 = time.perf_counter(), time.process_time()
            hits = retriever.search(q["question"], k=K)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            flags = [locator.matches(Retrieved(h.chunk.source, h.chunk.start, h.chunk.end, h.chunk.text,
                                               h.chunk.clause_label, h.chunk.doc_title), q["evidence"]) for h in hits]
            ranks[split].append(first_hit_rank(flags))
    log.info("%s: %d questions, %.0f ms median", label, len(times), statistics.median(times) if times else 0)
    return RowResult(label, ranks, times, cpu)


def markdown(results: list[RowResult], split: str, latency: bool) -> str:
    head = "| ranker | recall@1 | recall@5 | recall@10 | MRR@10 |"
    rule = "|---|---|---|---|---|"
    if latency:
        head += " search p50 ms | search p95 ms | CPU p50 ms | CPU p95 ms |"
        rule += "---|---|---|---|"
    lines = [head, rule]
    for r in results:
        ranks = r.ranks[split]
        line = (f"| {r.label} | {recall_at_k(ranks, 1):.3f} | {recall_at_k(ranks, 5):.3f} | "
                f"{recall_at_k(ranks, 10):.3f} | {mrr_at_k(ranks, K):.3f} |")
        if latency:
            line += (f" {percentile(r.latency_ms, 50):.1f} | {percentile(r.latency_ms, 95):.1f} |"
                     f" {percentile(r.cpu_ms, 50):.1f} | {percentile(r.cpu_ms, 95):.1f} |")
        lines.append(line)
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--index", required=True)
    p.add_argument("--cache", default=None)
    p.add_argument("--questions", default=str(Path(__file__).resolve().parents[1] / "eval" / "questions.jsonl"))
    p.add_argument("--split", action="append", help="dev, test or all, repeatable (default: dev, the split parameters are tuned on)")
    p.add_argument("--reranker", default="", help="ce:<cross-encoder model directory>: add a '+ rerank' row per row")
    p.add_argument("--rerank-top-n", type=int, default=None, help="hits the reranker rescores (default: settings)")
    p.add_argument("--rerank-max-length", type=int, default=512, help="tokens per (query, clause) pair")
    p.add_argument("--rows", default=None, help="comma-separated row labels to run (default: all)")
    p.add_argument("--latency", action="store_true", help="add warm search latency p50/p95 columns")
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("faiss", "faiss.loader", "jieba", "bm25s", "httpx", "sentence_transformers", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    settings = Settings.from_env().override(index_dir=args.index, cache_dir=args.cache, reranker="none",
                                            rerank_top_n=args.rerank_top_n)
    engine = PolicyQA.open(settings=settings)
    reranker: Reranker | None = make_reranker(args.reranker, blend=settings.rerank_blend,
                                              max_length=args.rerank_max_length)
    all_qs = [json.loads(line) for line in open(args.questions, encoding="utf-8") if line.strip()]
    answerable = [q for q in all_qs if q["evidence"] and q.get("type") != UNANSWERABLE]
    splits = args.split or ["dev"]
    questions = {s: [q for q in answerable if s == "all" or q.get("split") == s] for s in splits}
    for s, qs in questions.items():
        if not qs:
            p.error(f"no answerable questions with split {s!r} in {args.questions}")
    locator = EvidenceLocator.of_index(engine.data.sources)
    base = engine.retriever

    rows = ROWS
    if args.rows:
        wanted = [r.strip() for r in args.rows.split(",")]
        unknown = [r for r in wanted if r not in ROWS]
        if unknown:
            p.error(f"unknown rows {unknown}; known: {list(ROWS)}")
        rows = {r: ROWS[r] for r in wanted}
    results: list[RowResult] = []
    for label, (keep, steps) in rows.items():
        params = row_params(base.params, keep, steps)
        for rr in ([None, reranker] if reranker is not None else [None]):
            r = Retriever(engine.data, engine.embedder, base.tokenizer, params, reranker=rr,
                          rerank_top_n=settings.rerank_top_n)
            results.append(run_row(label + (" + rerank" if rr is not None else ""), r, questions, locator))

    print(f"index `{engine.data.path}` ({len(engine.data.chunks)} chunks), embedder {engine.embedder.name}"
          + (f", reranker {getattr(reranker, 'name', args.reranker)} on the top {settings.rerank_top_n}"
             if reranker is not None else ""))
    for split, qs in questions.items():
        print(f"\n{len(qs)} answerable questions ({split}):\n")
        print(markdown(results, split, args.latency))
    if args.latency:
        print(f"\nlatency: Retriever.search k={K}, one process, after a warm-up query, over "
              f"{sum(len(q) for q in questions.values())} questions ({', '.join(splits)})")


if __name__ == "__main__":
    main()
