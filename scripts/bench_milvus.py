"""The milvus backend against the faiss one: agreement on the same vectors, and where Milvus Lite
stops scaling on this machine.

    python scripts/bench_milvus.py agree --faiss-index DIR --milvus-index DIR [--n 200]
    python scripts/bench_milvus.py scale [--sizes 100000 1000000] [--budget-s 1800]

``agree`` — two indexes built from the same corpus and embedding cache (``policyqa build … --backend
faiss`` and ``--backend milvus``): for the first ``--n`` questions of ``eval/questions.jsonl`` (their
wording only: no answer or result is read) the dense top-10 of each backend for the same query vector;
agreement is the share of the faiss top-10 that Milvus also returns (1.0 is the target for exact search),
with the share of identical rankings. Also BM25 top-10 overlap (Milvus analyses text with its own jieba
analyzer, set up to segment and score as the index's tokenizer and bm25s do; Milvus Lite keeps BM25 statistics per
segment), and the hybrid top-10 overlap.

``scale`` — per size, in a fresh process: a Milvus Lite collection of synthetic chunks (the vectors
and token distribution of ``scripts/bench_scale.py``: 384-d vectors around topic centres, text drawn
from the bundled corpus' jieba unigrams), inserted in batches of 1,000 as a build does; then dense
search (k=50, exact), dense search under a scalar filter, and BM25 search, p50/p95 over 100 queries,
with the process's peak RSS. A size whose insert does not finish within ``--budget-s`` is reported as
where Milvus Lite stops scaling here (the insert rate so far says how long it would take).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_scale import DIM, _centres, _percentiles, _rss_mb, _vectors, _vocabulary  # noqa: E402

log = logging.getLogger("bench_milvus")
REGIONS = ["全国", "上海市", "北京市", "广东省", "浙江省", "SG", "EU", "US-CA"]


def _questions(n: int) -> list[str]:
    lines = (ROOT / "eval" / "questions.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()][:n]


def agree(faiss_dir: str, milvus_dir: str, n: int) -> dict:
    from index.backends import open_backend
    from index.embedders import make_embedder
    from index.store import load_index
    from index.tokenize import JiebaTokenizer
    from settings import Settings

    a, b = load_index(faiss_dir), load_index(milvus_dir)
    if [c.id for c in a.chunks] != [c.id for c in b.chunks]:
        raise SystemExit("the two indexes hold different chunks: build both from the same corpus")
    fa, mi = open_backend(a), open_backend(b)
    if (fa.name, mi.name) != ("faiss", "milvus"):
        raise SystemExit(f"expected a faiss and a milvus index, got {fa.name} and {mi.name}")
    emb = make_embedder(Settings.from_env().embedder)
    tok = JiebaTokenizer()
    dense_overlap, dense_same, sparse_overlap, hybrid_overlap, dense_ms, sparse_ms = [], [], [], [], [], []
    for q in _questions(n):
        v = np.asarray(emb.embed_query(q), dtype=np.float32)
        tokens = tok(q)
        x = [r for r, _ in fa.dense(v, 10)]
        t = time.perf_counter()
        y = [r for r, _ in mi.dense(v, 10)]
        dense_ms.append((time.perf_counter() - t) * 1000)
        dense_overlap.append(len(set(x) & set(y)) / max(1, len(x)))
        dense_same.append(x == y)
        xs = [r for r, _ in fa.sparse(tokens, 10)]
        t = time.perf_counter()
        ys = [r for r, _ in mi.sparse(tokens, 10)]
        sparse_ms.append((time.perf_counter() - t) * 1000)
        if xs:
            sparse_overlap.append(len(set(xs) & set(ys)) / len(xs))
        xh, yh = [r for r, _ in fa.hybrid(v, tokens, 10)], [r for r, _ in mi.hybrid(v, tokens, 10)]
        hybrid_overlap.append(len(set(xh) & set(yh)) / max(1, len(xh)))
    return {"questions": len(dense_overlap), "chunks": len(a.chunks),
            "dense_top10_agreement": round(float(np.mean(dense_overlap)), 4),
            "dense_identical_rankings": round(float(np.mean(dense_same)), 4),
            "bm25_top10_overlap": round(float(np.mean(sparse_overlap)), 4),
            "hybrid_top10_overlap": round(float(np.mean(hybrid_overlap)), 4),
            "milvus_dense_ms_p50_p95": _percentiles(dense_ms), "milvus_bm25_ms_p50_p95": _percentiles(sparse_ms)}


def scale_part(n: int, work: Path, budget_s: float) -> dict:
    from index.backends.milvus_collections import INSERT_BATCH, connect, create_collection
    from index.tokenize import JiebaTokenizer

    vocab, p, lengths = _vocabulary()
    rng = np.random.default_rng(7)
    centres = _centres(n)
    client = connect(str(work / "milvus.db"))
    tok = JiebaTokenizer()
    create_collection(client, "bench", DIM, tok.analyzer_params())
    t0 = time.perf_counter()
    inserted = 0
    for lo in range(0, n, INSERT_BATCH):
        m = min(INSERT_BATCH, n - lo)
        vecs = _vectors(m, lo, centres)
        lens = rng.choice(np.asarray(lengths), m)
        rows = []
        for i in range(m):
            words = rng.choice(len(vocab), int(lens[i]), p=p)
            rows.append({"vid": lo + i, "dense": vecs[i].tolist(), "text": " ".join(vocab[w] for w in words),
                         "doc_id": f"d{(lo + i) // 40}", "kind": "statute", "source": "synthetic",
                         "doc_type": "法律", "region": REGIONS[(lo + i) // 40 % len(REGIONS)], "status": "",
                         "language": "zh", "jurisdiction": "CN", "date": "", "date_end": "", "issuers": []})
        client.insert("bench", rows)
        inserted += m
        if time.perf_counter() - t0 > budget_s and inserted < n:
            break
    client.flush("bench")
    insert_s = time.perf_counter() - t0
    out: dict = {"chunks": n, "inserted": inserted, "insert_s": round(insert_s, 1),
                 "rows_per_s": round(inserted / insert_s), "insert_rss_mb": round(_rss_mb())}
    if inserted < n:
        out["stopped"] = f"insert over the {budget_s:.0f} s budget"
        out["projected_insert_s"] = round(n / (inserted / insert_s))
        return out
    t = time.perf_counter()
    client.load_collection("bench")
    out["load_s"] = round(time.perf_counter() - t, 1)
    queries = _vectors(100, 999_999, centres)
    texts = [" ".join(tok(q)) for q in _questions(100)]
    for name, run in (
        ("dense", lambda i: client.search("bench", data=[queries[i].tolist()], anns_field="dense", limit=50,
                                          output_fields=[], search_params={"metric_type": "IP"})),
        ("dense_filtered", lambda i: client.search("bench", data=[queries[i].tolist()], anns_field="dense",
                                                   limit=50, output_fields=[], filter='region in ["上海市", "SG"]',
                                                   search_params={"metric_type": "IP"})),
        ("bm25", lambda i: client.search("bench", data=[texts[i % len(texts)]], anns_field="sparse", limit=50,
                                         output_fields=[], search_params={"metric_type": "BM25"})),
    ):
        run(0)
        ms = []
        for i in range(len(queries)):
            t = time.perf_counter()
            run(i)
            ms.append((time.perf_counter() - t) * 1000)
        out[f"{name}_ms_p50_p95"] = _percentiles(ms)
    out["peak_rss_mb"] = round(_rss_mb())
    out["disk_mb"] = round(sum(f.stat().st_size for f in work.rglob("*") if f.is_file()) / 2**20)
    return out


def _child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("agree")
    a.add_argument("--faiss-index", required=True)
    a.add_argument("--milvus-index", required=True)
    a.add_argument("--n", type=int, default=200, help="questions (the index's embedder is $POLICYQA_EMBEDDER's)")
    s = sub.add_parser("scale")
    s.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    s.add_argument("--budget-s", type=float, default=1800.0, help="stop a size's insert after this long")
    s.add_argument("--workdir", default="/tmp/policyqa-bench-milvus")
    s.add_argument("--part", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.cmd == "agree":
        print(json.dumps(agree(args.faiss_index, args.milvus_index, args.n), ensure_ascii=False))
        return
    if args.part:
        print(json.dumps(scale_part(args.sizes[0], Path(args.workdir), args.budget_s)))
        return
    for n in args.sizes:
        work = Path(args.workdir) / str(n)
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        try:
            row = _child(["scale", "--part", "--sizes", str(n), "--budget-s", str(args.budget_s),
                          "--workdir", str(work)])
        finally:
            shutil.rmtree(work, ignore_errors=True)
        print(json.dumps(row, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
