"""Retrieval ablation on a question set: recall@1/5/10 and MRR@10 for BM25 only, dense only,
hybrid, and hybrid + direct lookup, over one index (no answers, no rebuild).

    python scripts/bench_retrieval.py --index var/index [--questions eval/questions.jsonl] [--split dev]
"""

from __future__ import annotations

import argparse
import json
import logging
from dataclasses import replace

from eval.metrics import EvidenceLocator, Retrieved, first_hit_rank, mrr_at_k, recall_at_k
from index.retriever import Retriever, RetrievalParams
from qa import PolicyQA, Settings

VARIANTS = {
    "bm25": dict(dense_weight=0.0, lookup_weight=0.0),
    "dense": dict(bm25_weight=0.0, lookup_weight=0.0),
    "hybrid": dict(lookup_weight=0.0),
    "hybrid+lookup": dict(),
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--index", required=True)
    p.add_argument("--cache", default=None)
    p.add_argument("--questions", default="eval/questions.jsonl")
    p.add_argument("--split", default=None, help="dev or test (default: all)")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    engine = PolicyQA.open(settings=Settings.from_env().override(index_dir=args.index, cache_dir=args.cache))
    qs = [json.loads(line) for line in open(args.questions, encoding="utf-8")]
    qs = [q for q in qs if q["evidence"] and (args.split is None or q.get("split") == args.split)]
    locator = EvidenceLocator({k: s.text for k, s in engine.data.sources.items()})
    print(f"{len(qs)} answerable questions" + (f" ({args.split})" if args.split else ""))
    print("| ranker | recall@1 | recall@5 | recall@10 | MRR@10 |\n|---|---|---|---|---|")
    for name, weights in VARIANTS.items():
        r = Retriever(engine.data, engine.embedder, engine.retriever.tokenizer,
                      replace(engine.retriever.params, **weights))
        ranks = []
        for q in qs:
            hits = r.search(q["question"], k=10)
            flags = [locator.matches(Retrieved(h.chunk.source, h.chunk.start, h.chunk.end, h.chunk.text,
                                               h.chunk.clause_label, h.chunk.doc_title), q["evidence"]) for h in hits]
            ranks.append(first_hit_rank(flags))
        print(f"| {name} | {recall_at_k(ranks, 1):.3f} | {recall_at_k(ranks, 5):.3f} | {recall_at_k(ranks, 10):.3f} "
              f"| {mrr_at_k(ranks):.3f} |")


if __name__ == "__main__":
    main()
