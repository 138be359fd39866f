"""Compare two `policyqa eval` runs question by question (everything but timings).

    python scripts/diff_results.py BEFORE/results.jsonl AFTER/results.jsonl

Prints each question whose answer, abstention, citations, retrieved chunks or pass flags differ,
and exits 1 when any does (0 when the runs agree on every question).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

IGNORED = {"latency_ms", "retrieval_ms", "elapsed_s"}


def _strip(value: object) -> object:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in IGNORED}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def load(path: Path) -> dict[str, dict]:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return {r["id"]: _strip(r) for r in rows}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    args = ap.parse_args(argv)
    before, after = load(args.before), load(args.after)
    differing = []
    for qid in sorted(set(before) | set(after)):
        a, b = before.get(qid), after.get(qid)
        if a != b:
            keys = sorted(k for k in set(a or {}) | set(b or {}) if (a or {}).get(k) != (b or {}).get(k))
            differing.append(qid)
            print(f"{qid}: differs in {', '.join(keys)}")
    print(f"{len(before)} before, {len(after)} after, {len(differing)} differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
