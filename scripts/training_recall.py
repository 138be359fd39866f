"""The retriever's evidence R@1 and R@5 on the written training questions (training/data/answerable_*.jsonl).

    python scripts/training_recall.py --index DIR [--cache DIR]

They are not evaluation questions: the ranker is fitted on them, nothing else is tuned on them. Asked of two
indexes (the bundled corpus, and the same with more documents beside it), they say what a larger corpus costs
on questions whose failures may be read, and so check what dev, once read, can no longer say alone.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.metrics import EvidenceLocator, Retrieved  # noqa: E402
from qa.engine import PolicyQA  # noqa: E402
from settings import Settings  # noqa: E402

log = logging.getLogger("training_recall")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", required=True)
    p.add_argument("--cache")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    engine = PolicyQA.open(settings=Settings.from_env().override(index_dir=args.index, cache_dir=args.cache))
    locator = EvidenceLocator({path: s.text for path, s in engine.data.sources.items()})
    questions = [json.loads(line) for f in sorted((ROOT / "training" / "data").glob("answerable_*.jsonl"))
                 for line in f.read_text("utf-8").splitlines() if line.strip()]
    at1 = at5 = 0
    for q in questions:
        hits = list(engine.retriever.search(q["question"], k=5))
        held = [locator.matches(Retrieved(h.chunk.source, h.chunk.start, h.chunk.end, h.chunk.text), q["evidence"])
                for h in hits]
        at1 += bool(held and held[0])
        at5 += any(held)
    n = len(questions)
    logging.getLogger().setLevel(logging.INFO)
    log.info("%s: %d written training questions, R@1 %.4f, R@5 %.4f", args.index, n, at1 / n, at5 / n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
