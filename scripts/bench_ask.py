"""Warm ask latency in one process: p50/p95 over the questions of a question file, plus peak memory.

    python scripts/bench_ask.py --index var/index [--questions eval/questions.jsonl] [--n 100]
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import statistics
import time
from pathlib import Path

from qa import PolicyQA, Settings


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--index", required=True)
    p.add_argument("--cache", default=None)
    p.add_argument("--questions", default=str(Path(__file__).resolve().parents[1] / "eval" / "questions.jsonl"))
    p.add_argument("--n", type=int, default=100)
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    settings = Settings.from_env().override(index_dir=args.index, cache_dir=args.cache)
    t0 = time.perf_counter()
    engine = PolicyQA.open(settings=settings)
    open_s = time.perf_counter() - t0
    questions = [json.loads(line)["question"] for line in open(args.questions, encoding="utf-8")][: args.n]
    engine.ask(questions[0])  # warm-up: lazy loads (jieba dictionary, embedder)
    times = []
    for q in questions:
        t = time.perf_counter()
        engine.ask(q)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"questions": len(times), "open_s": round(open_s, 2), "ask_ms_p50": round(statistics.median(times), 1),
                      "ask_ms_p95": round(p95, 1), "ask_ms_max": round(times[-1], 1), "peak_rss_mb": round(rss_mb)}))


if __name__ == "__main__":
    main()
