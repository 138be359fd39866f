"""Verification of extractive answers: how many pass unchanged, and the cost per answer.

    python scripts/bench_verify.py --index var/index [--cache DIR] [--questions eval/questions.jsonl] [--repeat 5]

Every answered question's citations must match their source spans and its text must pass
``qa.verify.verify_answer_text`` unchanged; any sentence that fails is printed with its reasons
and the exit status is 1. The answers ``PolicyQA.ask`` gives are checked too: the same text and
citations plus, at most, the ``适用说明`` line of ``qa.precedence``, and every ``context`` quote exactly
its source span.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from qa import PolicyQA, Settings
from qa.verify import verify_answer_text, verify_quote


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--index", required=True)
    p.add_argument("--cache", default=None)
    p.add_argument("--questions", default=str(Path(__file__).resolve().parents[1] / "eval" / "questions.jsonl"))
    p.add_argument("--repeat", type=int, default=5, help="timing runs; the best is reported")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    engine = PolicyQA.open(settings=Settings.from_env().override(index_dir=args.index, cache_dir=args.cache))
    questions = [json.loads(line)["question"] for line in open(args.questions, encoding="utf-8") if line.strip()]
    answers = [engine.answerer.answer(q) for q in questions]  # before the engine's own verification
    answered = [a for a in answers if not a.abstained]
    bad_quotes = [(a.question, why) for a in answered for c in a.citations
                  if (why := verify_quote(c, engine.data.sources))]
    failed = [(a.question, s.sentence, s.reasons) for a in answered
              for s in verify_answer_text(a.answer, a.citations).failed]
    for q, why in bad_quotes:
        print(f"QUOTE {q}: {why}")
    for q, sentence, reasons in failed:
        print(f"SENTENCE {q}: {sentence[:100]} — {'; '.join(reasons)}")
    best = float("inf")
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        for a in answered:
            verify_answer_text(a.answer, a.citations)
        best = min(best, time.perf_counter() - t0)
    finals = [engine.ask(q) for q in questions]  # with context and the precedence line
    def changed_by_engine(a, f) -> bool:
        """Anything but the 适用说明 line and the precedence clauses it cites (added after a's own)."""
        head, _, line = f.answer.partition("\n适用说明：")
        extra = f.citations[len(a.citations):]
        return (head != a.answer or [c.quote for c in f.citations[:len(a.citations)]] != [c.quote for c in a.citations]
                or any(f"[{c.marker}]" not in line or verify_quote(c, engine.data.sources) for c in extra))

    changed = [a.question for a, f in zip(answers, finals) if not a.abstained and changed_by_engine(a, f)]
    bad_context = [(f.question, why) for f in finals for x in f.context if (why := verify_quote(x, engine.data.sources))]
    for q in changed:
        print(f"CHANGED by the engine {q}")
    for q, why in bad_context:
        print(f"CONTEXT {q}: {why}")
    with_context = [f for f in finals if f.context]
    print(f"context: {len(with_context)} answers, {sum(len(f.context) for f in with_context)} clauses; "
          f"适用说明 line: {sum('适用说明：' in f.answer for f in finals)} answers")
    bad = {q for q, *_ in failed} | {q for q, _ in bad_quotes} | set(changed) | {q for q, _ in bad_context}
    print(f"{len(answered) - len(bad)}/{len(answered)} answered questions pass unchanged "
          f"({len(answers) - len(answered)} abstained); verification {1000 * best / max(1, len(answered)):.2f} ms "
          f"per answer (best of {args.repeat})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
