"""Quality at scale: what a larger corpus costs the same questions, from two `policyqa eval` runs.

    python scripts/scale_quality.py BUNDLED_RUN LARGE_RUN --index LARGE_INDEX [--cache DIR]

BUNDLED_RUN and LARGE_RUN are `policyqa eval --out` folders of the same questions, asked of the bundled
index and of the larger one (LARGE_INDEX). Prints evidence R@1 and key-fact accuracy of the answerable
questions in each and the drop, over all of them and again over those whose gold documents are all current
in LARGE_INDEX: a question whose gold document a later version in the larger corpus supersedes (the
bundled 网络安全法 by its 2025 amendment in corpus-large) was written against a text the larger index no
longer answers from, and its evidence and key facts are still judged against the old text. Only counts
are printed, never a question, so the script may be run on sets that only report.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.engine import PolicyQA  # noqa: E402
from settings import Settings  # noqa: E402

log = logging.getLogger("scale_quality")
METRICS = ("evidence_recall@1", "key_fact_accuracy")


def load(run: Path) -> dict[str, dict]:
    rows = [json.loads(line) for line in (run / "results.jsonl").read_text("utf-8").splitlines() if line.strip()]
    return {r["id"]: r for r in rows if r["type"] != "unanswerable"}


def superseded_titles(index: Path, cache: Path | None) -> dict[str, str]:
    """Each title (and alias) in ``index`` of a document a later version in the same index supersedes,
    with that version's title."""
    settings = Settings.from_env().override(index_dir=index, **({"cache_dir": cache} if cache else {}))
    engine = PolicyQA.open(settings=settings)
    out = {}
    for d in engine.data.documents:
        later = d.metadata.get("current_version_title")
        if later and later != d.title:
            for title in d.titles:
                out[title] = later
    return out


def rate(rows: list[dict], metric: str) -> float:
    return sum(bool(r["pass"][metric]) for r in rows) / len(rows) if rows else float("nan")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("bundled", type=Path)
    p.add_argument("large", type=Path)
    p.add_argument("--index", type=Path, required=True, help="the larger index LARGE_RUN was asked of")
    p.add_argument("--cache", type=Path)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    bundled, large = load(args.bundled), load(args.large)
    if set(bundled) != set(large):
        p.error(f"{args.bundled} and {args.large} answer different questions: run both on the same set and split")
    stale = superseded_titles(args.index, args.cache)
    current = [q for q in bundled if not any(t in stale for t in bundled[q]["gold"]["doc_titles"])]
    print("| questions | n | R@1 bundled → large (drop) | key facts bundled → large (drop) |")
    print("|---|---|---|---|")
    for name, ids in (("all answerable", list(bundled)), ("gold documents current at scale", current)):
        cells = []
        for metric in METRICS:
            a, b = rate([bundled[q] for q in ids], metric), rate([large[q] for q in ids], metric)
            cells.append(f"{a:.3f} → {b:.3f} ({a - b:.3f})")
        print(f"| {name} | {len(ids)} | " + " | ".join(cells) + " |")
    if stale:
        later = sorted({stale[t] for q in set(bundled) - set(current) for t in bundled[q]["gold"]["doc_titles"]
                        if t in stale})
        print(f"\n{len(bundled) - len(current)} questions cite a document superseded at scale by: " + "; ".join(later))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
