"""What the learned ranker adds to a search: the time of its step (features of the best 20 fused
hits and the model's scores), per query, warm, in one process.

    python scripts/bench_ranker.py --index var/index [--cache DIR] [--questions eval/questions.jsonl] [--split dev]

Prints one JSON line: the step's p50/p95 in ms, of which the features, over the split's questions.
The query embeddings are computed before timing (the dense ranker needs them whether or not the
learned ranker runs).
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.run import load_questions, select_split  # noqa: E402
from qa.engine import PolicyQA  # noqa: E402
from settings import Settings  # noqa: E402


def _p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, int(round(0.95 * len(xs))) - 1)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--index", required=True)
    p.add_argument("--cache", default=None)
    p.add_argument("--questions", default="eval/questions.jsonl")
    p.add_argument("--split", default="dev")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    settings = Settings.from_env().override(progress=False, **({"cache_dir": Path(args.cache)} if args.cache else {}))
    engine = PolicyQA.open(args.index, settings=settings)
    r = engine.retriever
    if r.ranker is None:
        p.error("no learned ranker is configured (POLICYQA_LEARNED_RANKER=none?)")
    questions, split = select_split(load_questions(args.questions), args.split)
    texts = [q["question"] for q in questions]
    step: list[float] = []
    feats: list[float] = []
    learned, features = r._learned, r.features

    def timed_features(*a, **k):
        t0 = time.perf_counter()
        out = features(*a, **k)
        feats.append((time.perf_counter() - t0) * 1000)
        return out

    def timed_learned(*a, **k):
        t0 = time.perf_counter()
        out = learned(*a, **k)
        step.append((time.perf_counter() - t0) * 1000)
        return out

    for q in texts:
        r.search(q, k=10)  # warm: jieba, FAISS, the model
    r._learned, r.features = timed_learned, timed_features
    try:
        for q in texts:
            r.rankers.query_vector(q)  # embedded before timing, as the dense ranker does first
            r.search(q, k=10)
    finally:
        r._learned, r.features = learned, features
    print(json.dumps({"questions": len(texts), "split": split, "learned_step_ms_p50": round(statistics.median(step), 2),
                      "learned_step_ms_p95": round(_p95(step), 2),
                      "features_ms_p50": round(statistics.median(feats), 2)}))


if __name__ == "__main__":
    main()
