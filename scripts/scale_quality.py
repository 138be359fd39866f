"""Quality at scale: what a larger corpus costs the same questions, from two `policyqa eval` runs.

    python scripts/scale_quality.py BUNDLED_RUN LARGE_RUN

BUNDLED_RUN and LARGE_RUN are `policyqa eval --out` folders of the same questions, asked of the bundled
index and of the larger one. Prints evidence R@1 and key-fact accuracy of the answerable questions in each
and the drop, over all of them and again over those whose gold is current in both: a question has a stale
gold on an index when its evidence occurs there only in documents the index marks superseded (`stale_gold`
in results.jsonl, see eval/README.md) — it was written against a text the larger index replaces, and a
historical version drops out of retrieval. Evidence a later version kept word for word is not stale. Only
counts are printed, never a question, so the script may be run on sets that only report.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

METRICS = ("evidence_recall@1", "key_fact_accuracy")


def load(run: Path) -> dict[str, dict]:
    rows = [json.loads(line) for line in (run / "results.jsonl").read_text("utf-8").splitlines() if line.strip()]
    return {r["id"]: r for r in rows if r["type"] != "unanswerable"}


def rate(rows: list[dict], metric: str) -> float:
    return sum(bool(r["pass"][metric]) for r in rows) / len(rows) if rows else float("nan")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("bundled", type=Path)
    p.add_argument("large", type=Path)
    args = p.parse_args(argv)
    bundled, large = load(args.bundled), load(args.large)
    if set(bundled) != set(large):
        p.error(f"{args.bundled} and {args.large} answer different questions: run both on the same set and split")
    runs = (bundled, large)
    if any("stale_gold" not in r for run in runs for r in run.values()):
        p.error("a run has no stale_gold per question: run policyqa eval again with this version")
    current = [q for q in bundled if not any(run[q]["stale_gold"] for run in runs)]
    print("| questions | n | R@1 bundled → large (drop) | key facts bundled → large (drop) |")
    print("|---|---|---|---|")
    for name, ids in (("all answerable", list(bundled)), ("gold current in both", current)):
        cells = []
        for metric in METRICS:
            a, b = rate([bundled[q] for q in ids], metric), rate([large[q] for q in ids], metric)
            cells.append(f"{a:.3f} → {b:.3f} ({a - b:.3f})")
        print(f"| {name} | {len(ids)} | " + " | ".join(cells) + " |")
    print(f"\n{len(bundled) - len(current)} questions have a stale gold in one of the runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
