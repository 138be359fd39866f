"""Warm ask latency, quiet and beside one competing CPU-bound process, with and without start-up threading.

    python scripts/bench_load.py --index /tmp/i --cache /tmp/c [--n 60] [--repeat 3]
        [--variant NAME=VAR=VALUE,VAR=VALUE ...]

Each run is a fresh process (``--child``) that opens the index, asks one question to warm up and then
times ``PolicyQA.ask`` over the first ``--n`` questions of eval/questions.jsonl. Variants:

* ``library-defaults`` — every threading variable removed from the environment, nothing configured
  (the libraries' own defaults: OpenMP threads spin-wait);
* ``startup`` — :func:`settings.threads.configure_threads` called first, as ``policyqa`` does;
* any ``--variant NAME=OMP_WAIT_POLICY=PASSIVE,OMP_NUM_THREADS=1`` — that environment, nothing configured.

Each variant runs quiet and with one ``python -c 'while True: pass'`` beside it, ``--repeat`` times,
interleaved (variant after variant, not all runs of one at once) so that other load on a shared
machine spreads over all of them. Prints one JSON line per run and a table of the medians over the
repeats of each run's p50 and p95, with the load average seen.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THREAD_VARIABLES = ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "TOKENIZERS_PARALLELISM", "GOMP_SPINCOUNT", "KMP_BLOCKTIME")


def child(args: argparse.Namespace) -> None:
    """One measured process: configure (or not), open, warm up, time the asks, print one JSON line."""
    if args.configure:
        sys.path.insert(0, str(ROOT))
        from settings.threads import configure_threads

        configure_threads()
    sys.path.insert(0, str(ROOT))
    logging.basicConfig(level=logging.WARNING)
    from qa import PolicyQA, Settings

    settings = Settings.from_env().override(index_dir=args.index, cache_dir=args.cache)
    engine = PolicyQA.open(settings=settings)
    questions = [json.loads(line)["question"] for line in open(args.questions, encoding="utf-8")][: args.n]
    engine.ask(questions[0])
    times: list[float] = []
    for q in questions:
        t = time.perf_counter()
        engine.ask(q)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    try:
        import torch  # imported after the timing, to read the intra-op thread count it starts with

        torch_threads = torch.get_num_threads()
    except ImportError:
        torch_threads = None
    print(json.dumps({"p50": statistics.median(times), "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
                      "n": len(times), "omp": os.environ.get("OMP_NUM_THREADS"),
                      "wait": os.environ.get("OMP_WAIT_POLICY"), "torch_threads": torch_threads}))


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    name, _, spec = text.partition("=")
    env = dict(kv.split("=", 1) for kv in spec.split(",") if kv)
    return name, env


def run_once(args: argparse.Namespace, configure: bool, env_extra: dict[str, str], loaded: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    env.update(env_extra)
    cmd = [sys.executable, __file__, "--child", "--index", args.index, "--n", str(args.n),
           "--questions", args.questions]
    if args.cache:
        cmd += ["--cache", args.cache]
    if configure:
        cmd.append("--configure")
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if loaded else None
    try:
        load = os.getloadavg()[0]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, timeout=1800).stdout
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()
    row = json.loads(out.strip().splitlines()[-1])
    row["load1"] = round(load, 2)
    return row


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--index", required=True)
    p.add_argument("--cache", default=None)
    p.add_argument("--questions", default=str(ROOT / "eval" / "questions.jsonl"))
    p.add_argument("--n", type=int, default=60)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--variant", action="append", default=[], help="NAME=VAR=VALUE,VAR=VALUE (an environment)")
    p.add_argument("--only", action="append", default=[], help="run only these variants (by name)")
    p.add_argument("--no-quiet", action="store_true", help="only the runs beside a competing process")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--configure", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args)
        return
    variants: list[tuple[str, bool, dict[str, str]]] = [("library-defaults", False, {}), ("startup", True, {})]
    variants += [(name, False, env) for name, env in map(parse_variant, args.variant)]
    if args.only:
        variants = [v for v in variants if v[0] in args.only]
    conditions = [True] if args.no_quiet else [False, True]
    results: dict[tuple[str, bool], list[dict]] = {}
    for r in range(args.repeat):
        for name, configure, env in variants:
            for loaded in conditions:
                row = run_once(args, configure, env, loaded)
                row.update(variant=name, competing=loaded, repeat=r)
                print(json.dumps(row), flush=True)
                results.setdefault((name, loaded), []).append(row)
    print(f"\n{'variant':22s} {'competing':9s} {'p50 ms':>8s} {'p95 ms':>8s}  (medians of {args.repeat}; "
          f"{args.n} questions each; load average seen)")
    for (name, loaded), rows in results.items():
        p50 = statistics.median(r["p50"] for r in rows)
        p95 = statistics.median(r["p95"] for r in rows)
        loads = ", ".join(f"{r['load1']:.1f}" for r in rows)
        runs = ", ".join(f"{r['p50']:.0f}" for r in rows)
        print(f"{name:22s} {'yes' if loaded else 'no':9s} {p50:8.1f} {p95:8.1f}  runs p50: {runs}; load {loads}")


if __name__ == "__main__":
    main()
