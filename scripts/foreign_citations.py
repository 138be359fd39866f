"""How often an answer's decisive citation (its first) comes from a foreign law, over the results
of ``policyqa eval`` runs on an index that holds foreign law beside Chinese law (issue 17: a
question about Chinese law is never answered from a foreign law unless it asks about one).

    python scripts/foreign_citations.py --index /tmp/il RESULTS_DIR [RESULTS_DIR ...]

Each RESULTS_DIR is an ``--out`` of ``policyqa eval`` (its ``results.jsonl``); the citation's
document is found by its source file and span among the index's documents, its jurisdiction read
from their metadata. Prints, per run, the answered questions, how many lead with a foreign law's
clause, and those questions' ids (ids only: the questions themselves are not shown).
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def main() -> int:
    from index.store import load_index

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", required=True, help="the index the runs used")
    ap.add_argument("runs", nargs="+", type=Path, help="eval --out directories")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    data = load_index(args.index)
    by_source: dict[str, list] = {}
    for d in data.documents:
        by_source.setdefault(d.source, []).append(d)

    def jurisdiction(source: str, start: int) -> str | None:
        doc = next((d for d in by_source.get(source, ()) if d.start <= start < d.end), None)
        return (doc.metadata or {}).get("jurisdiction") if doc else None

    for run in args.runs:
        rows = [json.loads(line) for line in (run / "results.jsonl").read_text("utf-8").splitlines()]
        answered = [r for r in rows if not r["abstained"] and r["citations"]]
        foreign = [r["id"] for r in answered
                   if jurisdiction(r["citations"][0]["source"], r["citations"][0]["start"]) not in (None, "CN")]
        print(f"{run}: {len(answered)} answered, {len(foreign)} lead with a foreign law's clause"
              + (f" ({', '.join(foreign)})" if foreign else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
